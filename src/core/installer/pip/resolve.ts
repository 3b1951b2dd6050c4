/**
 * pip's dry run: `install --dry-run --ignore-installed --report`, whose JSON report names every
 * distribution pip would install and the exact file it would take (PEP 610 `download_info`). A
 * lock, the requires-python fallback and the version check are read from that report, never from
 * pip's text.
 */
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { withTempDir } from '../../base/gate.js';
import { logHint } from '../../base/proc.js';
import type { Logged } from '../../base/proc.js';
import { parseOrigin } from '../../packaging/directurl.js';
import { scratchVenv, venvPython } from '../../python/venv.js';
import { pipOptions } from '../../request/pipoptions.js';
import type { Resolution, ResolveJob, Resolved, RunFailure } from '../installer.js';
import { hintFromPipOutput, pipTail } from './hints.js';
import { readInstallReport, runPip } from './pip.js';
import type { InstallReport } from './pip.js';
import { sharedPip } from './shared.js';

export async function resolve(ctx: Context, job: ResolveJob): Promise<Resolution> {
  const runner = await sharedPip(ctx, job.py);
  return withTempDir(ctx, 'resolve', async (tmp) => {
    const python = job.venv ? venvPython(ctx, job.venv) : await scratchVenv(ctx, job.py, tmp);
    const report = path.join(tmp, 'report.json');
    const args = [
      'install',
      '--dry-run',
      '--ignore-installed',
      ...(job.deps ? [] : ['--no-deps']),
      ...(job.ignoreRequiresPython ? ['--ignore-requires-python'] : []),
      '--no-input',
      '--progress-bar',
      'off',
      '--report',
      report,
      ...pipOptions(job.request, ctx.env),
      ...job.specs,
    ];
    const run = () => runPip(ctx, runner, python, args, job.logName);
    const pip = await (job.task ? ctx.out.task(job.task, run) : run());
    if (pip.code !== 0) return { ok: false, failure: runFailure(ctx, pip) };
    const read = readInstallReport(report);
    return { ok: true, dists: read.install.map(resolved), environment: read.environment ?? {} };
  });
}

function resolved(item: InstallReport['install'][number]): Resolved {
  return {
    name: item.metadata.name,
    version: item.metadata.version,
    requested: item.requested === true,
    direct: item.is_direct === true,
    requiresPython: item.metadata.requires_python ?? null,
    origin: parseOrigin(item.download_info),
  };
}

/** A failed pip run, for the caller's error: its tail, a hint from its text, its log. */
export function runFailure(ctx: Context, pip: Logged): RunFailure {
  return { tail: (lines) => pipTail(pip.output, lines), hint: hintFromPipOutput(pip.output), log: logHint(ctx, pip) };
}
