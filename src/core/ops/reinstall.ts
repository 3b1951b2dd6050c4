/** Reinstall: rebuild a tool from its receipt, e.g. after its base Python was upgraded or removed; what is pinned stays at its version. */
import type { Context } from '../base/context.js';
import { quiet } from '../base/context.js';
import { mapPool } from '../base/pool.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { linkChanges } from './outcome.js';
import type { Outcome } from './outcome.js';
import type { Interpreter } from '../python/python.js';
import { readyTool, rebuild } from './rebuild.js';
import type { Ready } from './rebuild.js';
import { freeze } from '../installer/freeze.js';
import type { Pin } from '../installer/freeze.js';
import { toolKey } from '../packaging/names.js';

/**
 * Rebuilds `key` from its receipt (optionally on another interpreter: `python`, which is then
 * recorded, or `py`, chosen already, which is not). Never throws.
 */
export async function reinstallTool(ctx: Context, key: string, opts: { python?: string; py?: Interpreter }): Promise<Outcome> {
  const t = readyTool(ctx, key, false);
  if ('status' in t) return t;
  try {
    const request = { ...t.receipt.request, python: opts.python ?? t.receipt.request.python };
    const r = await rebuild(ctx, t, request, {
      verb: 'reinstalling',
      py: opts.py,
      replay: true,
      pins: { constraints: heldVersions(ctx, t), requirements: [] },
      // A pinned script tool stays the script it is (a script's version is its text).
      rereadScript: !t.receipt.pinned,
    });
    if (!r) throw new TpxError('changed', `${key} changed while it was rebuilt`, { hint: 'run the command again' });
    return {
      key,
      status: 'reinstalled',
      version: r.version,
      python: r.python.version,
      from: t.receipt.version,
      apps: linkChanges(t.receipt.apps, r.apps),
    };
  } catch (err) {
    return { key, status: 'failed', error: toTpxError(err) };
  }
}

/**
 * What a reinstall holds at its installed version (pip constraints): a pinned tool's own package and
 * every pinned injected package — a rebuild must not move what `tpx pin` holds. A lock holds
 * everything already.
 */
function heldVersions(ctx: Context, t: Ready): Pin[] {
  const r = t.receipt;
  if (r.request.lock) return [];
  const held = new Set([
    ...(r.pinned && r.request.kind !== 'script' ? [r.name] : []),
    ...r.request.injected.filter((i) => i.pinned).map((i) => i.name),
  ]);
  if (held.size === 0) return [];
  const names = new Set([...held].map((n) => toolKey(n)));
  return freeze(ctx, t.inst.dir).filter((p) => names.has(toolKey(p.name)));
}

/**
 * `tpx reinstall` / `reinstall-all`: several at once, like upgrade-all. Each build is its own
 * generation under its own lock, so parallel rebuilds cannot interfere, and the base interpreter is
 * only read. `onOutcome` as each finishes; the outcomes come back in the order of `keys`.
 */
export async function reinstallTools(
  ctx: Context,
  keys: string[],
  opts: { python?: string; jobs: number },
  onOutcome: (o: Outcome) => void,
): Promise<Outcome[]> {
  const work = keys.length > 1 ? quiet(ctx) : ctx;
  return mapPool(keys, opts.jobs, async (key) => {
    const o = await reinstallTool(work, key, opts);
    onOutcome(o);
    return o;
  });
}
