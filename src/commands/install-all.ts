import * as fs from 'node:fs';
import type { Context } from '../core/base/context.js';
import { TpxError } from '../core/base/errors.js';
import { installAll } from '../core/files/installall.js';
import { installResult } from '../core/ops/install.js';
import { failedResult } from '../core/ops/outcome.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { summarize, warnIfBinNotOnPath } from './shared/report.js';

interface Flags {
  latest?: boolean;
  force?: boolean;
}

export function register(cli: Cli): void {
  cli.program
    .command('install-all')
    .description('install every tool in a file written by `tpx export`, at the exact versions it records')
    .argument('<file>', 'the export file ("-": stdin)')
    .option('--latest', 'resolve the newest versions the requests allow instead of the recorded ones')
    .option('-f, --force', 'replace tools already installed, and bin files tpx does not own')
    .addOption(jsonOption())
    .action((file: string, flags: Flags) => cli.change((ctx, results) => installAllCommand(ctx, results, file, flags)));
}

/** A failure does not stop the rest (core/files/installall.ts). Exit 1 if any failed. */
async function installAllCommand(ctx: Context, results: Results, file: string, flags: Flags): Promise<number> {
  const opts = { latest: Boolean(flags.latest), force: Boolean(flags.force) };
  const { tools, outcomes } = await installAll(ctx, readSource(file), file === '-' ? 'stdin' : file, opts, (outcome) => {
    if (outcome.status === 'already') {
      ctx.out.info(
        `${outcome.key} is already installed${outcome.version ? ` (${outcome.version})` : ''}; left as it is (--force replaces it)`,
      );
    } else {
      const r = outcome.receipt;
      ctx.out.info(`installed ${r.key} ${r.version} (Python ${r.python.version})`);
    }
    results.add(installResult(outcome));
  });
  if (tools === 0) ctx.out.info(`${file} lists no tools`);
  if (outcomes.length > 1) summarize(ctx, outcomes);
  const failed = outcomes.filter((o) => o.status === 'failed');
  for (const o of failed) results.add(failedResult(o.key, o.error));
  if (tools > 0) warnIfBinNotOnPath(ctx);
  if (failed.length > 0) {
    ctx.out.info(`${tools - failed.length} of ${tools} tools installed; failed: ${failed.map((o) => o.key).join(', ')}`);
    return 1;
  }
  if (tools > 1) ctx.out.info(`all ${tools} tools installed`);
  return 0;
}

function readSource(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read ${file}`, { cause, hint: 'give the path of a file written by `tpx export`' });
  }
}
