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
import { hintFromPipOutput, notFoundHint, otherPythonHint, pipTail, unreachableIndexHint } from './hints.js';
import { readInstallReport, runPip, writeLockRequirements } from './pip.js';
import { unmetRequirements } from './unmet.js';
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
    ...installArgs(job, lockFile, ctx.env),
  ];
  const what = job.lock ? job.what : (job.specs[0] ?? '');
  const pip = await ctx.out.task(`installing ${redact(what)}`, () => runPip(ctx, runner, venvPython(ctx, env.dir), args, job.logName));
  fs.rmSync(lockFile, { force: true });
  if (pip.code !== 0) {
    return {
      ok: false,
      // pip's text is only the trigger: what another Python would need is read from a dry run's report (build/pythonfor.ts).
      wrongPython: /requires a different python|Requires-Python/i.test(pip.output),
      error: () => pipFailure(ctx, job, pip, env),
    };
  }
  const incomplete = lockLeftUnmet(ctx, env, job, runner);
  if (incomplete) return incomplete;
  const requested = readInstallReport(reportFile)
    .install.filter((i) => i.requested)
    .map((i) => ({ name: i.metadata.name, version: i.metadata.version, url: i.download_info?.url ?? null, direct: i.is_direct === true }));
  fs.rmSync(reportFile, { force: true });
  return { ok: true, requested, dists: listDists(sitePackages(ctx, env.dir)) };
}

/** What `pip install` is given for a job after its own options: the request's options, the job's, and what to install. */
export function installArgs(job: InstallJob, lockFile: string, env: NodeJS.ProcessEnv): string[] {
  return [
    ...pipOptions(job.request, env),
    ...(job.extraPipArgs ?? []),
    // A lock (files/locking.ts) is installed as it is: every file by its hash, nothing resolved.
    ...(job.lock
      ? ['--require-hashes', '--no-deps', '-r', writeLockRequirements(lockFile, job.lock)]
      : job.editable
        ? ['-e', ...job.specs]
        : job.specs),
  ];
}

/**
 * A lock is installed without its dependencies being resolved: one that leaves one out would give a
 * tool that cannot start. Refused (a failed install) before anything is switched to, whichever
 * installer put the files there (the wheel store's too).
 */
export function lockLeftUnmet(ctx: Context, env: Environment, job: InstallJob, runner: string): InstallResult | null {
  const unmet = job.lock ? unmetRequirements(ctx, env.dir, runner) : [];
  return unmet.length > 0 ? { ok: false, wrongPython: false, error: async () => incompleteLock(job, unmet) } : null;
}

/** A locked install whose files do not hold every dependency they need (or hold one at a version they exclude). */
function incompleteLock(job: InstallJob, unmet: string[]): TpxError {
  return new TpxError('bad-lock', `the lock of ${redact(job.what)} is incomplete: its packages need some it does not list`, {
    details: unmet.join('\n'),
    hint: 'nothing was changed; make the lock again (`tpx lock`, `tpx export --format pylock`): a lock lists every dependency, with its file',
  });
}

/** pip's failure as one error: the tail of its output, and hints from it (and from the index, when pip found nothing). */
async function pipFailure(ctx: Context, job: InstallJob, pip: Logged, env: Environment): Promise<TpxError> {
  const index = job.request.indexUrl ?? ctx.env.PIP_INDEX_URL;
  const none = /from versions: none/.test(pip.output);
  const unreachable = none ? await unreachableIndexHint(ctx.env, index) : undefined;
  // Either makes asking the index whether the package exists pointless.
  const known = unreachable ?? otherPythonHint(pip.output, env.py.version);
  const notFound = none && !known ? await notFoundHint(ctx.env, pip.output, index, env.py.version) : undefined;
  return new TpxError('pip-failed', `pip could not install ${redact(job.what)}`, {
    details: pipTail(pip.output),
    hint: [known ?? notFound ?? hintFromPipOutput(pip.output, env.dir), logHint(ctx, pip)].filter(Boolean).join('\n'),
  });
}
