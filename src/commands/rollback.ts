import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import type { ToolResult } from '../core/ops/outcome.js';
import { rollback } from '../core/ops/rollback.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';

export function register(cli: Cli): void {
  cli.program
    .command('rollback')
    .description('switch a tool back to the version it had before its last upgrade or reinstall (instant; run again to undo)')
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .addOption(jsonOption())
    .action((name: string) => cli.change((ctx, results) => forTool(ctx, results, name, () => rollbackCommand(ctx, parseToolArg(name)))));
}

async function rollbackCommand(ctx: Context, key: string): Promise<ToolResult> {
  const result = await rollback(ctx, key);
  ctx.out.info(`rolled back ${key} ${result.from} → ${result.to}`);
  return result;
}
