/** Rebuilding a tool because the user asked to change its venv (inject, uninject). */
import type { Context } from '../../core/base/context.js';
import { TpxError } from '../../core/base/errors.js';
import { freeze } from '../../core/installer/freeze.js';
import type { Pin } from '../../core/installer/freeze.js';
import { rebuild } from '../../core/ops/rebuild.js';
import type { Ready } from '../../core/ops/rebuild.js';
import type { Receipt } from '../../core/store/receipt.js';
import type { Request } from '../../core/request/request.js';
import { envPath } from '../../core/store/store.js';

export interface Rebuilt {
  receipt: Receipt;
  /** The new generation's distributions. */
  after: Pin[];
}

/**
 * Rebuilds the tool with a changed request (core/ops/rebuild.ts). The user asked to change the tool's
 * venv, so a failure says that it was left as it was.
 */
export async function rebuildInPlaceOf(
  ctx: Context,
  t: Ready['inst'],
  request: Request,
  opts: { pins: { constraints: Pin[]; requirements: Pin[] }; forceLinks?: boolean },
): Promise<Rebuilt> {
  let receipt: Receipt | null;
  // The venv is no longer the lock's: it is resolved (with the installed versions held) instead (receipt.ts, `lock`).
  if (request.lock) ctx.out.info(`note: ${t.key} was installed from a lock; changed, it is resolved from its spec from now on`);
  try {
    receipt = await rebuild(ctx, { key: t.key, inst: t, receipt: t.receipt }, { ...request, lock: null }, { ...opts, verb: 'rebuilding' });
  } catch (err) {
    if (!(err instanceof TpxError) || (err.code !== 'pip-failed' && err.code !== 'no-such-path')) throw err;
    throw err.rephrase({ hint: [`${t.key} was left as it was.`, err.hint].filter(Boolean).join('\n') });
  }
  if (!receipt) throw new TpxError('changed', `${t.key} changed while it was rebuilt`, { hint: 'run the command again' });
  return { receipt, after: freeze(ctx, envPath(ctx, receipt.generation)) };
}
