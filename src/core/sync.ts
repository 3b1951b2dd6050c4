/**
 * `tpx sync`: what it takes to make the machine match a tpx.toml (toolfile.ts), decided from disk
 * alone — the receipts' recorded requests against the file's — before anything is built. A tool
 * matches when its recorded request is the file's (python only when the file names one: without it,
 * whichever interpreter tpx picked is fine), its version satisfies the file's spec, and its Python
 * is there; pinned alone differing is a receipt rewrite, not a rebuild. So a second sync finds
 * every tool matching and does nothing.
 */
import type { Context } from './context.js';
import { toTpxError } from './errors.js';
import type { TpxError } from './errors.js';
import { satisfies } from './pep440.js';
import { withoutCredentials } from './receipt.js';
import type { Request } from './receipt.js';
import { specifiersOf } from './spec.js';
import { pythonProblem } from './status.js';
import { readInstalled, toolKeys } from './store.js';
import type { ToolEntry, ToolFile } from './toolfile.js';

export type Step =
  /** Not installed (or its receipt is unreadable: `replace`). */
  | { kind: 'install'; key: string; entry: ToolEntry; replace: boolean }
  /** Installed, but not as the file says: rebuilt from the file's request. */
  | { kind: 'rebuild'; key: string; entry: ToolEntry; from: string; why: string }
  /** Only `pinned` differs. */
  | { kind: 'pin'; key: string; entry: ToolEntry; version: string }
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
  const why = pythonProblem(inst.dir, r.python)?.text ?? requestDifference(r.request, entry.request) ?? versionDifference(r.version, entry.request.spec);
  if (why) return { kind: 'rebuild', key, entry, from: r.version, why };
  return r.pinned === entry.pinned ? { kind: 'keep', key, entry, version: r.version } : { kind: 'pin', key, entry, version: r.version };
}

/** How a recorded request differs from the file's, as the user reads it; null when it does not. */
export function requestDifference(recorded: Request, wanted: Request): string | null {
  // The file may hold credentials in a URL; a receipt never does (receipt.ts): compare without.
  const w = withoutCredentials(wanted);
  const shown = (v: unknown) => (v === null || (Array.isArray(v) && v.length === 0) ? '(none)' : Array.isArray(v) ? v.join(' ') : String(v));
  const differs = (field: string, a: unknown, b: unknown) => (JSON.stringify(a) === JSON.stringify(b) ? null : `${field} ${shown(a)} → ${shown(b)}`);
  const injected = (r: Request) => r.injected.map((i) => `${compact(i.spec)}${i.includeApps ? ' (apps)' : ''}`).sort();
  return (
    differs('spec', compact(recorded.spec), compact(w.spec)) ??
    (w.python === null ? null : differs('python', recorded.python ?? 'the default', w.python)) ??
    differs('index-url', recorded.indexUrl, w.indexUrl) ??
    differs('pip-args', recorded.pipArgs, w.pipArgs) ??
    differs('with', injected(recorded), injected(w)) ??
    differs('include-deps', recorded.includeDeps, w.includeDeps) ??
    differs('system-site-packages', recorded.systemSitePackages, w.systemSitePackages)
  );
}

/** A requirement without the spaces that do not change it (`black >= 24` is `black>=24`); paths and URLs as they are. */
function compact(spec: string): string {
  return /^[A-Za-z0-9]/.test(spec) && !spec.includes('://') ? spec.replace(/\s+/g, '') : spec;
}

/** Why the installed version is not what the spec asks for (`22.12.0 does not satisfy >=24`); null when it is. */
export function versionDifference(version: string, spec: string): string | null {
  const set = specifiersOf(spec);
  return set && !satisfies(version, set, { prereleases: true }) ? `${version} does not satisfy ${set.text}` : null;
}
