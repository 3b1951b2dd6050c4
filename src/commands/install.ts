import type { Context } from '../core/base/context.js';
import { usageError } from '../core/base/errors.js';
import { installResult } from '../core/ops/install.js';
import { lockFileRequest } from '../core/files/locking.js';
import type { InstallOutcome } from '../core/ops/install.js';
import { installRequests } from '../core/ops/installmany.js';
import { defaultJobs } from '../core/base/pool.js';
import { failedResult } from '../core/ops/outcome.js';
import { REQUEST_FIELDS, tomlColumns } from '../core/request/fields.js';
import type { Request } from '../core/request/request.js';
import { shellWord } from '../core/request/args.js';
import { dropPin } from '../core/packaging/spec.js';
import type { Receipt } from '../core/store/receipt.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { resourceLine, summarize, warnIfBinNotOnPath, warnIfManNotSearched } from './shared/report.js';
import { installOptions, requestFrom, requestOptions, withPythonDownloads } from './shared/request.js';
import type { RequestFlags } from './shared/request.js';

export function register(cli: Cli): void {
  const cmd = cli.program
    .command('install')
    .description('install each package in its own venv and link its apps into the bin dir')
    .argument(
      '<spec...>',
      'anything pip accepts: black, black==22.12.0, "black[d]>=22", a path, a .whl, a URL; or a PEP 723 script (./tool.py, an https URL)',
    )
    .option('-f, --force', 'reinstall if installed, and replace files in the bin dir that tpx does not own')
    .option('--include-deps', "also link the apps of the package's dependencies")
    .option('--system-site-packages', "give the venv access to the interpreter's site-packages")
    .option('--suffix <suffix>', 'append SUFFIX to the tool and app names, to install a second copy (e.g. @22)')
    .option(
      '--lock <file>',
      'install exactly the files of this PEP 751 lock (one `tpx lock` wrote), hashes required; SPEC names the locked package',
    )
    .addOption(jsonOption());
  for (const o of [...requestOptions(), ...installOptions()]) cmd.addOption(o);
  cmd.action((specs: string[], flags: InstallFlags) =>
    cli.change((ctx, results) => install(withPythonDownloads(ctx, flags), results, specs, flags)),
  );
}

type InstallFlags = RequestFlags & { force?: boolean; lock?: string };

async function install(ctx: Context, results: Results, specs: string[], flags: InstallFlags): Promise<number> {
  const requests =
    flags.lock === undefined ? specs.map((s) => requestFrom(s, flags, ctx)) : [await lockedInstall(ctx, flags.lock, specs, flags)];
  const force = Boolean(flags.force);
  const linked: Receipt[] = [];
  const outcomes = await installRequests(ctx, requests, { replace: force, forceLinks: force }, defaultJobs(), (o) => {
    if (o.status === 'installed' && o.receipt.exposed) linked.push(o.receipt);
    report(ctx, o);
    results.add(installResult(o));
  });
  const failures = outcomes.filter((o) => o.status === 'failed');
  for (const o of failures) results.add(failedResult(o.key, o.error));
  if (outcomes.length > 1) summarize(ctx, outcomes);
  if (outcomes.some((o) => o.status === 'installed')) warnIfBinNotOnPath(ctx);
  warnIfManNotSearched(ctx, linked);
  if (failures.length > 0 && requests.length > 1) ctx.out.info(`${failures.length} of ${requests.length} packages failed to install`);
  return failures.length > 0 ? 1 : 0;
}

function report(ctx: Context, outcome: InstallOutcome): void {
  if (outcome.status === 'already' && outcome.differs) {
    const asked = shellWord(outcome.differs);
    const major = dropPin(outcome.differs)?.pin.replace(/^=+/, '').split('.')[0];
    ctx.out.warn(`${outcome.key} ${outcome.version} is installed, not ${outcome.differs} as asked: nothing was changed`);
    const both = major ? `; to keep both: \`tpx install --suffix @${major} ${asked}\`` : '';
    ctx.out.info(`hint: to switch to it: \`tpx install --force ${asked}\`${both}`);
    return;
  }
  if (outcome.status === 'already') {
    ctx.out.info(`${outcome.key} is already installed${outcome.version ? ` (${outcome.version})` : ''}`);
    ctx.out.info(`hint: upgrade it with \`tpx upgrade ${outcome.key}\`, or reinstall it with \`tpx install --force ${outcome.key}\``);
    return;
  }
  const r = outcome.receipt;
  const verb = outcome.previous ? 'reinstalled' : 'installed';
  ctx.out.info(`${verb} ${r.key} ${r.version} (Python ${r.python.version})`);
  if (!r.exposed) return void ctx.out.info(`  not exposed: its apps are not linked (\`tpx expose ${r.key}\` links them)`);
  for (const app of r.apps) ctx.out.info(`  ${app.link}`);
  const resources = resourceLine(r);
  if (resources) ctx.out.info(`  ${resources}`);
}

/** `--lock FILE SPEC`: one SPEC; the lock is checked against it and this machine before anything is built (core/files/locking.ts). */
async function lockedInstall(ctx: Context, file: string, specs: string[], flags: InstallFlags): Promise<Request> {
  if (specs.length !== 1)
    throw usageError(
      '--lock installs one tool: give the one SPEC the lock was made for',
      'e.g. `tpx install --lock pylock.black.toml black`',
    );
  // A preinstalled package is resolved in a pip run of its own: nothing the lock holds (as pipx refuses it).
  if (flags.preinstall?.length)
    throw usageError(
      '--lock installs exactly the files of the lock: --preinstall cannot be combined with it',
      "lock what the tool needs instead: put it in the tool's `with` in tpx.toml, then `tpx lock`",
    );
  const given = requestFrom(specs[0] as string, flags, ctx);
  // What a lock's [tool.tpx] holds (request/fields.ts), a flag given wins over; SPEC is given anyway.
  const fromFlags = tomlColumns(REQUEST_FIELDS)
    .map(([field]) => field)
    .filter((f) => f !== 'spec' && (flags as Record<string, unknown>)[f] !== undefined);
  return lockFileRequest(ctx, file, given, fromFlags);
}
