/** Uninstalling a tool: its links in the bin dir first, then its generations. */
import * as fs from 'node:fs';
import type { Context } from './context.js';
import { removeOwnedLinks, scanOwnedLinks } from './links.js';
import { withLock } from './lock.js';
import { collectGarbage, envPath, notInstalled, readInstalled, removeTool } from './store.js';

/**
 * Works from the receipt when it can, and from the bin dir when it cannot: a corrupt receipt or a
 * vanished interpreter must not leave links behind.
 */
export async function uninstallTool(ctx: Context, key: string): Promise<void> {
  await withLock(ctx, key, async () => {
    const inst = readInstalled(ctx, key);
    if (!inst) throw notInstalled(ctx, key);
    const recorded = inst.receipt?.apps.map((a) => a.link) ?? [];
    const removed = removeOwnedLinks(ctx, key, [...recorded, ...scanOwnedLinks(ctx, key)]);
    removeTool(ctx, key);
    for (const gen of [inst.gen, inst.receipt?.previousGeneration]) {
      if (gen) fs.rmSync(envPath(ctx, gen), { recursive: true, force: true });
    }
    ctx.out.info(`uninstalled ${key}${inst.receipt ? ` ${inst.receipt.version}` : ''}${removed.length ? ` (removed ${removed.length} link${removed.length > 1 ? 's' : ''})` : ''}`);
  });
  try {
    collectGarbage(ctx);
  } catch {
    // leftovers are collected by the next command
  }
}
