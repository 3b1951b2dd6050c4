import { Option } from 'commander';
import { splitArgs } from '../core/args.js';
import type { Context } from '../core/context.js';
import { installTool } from '../core/install.js';
import type { InstallOutcome } from '../core/install.js';
import { isOnPath } from '../core/links.js';
import { validateSuffix } from '../core/names.js';
import type { Request } from '../core/receipt.js';
import { renderError } from '../ui.js';
import type { Cli } from './cli-types.js';

export interface RequestFlags {
  indexUrl?: string;
  pipArgs?: string;
  python?: string;
  systemSitePackages?: boolean;
  includeDeps?: boolean;
  suffix?: string;
}

/** The flags every command that builds an environment from a spec shares. */
export function requestOptions(): Option[] {
  return [
    new Option('--index-url <url>', 'the package index to install from (recorded; reused by upgrade)'),
    new Option('--pip-args <args>', 'extra arguments for pip install, as one quoted string (recorded)'),
    new Option('--python <python>', 'interpreter: a path, a command like python3.12, or a version like 3.12'),
  ];
}

export function requestFrom(spec: string, flags: RequestFlags): Request {
  return {
    spec,
    indexUrl: flags.indexUrl ?? null,
    pipArgs: flags.pipArgs ? splitArgs(flags.pipArgs) : [],
    python: flags.python ?? null,
    systemSitePackages: Boolean(flags.systemSitePackages),
    includeDeps: Boolean(flags.includeDeps),
    suffix: validateSuffix(flags.suffix ?? ''),
    injected: [],
  };
}

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
  let failed = 0;
  let linked = false;
  // One after the other; one failing does not undo the others, and the exit code says so.
  for (const request of requests) {
    try {
      const outcome = await installTool(ctx, { request, replace: Boolean(flags.force), forceLinks: Boolean(flags.force), cwd: process.cwd() });
      linked ||= outcome.status === 'installed';
      report(ctx, outcome);
    } catch (err) {
      failed++;
      renderError(err, ctx.verbose);
    }
  }
  if (linked) warnIfBinNotOnPath(ctx);
  if (requests.length > 1 && failed > 0) ctx.out.info(`${failed} of ${requests.length} packages failed to install`);
  return failed > 0 ? 1 : 0;
}

/** After linking apps: if the bin dir is not on PATH, say so with the exact line that fixes it. */
export function warnIfBinNotOnPath(ctx: Context): void {
  if (isOnPath(ctx.env, ctx.paths.bin)) return;
  ctx.out.warn(`${ctx.paths.bin} is not on your PATH, so the apps above cannot be run by name.`);
  ctx.out.info(`hint: add it to your shell's startup file: export PATH="${ctx.paths.bin}:$PATH"`);
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
