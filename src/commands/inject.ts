import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import { inject, noPackages } from '../core/ops/inject.js';
import type { InjectFlags } from '../core/ops/inject.js';
import { failedResult } from '../core/ops/outcome.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
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
      '--include-resources-from <dep>',
      'also link the apps, man pages and completions of this dependency (repeatable; recorded with the packages)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--pip-args <args>',
      'extra arguments for pip install, as one quoted string (recorded with the packages; they apply to the whole tool)',
    )
    .option('-f, --force', 'rebuild even if already injected; replace bin files tpx does not own')
    .addOption(cooldownOption(' (replaces the recorded one)'))
    .addOption(jsonOption())
    .action((name: string, specs: string[], flags: InjectFlags) =>
      cli.change(async (ctx, results) => {
        const key = parseToolArg(name);
        if (specs.length === 0 && !flags.requirement) throw noPackages(key);
        try {
          return await injectCommand(ctx, results, key, specs, { ...flags, cooldown: cooldownFlag(flags.cooldown) });
        } catch (err) {
          results.add(failedResult(key, err));
          return ctx.out.error(err);
        }
      }),
    );
}

/** The rebuild is core/ops/inject.ts's; here: what was added, the apps linked for each package, and each that failed (exit 1). */
async function injectCommand(ctx: Context, results: Results, key: string, specs: string[], flags: InjectFlags): Promise<number> {
  const { result, extras, packages } = await inject(ctx, key, specs, flags);
  results.add(result);
  if (extras) {
    const s = extras.added.length > 1 ? 's' : '';
    const fresh = extras.fresh.length > 0 ? extras.fresh.join(', ') : 'nothing new to install';
    ctx.out.info(`added ${extras.name}'s extra${s} ${extras.added.join(', ')} to ${key}: ${fresh}`);
  }
  let failed = 0;
  for (const p of packages) {
    if (p.status === 'failed') {
      failed++;
      ctx.out.error(p.error);
    }
    if (p.status !== 'injected') continue;
    ctx.out.info(`injected ${p.dist} ${p.version} into ${key}`);
    for (const app of p.apps) ctx.out.info(`  ${app.link}${app.dist === p.dist ? '' : ` (from ${app.dist})`}`);
    if (p.includeApps && p.apps.length === 0)
      ctx.out.info(`  (${p.dist} has no apps to link${p.includeDeps ? ', nor have its dependencies' : ''})`);
  }
  return failed > 0 ? 1 : 0;
}
