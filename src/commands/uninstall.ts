import type { Context } from '../core/context.js';
import { parseToolArg } from '../core/names.js';
import { toolKeys } from '../core/store.js';
import { uninstallTool } from '../core/uninstall.js';
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
      ctx.out.error(err);
    }
  }
  return failed > 0 ? 1 : 0;
}
