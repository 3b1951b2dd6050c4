/**
 * pip's dry run: `install --dry-run --ignore-installed --report`, whose JSON report names every
 * distribution pip would install and the exact file it would take (PEP 610 `download_info`). A
 * lock, the requires-python fallback and the version check are read from that report, never from
 * pip's text. The version check's answer is kept and used again while nothing pip read has changed
 * (`ResolveJob.reuse`, sources.ts).
 */
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { removeMine, withTempDir } from '../../base/gate.js';
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
import type { Sources } from './sources.js';
import {
  answerKey,
  dependsOnClock,
  keepAnswer,
  namedVersion,
  readAnswer,
  readSources,
  sourcesReport,
  sourcesUnchanged,
  validSources,
} from './sources.js';

export async function resolve(ctx: Context, job: ResolveJob): Promise<Resolution> {
  const runner = await sharedPip(ctx, job.py);
  const asked = [
    '--ignore-installed',
    ...(job.deps ? [] : ['--no-deps']),
    ...(job.ignoreRequiresPython ? ['--ignore-requires-python'] : []),
    ...pipOptions(job.request, ctx.env),
    ...job.specs,
  ];
  const key =
    job.reuse && !dependsOnClock(asked) ? await answerKey(ctx, ['versions', asked, job.py.executable, job.py.version, runner]) : null;
  const again = key ? await reuseVersions(ctx, key) : null;
  if (again) return again;
  return withTempDir(ctx, 'resolve', async (tmp) => {
    const python = job.venv ? venvPython(ctx, job.venv) : await scratchVenv(ctx, job.py, tmp);
    const report = path.join(tmp, 'report.json');
    const args = ['install', '--dry-run', '--no-input', '--progress-bar', 'off', '--report', report, ...asked];
    const extraEnv = {
      ...(key ? { TPX_SOURCES_REPORT: sourcesReport(tmp) } : {}),
      ...(job.metadataFrom ? { TPX_METADATA_FROM: job.metadataFrom } : {}),
    };
    const run = () => runPip(ctx, runner, python, args, job.logName, extraEnv);
    const pip = await (job.task ? ctx.out.task(job.task, run) : run());
    if (pip.code !== 0) return { ok: false, failure: runFailure(ctx, pip) };
    const read = readInstallReport(report);
    const dists = read.install.map(resolved);
    if (key) keepVersions(ctx, key, tmp, dists);
    return { ok: true, dists, environment: read.environment ?? {} };
  });
}

/** Kept versions (`ResolveJob.reuse`): what pip picked, by name and version, and what it read to pick them (sources.ts). */
interface KeptVersions extends Sources {
  schema: 1;
  dists: { name: string; version: string; requiresPython: string | null }[];
}

function keepVersions(ctx: Context, key: string, tmp: string, dists: Resolved[]): void {
  const sources = readSources(tmp);
  if (!sources || dists.length === 0) return;
  const kept: KeptVersions = {
    schema: 1,
    ...sources,
    dists: dists.map((d) => ({ name: d.name, version: d.version, requiresPython: d.requiresPython })),
  };
  if (validVersions(kept)) keepAnswer(ctx, 'versions', key, kept);
}

/** The versions kept under `key` while every source reads as it did (no pip runs); only names and versions are known. */
async function reuseVersions(ctx: Context, key: string): Promise<Resolution | null> {
  const read = readAnswer(ctx, 'versions', key);
  if (!read) return null;
  if (!validVersions(read.kept)) {
    removeMine(ctx, read.file);
    return null;
  }
  if (!(await sourcesUnchanged(ctx, read.kept))) return null;
  const dists = read.kept.dists.map((d) => ({ ...d, requested: true, direct: false, origin: parseOrigin(null) }));
  return { ok: true, dists, environment: {} };
}

export function validVersions(x: unknown): x is KeptVersions {
  if (!validSources(x)) return false;
  const k = x as KeptVersions;
  return (
    k.schema === 1 &&
    Array.isArray(k.dists) &&
    k.dists.length > 0 &&
    k.dists.every(
      (d) => namedVersion(d) && (d.requiresPython === null || (typeof d.requiresPython === 'string' && d.requiresPython.length < 200)),
    )
  );
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
