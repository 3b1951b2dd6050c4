import { absolutePath, parsePipArgs, shellWord } from '../core/request/args.js';
import type { Context } from '../core/base/context.js';
import { quiet } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import { TpxError } from '../core/base/errors.js';
import { installTool } from '../core/ops/install.js';
import { failedResult, outcomeResult } from '../core/ops/outcome.js';
import type { Outcome } from '../core/ops/outcome.js';
import { defaultJobs } from '../core/base/pool.js';
import { notInstalled, readInstalled, toolKeys } from '../core/store/store.js';
import { upgradeTarget, upgradeTools } from '../core/ops/upgrade.js';
import type { Cli } from './cli-types.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { printOutcome, summarize } from './shared/report.js';
import { installResult } from '../core/ops/install.js';
import { requestFrom } from './shared/request.js';

interface Flags {
  includeInjected?: boolean;
  pipArgs?: string;
  indexUrl?: string;
  force?: boolean;
  install?: boolean;
  skip?: string[];
  jobs?: string;
}

export function register(cli: Cli): void {
  cli.program
    .command('upgrade')
    .description('upgrade tools within their recorded spec, index and pip args; the old version stays until the new one is complete')
    .argument('<name...>', "installed tools, as `tpx list` shows them, or specs naming them ('black[d]', black==24.1.0)")
    .option('--include-injected', 'also upgrade packages added with `tpx inject`')
    .option('--pip-args <args>', 'replace the recorded pip arguments (recorded for later upgrades)')
    .option('--index-url <url>', 'replace the recorded package index (recorded for later upgrades)')
    .option('-f, --force', 'upgrade pinned tools too')
    .option('--install', 'install tools that are not installed yet')
    .addOption(jsonOption())
    .action((names: string[], flags: Flags) => cli.change((ctx, results) => upgrade(ctx, results, names, flags)));
  cli.program
    .command('upgrade-all')
    .description('upgrade every unpinned tool, several at once; one failing never stops the others')
    .option('--skip <name...>', 'leave these tools alone')
    .option('--include-injected', 'also upgrade packages added with `tpx inject`')
    .addOption(jobsOption())
    .addOption(jsonOption())
    .action((flags: Flags) => cli.change((ctx, results) => upgradeAll(ctx, results, flags)));
}

async function upgrade(ctx: Context, results: Results, names: string[], flags: Flags): Promise<number> {
  // Flags are checked before any tool is looked at: a refused pip option is a usage error (core/request/pipargs.ts).
  const pipArgs = flags.pipArgs === undefined ? undefined : parsePipArgs(flags.pipArgs, ctx);
  // NAME, or a spec naming the tool (`'black[d]'`, `black==24.1.0`); the last spec given for a tool wins.
  const targets = new Map<string, string | null>();
  for (const n of names) {
    const t = upgradeTarget(n, (k) => readInstalled(ctx, k) !== null, ctx);
    if (t.spec !== null || !targets.has(t.key)) targets.set(t.key, t.spec);
  }
  const keys = [...targets.keys()];
  const missing = keys.filter((k) => !readInstalled(ctx, k));
  let failed = 0;
  for (const key of missing) {
    const spec = targets.get(key) ?? key;
    try {
      if (!flags.install) {
        const err = notInstalled(ctx, key);
        const others = toolKeys(ctx).length > 0 ? `; ${err.hint}` : '';
        throw err.rephrase({
          hint: `install it with \`tpx install ${shellWord(spec)}\` (or \`tpx upgrade --install ${shellWord(spec)}\`)${others}`,
        });
      }
      const outcome = await installTool(ctx, { request: requestFrom(spec, flags, ctx), replace: false, forceLinks: false });
      if (outcome.status === 'installed') ctx.out.info(`installed ${outcome.receipt.key} ${outcome.receipt.version}`);
      results.add(installResult(outcome));
    } catch (err) {
      failed++;
      ctx.out.error(err);
      results.add(failedResult(key, err));
    }
  }
  const present = keys.filter((k) => !missing.includes(k));
  const given = new Map([...targets].filter((e): e is [string, string] => e[1] !== null));
  const outcomes = await upgradeTools(present.length > 1 ? quiet(ctx) : ctx, present, {
    includeInjected: Boolean(flags.includeInjected),
    pipArgs,
    indexUrl: flags.indexUrl === undefined ? undefined : absolutePath(flags.indexUrl, ctx),
    specs: given,
    force: Boolean(flags.force),
    check: false,
    jobs: defaultJobs(),
    onOutcome: (o) => {
      if (o.status === 'skipped') {
        o = {
          key: o.key,
          status: 'failed',
          error: new TpxError('pinned', `${o.key} is ${o.reason}`, {
            hint: `\`tpx upgrade --force ${o.key}\` upgrades it anyway; \`tpx unpin ${o.key}\` unpins it`,
          }),
        };
      }
      if (o.status === 'failed') failed++;
      printOutcome(ctx, o);
      results.add(outcomeResult(o));
    },
  });
  return failed > 0 || outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

async function upgradeAll(ctx: Context, results: Results, flags: Flags): Promise<number> {
  const skip = new Set((flags.skip ?? []).map(parseToolArg));
  const keys = toolKeys(ctx);
  if (keys.length === 0) {
    ctx.out.info('no tools are installed');
    return 0;
  }
  for (const s of skip) if (!keys.includes(s)) ctx.out.warn(`--skip ${s}: no such tool is installed`);
  const todo = keys.filter((k) => !skip.has(k));
  const jobs = jobsFrom(flags);
  ctx.out.info(`checking ${todo.length} tool${todo.length === 1 ? '' : 's'} for newer versions, then upgrading ${jobs} at a time…`);
  const outcomes = await upgradeTools(quiet(ctx), todo, {
    includeInjected: Boolean(flags.includeInjected),
    force: false,
    check: true,
    jobs,
    onOutcome: (o) => printOutcome(ctx, o),
  });
  const all = [...outcomes, ...keys.filter((k) => skip.has(k)).map((key): Outcome => ({ key, status: 'skipped', reason: '--skip' }))];
  summarize(ctx, all);
  for (const o of all) results.add(outcomeResult(o));
  return all.some((o) => o.status === 'failed') ? 1 : 0;
}
