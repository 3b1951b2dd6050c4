import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import { expose, unexpose } from '../core/ops/expose.js';
import type { ToolResult } from '../core/ops/outcome.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';
import { resourceLine } from './shared/report.js';

export function register(cli: Cli): void {
  cli.program
    .command('expose')
    .description("link a tool's apps (and man pages, completions) again after `tpx unexpose`, without rebuilding it")
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .option('-f, --force', 'replace files in the way that tpx does not own')
    .addOption(jsonOption())
    .action((name: string, flags: { force?: boolean }) =>
      cli.change((ctx, results) => forTool(ctx, results, name, () => exposeCommand(ctx, parseToolArg(name), Boolean(flags.force)))),
    );
  cli.program
    .command('unexpose')
    .description("unlink a tool's apps, man pages and completions, keeping it installed (upgrade and reinstall keep it so)")
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .addOption(jsonOption())
    .action((name: string) => cli.change((ctx, results) => forTool(ctx, results, name, () => unexposeCommand(ctx, parseToolArg(name)))));
}

async function exposeCommand(ctx: Context, key: string, force: boolean): Promise<ToolResult> {
  const { result, receipt: r } = await expose(ctx, key, force);
  if (result.action === 'unchanged') {
    ctx.out.info(`${key} is already exposed`);
    return result;
  }
  ctx.out.info(`exposed ${key}: ${r.apps.map((a) => a.link).join(', ') || 'no apps'}`);
  const resources = resourceLine(r);
  if (resources) ctx.out.info(`  ${resources}`);
  return result;
}

async function unexposeCommand(ctx: Context, key: string): Promise<ToolResult> {
  const { result, removed } = await unexpose(ctx, key);
  ctx.out.info(
    result.action === 'unchanged'
      ? `${key} is already not exposed`
      : `unexposed ${key}: ${removed} link${removed === 1 ? '' : 's'} removed; it stays installed (\`tpx exec ${key} APP\` runs its apps, \`tpx expose ${key}\` links them again)`,
  );
  return result;
}
