/**
 * The install pipeline: interpreter → generation venv → shared pip with --report → dist-info →
 * link plan → receipt → links → commit. Upgrade and reinstall run the same pipeline with
 * `replace` set; nothing visible changes until the commit point, and a failure before it leaves
 * the tool exactly as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { appsOf, findDist, listDists } from './distinfo.js';
import type { App } from './distinfo.js';
import { applyLinks, planLinks, removeOwnedLinks } from './links.js';
import { withLock } from './lock.js';
import { toolKey } from './names.js';
import { ensureSharedPip, hintFromPipOutput, pipTail, readInstallReport, redact, runPip } from './pip.js';
import { findInterpreter } from './python.js';
import { RECEIPT_SCHEMA, writeReceipt } from './receipt.js';
import type { Receipt, Request } from './receipt.js';
import { parseSpec } from './spec.js';
import { collectGarbage, commitGeneration, newGeneration, readInstalled } from './store.js';
import { sitePackages, venvBinDir, venvPython, createVenv } from './venv.js';

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
  /** Fields carried over from the receipt being replaced. */
  carry?: Pick<Receipt, 'pinned' | 'installedAt'>;
  cwd: string;
}

export type InstallOutcome =
  | { status: 'installed'; receipt: Receipt; previous: Receipt | null }
  | { status: 'already'; key: string; version: string | null };

export async function installTool(ctx: Context, opts: InstallOptions): Promise<InstallOutcome> {
  const { request } = opts;
  const spec = parseSpec(request.spec, opts.cwd);
  // A requirement names its tool: "already installed" is answered without spawning anything.
  if (spec.name && !opts.replace) {
    const existing = readInstalled(ctx, toolKey(spec.name, request.suffix));
    if (existing) return { status: 'already', key: existing.key, version: existing.receipt?.version ?? null };
  }
  const req: Request = { ...request, spec: spec.spec };
  const py = findInterpreter(ctx, req.python ?? undefined);
  const runner = ensureSharedPip(ctx, py);

  const gen = newGeneration(ctx);
  let committed = false;
  try {
    createVenv(ctx, py, gen.dir, { systemSitePackages: req.systemSitePackages });
    const reportFile = path.join(gen.dir, '.tpx-report.json');
    const args = [
      'install',
      '--no-input',
      '--no-warn-script-location',
      '--progress-bar',
      'off',
      '--report',
      reportFile,
      ...(req.indexUrl ? ['--index-url', req.indexUrl] : []),
      ...req.pipArgs,
      ...(opts.extraPipArgs ?? []),
      req.spec,
      ...req.injected.map((i) => i.spec),
    ];
    const pip = await ctx.out.task(`installing ${redact(req.spec)}`, () => runPip(ctx, runner, venvPython(gen.dir), args, `install-${spec.name ?? 'spec'}`));
    if (pip.code !== 0) {
      throw new TpxError('pip-failed', `pip could not install ${redact(req.spec)}`, {
        details: pipTail(pip.output),
        hint: [hintFromPipOutput(pip.output), `full log: ${pip.logFile}`].filter(Boolean).join('\n'),
      });
    }
    const installed = readInstallReport(reportFile).install.find((i) => i.requested && sameName(i.metadata.name, spec.name, i.is_direct));
    fs.rmSync(reportFile, { force: true });
    const name = installed?.metadata.name ?? spec.name;
    if (!name) throw new TpxError('no-report', `pip did not report what it installed for ${redact(req.spec)}`);
    const key = toolKey(name, req.suffix);
    if (opts.expectKey && key !== opts.expectKey) {
      throw new TpxError('other-package', `${redact(req.spec)} installs ${name}, not ${opts.expectKey}`, {
        hint: `the recorded spec no longer points at ${opts.expectKey}; reinstall it with \`tpx install --force SPEC\``,
      });
    }

    const site = sitePackages(gen.dir);
    const dist = findDist(site, name);
    if (!dist) throw new TpxError('no-dist', `${name} was installed but its metadata cannot be found in ${site}`);
    const apps = toolApps(ctx, req, dist.name, site, gen.dir);

    return await withLock(ctx, key, async () => {
      const current = readInstalled(ctx, key);
      if (current && !opts.replace) return { status: 'already', key, version: current.receipt?.version ?? null } as const;
      const plans = planLinks(ctx, key, apps.map((a) => a.name), req.suffix, opts.forceLinks);
      const now = new Date().toISOString();
      const receipt: Receipt = {
        schema: RECEIPT_SCHEMA,
        key,
        name: dist.name,
        version: dist.version,
        request: req,
        python: { executable: py.executable, version: py.version },
        apps: apps.map((a, i) => ({ name: a.name, kind: a.kind, dist: a.dist, link: plans[i]?.link ?? '' })),
        pinned: opts.carry?.pinned ?? current?.receipt?.pinned ?? false,
        generation: gen.gen,
        previousGeneration: current?.gen ?? null,
        installedAt: opts.carry?.installedAt ?? current?.receipt?.installedAt ?? now,
        updatedAt: now,
      };
      // Written last before the commit: a committed generation always has its receipt.
      writeReceipt(gen.dir, receipt);
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
      // After the commit point nothing may fail the install: stale links and old generations are tidied best-effort.
      const stale = (current?.receipt?.apps ?? []).map((a) => a.link).filter((l) => !receipt.apps.some((a) => a.link === l));
      tidy(ctx, () => removeOwnedLinks(ctx, key, stale));
      tidy(ctx, () => collectGarbage(ctx));
      return { status: 'installed', receipt, previous: current?.receipt ?? null } as const;
    });
  } finally {
    if (!committed) gen.dispose();
  }
}

function sameName(reported: string, predicted: string | null, direct: boolean | undefined): boolean {
  return predicted === null || direct === true || toolKey(reported) === toolKey(predicted);
}

/** The apps to link: the main package's, or every installed distribution's with --include-deps. */
function toolApps(ctx: Context, req: Request, mainDist: string, site: string, venv: string): App[] {
  const bin = venvBinDir(venv);
  const dists = listDists(site);
  const main = dists.find((d) => toolKey(d.name) === toolKey(mainDist));
  if (!main) return [];
  const injected = new Set(req.injected.filter((i) => i.includeApps).map((i) => toolKey(i.name)));
  const chosen = req.includeDeps ? dists : dists.filter((d) => d === main || injected.has(toolKey(d.name)));
  const apps = new Map<string, App>();
  for (const d of [main, ...chosen]) for (const a of appsOf(d, site, bin)) if (!apps.has(a.name)) apps.set(a.name, a);
  if (apps.size > 0) return [...apps.values()];
  const depApps = dists.filter((d) => d !== main).flatMap((d) => appsOf(d, site, bin).map((a) => `${a.name} (from ${d.name})`));
  throw new TpxError('no-apps', `${main.name} ${main.version} has no apps to link`, {
    hint: depApps.length > 0 ? `its dependencies have apps: ${depApps.join(', ')}; install with --include-deps to link them` : 'it is a library, not a command-line tool; nothing was installed',
  });
}

function tidy(ctx: Context, work: () => unknown): void {
  try {
    work();
  } catch (err) {
    ctx.out.warn(`could not tidy up: ${err instanceof Error ? err.message : String(err)}`);
  }
}
