/**
 * Upgrade and reinstall: the install pipeline run again from a tool's receipt, as a new generation.
 * Until `installTool` switches tools/<key> the old generation is untouched, so a failing index, a
 * resolver conflict or a kill leaves the old version working and its receipt byte-identical.
 *
 * upgrade-all first asks pip, for all tools at once, whether a newer version exists (latest.ts) and
 * builds only the tools that have one: "already at the latest version" costs one dry-run shared by
 * every tool, not a venv each. `upgrade NAME` builds at once (one pip run, as pipx does) and throws
 * the build away if it holds exactly what the current generation holds.
 */
import * as fs from 'node:fs';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { freeze, withPins } from './freeze.js';
import { installTool } from './install.js';
import { cannotRebuild } from './rebuild.js';
import { latestVersions } from './latest.js';
import type { Latest, Query } from './latest.js';
import { toolKey } from './names.js';
import { mapPool } from './pool.js';
import { compareVersions } from './python.js';
import type { Receipt, Request } from './receipt.js';
import { dropPin, parseSpec } from './spec.js';
import { requireInstalled } from './store.js';
import type { Installed } from './store.js';
import { venvPython } from './venv.js';

export type Outcome =
  | { key: string; status: 'upgraded'; from: string; to: string; notes: string[] }
  | { key: string; status: 'latest'; version: string }
  | { key: string; status: 'reinstalled'; version: string; python: string }
  | { key: string; status: 'skipped'; reason: string }
  | { key: string; status: 'failed'; error: TpxError };

export interface UpgradeOptions {
  /** Also upgrade injected packages (otherwise they stay at their installed versions). */
  includeInjected: boolean;
  /** Replace the recorded pip args / index for this and later upgrades. */
  pipArgs?: string[];
  indexUrl?: string;
  /** Upgrade pinned tools too. */
  force: boolean;
  /**
   * Ask the index first which tools have a newer version (one pip dry-run shared by all), and build
   * only those. Pays off for many tools, most of them current (upgrade-all); for a few named tools a
   * direct build is faster, and one that turns out unchanged is discarded.
   */
  check: boolean;
  jobs: number;
  cwd: string;
  /** Called as each tool finishes (upgrade-all prints one line per tool). */
  onOutcome?: (o: Outcome) => void;
}

export interface Ready {
  key: string;
  inst: Installed;
  receipt: Receipt;
}

/** A tool that can be rebuilt from its receipt, or why not (failed with a hint). */
export function readyTool(ctx: Context, key: string, needPython: boolean): Ready | Outcome {
  let inst: Installed & { receipt: Receipt };
  try {
    inst = requireInstalled(ctx, key);
  } catch (err) {
    return { key, status: 'failed', error: asTpxError(err) };
  }
  // existsSync follows the venv's python symlink: false when its base interpreter was removed.
  if (needPython && !fs.existsSync(venvPython(inst.dir))) {
    const hint = `rebuild it: tpx reinstall ${key} (--python PY picks another interpreter)`;
    return { key, status: 'failed', error: new TpxError('python-gone', `${key}'s Python is gone (${inst.receipt.python.executable})`, { hint }) };
  }
  return { key, inst, receipt: inst.receipt };
}

/** The recorded request with overrides applied and a pin dropped (the caller says so). */
export function upgradeRequest(recorded: Request, opts: Pick<UpgradeOptions, 'pipArgs' | 'indexUrl'>): { request: Request; droppedPin: string | null } {
  const unpinned = dropPin(recorded.spec);
  return {
    request: { ...recorded, spec: unpinned?.spec ?? recorded.spec, pipArgs: opts.pipArgs ?? recorded.pipArgs, indexUrl: opts.indexUrl ?? recorded.indexUrl },
    droppedPin: unpinned?.pin ?? null,
  };
}

/** Upgrades `keys`: (with `check`) one shared version check, then the outdated ones built `jobs` at a time. Never throws. */
export async function upgradeTools(ctx: Context, keys: string[], opts: UpgradeOptions): Promise<Outcome[]> {
  const done = (o: Outcome) => {
    opts.onOutcome?.(o);
    return o;
  };
  const ready = keys.map((key) => {
    const r = readyTool(ctx, key, true);
    if ('status' in r) return done(r);
    if (r.receipt.pinned && !opts.force) return done({ key, status: 'skipped', reason: `pinned at ${r.receipt.version}` });
    return { ...r, ...upgradeRequest(r.receipt.request, opts) };
  });
  const todo = ready.filter((r): r is Ready & ReturnType<typeof upgradeRequest> => !('status' in r));
  const checks = opts.check ? await checkTools(ctx, todo, opts) : new Map<string, Check>(todo.map((t) => [t.key, { newer: true, latest: null }]));
  const outcomes = await mapPool(todo, opts.jobs, async (t) => {
    const found = checks.get(t.key);
    if (found instanceof TpxError) return done({ key: t.key, status: 'failed', error: found });
    if (!found?.newer) return done({ key: t.key, status: 'latest', version: t.receipt.version });
    try {
      // A project path or URL can change without its version changing: such a rebuild is always kept.
      const fromIndex = [t.request.spec, ...t.request.injected.map((i) => i.spec)].every((spec) => isRequirement(spec, opts.cwd));
      const r = await rebuild(ctx, t, t.request, { cwd: opts.cwd, keepInjected: !opts.includeInjected, verb: 'upgrading', unlessUnchanged: fromIndex });
      if (!r) return done({ key: t.key, status: 'latest', version: t.receipt.version });
      const notes = t.droppedPin ? [`dropped the pin ${t.droppedPin}: the recorded spec is now ${t.request.spec}; \`tpx pin ${t.key}\` holds a version`] : [];
      return done({ key: t.key, status: 'upgraded', from: t.receipt.version, to: r.version, notes });
    } catch (err) {
      return done({ key: t.key, status: 'failed', error: explain(t.key, err) });
    }
  });
  return keys.map((k) => (outcomes.find((o) => o.key === k) ?? ready.find((r) => 'status' in r && r.key === k)) as Outcome);
}

/** What a check found for one tool: whether to build, and the newest version of its main package (null: cannot tell). */
export type Check = { newer: boolean; latest: string | null } | TpxError;

/**
 * One shared version check for many tools. Paths and URLs have no "newest version": they count as
 * newer (pip would reinstall them too). With `includeInjected`, a newer injected package counts.
 */
export async function checkTools(ctx: Context, tools: (Ready & { request: Request })[], opts: { includeInjected: boolean; jobs: number; cwd: string }): Promise<Map<string, Check>> {
  const wanted: { key: string; query: Query; installed: string | null; main: boolean }[] = [];
  const result = new Map<string, Check>();
  for (const t of tools) {
    result.set(t.key, { newer: false, latest: null });
    const base = { venv: t.inst.dir, interpreter: t.receipt.python.executable, indexUrl: t.request.indexUrl, pipArgs: t.request.pipArgs };
    const injected = opts.includeInjected ? t.request.injected : [];
    const dists = injected.length ? freeze(t.inst.dir) : [];
    for (const [spec, installed, main] of [[t.request.spec, t.receipt.version, true] as const, ...injected.map((i) => [i.spec, dists.find((d) => toolKey(d.name) === toolKey(i.name))?.version ?? null, false] as const)]) {
      let kind: string;
      try {
        kind = parseSpec(spec, opts.cwd).kind;
      } catch (err) {
        result.set(t.key, explain(t.key, err));
        break;
      }
      if (kind === 'requirement') wanted.push({ key: t.key, query: { ...base, spec }, installed, main });
      else result.set(t.key, { newer: true, latest: null });
    }
  }
  const what = tools.length === 1 ? `${tools[0]?.key} has` : `${tools.length} tools have`;
  const answers = wanted.length ? await ctx.out.task(`checking whether ${what} a newer version`, () => latestVersions(ctx, wanted.map((w) => w.query), opts.jobs)) : [];
  wanted.forEach((w, i) => {
    const a = answers[i] as Latest;
    const prior = result.get(w.key) as Check;
    if (prior instanceof TpxError) return;
    if ('error' in a) return void result.set(w.key, a.error);
    // Never a downgrade: an installed version newer than the index's newest counts as current.
    const newer = w.installed === null || (a.version !== w.installed && compareVersions(a.version, w.installed) > 0);
    result.set(w.key, { newer: prior.newer || newer, latest: w.main ? a.version : prior.latest });
  });
  return result;
}

/**
 * Builds `request` as a new generation of tool `t` and switches to it, unless the tool changed
 * meanwhile. With `keepInjected`, injected packages are held at their installed versions.
 */
export async function rebuild(ctx: Context, t: Ready, request: Request, opts: { cwd: string; keepInjected: boolean; verb: string; unlessUnchanged?: boolean }): Promise<Receipt | null> {
  // The build's progress line names what is happening to this tool, not "installing".
  const out = { ...ctx.out, task: <T>(_text: string, work: () => Promise<T>) => ctx.out.task(`${opts.verb} ${t.key}`, work) };
  const held = opts.keepInjected ? request.injected.map((i) => i.name) : [];
  const constraints = held.length > 0 ? freeze(t.inst.dir).filter((p) => held.some((n) => toolKey(n) === toolKey(p.name))) : [];
  const outcome = await withPins(ctx, { constraints, requirements: [] }, (extraPipArgs) =>
    installTool({ ...ctx, out }, {
      request,
      replace: true,
      forceLinks: false,
      expectKey: t.key,
      expectGeneration: t.inst.gen,
      carry: { pinned: t.receipt.pinned, installedAt: t.receipt.installedAt },
      extraPipArgs,
      unlessUnchanged: opts.unlessUnchanged,
      cwd: opts.cwd,
    }),
  );
  return outcome.status === 'installed' ? outcome.receipt : null;
}

/** Rebuilds `key` from its receipt (optionally on another interpreter, which is then recorded). */
export async function reinstallTool(ctx: Context, key: string, opts: { python?: string; cwd: string }): Promise<Outcome> {
  const t = readyTool(ctx, key, false);
  if ('status' in t) return t;
  try {
    const request = { ...t.receipt.request, python: opts.python ?? t.receipt.request.python };
    const r = await rebuild(ctx, t, request, { cwd: opts.cwd, keepInjected: false, verb: 'reinstalling' });
    if (!r) throw new TpxError('changed', `${key} changed while it was rebuilt`, { hint: 'run the command again' });
    return { key, status: 'reinstalled', version: r.version, python: r.python.version };
  } catch (err) {
    return { key, status: 'failed', error: explain(key, err) };
  }
}

function isRequirement(spec: string, cwd: string): boolean {
  try {
    return parseSpec(spec, cwd).kind === 'requirement';
  } catch {
    return false;
  }
}

/** A recorded path that is gone gets a hint about the tool, not about typing a path. */
function explain(key: string, err: unknown): TpxError {
  return err instanceof TpxError && err.code === 'no-such-path' ? cannotRebuild(key, err) : asTpxError(err);
}

function asTpxError(err: unknown): TpxError {
  return err instanceof TpxError ? err : new TpxError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}
