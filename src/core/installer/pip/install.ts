/**
 * pip installing into a generation: the shared pip run inside the venv with `--report`, whose JSON
 * report names what was requested whatever the spec was (a name, a path, a URL); what is installed
 * is then read from the dist-info on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { logHint } from '../../base/proc.js';
import type { Logged } from '../../base/proc.js';
import { redact } from '../../base/redact.js';
import { listDists } from '../../packaging/distinfo.js';
import { sitePackages, venvPython } from '../../python/venv.js';
import { pipOptions } from '../../request/pipoptions.js';
import type { Environment, InstallJob, InstallResult } from '../installer.js';
import { hintFromPipOutput, pipTail, unreachableIndexHint } from './hints.js';
import { readInstallReport, runPip, writeLockRequirements } from './pip.js';
import { sharedPip } from './shared.js';

export async function install(ctx: Context, env: Environment, job: InstallJob): Promise<InstallResult> {
  const runner = await sharedPip(ctx, env.py);
  const reportFile = path.join(env.dir, '.tpx-report.json');
  const lockFile = path.join(env.dir, '.tpx-lock.txt');
  const args = [
    'install',
    '--no-input',
    '--no-warn-script-location',
    '--progress-bar',
    'off',
    '--report',
    reportFile,
    ...installArgs(job, lockFile),
  ];
  const what = job.lock ? job.what : (job.specs[0] ?? '');
  const pip = await ctx.out.task(`installing ${redact(what)}`, () => runPip(ctx, runner, venvPython(ctx, env.dir), args, job.logName));
  fs.rmSync(lockFile, { force: true });
  if (pip.code !== 0) {
    return {
      ok: false,
      // pip's text is only the trigger: what another Python would need is read from a dry run's report (build/pythonfor.ts).
      wrongPython: /requires a different python|Requires-Python/i.test(pip.output),
      error: () => pipFailure(ctx, job, pip, env.dir),
    };
  }
  const requested = readInstallReport(reportFile)
    .install.filter((i) => i.requested)
    .map((i) => ({ name: i.metadata.name, version: i.metadata.version, url: i.download_info?.url ?? null, direct: i.is_direct === true }));
  fs.rmSync(reportFile, { force: true });
  return { ok: true, requested, dists: listDists(sitePackages(ctx, env.dir)) };
}

/** What `pip install` is given for a job after its own options: the request's options, the job's, and what to install. */
export function installArgs(job: InstallJob, lockFile: string): string[] {
  return [
    ...pipOptions(job.request),
    ...(job.extraPipArgs ?? []),
    // A lock (files/locking.ts) is installed as it is: every file by its hash, nothing resolved.
    ...(job.lock
      ? ['--require-hashes', '--no-deps', '-r', writeLockRequirements(lockFile, job.lock)]
      : job.editable
        ? ['-e', ...job.specs]
        : job.specs),
  ];
}

/** pip's failure as one error: the tail of its output, and hints from it. */
async function pipFailure(ctx: Context, job: InstallJob, pip: Logged, dir: string): Promise<TpxError> {
  const unreachable = /from versions: none/.test(pip.output)
    ? await unreachableIndexHint(ctx.env, job.request.indexUrl ?? ctx.env.PIP_INDEX_URL)
    : undefined;
  return new TpxError('pip-failed', `pip could not install ${redact(job.what)}`, {
    details: pipTail(pip.output),
    hint: [unreachable ?? hintFromPipOutput(pip.output, dir), logHint(ctx, pip)].filter(Boolean).join('\n'),
  });
}
