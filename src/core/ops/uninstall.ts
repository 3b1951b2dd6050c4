/** Uninstalling a tool: its links in the bin dir first, then its entry in tools/; its generations are then garbage. */
import type { Context } from '../base/context.js';
import { toTpxError } from '../base/errors.js';
import { removeLinksExcept } from '../store/links.js';
import { withLock } from '../base/mutex.js';
import { collectGarbage, notInstalled, readEntry, readInstalled, removeTool } from '../store/store.js';

/**
 * Works from what is on disk, not from the receipt: the links removed are the bin dir's links into
 * tools/<key>/ (a receipt may be lost, corrupt, or name paths that are not tpx's), and the entry
 * tools/<key> is removed itself — never anything it points at. Its generations are then collected
 * like any other garbage (store.collectGarbage), so a generation another tool refers to is never
 * deleted, and generations a killed uninstall left behind go too, even when the tool is already gone.
 */
export async function uninstallTool(ctx: Context, key: string): Promise<{ version: string | null; removed: string[] }> {
  try {
    return await withLock(ctx, key, async () => {
      const entry = readEntry(ctx, key);
      if (entry.state === 'none') throw notInstalled(ctx, key);
      const version = entry.state === 'ok' ? readInstalled(ctx, key)?.receipt?.version : undefined;
      let removed: string[];
      try {
        removed = removeLinksExcept(ctx, key, []);
        removeTool(ctx, key);
      } catch (err) {
        const e = toTpxError(err);
        throw e.rephrase({ message: `${key} was not uninstalled: ${e.message}` });
      }
      const links = removed.length ? ` (removed ${removed.length} link${removed.length > 1 ? 's' : ''})` : '';
      ctx.out.info(`uninstalled ${key}${version ? ` ${version}` : ''}${links}${entry.state === 'broken' ? ' — it was broken' : ''}`);
      return { version: version ?? null, removed };
    });
  } finally {
    collectGarbage(ctx);
  }
}
