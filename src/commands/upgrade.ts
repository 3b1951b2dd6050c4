import { absolutePath, parsePipArgs } from '../core/request/args.js';
import type { Context } from '../core/base/context.js';
import { failedResult, outcomeResult } from '../core/ops/outcome.js';
import { upgradeAll, upgradeNamed } from '../core/ops/upgrade.js';
import type { Cli } from './cli-types.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { outcomePrinter, summarize } from './shared/report.js';
import { installResult } from '../core/ops/install.js';
import { cooldownFlag, cooldownOption, requestFrom } from './shared/request.js';

interface Flags {
  includeInjected?: boolean;
  pipArgs?: string;
  indexUrl?: string;
  force?: boolean;
  install?: boolean;
  skip?: string[];
  jobs?: string;
  cooldown?: string;
}

export function register(cli: Cli): void {
  cli.program
    .command('upgrade')
    .description('upgrade tools within their recorded spec, index and pip args; the old version stays until the new one is complete')
    .argument('<name...>', "installed tools, as `tpx list` shows them, or specs naming them ('black[d]', black==24.1.0)")
    .option('--include-injected', 'also upgrade packages added with `tpx inject`')
    .option('--pip-args <args>', 'replace the recorded pip arguments (recorded for later upgrades)')
    .option('--index-url <url>', 'replace the recorded package index (recorded for later upgrades)')
    .addOption(cooldownOption(' (replaces the recorded one)'))
    .option('-f, --force', 'upgrade pinned tools too, and tools installed from a lock (resolved from their spec then)')
    .option('--install', 'install tools that are not installed yet')
    .addOption(jsonOption())
    .action((names: string[], flags: Flags) => cli.change((ctx, results) => upgrade(ctx, results, names, flags)));
  cli.program
    .command('upgrade-all')
    .description('upgrade every tool not pinned or locked, several at once; one failing never stops the others')
    .option('--skip <name...>', 'leave these tools alone')
    .option('--include-injected', 'also upgrade packages added with `tpx inject`')
    .addOption(cooldownOption(' (replaces each tool’s recorded one)'))
    .addOption(jobsOption())
    .addOption(jsonOption())
    .action((flags: Flags) => cli.change((ctx, results) => upgradeAllCommand(ctx, results, flags)));
}

async function upgrade(ctx: Context, results: Results, names: string[], flags: Flags): Promise<number> {
  // Flags are checked before any tool is looked at: a refused pip option is a usage error (core/request/pipargs.ts).
  const pipArgs = flags.pipArgs === undefined ? undefined : parsePipArgs(flags.pipArgs, ctx);
  const indexUrl = flags.indexUrl === undefined ? undefined : absolutePath(flags.indexUrl, ctx);
  const cooldown = cooldownFlag(flags.cooldown);
  const opts = { includeInjected: Boolean(flags.includeInjected), pipArgs, indexUrl, cooldown, force: Boolean(flags.force) };
  const install = flags.install ? (spec: string) => requestFrom(spec, flags, ctx) : null;
  let failed = 0;
  const printOutcome = outcomePrinter(ctx);
  await upgradeNamed(
    ctx,
    names,
    { ...opts, install },
    {
      installed: (o) => {
        if (o.status === 'installed') ctx.out.info(`installed ${o.receipt.key} ${o.receipt.version}`);
        results.add(installResult(o));
      },
      notInstalled: (key, err) => {
        failed++;
        results.add(failedResult(key, err));
      },
      outcome: (o) => {
        if (o.status === 'failed') failed++;
        printOutcome(o);
        results.add(outcomeResult(o));
      },
    },
  );
  return failed > 0 ? 1 : 0;
}

async function upgradeAllCommand(ctx: Context, results: Results, flags: Flags): Promise<number> {
  const opts = {
    skip: flags.skip ?? [],
    includeInjected: Boolean(flags.includeInjected),
    jobs: jobsFrom(flags),
    cooldown: cooldownFlag(flags.cooldown),
  };
  const all = await upgradeAll(ctx, opts, outcomePrinter(ctx));
  if (all.length === 0) {
    ctx.out.info('no tools are installed');
    return 0;
  }
  summarize(ctx, all);
  for (const o of all) results.add(outcomeResult(o));
  return all.some((o) => o.status === 'failed') ? 1 : 0;
}
