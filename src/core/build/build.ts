/**
 * Building an environment into a generation: interpreter → the installer's venv → the install,
 * which names what was requested (docs/architecture.md, "Generations and the commit point", steps
 * 1–4). Shared by install, upgrade, reinstall, inject and run; a PEP 723 script tool builds through
 * scripttool.ts with the same installer. The caller owns the directory and removes it on failure.
 */
import { pathToFileURL } from 'node:url';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import type { Dist } from '../packaging/distinfo.js';
import { toolKey } from '../packaging/names.js';
import { redact } from '../base/redact.js';
import { installerFor } from '../installer/installer.js';
import type { Environment, Installer, InstallJob, Requested, UnchangedAsk } from '../installer/installer.js';
import { choosePython, minorVersion } from '../python/choose.js';
import type { Interpreter } from '../python/python.js';
import type { Request } from '../request/request.js';
import { parseSpec, RECORDED } from '../packaging/spec.js';
import type { Spec } from '../packaging/spec.js';
import { emptyGeneration, pythonForPackage } from './pythonfor.js';
import { sitePackages } from '../python/venv.js';

/** What an environment build produced, as the installer answered (what was requested; the dist-info on disk). */
export interface Built {
  py: Interpreter;
  venv: string;
  /** The requested distribution, as its metadata spells it (a script tool: its name). */
  name: string;
  version: string;
  site: string;
  dists: Dist[];
  /** Everything the install was asked for, as pip's report names it: the spec, injected packages, extra requirements. */
  requested: Requested[];
  /** The Python (`3.12`) tpx picked because the package's requires-python excludes the default; recorded as --python. */
  chosenPython: string | null;
}

export interface BuildOptions {
  /** pip install arguments for this build only (e.g. pins). */
  extraPipArgs?: string[];
  /** Requirements installed along with the spec (`tpx run --with`). */
  extraSpecs?: string[];
  logName: string;
  py?: Interpreter;
  /** The generation being rebuilt, which the installer may replay without resolving (InstallJob.replayFrom). */
  replayFrom?: string;
  /** A throw-away environment (InstallJob.throwaway). */
  throwaway?: boolean;
}

/**
 * Builds a venv at `dir` (which must exist, empty but for tpx markers) holding `req.spec` (editable
 * for an editable request) plus `req.injected` and `extraSpecs`, after `req.preinstall` in an
 * install of its own. Throws a TpxError on any failure.
 */
export async function buildEnvironment(ctx: Context, dir: string, req: Request, opts: BuildOptions): Promise<Built> {
  const spec = parseSpec(req.spec, RECORDED);
  const py = opts.py ?? (await choosePython(ctx, { requested: req.python }));
  const installer = installerFor(ctx);
  const env = await installer.createEnvironment(ctx, py, dir, { systemSitePackages: req.systemSitePackages });
  await preinstall(ctx, installer, env, req, opts);
  const result = await installer.install(ctx, env, mainJob(req, opts));
  if (!result.ok) {
    // Without --python, a package that needs another Python gets the newest installed one that fits.
    const other =
      result.wrongPython && req.python === null && !opts.py && !req.lock ? await pythonForPackage(ctx, installer, env, req) : null;
    if (other) {
      emptyGeneration(ctx, dir);
      const built = await buildEnvironment(ctx, dir, req, { ...opts, py: other });
      return { ...built, chosenPython: minorVersion(other.version) };
    }
    throw await result.error();
  }
  const site = sitePackages(ctx, dir);
  const dist = requestedDist(req, spec, result.requested, result.dists, site);
  return {
    py,
    venv: dir,
    name: dist.name,
    version: dist.version,
    site,
    dists: result.dists,
    requested: result.requested,
    chosenPython: null,
  };
}

/**
 * For each tool, whether building its request afresh (as upgrade does, with no pins) would give
 * exactly what the venv at its `dir` holds, known without a resolver (Installer.unchanged); false
 * whenever that cannot be told, and for a request with injected packages (upgrade holds them with
 * pins), `--preinstall` or a lock.
 */
export async function buildsTheSame(ctx: Context, tools: { dir: string; req: Request }[]): Promise<boolean[]> {
  const { unchanged } = installerFor(ctx);
  const judged: (UnchangedAsk | null)[] = [];
  for (const { dir, req } of tools) {
    const py =
      unchanged && req.kind === 'package' && req.injected.length === 0 && req.preinstall.length === 0 && !req.lock
        ? // An interpreter that cannot be had now is the build's error to give, not this question's.
          await choosePython(ctx, { requested: req.python }).catch(() => null)
        : null;
    judged.push(py && { py, venv: dir, job: mainJob(req, { extraPipArgs: [], logName: 'upgrade-check' }) });
  }
  const asks = judged.filter((a): a is UnchangedAsk => a !== null);
  const same = unchanged && asks.length > 0 ? await unchanged(ctx, asks).catch(() => []) : [];
  return judged.map((a) => a !== null && same[asks.indexOf(a)] === true);
}

/** The main install: the spec (editable for an editable request), injected packages and `extraSpecs`; or the request's lock. */
function mainJob(req: Request, opts: BuildOptions): InstallJob {
  return {
    request: req,
    specs: [req.spec, ...req.injected.map((i) => i.spec), ...(opts.extraSpecs ?? [])],
    editable: req.kind === 'editable',
    lock: req.lock,
    extraPipArgs: opts.extraPipArgs,
    replayFrom: opts.replayFrom,
    what: req.spec,
    logName: opts.logName,
    throwaway: opts.throwaway,
  };
}

/** The distribution the request's spec installed: named by the install's answer, found on disk. */
function requestedDist(req: Request, spec: Spec, requested: Requested[], dists: Dist[], site: string): Dist {
  const installed = reportedFor(spec, requested) ?? requested.find((i) => sameName(i.name, spec.name, i.direct));
  const name = installed?.name ?? spec.name;
  if (!name) throw new TpxError('no-report', `pip did not report what it installed for ${redact(req.spec)}`);
  const dist = dists.find((d) => toolKey(d.name) === toolKey(name));
  if (!dist) throw new TpxError('no-dist', `${name} was installed but its metadata cannot be found in ${site}`);
  return dist;
}

/** `--preinstall` packages, in an install of their own before the main one (build tools, plugins). */
export async function preinstall(ctx: Context, installer: Installer, env: Environment, req: Request, opts: BuildOptions): Promise<void> {
  if (req.preinstall.length === 0) return;
  await installOrThrow(ctx, installer, env, {
    request: req,
    specs: req.preinstall,
    extraPipArgs: opts.extraPipArgs,
    what: req.preinstall.join(' '),
    logName: `${opts.logName}-preinstall`,
  });
}

/** An install that must succeed: what was requested, or its failure thrown. */
export async function installOrThrow(ctx: Context, installer: Installer, env: Environment, job: InstallJob): Promise<Requested[]> {
  const result = await installer.install(ctx, env, job);
  if (!result.ok) throw await result.error();
  return result.requested;
}

/** The report entry a spec produced: by where pip got it (paths, URLs), else by name. */
export function reportedFor(spec: Spec, requested: Requested[]): Requested | undefined {
  const url = spec.kind === 'path' ? pathToFileURL(spec.path).href : spec.kind === 'url' ? (spec.spec.split('#')[0] ?? '') : null;
  return requested.find((r) => url !== null && r.url === url) ?? requested.find((r) => spec.name !== null && toolKey(r.name) === spec.name);
}

function sameName(reported: string, predicted: string | null, direct: boolean | undefined): boolean {
  return predicted === null || direct === true || toolKey(reported) === toolKey(predicted);
}
