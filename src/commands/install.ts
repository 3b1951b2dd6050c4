import type { Context } from '../core/context.js';
import { installTool, prepareInstall } from '../core/install.js';
import type { InstallOutcome } from '../core/install.js';
import { defaultJobs } from '../core/pool.js';
import type { Request } from '../core/receipt.js';
import type { Cli } from './cli-types.js';
import { installMany } from './shared/many.js';
import { warnIfBinNotOnPath } from './shared/report.js';
import { requestFrom, requestOptions } from './shared/request.js';
import type { RequestFlags } from './shared/request.js';

export function register(cli: Cli): void {
  const cmd = cli.program
    .command('install')
    .description('install each package in its own venv and link its apps into the bin dir')
    .argument('<spec...>', 'anything pip accepts: black, black==22.12.0, "black[d]>=22", a path, a .whl, a URL')
    .option('-f, --force', 'reinstall if installed, and replace files in the bin dir that tpx does not own')
    .option('--include-deps', "also link the apps of the package's dependencies")
    .option('--system-site-packages', "give the venv access to the interpreter's site-packages")
    .option('--suffix <suffix>', 'append SUFFIX to the tool and app names, to install a second copy (e.g. @22)');
  for (const o of requestOptions()) cmd.addOption(o);
  cmd.action((specs: string[], flags: RequestFlags & { force?: boolean }) => cli.run((ctx) => install(ctx, specs, flags)));
}

async function install(ctx: Context, specs: string[], flags: RequestFlags & { force?: boolean }): Promise<number> {
  const requests = specs.map((s) => requestFrom(s, flags));
  const options = (request: Request) => ({ request, replace: Boolean(flags.force), forceLinks: Boolean(flags.force), cwd: process.cwd() });
  if (requests.length > 1) {
    // Built in parallel, linked after a check across all of them (shared/many.ts).
    const items = requests.map((request) => ({ label: request.spec, prepare: (c: Context) => prepareInstall(c, options(request)) }));
    const outcomes = await installMany(ctx, items, defaultJobs(), (o) => report(ctx, o));
    const failed = outcomes.filter((o) => o.status === 'failed').length;
    if (outcomes.some((o) => o.status === 'installed')) warnIfBinNotOnPath(ctx);
    if (failed > 0) ctx.out.info(`${failed} of ${requests.length} packages failed to install`);
    return failed > 0 ? 1 : 0;
  }
  try {
    const outcome = await installTool(ctx, options(requests[0] as Request));
    report(ctx, outcome);
    if (outcome.status === 'installed') warnIfBinNotOnPath(ctx);
    return 0;
  } catch (err) {
    ctx.out.error(err);
    return 1;
  }
}

function report(ctx: Context, outcome: InstallOutcome): void {
  if (outcome.status === 'already') {
    ctx.out.info(`${outcome.key} is already installed${outcome.version ? ` (${outcome.version})` : ''}`);
    ctx.out.info(`hint: upgrade it with \`tpx upgrade ${outcome.key}\`, or reinstall it with \`tpx install --force ${outcome.key}\``);
    return;
  }
  const r = outcome.receipt;
  const verb = outcome.previous ? 'reinstalled' : 'installed';
  ctx.out.info(`${verb} ${r.key} ${r.version} (Python ${r.python.version})`);
  for (const app of r.apps) ctx.out.info(`  ${app.link}`);
}
