import type { Context } from '../core/base/context.js';
import { parseToolArg } from '../core/packaging/names.js';
import { toolKeys } from '../core/store/store.js';
import { reinstallTools } from '../core/ops/reinstall.js';
import type { Cli } from './cli-types.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';
import { outcomeResult } from '../core/ops/outcome.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { outcomePrinter, summarize } from './shared/report.js';

interface Flags {
  python?: string;
  skip?: string[];
  jobs?: string;
}

export function register(cli: Cli): void {
  const python = '--python <python>';
  const pythonHelp = 'rebuild on this interpreter (recorded): a path, a command like python3.12, or a version like 3.12';
  cli.program
    .command('reinstall')
    .description(
      'rebuild tools from their receipts (same spec, index, pip args, injected packages, suffix); the old one keeps working until the new one is complete',
    )
    .argument('<name...>', 'installed tool names, as `tpx list` shows them')
    .option(python, pythonHelp)
    .addOption(jsonOption())
    .action((names: string[], flags: Flags) =>
      cli.change((ctx, results) => reinstall(ctx, results, [...new Set(names.map(parseToolArg))], flags, false)),
    );
  cli.program
    .command('reinstall-all')
    .description('rebuild every tool from its receipt, e.g. after its Python was upgraded or removed')
    .option(python, pythonHelp)
    .option('--skip <name...>', 'leave these tools alone')
    .addOption(jobsOption())
    .addOption(jsonOption())
    .action((flags: Flags) =>
      cli.change((ctx, results) => {
        const skip = new Set((flags.skip ?? []).map(parseToolArg));
        return reinstall(
          ctx,
          results,
          toolKeys(ctx).filter((k) => !skip.has(k)),
          flags,
          true,
        );
      }),
    );
}

async function reinstall(ctx: Context, results: Results, keys: string[], flags: Flags, all: boolean): Promise<number> {
  if (all && keys.length === 0) ctx.out.info('no tools are installed');
  const jobs = jobsFrom(flags);
  const outcomes = await reinstallTools(ctx, keys, { python: flags.python, jobs }, outcomePrinter(ctx));
  if (all) summarize(ctx, outcomes);
  for (const o of outcomes) results.add(outcomeResult(o));
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}
