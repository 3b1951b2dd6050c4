import * as fs from 'node:fs';
import type { Context } from '../core/context.js';
import { removeOwnedLinks, scanOwnedLinks } from '../core/links.js';
import { withLock } from '../core/lock.js';
import { parseToolArg } from '../core/names.js';
import { collectGarbage, envPath, notInstalled, readInstalled, removeTool, toolKeys } from '../core/store.js';
import { renderError } from '../ui.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('uninstall')
    .description("remove tools: their links in the bin dir, then their venvs")
    .argument('<name...>', 'installed tool names, as `tpx list` shows them')
    .action((names: string[]) => cli.run((ctx) => uninstallMany(ctx, names)));
  cli.program
    .command('uninstall-all')
    .description('remove every tool tpx installed')
    .action(() => cli.run((ctx) => uninstallMany(ctx, toolKeys(ctx), true)));
}

async function uninstallMany(ctx: Context, names: string[], all = false): Promise<number> {
  if (all && names.length === 0) ctx.out.info('no tools are installed');
  let failed = 0;
  for (const name of names) {
    try {
      await uninstallTool(ctx, parseToolArg(name));
    } catch (err) {
      failed++;
      renderError(err, ctx.verbose);
    }
  }
  return failed > 0 ? 1 : 0;
}

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
