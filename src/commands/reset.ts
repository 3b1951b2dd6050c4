import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { TpxError } from '../core/base/errors.js';
import { failedResult, toolResult } from '../core/ops/outcome.js';
import { planReset, reset, unconfirmed } from '../core/ops/reset.js';
import type { ResetPlan } from '../core/ops/reset.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';

interface Flags {
  yes?: boolean;
  dryRun?: boolean;
}

export function register(cli: Cli): void {
  cli.program
    .command('reset')
    .description("uninstall every tool and remove tpx's data and cache (asks first on a terminal)")
    .option('-y, --yes', 'do it without asking (needed when stdin is not a terminal)')
    .option('--dry-run', 'say what would be removed, and remove nothing')
    .addOption(jsonOption())
    .action((flags: Flags) => cli.change((ctx, results) => resetCommand(ctx, results, flags)));
}

async function resetCommand(ctx: Context, results: Results, flags: Flags): Promise<number> {
  const plan = planReset(ctx);
  const what = describe(plan);
  if (what.length === 0) {
    ctx.out.info(`nothing to reset: tpx has nothing in ${ctx.paths.home} or ${ctx.paths.cache}`);
    return 0;
  }
  if (flags.dryRun) {
    ctx.out.info(what.map((l) => `would ${l}`).join('\n'));
    return 0;
  }
  if (!flags.yes) {
    if (!process.stdin.isTTY) throw unconfirmed();
    ctx.out.info(what.map((l) => `this will ${l}`).join('\n'));
    if (!(await ask('reset tpx? [y/N] '))) {
      ctx.out.info('nothing was changed');
      return 1;
    }
  }
  // Stopped by a tool that cannot be uninstalled: nothing but tools' links was removed.
  results.removed = [];
  results.removed = await reset(ctx, plan, (key, done) =>
    results.add(
      done instanceof TpxError
        ? failedResult(key, done)
        : toolResult(key, 'uninstalled', { from: done.version, apps: { linked: [], unlinked: done.removed } }),
    ),
  );
  ctx.out.info('tpx is reset');
  return 0;
}

/** What the reset does, one line each; none when there is nothing of tpx's to remove. */
function describe(plan: ResetPlan): string[] {
  const lines: string[] = [];
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  if (plan.tools.length > 0)
    lines.push(`uninstall ${n(plan.tools.length, 'tool')}: ${plan.tools.join(', ')}, with their apps' links in the bin dir`);
  if (plan.strayLinks.length > 0)
    lines.push(`remove ${n(plan.strayLinks.length, 'link')} into tools that are not installed: ${plan.strayLinks.join(', ')}`);
  for (const root of plan.roots) {
    const foreign = plan.foreign.filter((f) => path.dirname(f) === root);
    if (foreign.length === 0) lines.push(`remove ${root}`);
    else if (plan.remove.some((p) => path.dirname(p) === root))
      lines.push(
        `remove what tpx made in ${root}, leaving ${foreign.join(', ')}: tpx did not make ${foreign.length === 1 ? 'it' : 'them'}`,
      );
  }
  return lines;
}

/** Asks on the terminal; anything but y/yes is no. */
async function ask(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(question));
  } finally {
    rl.close();
  }
}
