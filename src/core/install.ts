/**
 * The install pipeline: interpreter → generation venv → shared pip with --report → dist-info →
 * link plan → receipt → links → commit. Upgrade and reinstall run the same pipeline with
 * `replace` set; nothing visible changes until the commit point, and a failure before it leaves
 * the tool exactly as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { appFile, appsOf, listDists } from './distinfo.js';
import { othersCanRun } from './fsx.js';
import type { App, Dist } from './distinfo.js';
import { applyLinks, describeRepair, linkFor, planLinks, removeLinksExcept, repairLinks } from './links.js';
import { withLock } from './lock.js';
import { toolKey } from './names.js';
import { readInstallReport, runPip } from './pip.js';
import { hintFromPipOutput, pipTail, unreachableIndexHint } from './piphints.js';
import { checkPipArgs } from './pipargs.js';
import { logHint } from './proc.js';
import { hasCredentials, redact } from './redact.js';
import { sharedPip } from './sharedpip.js';
import { findInterpreter } from './python.js';
import type { Interpreter } from './python.js';
import { RECEIPT_SCHEMA, receiptMode, writeReceipt } from './receipt.js';
import type { Receipt, Request } from './receipt.js';
import { parseSpec } from './spec.js';
import { writeLockRequirements } from './locking.js';
import type { Spec } from './spec.js';
import { collectGarbage, commitGeneration, newGeneration, readInstalled } from './store.js';
import { emptyGeneration, pythonForPackage } from './pythonfor.js';
import { createVenv, isolateApps, sitePackages, venvBinDir, venvPython } from './venv.js';
import type { OnPlatform } from './platform.js';

export interface InstallOptions {
  request: Request;
  /** Replace an installed tool (--force, upgrade, reinstall); otherwise an installed tool is left alone. */
  replace: boolean;
  /** Overwrite bin entries tpx does not own (--force). */
  forceLinks: boolean;
  /** Extra pip install arguments for this run only (e.g. --upgrade). */
  extraPipArgs?: string[];
  /** Must be this key (upgrade/reinstall of a known tool): a spec that turns out to be another package is refused. */
  expectKey?: string;
  /** Replace only if the tool is still at this generation (null: not installed) when committing. */
  expectGeneration?: string | null;
  /** Keep the current generation when the new build holds exactly the same distributions (upgrade: "already latest"). */
  unlessUnchanged?: boolean;
  /** Fields carried over from the receipt being replaced. */
  carry?: Pick<Receipt, 'pinned' | 'installedAt'>;
  cwd: string;
}

export type InstallOutcome =
  | { status: 'installed'; receipt: Receipt; previous: Receipt | null }
  | { status: 'already'; key: string; version: string | null };

export async function installTool(ctx: Context, opts: InstallOptions): Promise<InstallOutcome> {
  const prepared = await prepareInstall(ctx, opts);
  return 'status' in prepared ? prepared : prepared.commit();
}

/**
 * A built tool not yet switched to (installMany builds several, checks their links against each
 * other, then commits them): `commit()` takes the lock, links and switches, as installTool does;
 * `dispose()` throws the build away.
 */
export interface Prepared {
  key: string;
  /** The bin-dir paths its apps will be linked at. */
  links: string[];
  commit(): Promise<InstallOutcome>;
  dispose(): void;
}

/** installTool up to the commit point: the venv is built and its apps chosen; nothing visible has changed. */
export async function prepareInstall(ctx: Context, opts: InstallOptions): Promise<InstallOutcome | Prepared> {
  const { request } = opts;
  const spec = parseSpec(request.spec, opts.cwd);
  // Names too long to become file names are refused before anything is made.
  const predicted = spec.name ? toolKey(spec.name, request.suffix) : null;
  // A requirement names its tool: "already installed" is answered without spawning anything.
  if (predicted && !opts.replace) {
    const existing = readInstalled(ctx, predicted);
    if (existing) return { status: 'already', key: existing.key, version: existing.receipt?.version ?? null };
  }
  const req: Request = { ...request, spec: spec.spec };
  const gen = newGeneration(ctx);
  let committed = false;
  let built: Built;
  let named: Request;
  let key: string;
  let apps: App[];
  try {
    built = await buildEnvironment(ctx, gen.dir, req, { extraPipArgs: opts.extraPipArgs, logName: `install-${spec.name ?? 'spec'}` });
    named = nameInjected(built.chosenPython ? { ...req, python: built.chosenPython } : req, built);
    key = toolKey(built.name, req.suffix);
    if (opts.expectKey && key !== opts.expectKey) {
      throw new TpxError('other-package', `${redact(req.spec)} installs ${built.name}, not ${opts.expectKey}`, {
        hint: `the recorded spec no longer points at ${opts.expectKey}; reinstall it with \`tpx install --force SPEC\``,
      });
    }
    apps = selectApps(ctx, named, built);
    isolateApps(ctx, gen.dir, apps.map((a) => appFile(ctx, a.name)));
  } catch (err) {
    gen.dispose();
    throw err;
  }
  const commit = async (): Promise<InstallOutcome> => {
    try {
      return await withLock(ctx, key, async () => {
        const current = readInstalled(ctx, key);
        if (current && !opts.replace) return { status: 'already', key, version: current.receipt?.version ?? null } as const;
        if (opts.expectGeneration !== undefined && (current?.gen ?? null) !== opts.expectGeneration) {
          throw new TpxError('changed', `${key} was changed by another tpx process while this one worked`, { hint: 'run the command again' });
        }
        if (opts.unlessUnchanged && current && sameDists(ctx, built.dists, current.dir)) {
          // Nothing to upgrade, but links a killed command left are still put right.
          if (current.receipt) await tidy(ctx, async () => describeRepair(key, await repairLinks(ctx, key, current.receipt?.apps ?? [], req.suffix)).forEach((l) => ctx.out.info(l)));
          return { status: 'already', key, version: current.receipt?.version ?? null } as const;
        }
        const plans = await planLinks(ctx, key, apps.map((a) => a.name), req.suffix, opts.forceLinks);
        const now = new Date().toISOString();
        const receipt: Receipt = {
          schema: RECEIPT_SCHEMA,
          key,
          name: built.name,
          version: built.version,
          request: named,
          python: { executable: built.py.executable, version: built.py.version },
          apps: apps.map((a, i) => ({ name: a.name, kind: a.kind, dist: a.dist, link: plans[i]?.link ?? '' })),
          pinned: opts.carry?.pinned ?? current?.receipt?.pinned ?? false,
          generation: gen.gen,
          previousGeneration: current?.gen ?? null,
          installedAt: opts.carry?.installedAt ?? current?.receipt?.installedAt ?? now,
          updatedAt: now,
        };
        // Written last before the commit: a committed generation always has its receipt.
        writeReceipt(gen.dir, receipt, receiptMode(ctx.paths));
        const links = applyLinks(ctx, plans);
        try {
          commitGeneration(ctx, key, gen.gen);
        } catch (err) {
          links.rollback();
          throw err;
        }
        committed = true;
        gen.keep();
        links.commit();
        // After the commit point nothing may fail the install: links into the tool that are not its
        // apps' (dropped apps, or left by a killed command) and old generations are tidied best-effort.
        await tidy(ctx, () => removeLinksExcept(ctx, key, receipt.apps.map((a) => a.link)));
        await tidy(ctx, () => collectGarbage(ctx));
        if (ctx.paths.global && !othersCanRun(built.py.executable)) {
          ctx.out.warn(`${built.py.executable} can be run by its owner only, so ${key}'s apps work for that user alone; for a system-wide tool use an interpreter every user can run (--python /usr/bin/python3)`);
        }
        if (hasCredentials(JSON.stringify(named))) {
          ctx.out.warn('the credentials in its URLs were not recorded (tpx never writes one to disk): upgrade and reinstall need them from pip (~/.netrc, keyring, PIP_INDEX_URL) or the flag again');
        }
        return { status: 'installed', receipt, previous: current?.receipt ?? null } as const;
      });
    } finally {
      if (!committed) gen.dispose();
    }
  };
  return { key, links: apps.map((a) => linkFor(ctx, key, a.name, req.suffix).link), commit, dispose: gen.dispose };
}

/** What an environment build produced, read from pip's report and the dist-info on disk. */
export interface Built {
  py: Interpreter;
  venv: string;
  /** The requested distribution, as its metadata spells it. */
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

/**
 * Builds a venv at `dir` (which must exist, empty but for tpx markers) holding `req.spec` plus
 * `req.injected` and `extraSpecs`: interpreter → venv without pip → shared pip with --report.
 * Shared by install, upgrade, reinstall and run. Throws a TpxError on any failure; the caller
 * owns `dir` and removes it.
 */
export async function buildEnvironment(
  ctx: Context,
  dir: string,
  req: Request,
  opts: { extraPipArgs?: string[]; extraSpecs?: string[]; logName: string; py?: Interpreter },
): Promise<Built> {
  const spec = parseSpec(req.spec, '/');
  const py = opts.py ?? findInterpreter(ctx, req.python ?? undefined);
  const runner = await sharedPip(ctx, py);
  await createVenv(ctx, py, dir, { systemSitePackages: req.systemSitePackages });
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
    ...(opts.extraPipArgs ?? []),
    // A lock (locking.ts) is installed as it is: every file by its hash, nothing resolved.
    ...(req.lock ? ['--require-hashes', '--no-deps', '-r', writeLockRequirements(path.join(dir, '.tpx-lock.txt'), req.lock)] : [req.spec, ...req.injected.map((i) => i.spec), ...(opts.extraSpecs ?? [])]),
  ];
  const pip = await ctx.out.task(`installing ${redact(req.spec)}`, () => runPip(ctx, runner, venvPython(ctx, dir), args, opts.logName));
  if (pip.code !== 0) {
    // Without --python, a package that needs another Python gets the newest installed one that fits.
    const other = req.python === null && !opts.py && !req.lock ? await pythonForPackage(ctx, { runner, dir, req, py, pipOutput: pip.output }) : null;
    if (other) {
      emptyGeneration(ctx, dir);
      const built = await buildEnvironment(ctx, dir, req, { ...opts, py: other });
      return { ...built, chosenPython: other.version.split('.').slice(0, 2).join('.') };
    }
    const unreachable = /from versions: none/.test(pip.output) ? await unreachableIndexHint(req.indexUrl ?? ctx.env.PIP_INDEX_URL) : undefined;
    throw new TpxError('pip-failed', `pip could not install ${redact(req.spec)}`, {
      details: pipTail(pip.output),
      hint: [unreachable ?? hintFromPipOutput(pip.output, dir), logHint(ctx, pip)].filter(Boolean).join('\n'),
    });
  }
  const requested = readInstallReport(reportFile)
    .install.filter((i) => i.requested)
    .map((i) => ({ name: i.metadata.name, version: i.metadata.version, url: i.download_info?.url ?? null, direct: i.is_direct === true }));
  fs.rmSync(reportFile, { force: true });
  fs.rmSync(path.join(dir, '.tpx-lock.txt'), { force: true });
  const installed = reportedFor(spec, requested) ?? requested.find((i) => sameName(i.name, spec.name, i.direct));
  const name = installed?.name ?? spec.name;
  if (!name) throw new TpxError('no-report', `pip did not report what it installed for ${redact(req.spec)}`);
  const site = sitePackages(ctx, dir);
  const dists = listDists(site);
  const dist = dists.find((d) => toolKey(d.name) === toolKey(name));
  if (!dist) throw new TpxError('no-dist', `${name} was installed but its metadata cannot be found in ${site}`);
  return { py, venv: dir, name: dist.name, version: dist.version, site, dists, requested, chosenPython: null };
}

/** The report entry a spec produced: by where pip got it (paths, URLs), else by name. */
export function reportedFor(spec: Spec, requested: Requested[]): Requested | undefined {
  const url = spec.kind === 'path' ? pathToFileURL(spec.spec).href : spec.kind === 'url' ? (spec.spec.split('#')[0] ?? '') : null;
  return requested.find((r) => url !== null && r.url === url) ?? requested.find((r) => spec.name !== null && toolKey(r.name) === spec.name);
}

/** Injected paths and URLs name their distribution only once pip has installed them: fill in those names. */
function nameInjected(req: Request, built: Built): Request {
  if (req.injected.every((i) => i.name !== '')) return req;
  const injected = req.injected.map((i) => {
    if (i.name !== '') return i;
    const found = reportedFor(parseSpec(i.spec, '/'), built.requested);
    if (!found) throw new TpxError('no-report', `pip did not report which distribution ${redact(i.spec)} installed`);
    return { ...i, name: toolKey(found.name) };
  });
  return { ...req, injected };
}

function sameDists(on: OnPlatform, dists: Dist[], venv: string): boolean {
  const ids = (ds: Dist[]) => ds.map((d) => `${toolKey(d.name)}==${d.version}`).sort().join('\n');
  try {
    return ids(dists) === ids(listDists(sitePackages(on, venv)));
  } catch {
    return false;
  }
}

function sameName(reported: string, predicted: string | null, direct: boolean | undefined): boolean {
  return predicted === null || direct === true || toolKey(reported) === toolKey(predicted);
}

/**
 * The apps to link: the main package's, plus injected packages' with --include-apps, or every
 * installed distribution's with --include-deps. No apps at all refuses the install.
 */
export function selectApps(on: OnPlatform, req: Request, built: Built): App[] {
  const bin = venvBinDir(on, built.venv);
  const main = built.dists.find((d) => toolKey(d.name) === toolKey(built.name)) as Dist;
  const injected = new Set(req.injected.filter((i) => i.includeApps).map((i) => toolKey(i.name)));
  const chosen = req.includeDeps ? built.dists : built.dists.filter((d) => injected.has(toolKey(d.name)));
  const apps = new Map<string, App>();
  for (const d of [main, ...chosen]) for (const a of appsOf(on, d, built.site, bin)) if (!apps.has(a.name)) apps.set(a.name, a);
  if (apps.size > 0) return [...apps.values()];
  const depApps = built.dists.filter((d) => d !== main).flatMap((d) => appsOf(on, d, built.site, bin).map((a) => `${a.name} (from ${d.name})`));
  throw new TpxError('no-apps', `${main.name} ${main.version} has no apps to link`, {
    hint: depApps.length > 0 ? `its dependencies have apps: ${depApps.join(', ')}; install with --include-deps to link them` : 'it is a library, not a command-line tool; nothing was installed',
  });
}

async function tidy(ctx: Context, work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (err) {
    ctx.out.warn(`could not tidy up: ${err instanceof Error ? err.message : String(err)}`);
  }
}
