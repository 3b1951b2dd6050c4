import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import { inject, noPackages } from '../core/ops/inject.js';
import type { InjectFlags } from '../core/ops/inject.js';
import type { ToolResult } from '../core/ops/outcome.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';
import { cooldownFlag, cooldownOption } from './shared/request.js';

export function register(cli: Cli): void {
  cli.program
    .command('inject')
    .description("add packages to a tool's venv (recorded: upgrade and reinstall keep them)")
    .argument('<name>', 'the installed tool, as `tpx list` shows it')
    .argument('[spec...]', 'packages to add, in any form `tpx install` accepts')
    .option('-r, --requirement <file>', 'also inject every requirement in FILE (repeatable)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('--include-apps', "link the injected packages' apps (and man pages, completions) too")
    .option('--include-deps', "with their dependencies' apps too (implies --include-apps)")
    .option(
      '--pip-args <args>',
      'extra arguments for pip install, as one quoted string (recorded with the packages; they apply to the whole tool)',
    )
    .option('-f, --force', 'rebuild even if already injected; replace bin files tpx does not own')
    .addOption(cooldownOption(' (replaces the recorded one)'))
    .addOption(jsonOption())
    .action((name: string, specs: string[], flags: InjectFlags) =>
      cli.change((ctx, results) => {
        const key = parseToolArg(name);
        if (specs.length === 0 && !flags.requirement) throw noPackages(key);
        const cooldown = cooldownFlag(flags.cooldown);
        return forTool(ctx, results, key, () => injectCommand(ctx, key, specs, { ...flags, cooldown }));
      }),
    );
}

/** The rebuild is core/ops/inject.ts's; here: what was added, and the apps linked for each package. */
async function injectCommand(ctx: Context, key: string, specs: string[], flags: InjectFlags): Promise<ToolResult> {
  const { result, extras, packages } = await inject(ctx, key, specs, flags);
  if (extras) {
    const s = extras.added.length > 1 ? 's' : '';
    const fresh = extras.fresh.length > 0 ? extras.fresh.join(', ') : 'nothing new to install';
    ctx.out.info(`added ${extras.name}'s extra${s} ${extras.added.join(', ')} to ${key}: ${fresh}`);
  }
  for (const p of packages) {
    ctx.out.info(`injected ${p.dist} ${p.version} into ${key}`);
    for (const app of p.apps) ctx.out.info(`  ${app.link}${app.dist === p.dist ? '' : ` (from ${app.dist})`}`);
    if (p.includeApps && p.apps.length === 0)
      ctx.out.info(`  (${p.dist} has no apps to link${p.includeDeps ? ', nor have its dependencies' : ''})`);
  }
  return result;
}
