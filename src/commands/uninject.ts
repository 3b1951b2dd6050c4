import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import type { ToolResult } from '../core/ops/outcome.js';
import { uninject } from '../core/ops/uninject.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';

export function register(cli: Cli): void {
  cli.program
    .command('uninject')
    .description("remove injected packages from a tool's venv, and the dependencies nothing else needs")
    .argument('<name>', 'the installed tool')
    .argument('<package...>', 'injected packages to remove, by name')
    .option('--leave-deps', "keep the removed packages' dependencies installed")
    .addOption(jsonOption())
    .action((name: string, pkgs: string[], flags: { leaveDeps?: boolean }) =>
      cli.change((ctx, results) => {
        const key = parseToolArg(name);
        return forTool(ctx, results, key, () => uninjectCommand(ctx, key, pkgs, flags));
      }),
    );
}

/** The rebuild is core/ops/uninject.ts's; here: what was removed, and what stays because something needs it. */
async function uninjectCommand(ctx: Context, key: string, pkgs: string[], flags: { leaveDeps?: boolean }): Promise<ToolResult> {
  const { result, extras, dropped, orphans } = await uninject(ctx, key, pkgs, flags);
  const s = extras.removed.length > 1 ? 's' : '';
  if (extras.removed.length > 0) ctx.out.info(`removed ${extras.name}'s extra${s} ${extras.removed.join(', ')} from ${key}`);
  for (const d of dropped) {
    ctx.out.info(
      d.stillInstalled
        ? `uninjected ${d.name} from ${key}; it stays installed because another package in ${key} needs it`
        : `uninjected ${d.name} from ${key}`,
    );
  }
  if (orphans.length > 0) ctx.out.info(`removed dependencies nothing else needs: ${orphans.join(', ')}`);
  return result;
}
