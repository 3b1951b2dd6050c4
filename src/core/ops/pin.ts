/** `tpx pin` / `unpin`: a tool held at its version, or its injected packages; a receipt rewrite under the tool's lock. */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { withLock } from '../base/mutex.js';
import { writeReceipt } from '../store/receipt.js';
import { requireInstalled } from '../store/store.js';
import { toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';

/**
 * Flips `pinned` in the current generation's receipt, atomically and under the tool's lock — for the
 * tool and every package injected into it, as pipx pins a venv's packages (`pin --injected-only`
 * holds those alone); says how many injected packages it pinned or freed.
 */
export async function setPinned(ctx: Context, key: string, pinned: boolean): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    const changed = r.request.injected.filter((i) => i.pinned !== pinned).length;
    if (r.pinned === pinned && changed === 0) {
      ctx.out.info(`${key} is already ${pinned ? `pinned at ${r.version}` : 'unpinned'}`);
      return toolResult(key, 'unchanged', version);
    }
    const injected = r.request.injected.map((i) => ({ ...i, pinned }));
    writeReceipt(inst.dir, { ...r, pinned, request: { ...r.request, injected } });
    const also = changed > 0 ? ` and ${changed} injected package${changed === 1 ? '' : 's'}` : '';
    ctx.out.info(
      pinned
        ? `pinned ${key} at ${r.version}${also}: upgrade-all skips it, \`tpx upgrade --force ${key}\` upgrades it anyway`
        : `unpinned ${key} (${r.version})${also}`,
    );
    return toolResult(key, pinned ? 'pinned' : 'unpinned', version);
  });
}

/** `pin --injected-only`: holds every injected package at its installed version; the tool itself stays free to move. */
export async function pinInjected(ctx: Context, key: string): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    if (r.request.injected.length === 0) {
      throw new TpxError('not-injected', `nothing is injected into ${key}: --injected-only has nothing to pin`, {
        hint: `pin the tool itself with \`tpx pin ${key}\``,
      });
    }
    if (r.request.injected.every((i) => i.pinned)) {
      ctx.out.info(`${key}'s injected packages are already pinned`);
      return toolResult(key, 'unchanged', version);
    }
    writeReceipt(inst.dir, { ...r, request: { ...r.request, injected: r.request.injected.map((i) => ({ ...i, pinned: true })) } });
    ctx.out.info(
      `pinned the packages injected into ${key} (${r.request.injected.map((i) => i.name || i.spec).join(', ')}): \`tpx upgrade --include-injected ${key}\` leaves them at their versions`,
    );
    return toolResult(key, 'pinned', version);
  });
}
