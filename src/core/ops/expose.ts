/** `tpx expose` / `unexpose`: a tool's links made again from its receipt, or removed, without rebuilding it. */
import type { Context } from '../base/context.js';
import { applyLinks, planLinks, receiptLinks, removeLinksExcept } from '../store/links.js';
import { withLock } from '../base/mutex.js';
import { toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';
import { writeReceipt } from '../store/receipt.js';
import type { Receipt } from '../store/receipt.js';
import { requireInstalled } from '../store/store.js';

/**
 * The receipt records the links the tool would have even while it is not exposed (install.ts), so
 * exposing is planning and making exactly those: every slot is checked before one is touched, and
 * the receipt is written before the links are kept (a failure puts every slot back).
 */
export async function expose(ctx: Context, key: string, force: boolean): Promise<{ result: ToolResult; receipt: Receipt }> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    if (r.exposed) return { result: toolResult(key, 'unchanged', version), receipt: r };
    const exposed = { ...r, exposed: true };
    const plans = await planLinks(ctx, key, receiptLinks(ctx, exposed), force);
    const links = applyLinks(ctx, plans);
    try {
      writeReceipt(inst.dir, { ...exposed, updatedAt: new Date().toISOString() });
    } catch (err) {
      links.rollback();
      throw err;
    }
    links.commit();
    const result = toolResult(key, 'exposed', {
      ...version,
      apps: { linked: plans.filter((p) => p.kind === 'app').map((p) => p.link), unlinked: [] },
    });
    return { result, receipt: r };
  });
}

/**
 * Recorded first, then unlinked: a link left by a crash in between is a stray link `tpx doctor --fix`
 * removes. `removed`: how many links went (apps, man pages, completions).
 */
export async function unexpose(ctx: Context, key: string): Promise<{ result: ToolResult; removed: number }> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    if (!r.exposed) return { result: toolResult(key, 'unchanged', version), removed: 0 };
    writeReceipt(inst.dir, { ...r, exposed: false, updatedAt: new Date().toISOString() });
    const removed = removeLinksExcept(ctx, key, []);
    const apps = new Set(r.apps.map((a) => a.link));
    const result = toolResult(key, 'unexposed', { ...version, apps: { linked: [], unlinked: removed.filter((l) => apps.has(l)) } });
    return { result, removed: removed.length };
  });
}
