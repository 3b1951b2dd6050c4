/** Reinstall: rebuild a tool from its receipt, e.g. after its base Python was upgraded or removed. */
import type { Context } from '../base/context.js';
import { quiet } from '../base/context.js';
import { mapPool } from '../base/pool.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { linkChanges } from './outcome.js';
import type { Outcome } from './outcome.js';
import { readyTool, rebuild } from './rebuild.js';

/** Rebuilds `key` from its receipt (optionally on another interpreter, which is then recorded). Never throws. */
export async function reinstallTool(ctx: Context, key: string, opts: { python?: string }): Promise<Outcome> {
  const t = readyTool(ctx, key, false);
  if ('status' in t) return t;
  try {
    const request = { ...t.receipt.request, python: opts.python ?? t.receipt.request.python };
    const r = await rebuild(ctx, t, request, { verb: 'reinstalling', replay: true });
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
