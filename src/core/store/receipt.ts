/**
 * The receipt format: one per generation, `envs/<gen>/tpx.json`. Read back field by field with its
 * type (docs/architecture.md, "Trust nothing on disk"): a receipt tpx did not write — a field
 * missing, null, of another type, an app name that is not a plain file name, a generation name
 * tpx would not make, a pip option that redirects the install — is unreadable, and says which
 * field, so it never becomes a TypeError or a path later. Its request is read by the request-field
 * table (request/fields.ts), the rest here with the same checks (base/check.ts). Written without credentials.
 */
import * as path from 'node:path';
import type { AppKind } from '../packaging/distinfo.js';
import { resourcePlace } from '../packaging/distinfo.js';
import { TpxError } from '../base/errors.js';
import { lstatOrNull, readTextOrNull, writeFileAtomic } from '../base/fsx.js';
import { Mismatch, anyText, flag, listOf, object, orNull, shown, text } from '../base/check.js';
import type { Check } from '../base/check.js';
import { isSafeFileName, isToolKey, isValidDistName } from '../packaging/names.js';
import { readRequest } from '../request/fields.js';
import { withoutCredentials } from '../request/request.js';
import type { Request } from '../request/request.js';

export const RECEIPT_FILE = 'tpx.json';
export const RECEIPT_SCHEMA = 1;

export interface LinkedApp {
  name: string;
  kind: AppKind;
  dist: string;
  /** Absolute path of the link in the bin dir. */
  link: string;
}

/** A man page or completion file of the tool, and its link (distinfo.ts, Resource). */
export interface LinkedResource {
  /** Relative to the venv: `share/man/man1/black.1`. */
  path: string;
  dist: string;
  /** Absolute path of the link in the man or completions dir. */
  link: string;
}

/**
 * A tool's receipt, one per generation, stored beside its venv. It is the last thing written before
 * a generation is committed, so a committed generation always has one.
 */
export interface Receipt {
  schema: number;
  /** Folder and lock name: normalised name + suffix. */
  key: string;
  name: string;
  version: string;
  request: Request;
  python: { executable: string; version: string };
  apps: LinkedApp[];
  /** Linked man pages and completion files; [] in receipts older than them. */
  resources: LinkedResource[];
  pinned: boolean;
  /** Whether its apps (man pages, completions) are linked: `tpx unexpose` clears it; true in older receipts. */
  exposed: boolean;
  generation: string;
  previousGeneration: string | null;
  installedAt: string;
  updatedAt: string;
}

/** A generation's name, as store.newGeneration makes it: base-36 milliseconds, `-`, six hex digits. */
export function isGenerationName(name: string): boolean {
  return /^[0-9a-z]{1,12}-[0-9a-f]{6}$/.test(name);
}

export function receiptPath(envDir: string): string {
  return path.join(envDir, RECEIPT_FILE);
}

/**
 * Writes the receipt (atomically). Credentials in its URLs are not written: a receipt is a file
 * like any other, and tpx never writes a credential (docs/architecture.md, "Credentials");
 * upgrade and reinstall get them from pip's configuration, keyring or ~/.netrc, or a flag again.
 */
export function writeReceipt(envDir: string, receipt: Receipt, mode?: number): void {
  // A rewrite (pin, rollback, runpip) keeps the receipt's mode: a `--global` one stays readable by every user.
  const like = mode === undefined ? lstatOrNull(receiptPath(envDir)) : null;
  const fileMode = mode ?? (like ? like.mode & 0o777 : 0o600);
  const stored = {
    ...receipt,
    request: withoutCredentials(receipt.request),
    ...managedBy(receipt.key, fileMode === receiptMode({ global: true })),
  };
  writeFileAtomic(receiptPath(envDir), `${JSON.stringify(stored, null, 2)}\n`, fileMode);
}

/**
 * "Who manages me", for the tool's own code (README, "Who manages this tool"): the receipt is
 * `tpx.json` in the venv's prefix (Python's `sys.prefix`), and these keys, with `schema`, `key`,
 * `name`, `version` and `request.spec`, are a stable contract. Written, never read back: tpx
 * derives them from the key.
 */
export function managedBy(key: string, global: boolean): { installer: 'tpx'; upgrade: string[] } {
  return { installer: 'tpx', upgrade: ['tpx', 'upgrade', ...(global ? ['--global'] : []), key] };
}

/**
 * A new receipt's mode: the user's own toolbox keeps its receipts to its owner; the `--global` one
 * is every user's (`tpx list --global` reads them), and a receipt never holds a credential.
 */
export function receiptMode(paths: { global: boolean }): number {
  return paths.global ? 0o644 : 0o600;
}

/**
 * The receipt in `envDir`: the receipt; null when there is none; or a string saying why it is
 * unreadable ("request.spec is null, not a string").
 */
export function loadReceipt(envDir: string): Receipt | null | string {
  let text: string | null;
  try {
    text = readTextOrNull(receiptPath(envDir));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (text === null) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  try {
    return validateReceipt(data);
  } catch (err) {
    if (err instanceof Unreadable) return err.message;
    throw err;
  }
}

/** Reads a receipt; null when absent, a TpxError when present but unreadable. */
export function readReceipt(envDir: string): Receipt | null {
  const r = loadReceipt(envDir);
  if (typeof r === 'string') {
    throw new TpxError('bad-receipt', `${receiptPath(envDir)} is unreadable: ${r}`, {
      hint: 'it was not written by this tpx; `tpx doctor` says what can be done',
    });
  }
  return r;
}

class Unreadable extends Error {}

/** `value` as a Receipt, or an Unreadable naming the first field that is wrong. */
export function validateReceipt(value: unknown): Receipt {
  try {
    return receiptOf(value);
  } catch (err) {
    if (err instanceof Mismatch) throw new Unreadable(unreadable(err));
    // A rule of the field's own (checkPipArgs) says which field in its message.
    if (err instanceof TpxError) throw new Unreadable(err.message);
    throw err;
  }
}

/** "request.spec is null, not a string": a receipt says "a string" of a value that is none at all. */
function unreadable(m: Mismatch): string {
  if (m.what === null) return m.message;
  const what = m.what === 'a non-empty string' && typeof m.value !== 'string' ? 'a string' : m.what;
  return `${m.at} is ${shown(m.value)}, not ${what}`;
}

function receiptOf(value: unknown): Receipt {
  const r = object(value, 'the receipt');
  if (r.schema !== RECEIPT_SCHEMA) throw new Mismatch('schema', r.schema, `${RECEIPT_SCHEMA}`);
  const py = object(r.python, 'python');
  return {
    schema: RECEIPT_SCHEMA,
    key: text('a tool key', isToolKey)(r.key, 'key'),
    name: text('a package name', isValidDistName)(r.name, 'name'),
    version: text()(r.version, 'version'),
    request: readRequest(r.request, 'request', 'strict'),
    python: {
      executable: text()(py.executable, 'python.executable'),
      version: text('a Python version', (v) => /^\d+\.\d+(\.\d+)?/.test(v))(py.version, 'python.version'),
    },
    apps: listOf(linkedApp)(r.apps, 'apps'),
    // Fields added after the first receipts: missing means what a tpx before them did.
    resources: r.resources === undefined ? [] : listOf(linkedResource)(r.resources, 'resources'),
    pinned: flag(r.pinned, 'pinned'),
    exposed: r.exposed === undefined ? true : flag(r.exposed, 'exposed'),
    generation: generationName(r.generation, 'generation'),
    previousGeneration: orNull(generationName)(r.previousGeneration, 'previousGeneration'),
    installedAt: anyText(r.installedAt, 'installedAt'),
    updatedAt: anyText(r.updatedAt, 'updatedAt'),
  };
}

const generationName = text('a generation name', isGenerationName);
const absolute = text('an absolute path', path.isAbsolute);

const linkedApp: Check<LinkedApp> = (v, at) => {
  const o = object(v, at);
  return {
    name: text('a plain file name', isSafeFileName)(o.name, `${at}.name`),
    kind: text('console, gui or script', (k) => k === 'console' || k === 'gui' || k === 'script')(o.kind, `${at}.kind`) as AppKind,
    dist: anyText(o.dist, `${at}.dist`),
    link: absolute(o.link, `${at}.link`),
  };
};

const linkedResource: Check<LinkedResource> = (v, at) => {
  const o = object(v, at);
  return {
    path: text('a man page or completion file under share/', (p) => resourcePlace(p) !== null)(o.path, `${at}.path`),
    dist: anyText(o.dist, `${at}.dist`),
    link: absolute(o.link, `${at}.link`),
  };
};
