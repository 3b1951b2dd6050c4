/**
 * `tpx sync`: what it takes to make the machine match a tpx.toml (toolfile.ts), decided from disk
 * alone — the receipts' recorded requests against the file's — before anything is built. A tool
 * matches when its recorded request is the file's (python only when the file names one: without it,
 * whichever interpreter tpx picked is fine), its version satisfies the file's spec, and its Python
 * is there; pinned or expose alone differing is a receipt rewrite (and links), not a rebuild. So a second sync finds
 * every tool matching and does nothing.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { readTextOrNull } from '../base/fsx.js';
import { lockMismatch, lockedRequest } from './locking.js';
import { normalizeName } from '../packaging/names.js';
import { lockFileName, parsePylock } from '../packaging/pylock.js';
import { requestTable } from './toolfile.js';
import { satisfies } from '../packaging/pep440.js';
import { REQUEST_FIELDS, tomlColumns } from '../request/fields.js';
import type { Field } from '../request/fields.js';
import { withoutCredentials } from '../request/request.js';
import type { Request } from '../request/request.js';
import { specifiersOf } from '../packaging/spec.js';
import { pythonProblem } from '../store/status.js';
import { readInstalled, toolKeys } from '../store/store.js';
import type { ToolEntry, ToolFile } from './toolfile.js';

export type Step =
  /** Not installed (or its receipt is unreadable: `replace`). */
  | { kind: 'install'; key: string; entry: ToolEntry; replace: boolean }
  /** Installed, but not as the file says: rebuilt from the file's request. */
  | { kind: 'rebuild'; key: string; entry: ToolEntry; from: string; why: string }
  /** Only `pinned` differs. */
  | { kind: 'pin'; key: string; entry: ToolEntry; version: string }
  /** Only `expose` differs (and maybe `pinned`): its links made or removed, no rebuild. */
  | { kind: 'expose'; key: string; entry: ToolEntry; version: string; pin: boolean }
  | { kind: 'keep'; key: string; entry: ToolEntry; version: string }
  /** Installed, not in the file: uninstalled with --prune, else left (`extra`). */
  | { kind: 'uninstall'; key: string; version: string | null }
  | { kind: 'extra'; key: string; version: string | null }
  /** Its entry in tools/ is broken: nothing is done to it through that (store.ts). */
  | { kind: 'broken'; key: string; error: TpxError };

export function planSync(ctx: Context, file: ToolFile, opts: { prune: boolean }): Step[] {
  const steps: Step[] = file.tools.map((entry) => stepFor(ctx, entry));
  const wanted = new Set(file.tools.map((e) => e.key));
  for (const key of toolKeys(ctx).filter((k) => !wanted.has(k))) {
    let version: string | null = null;
    try {
      version = readInstalled(ctx, key)?.receipt?.version ?? null;
    } catch {
      // broken: uninstall still removes it
    }
    steps.push({ kind: opts.prune ? 'uninstall' : 'extra', key, version });
  }
  return steps;
}

/**
 * The file's tools that have a lock beside it (`pylock.<tool>.toml`, written by `tpx lock`), locked
 * to it: each lock must have been made from the request the file has now, and fit this Python and
 * platform; any that does not refuses the whole sync, before anything is changed. Returns the lock
 * file of each locked tool.
 */
export async function lockEntries(ctx: Context, file: ToolFile): Promise<Map<string, string>> {
  const dir = path.dirname(file.file);
  const used = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of file.tools) {
    const lockFile = path.join(dir, lockFileName(entry.key));
    const text = readTextOrNull(lockFile);
    if (text === null) continue;
    const shown = path.relative(ctx.cwd, lockFile) || lockFile;
    try {
      const lock = await parsePylock(text, shown);
      const mismatch = lockMismatch(lock, entry.key, requestTable(entry.request, dir));
      if (mismatch) throw new TpxError('lock-mismatch', `${shown} does not match ${path.basename(file.file)}: ${mismatch}`);
      entry.request = await lockedRequest(ctx, lock, entry.request, shown);
      used.set(entry.key, shown);
    } catch (err) {
      problems.push(toTpxError(err).message);
    }
  }
  if (problems.length > 0) {
    throw new TpxError('lock-mismatch', problems.length === 1 ? (problems[0] as string) : `${problems.length} locks cannot be used`, {
      details: problems.length === 1 ? undefined : problems.join('\n'),
      hint: 'nothing was changed; `tpx lock` locks the file as it is now (on this platform), or remove the lock to sync without it',
    });
  }
  return used;
}

function stepFor(ctx: Context, entry: ToolEntry): Step {
  const key = entry.key;
  let inst: ReturnType<typeof readInstalled>;
  try {
    inst = readInstalled(ctx, key);
  } catch (err) {
    return { kind: 'broken', key, error: toTpxError(err) };
  }
  if (!inst) return { kind: 'install', key, entry, replace: false };
  const r = inst.receipt;
  if (!r) return { kind: 'install', key, entry, replace: true };
  const why =
    pythonProblem(ctx, inst.dir, r.python)?.text ??
    requestDifference(r.request, entry.request) ??
    lockDifference(r.request, entry.request) ??
    versionDifference(r.version, entry.request.spec);
  if (why) return { kind: 'rebuild', key, entry, from: r.version, why };
  const lacking = missingApps(
    entry,
    r.version,
    r.apps.map((a) => a.name),
  );
  if (lacking) return { kind: 'broken', key, error: lacking };
  if (r.exposed !== entry.exposed) return { kind: 'expose', key, entry, version: r.version, pin: r.pinned !== entry.pinned };
  return r.pinned === entry.pinned ? { kind: 'keep', key, entry, version: r.version } : { kind: 'pin', key, entry, version: r.version };
}

/**
 * How a recorded request differs from the file's, as the user reads it (`pip-args (none) → --pre`);
 * null when it does not. Each field tpx.toml holds is compared as its table row says (request/fields.ts).
 */
export function requestDifference(recorded: Request, wanted: Request): string | null {
  // The file may hold credentials in a URL; a receipt never does (receipt.ts): compare without.
  const w = withoutCredentials(wanted);
  for (const [name, col] of tomlColumns(REQUEST_FIELDS)) {
    if (col.sync === false) continue;
    const { view = (v: unknown) => v, ifGiven } = col.sync ?? {};
    if (ifGiven && same(w[name], (REQUEST_FIELDS[name] as Field<unknown>).default)) continue;
    const [a, b] = [view(recorded[name]), view(w[name])];
    if (!same(a, b)) return `${col.key} ${shown(a)} → ${shown(b)}`;
  }
  return null;
}

function shown(v: unknown): string {
  return v === null || (Array.isArray(v) && v.length === 0) ? '(none)' : Array.isArray(v) ? v.join(' ') : String(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * With a lock: the installed files must be the lock's, by hash (a tool installed without one, or from
 * another, is rebuilt). Without one: a tool still installed from a lock is rebuilt from its spec, so
 * removing the lock file unlocks the tool (upgrade skips a locked tool).
 */
export function lockDifference(recorded: Request, wanted: Request): string | null {
  if (!wanted.lock) return recorded.lock ? 'its lock is gone: resolved from its spec' : null;
  const files = (r: Request) =>
    (r.lock ?? [])
      .map((d) => `${normalizeName(d.name)} ${d.version} ${d.hash}`)
      .sort()
      .join('\n');
  if (!recorded.lock) return 'it was not installed from its lock';
  return files(recorded) === files(wanted) ? null : 'its lock has other files';
}

/** Why the installed version is not what the spec asks for (`22.12.0 does not satisfy >=24`); null when it is. */
export function versionDifference(version: string, spec: string): string | null {
  const set = specifiersOf(spec);
  return set && !satisfies(version, set, { prereleases: true }) ? `${version} does not satisfy ${set.text}` : null;
}

/**
 * The file's `apps` are the apps the tool must have: one it lacks is an error naming them (the tool
 * itself is left as it is; which apps are linked is not narrowed by the list).
 */
export function missingApps(entry: ToolEntry, version: string, apps: string[]): TpxError | null {
  const missing = (entry.apps ?? []).filter((a) => !apps.includes(a));
  if (missing.length === 0) return null;
  return new TpxError(
    'no-such-app',
    `${entry.key} ${version} has no app ${missing.join(', ')}, which tools.${entry.name}.apps names (its apps: ${apps.join(', ') || 'none'})`,
    {
      hint: 'correct the apps list in the file, or the spec of the package that should provide them',
    },
  );
}
