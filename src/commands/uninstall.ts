import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import { failedResult, toolResult } from '../core/ops/outcome.js';
import { toolKeys } from '../core/store/store.js';
import { uninstallTool } from '../core/ops/uninstall.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';

export function register(cli: Cli): void {
  cli.program
    .command('uninstall')
    .description('remove tools: their links in the bin dir, then their venvs')
    .argument('<name...>', 'installed tool names, as `tpx list` shows them')
    .addOption(jsonOption())
    .action((names: string[]) => cli.change((ctx, results) => uninstallMany(ctx, results, names)));
  cli.program
    .command('uninstall-all')
    .description('remove every tool tpx installed')
    .addOption(jsonOption())
    .action(() => cli.change((ctx, results) => uninstallMany(ctx, results, toolKeys(ctx), true)));
}

async function uninstallMany(ctx: Context, results: Results, names: string[], all = false): Promise<number> {
  if (all && names.length === 0) ctx.out.info('no tools are installed');
  let failed = 0;
  for (const name of names) {
    try {
      const key = parseToolArg(name);
      const { version, removed } = await uninstallTool(ctx, key);
      results.add(toolResult(key, 'uninstalled', { from: version, apps: { linked: [], unlinked: removed } }));
    } catch (err) {
      failed++;
      ctx.out.error(err);
      results.add(failedResult(name, err));
    }
  }
  return failed > 0 ? 1 : 0;
}
