/**
 * The receipt format: one per generation, `envs/<gen>/tpx.json`. Read back field by field with its
 * type (docs/architecture.md, "Trust nothing on disk"): a receipt tpx did not write — a field
 * missing, null, of another type, an app name that is not a plain file name, a generation name
 * tpx would not make, a pip option that redirects the install — is unreadable, and says which
 * field, so it never becomes a TypeError or a path later. Written without credentials.
 */
import * as path from 'node:path';
import type { AppKind } from '../packaging/distinfo.js';
import { resourcePlace } from '../packaging/distinfo.js';
import { TpxError } from '../base/errors.js';
import { lstatOrNull, readTextOrNull, writeFileAtomic } from '../base/fsx.js';
import { isSafeFileName, isToolKey, isValidDistName, isValidSuffix } from '../packaging/names.js';
import { checkPipArgs } from '../request/pipargs.js';
import { REQUEST_KINDS, withoutCredentials } from '../request/request.js';
import type { Request, RequestKind } from '../request/request.js';

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
  const stored = { ...receipt, request: withoutCredentials(receipt.request) };
  // A rewrite (pin, rollback, runpip) keeps the receipt's mode: a `--global` one stays readable by every user.
  const like = mode === undefined ? lstatOrNull(receiptPath(envDir)) : null;
  writeFileAtomic(receiptPath(envDir), `${JSON.stringify(stored, null, 2)}\n`, mode ?? (like ? like.mode & 0o777 : 0o600));
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
  const r = object(value, 'the receipt');
  if (r.schema !== RECEIPT_SCHEMA) throw wrong('schema', r.schema, `${RECEIPT_SCHEMA}`);
  const req = object(r.request, 'request');
  const py = object(r.python, 'python');
  const suffix = str(req.suffix, 'request.suffix', isValidSuffix, 'a suffix');
  const strings = (v: unknown, field: string, ok?: (s: string) => boolean, what?: string) =>
    array(v, field).map((a, i) => str(a, `${field}[${i}]`, ok, what));
  const request: Request = {
    spec: str(req.spec, 'request.spec', nonEmpty),
    kind: optional(
      req.kind,
      'package',
      (v) => str(v, 'request.kind', (k) => (REQUEST_KINDS as readonly string[]).includes(k), REQUEST_KINDS.join(', ')) as RequestKind,
    ),
    indexUrl: nullable(req.indexUrl, 'request.indexUrl'),
    pipArgs: strings(req.pipArgs, 'request.pipArgs'),
    python: nullable(req.python, 'request.python'),
    systemSitePackages: bool(req.systemSitePackages, 'request.systemSitePackages'),
    includeDeps: bool(req.includeDeps, 'request.includeDeps'),
    suffix,
    apps: optional(req.apps, null, (v) => (v === null ? null : strings(v, 'request.apps', isSafeFileName, 'a plain file name'))),
    preinstall: optional(req.preinstall, [], (v) => strings(v, 'request.preinstall', nonEmpty)),
    includeResourcesFrom: optional(req.includeResourcesFrom, [], (v) =>
      strings(v, 'request.includeResourcesFrom', isValidDistName, 'a package name'),
    ),
    injected: array(req.injected, 'request.injected').map((v, i) => {
      const o = object(v, `request.injected[${i}]`);
      const at = `request.injected[${i}]`;
      return {
        spec: str(o.spec, `${at}.spec`, nonEmpty),
        name: str(o.name, `${at}.name`, (n) => n === '' || isValidDistName(n), 'a package name'),
        includeApps: bool(o.includeApps, `${at}.includeApps`),
        includeDeps: optional(o.includeDeps, false, (x) => bool(x, `${at}.includeDeps`)),
        pipArgs: optional(o.pipArgs, [], (x) => strings(x, `${at}.pipArgs`)),
        pinned: optional(o.pinned, false, (x) => bool(x, `${at}.pinned`)),
      };
    }),
  };
  if (req.lock !== undefined && req.lock !== null) {
    request.lock = array(req.lock, 'request.lock').map((v, i) => {
      const o = object(v, `request.lock[${i}]`);
      const at = `request.lock[${i}]`;
      return {
        name: str(o.name, `${at}.name`, isValidDistName, 'a package name'),
        version: str(o.version, `${at}.version`, nonEmpty),
        file: str(o.file, `${at}.file`, isSafeFileName, 'a file name'),
        url: nullable(o.url, `${at}.url`),
        direct: bool(o.direct, `${at}.direct`),
        hash: str(o.hash, `${at}.hash`, (h) => /^sha(256|384|512):[0-9a-f]+$/.test(h), 'sha256:<hex digest>'),
      };
    });
  }
  try {
    checkPipArgs(request.pipArgs, 'request.pipArgs');
    request.injected.forEach((inj, i) => checkPipArgs(inj.pipArgs, `request.injected[${i}].pipArgs`));
  } catch (err) {
    throw new Unreadable(err instanceof Error ? err.message : String(err));
  }
  const apps = array(r.apps, 'apps').map((v, i) => {
    const o = object(v, `apps[${i}]`);
    const kind = str(
      o.kind,
      `apps[${i}].kind`,
      (k) => k === 'console' || k === 'gui' || k === 'script',
      'console, gui or script',
    ) as AppKind;
    return {
      name: str(o.name, `apps[${i}].name`, isSafeFileName, 'a plain file name'),
      kind,
      dist: str(o.dist, `apps[${i}].dist`),
      link: str(o.link, `apps[${i}].link`, path.isAbsolute, 'an absolute path'),
    };
  });
  const resources = optional(r.resources, [], (v) =>
    array(v, 'resources').map((x, i) => {
      const o = object(x, `resources[${i}]`);
      const at = `resources[${i}]`;
      return {
        path: str(o.path, `${at}.path`, (p) => resourcePlace(p) !== null, 'a man page or completion file under share/'),
        dist: str(o.dist, `${at}.dist`),
        link: str(o.link, `${at}.link`, path.isAbsolute, 'an absolute path'),
      };
    }),
  );
  return {
    schema: RECEIPT_SCHEMA,
    key: str(r.key, 'key', isToolKey, 'a tool key'),
    name: str(r.name, 'name', isValidDistName, 'a package name'),
    version: str(r.version, 'version', nonEmpty),
    request,
    python: {
      executable: str(py.executable, 'python.executable', nonEmpty),
      version: str(py.version, 'python.version', (v) => /^\d+\.\d+(\.\d+)?/.test(v), 'a Python version'),
    },
    apps,
    resources,
    pinned: bool(r.pinned, 'pinned'),
    exposed: optional(r.exposed, true, (v) => bool(v, 'exposed')),
    generation: str(r.generation, 'generation', isGenerationName, 'a generation name'),
    previousGeneration:
      r.previousGeneration === null ? null : str(r.previousGeneration, 'previousGeneration', isGenerationName, 'a generation name'),
    installedAt: str(r.installedAt, 'installedAt'),
    updatedAt: str(r.updatedAt, 'updatedAt'),
  };
}

/** A field added after the first receipts: missing means `fallback`, what a tpx before it did; present, it is checked like any other. */
function optional<T>(v: unknown, fallback: T, read: (v: unknown) => T): T {
  return v === undefined ? fallback : read(v);
}

function shown(v: unknown): string {
  if (v === undefined) return 'missing';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function wrong(field: string, v: unknown, what: string): Unreadable {
  return new Unreadable(`${field} is ${shown(v)}, not ${what}`);
}

const nonEmpty = (s: string) => s !== '';

function str(v: unknown, field: string, ok: (s: string) => boolean = () => true, what = 'a string'): string {
  if (typeof v !== 'string' || !ok(v)) throw wrong(field, v, what === 'a string' && typeof v === 'string' ? 'a non-empty string' : what);
  return v;
}

function nullable(v: unknown, field: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') throw wrong(field, v, 'a string or null');
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw wrong(field, v, 'true or false');
  return v;
}

function array(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw wrong(field, v, 'a list');
  return v;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrong(field, v, 'an object');
  return v as Record<string, unknown>;
}
