/**
 * Building an environment into a generation: interpreter → venv without pip → the shared pip with
 * --report (docs/architecture.md, "Generations and the commit point", steps 1–4). Shared by install,
 * upgrade, reinstall, inject and run; a PEP 723 script tool builds through scripttool.ts with the
 * same pip runs. The caller owns the directory and removes it on failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { listDists } from '../packaging/distinfo.js';
import type { Dist } from '../packaging/distinfo.js';
import { toolKey } from '../packaging/names.js';
import { readInstallReport, runPip, writeLockRequirements } from '../installer/pip/pip.js';
import { hintFromPipOutput, pipTail, unreachableIndexHint } from '../installer/pip/hints.js';
import { checkPipArgs } from '../request/pipargs.js';
import { logHint } from '../base/proc.js';
import type { Logged } from '../base/proc.js';
import { redact } from '../base/redact.js';
import { sharedPip } from '../installer/pip/shared.js';
import { findInterpreter } from '../python/python.js';
import type { Interpreter } from '../python/python.js';
import type { Request } from '../request/request.js';
import { parseSpec, RECORDED } from '../packaging/spec.js';
import type { Spec } from '../packaging/spec.js';
import { emptyGeneration, pythonForPackage } from '../installer/pip/pythonfor.js';
import { createVenv, sitePackages, venvPython } from '../python/venv.js';

/** What an environment build produced, read from pip's report and the dist-info on disk. */
export interface Built {
  py: Interpreter;
  venv: string;
  /** The requested distribution, as its metadata spells it (a script tool: its name). */
  name: string;
  version: string;
  site: string;
  dists: Dist[];
  /** Everything pip reported as requested: the spec, injected packages, extra requirements. */
  requested: Requested[];
  /** The Python (`3.12`) tpx picked because the package's requires-python excludes the default; recorded as --python. */
  chosenPython: string | null;
}

export interface Requested {
  name: string;
  version: string;
  /** Where pip got it (`download_info.url`): matches a path or URL spec. */
  url: string | null;
  direct: boolean;
}

export interface BuildOptions {
  /** pip install arguments for this build only (e.g. pins). */
  extraPipArgs?: string[];
  /** Requirements installed along with the spec (`tpx run --with`). */
  extraSpecs?: string[];
  logName: string;
  py?: Interpreter;
}

/**
 * Builds a venv at `dir` (which must exist, empty but for tpx markers) holding `req.spec` (editable
 * for an editable request) plus `req.injected` and `extraSpecs`, after `req.preinstall` in a pip run
 * of its own. Throws a TpxError on any failure.
 */
export async function buildEnvironment(ctx: Context, dir: string, req: Request, opts: BuildOptions): Promise<Built> {
  const spec = parseSpec(req.spec, RECORDED);
  const py = opts.py ?? findInterpreter(ctx, req.python ?? undefined);
  const runner = await sharedPip(ctx, py);
  await createVenv(ctx, py, dir, { systemSitePackages: req.systemSitePackages });
  await preinstall(ctx, runner, dir, req, opts);
  const main = req.kind === 'editable' ? ['-e', req.spec] : [req.spec];
  // A lock (locking.ts) is installed as it is: every file by its hash, nothing resolved.
  const specs = req.lock
    ? ['--require-hashes', '--no-deps', '-r', writeLockRequirements(path.join(dir, '.tpx-lock.txt'), req.lock)]
    : [...main, ...req.injected.map((i) => i.spec), ...(opts.extraSpecs ?? [])];
  const pip = await pipInstall(ctx, runner, dir, req, specs, opts);
  fs.rmSync(path.join(dir, '.tpx-lock.txt'), { force: true });
  if ('code' in pip) {
    // Without --python, a package that needs another Python gets the newest installed one that fits.
    const other =
      req.python === null && !opts.py && !req.lock ? await pythonForPackage(ctx, { runner, dir, req, py, pipOutput: pip.output }) : null;
    if (other) {
      emptyGeneration(ctx, dir);
      const built = await buildEnvironment(ctx, dir, req, { ...opts, py: other });
      return { ...built, chosenPython: other.version.split('.').slice(0, 2).join('.') };
    }
    throw await pipFailure(ctx, req, pip, dir, req.spec);
  }
  const installed = reportedFor(spec, pip.requested) ?? pip.requested.find((i) => sameName(i.name, spec.name, i.direct));
  const name = installed?.name ?? spec.name;
  if (!name) throw new TpxError('no-report', `pip did not report what it installed for ${redact(req.spec)}`);
  const site = sitePackages(ctx, dir);
  const dists = listDists(site);
  const dist = dists.find((d) => toolKey(d.name) === toolKey(name));
  if (!dist) throw new TpxError('no-dist', `${name} was installed but its metadata cannot be found in ${site}`);
  return { py, venv: dir, name: dist.name, version: dist.version, site, dists, requested: pip.requested, chosenPython: null };
}

/** `--preinstall` packages, in a pip run of their own before the main one (build tools, plugins). */
export async function preinstall(ctx: Context, runner: string, dir: string, req: Request, opts: BuildOptions): Promise<void> {
  if (req.preinstall.length === 0) return;
  const pip = await pipInstall(ctx, runner, dir, req, req.preinstall, { ...opts, logName: `${opts.logName}-preinstall` });
  if ('code' in pip) throw await pipFailure(ctx, req, pip, dir, req.preinstall.join(' '));
}

/**
 * The shared pip's `install` of `specs` into the venv at `dir`, with the request's index and pip
 * args (an injected package's own pip args too: pip resolves everything in one run); what its report
 * says was requested, or the failed run.
 */
export async function pipInstall(
  ctx: Context,
  runner: string,
  dir: string,
  req: Request,
  specs: string[],
  opts: BuildOptions,
): Promise<{ requested: Requested[] } | Logged> {
  const reportFile = path.join(dir, '.tpx-report.json');
  const args = [
    'install',
    '--no-input',
    '--no-warn-script-location',
    '--progress-bar',
    'off',
    '--report',
    reportFile,
    ...(req.indexUrl ? ['--index-url', req.indexUrl] : []),
    // Checked wherever pip args come from (flags, receipts, export files); here once more, where they are used.
    ...checkPipArgs(req.pipArgs),
    ...req.injected.flatMap((i) => checkPipArgs(i.pipArgs)),
    ...(opts.extraPipArgs ?? []),
    ...specs,
  ];
  const what = req.lock ? req.spec : specs[0] === '-e' ? (specs[1] ?? '') : (specs[0] ?? '');
  const pip = await ctx.out.task(`installing ${redact(what)}`, () => runPip(ctx, runner, venvPython(ctx, dir), args, opts.logName));
  if (pip.code !== 0) return pip;
  const requested = readInstallReport(reportFile)
    .install.filter((i) => i.requested)
    .map((i) => ({ name: i.metadata.name, version: i.metadata.version, url: i.download_info?.url ?? null, direct: i.is_direct === true }));
  fs.rmSync(reportFile, { force: true });
  return { requested };
}

/** pip's failure as one error: the tail of its output, and hints from it. */
export async function pipFailure(ctx: Context, req: Request, pip: Logged, dir: string, what: string): Promise<TpxError> {
  const unreachable = /from versions: none/.test(pip.output)
    ? await unreachableIndexHint(ctx.env, req.indexUrl ?? ctx.env.PIP_INDEX_URL)
    : undefined;
  return new TpxError('pip-failed', `pip could not install ${redact(what)}`, {
    details: pipTail(pip.output),
    hint: [unreachable ?? hintFromPipOutput(pip.output, dir), logHint(ctx, pip)].filter(Boolean).join('\n'),
  });
}

/** The report entry a spec produced: by where pip got it (paths, URLs), else by name. */
export function reportedFor(spec: Spec, requested: Requested[]): Requested | undefined {
  const url = spec.kind === 'path' ? pathToFileURL(spec.spec).href : spec.kind === 'url' ? (spec.spec.split('#')[0] ?? '') : null;
  return requested.find((r) => url !== null && r.url === url) ?? requested.find((r) => spec.name !== null && toolKey(r.name) === spec.name);
}

function sameName(reported: string, predicted: string | null, direct: boolean | undefined): boolean {
  return predicted === null || direct === true || toolKey(reported) === toolKey(predicted);
}
