/**
 * The wheel store as tpx's Installer (docs/architecture.md, "The wheel store"): pip resolves (a dry
 * run in the new venv, with the request's own options), or an exact source says what to install
 * (a lock; the record of the generation being rebuilt); each wheel is unpacked once into a
 * content-addressed entry and its files linked into the venv; whatever the store cannot install
 * exactly (sdists, editable installs, a wheel whose RECORD does not match) is left to pip's own
 * install, which then finds the rest already there. Everything but `install` is pip's, its dry runs
 * reading the metadata of the wheels the store holds from their entries (pip/runner.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context, Progress } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import type { LinkMode } from '../../base/platform.js';
import { redact } from '../../base/redact.js';
import { listDists } from '../../packaging/distinfo.js';
import type { Interpreter } from '../../python/python.js';
import { sitePackages, venvBinDir, venvPython } from '../../python/venv.js';
import type { Environment, Installer, InstallJob, InstallResult, Requested, UnchangedAsk } from '../installer.js';
import { installArgs, lockLeftUnmet } from '../pip/install.js';
import { pipInstaller } from '../pip/installer.js';
import { latestVersions } from '../pip/latest.js';
import { readInstallReport, runPip } from '../pip/pip.js';
import { sharedPip } from '../pip/shared.js';
import {
  BYTECODE_FILE,
  bytecodeEntry,
  ENTRY_FILE,
  publish,
  readBytecode,
  readEntry,
  readGeneration,
  recordInGeneration,
  wheelEntry,
  wheelsDir,
  withStoreTemp,
  writeManifest,
} from './entries.js';
import { fetchWheels, keptWheels } from './fetch.js';
import { runHelper } from './helper.js';
import type { HelperJob } from './helper.js';
import { materialise } from './materialise.js';
import { eachUnchanged, sourcesReport } from '../pip/sources.js';
import { keepResolution, keptResolution, resolutionKey, reuseResolution } from './resolutions.js';
import type { Resolution } from './resolutions.js';
import type { Linker } from './materialise.js';
import { fromLock, fromRecord, fromReport, jobKey, pipOnly, replacesInstalled, route, toRecord } from './plan.js';
import type { Planned, ReportItem } from './plan.js';

async function install(ctx: Context, env: Environment, job: InstallJob): Promise<InstallResult> {
  const what = whatOf(job);
  const whole = pipOnly(ctx, env, job);
  if (whole) {
    note(ctx, `${redact(what)}: pip installs it (${whole})`);
    return pipInstaller.install(ctx, env, job);
  }
  const key = await jobKey(ctx, job);
  const site = sitePackages(ctx, env.dir);
  // One task for the whole install: what pip installs in the end goes under the same line (or spinner).
  // One work dir in the store for it: the wheels the dry run fetched, then the entries made from them.
  return ctx.out.task(`installing ${redact(what)}`, (progress) =>
    withStoreTemp(ctx, async (tmp) => {
      const byPip = () => pipInstaller.install(underTask(ctx, progress), env, job);
      const rkey = await keyOfResolution(ctx, env, job, key);
      const plan = replay(ctx, env, job, key) ?? (job.lock ? fromLock(job.lock) : await resolvePlan(ctx, env, job, tmp, rkey));
      // The dry run failed: pip's own install fails the same way and says so as it always has.
      if (!plan) return byPip();
      if (
        replacesInstalled(
          plan,
          listDists(site).map((d) => d.name),
        )
      ) {
        note(ctx, `${redact(what)}: pip installs it (it replaces a distribution already in the venv)`);
        return byPip();
      }
      if (await fromStore(ctx, env, plan, job, key, tmp)) {
        const rest = await byPip();
        if (!rest.ok) return rest;
      } else if (rkey && !job.throwaway) keepResolution(ctx, rkey, tmp, plan);
      const incomplete = job.lock ? lockLeftUnmet(ctx, env, job, await sharedPip(ctx, env.py)) : null;
      return incomplete ?? { ok: true, requested: plan.filter((p) => p.requested).map(requestedOf), dists: listDists(site) };
    }),
  );
}

/** `ctx` inside a task already shown: a nested task adds no second line or spinner, it reports to the outer one. */
function underTask(ctx: Context, progress: Progress): Context {
  return { ...ctx, out: { ...ctx.out, task: (_text, work) => work(progress) } };
}

/** What an install is of, as its `-v` lines name it: the first spec, or the lock. */
function whatOf(job: InstallJob): string {
  return job.lock ? job.what : (job.specs[0] ?? '');
}

function requestedOf(p: Planned): Requested {
  return { name: p.name, version: p.version, url: p.url, direct: p.direct };
}

/** `-v` says which path each distribution took. */
function note(ctx: Context, line: string): void {
  if (ctx.verbose) ctx.out.info(line);
}

/** The recorded install of the generation being rebuilt, when it was made by the same job on the same interpreter. */
function replay(ctx: Context, env: Environment, job: InstallJob, key: string): Planned[] | null {
  if (!job.replayFrom) return null;
  const python = `${env.py.executable} ${env.py.version}`;
  const found = readGeneration(job.replayFrom)?.installs.find((i) => i.key === key && i.python === python);
  if (!found || found.dists.some((d) => !/^[0-9a-f]{64}$/.test(d.sha256))) return null;
  note(ctx, `${redact(job.what)}: the files ${path.basename(job.replayFrom)} was built from, without resolving again`);
  return fromRecord(found.dists);
}

/**
 * The key a resolution of this job is kept under (resolutions.ts), or null when none may be: the venv
 * is not empty (pip's answer then depends on what is in it), or the answer depends on the clock.
 */
async function keyOfResolution(ctx: Context, env: Environment, job: InstallJob, key: string): Promise<string | null> {
  if (job.replayFrom || job.lock || listDists(sitePackages(ctx, env.dir)).length > 0) return null;
  return resolutionKey(ctx, env, job, key, await sharedPip(ctx, env.py));
}

/** pip's answer: the one it gave before when nothing it read has changed since (resolutions.ts), else a dry run's. */
async function resolvePlan(ctx: Context, env: Environment, job: InstallJob, tmp: string, rkey: string | null): Promise<Planned[] | null> {
  const again = rkey ? await reuseResolution(ctx, rkey) : null;
  if (again) {
    note(
      ctx,
      `${redact(whatOf(job))}: pip's resolution of ${again.at.slice(0, 16).replace('T', ' ')} UTC, the ${again.sources} pages and files it read unchanged`,
    );
    return again.plan;
  }
  return dryRun(ctx, env, job, tmp, rkey !== null);
}

/**
 * pip's dry run of this very install, in the venv it goes into: what it would install, each with its
 * file. The wheels pip fetches to read their metadata are kept in `tmp` (pip/runner.ts), for
 * `fetchWheels`; with `record`, so is a digest of every source pip read (resolutions.ts).
 */
async function dryRun(ctx: Context, env: Environment, job: InstallJob, tmp: string, record: boolean): Promise<Planned[] | null> {
  const runner = await sharedPip(ctx, env.py);
  const report = path.join(env.dir, '.tpx-report.json');
  const lockFile = path.join(env.dir, '.tpx-lock.txt');
  const args = ['install', '--dry-run', '--no-input', '--progress-bar', 'off', '--report', report, ...installArgs(job, lockFile, ctx.env)];
  const kept = keptWheels(tmp);
  fs.mkdirSync(kept);
  const extraEnv = {
    TPX_KEEP_WHEELS: kept,
    TPX_METADATA_FROM: wheelsDir(ctx.paths),
    ...(record ? { TPX_SOURCES_REPORT: sourcesReport(tmp) } : {}),
  };
  const pip = await runPip(ctx, runner, venvPython(ctx, env.dir), args, `${job.logName}-resolve`, extraEnv);
  fs.rmSync(lockFile, { force: true });
  if (pip.code !== 0) {
    note(ctx, `${redact(whatOf(job))}: pip installs it (its dry run failed: its own install says why)`);
    return null;
  }
  const items = readInstallReport(report).install as unknown as ReportItem[];
  fs.rmSync(report, { force: true });
  return fromReport(items);
}

/**
 * Installs what the store can of `plan` into the venv: wheels fetched and unpacked into entries
 * where they are missing, bytecode compiled where it is, the generation's record written, then the
 * files linked. Returns whether anything is left for pip.
 */
async function fromStore(ctx: Context, env: Environment, plan: Planned[], job: InstallJob, key: string, tmp: string): Promise<boolean> {
  const tag = `cpython-${env.py.version.split('.').slice(0, 2).join('')}`;
  const toPip = new Map<Planned, string>();
  for (const p of plan) {
    const r = route(p);
    if (!r.store) toPip.set(p, r.why);
  }
  const stored = () => plan.filter((p) => !toPip.has(p));
  const missing = stored().filter((p) => !p.sha256 || !readEntry(ctx.paths, p.sha256));
  const uncompiled = stored().filter((p) => !missing.includes(p) && !readBytecode(ctx.paths, p.sha256 as string, tag));
  if (missing.length + uncompiled.length > 0) await makeEntries(ctx, env, job, { missing, uncompiled, tag, toPip }, tmp);
  await linkAll(ctx, env, stored(), tag, key, plan);
  for (const [p, why] of toPip) note(ctx, `${p.name} ${p.version}: pip (${why})`);
  return toPip.size > 0;
}

/**
 * Fetches and unpacks the `missing` wheels and compiles what lacks bytecode for `tag`, in one run of
 * the helper, then publishes each entry by a rename. A wheel the store cannot have goes to `toPip`.
 */
async function makeEntries(
  ctx: Context,
  env: Environment,
  job: InstallJob,
  want: { missing: Planned[]; uncompiled: Planned[]; tag: string; toPip: Map<Planned, string> },
  tmp: string,
): Promise<void> {
  const { tag, toPip } = want;
  const fetched =
    want.missing.length > 0 ? await fetchWheels(ctx, env, job, want.missing, tmp) : new Map<Planned, string | { why: string }>();
  for (const [p, r] of fetched) if (typeof r !== 'string') toPip.set(p, r.why);
  const fresh = want.missing.filter((p) => !toPip.has(p));
  const compiles = [...fresh, ...want.uncompiled].filter((p) => !readBytecode(ctx.paths, p.sha256 as string, tag));
  const helperJob: HelperJob = {
    unpack: fresh.map((p, i) => ({ wheel: fetched.get(p) as string, dest: path.join(tmp, `w${i}`), name: p.name })),
    compile: compiles.map((p, i) => {
      const at = fresh.indexOf(p);
      const site = at >= 0 ? path.join(tmp, `w${at}`, 'site') : path.join(wheelEntry(ctx.paths, p.sha256 as string), 'site');
      return { site, dest: path.join(tmp, `b${i}`) };
    }),
  };
  if (helperJob.unpack.length + helperJob.compile.length === 0) return;
  if (fresh.length > 0) note(ctx, `unpacking ${fresh.length} wheel${fresh.length === 1 ? '' : 's'} into the store`);
  const answer = await runHelper(ctx, env.py.executable, helperJob, tmp);
  fresh.forEach((p, i) => {
    const a = answer.unpack[i];
    if (!a?.ok) {
      toPip.set(p, a ? `the store refused its wheel: ${a.reason}` : 'the store could not unpack it');
      return;
    }
    const dir = path.join(tmp, `w${i}`);
    writeManifest(dir, ENTRY_FILE, a.manifest);
    publish(dir, wheelEntry(ctx.paths, p.sha256 as string));
  });
  compiles.forEach((p, i) => {
    const m = answer.compile[i];
    if (!m || toPip.has(p)) return;
    const dir = path.join(tmp, `b${i}`);
    fs.mkdirSync(dir, { recursive: true });
    writeManifest(dir, BYTECODE_FILE, m);
    publish(dir, bytecodeEntry(ctx.paths, p.sha256 as string, tag));
  });
}

/** Records the generation's entries (before any link, so prune keeps them), then links each distribution in pip's order. */
async function linkAll(ctx: Context, env: Environment, dists: Planned[], tag: string, key: string, plan: Planned[]): Promise<void> {
  const entries = dists.flatMap((p) => [p.sha256 as string, `${p.sha256}-${tag}`]);
  const whole = dists.length === plan.length;
  recordInGeneration(env.dir, entries, whole ? toRecord(key, env, plan) : null);
  const linker: Linker = { modes: linkModes(ctx), counts: {} };
  const target = {
    venv: env.dir,
    site: sitePackages(ctx, env.dir),
    bin: venvBinDir(ctx, env.dir),
    python: venvPython(ctx, env.dir),
  };
  const { createHash } = await import('node:crypto');
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64url');
  for (const p of dists) {
    const sha = p.sha256 as string;
    const manifest = readEntry(ctx.paths, sha);
    if (!manifest)
      throw new TpxError(
        'store-damaged',
        `the wheel store's entry for ${p.name} ${p.version} (${wheelEntry(ctx.paths, sha)}) cannot be read`,
        {
          hint: '`tpx doctor --fix` removes a damaged entry; then run the command again',
        },
      );
    const bytecode = readBytecode(ctx.paths, sha, tag);
    materialise(
      target,
      {
        entryDir: wheelEntry(ctx.paths, sha),
        manifest,
        bytecode: bytecode ? { dir: bytecodeEntry(ctx.paths, sha, tag), files: bytecode.files } : null,
        requested: p.requested,
        directUrl: p.direct ? p.downloadInfo : null,
      },
      linker,
      'tpx',
      sha256,
    );
    note(ctx, `${p.name} ${p.version}: from the store`);
  }
  const how = Object.entries(linker.counts).map(([mode, n]) => `${n} ${LINKED[mode as LinkMode]}`);
  if (how.length > 0) note(ctx, `store: ${how.join(', ')}`);
}

const LINKED: Record<LinkMode, string> = { clone: 'reflinked', hardlink: 'hard-linked', copy: 'copied' };

/** TPX_LINK_MODE (`clone`, `hardlink`, `copy`) starts the platform's list there; unset, its best. */
export function linkModes(ctx: Context): LinkMode[] {
  const all = [...ctx.platform.storeLinks];
  const at = all.indexOf(ctx.env.TPX_LINK_MODE as LinkMode);
  return at >= 0 ? all.slice(at) : all;
}

/**
 * Installer.unchanged: a venv was made wholly from the store by this very job on this Python, and
 * pip's resolution it was made from is kept and still holds — every page and file pip read reads the
 * same (resolutions.ts) — so pip would plan the same files again. The sources of all the asks are
 * read together, each URL once.
 */
async function unchanged(ctx: Context, asks: UnchangedAsk[]): Promise<boolean[]> {
  const kept: (Resolution | null)[] = [];
  for (const { py, venv, job } of asks) kept.push(await resolutionOf(ctx, py, venv, job));
  const found = kept.filter((k): k is Resolution => k !== null);
  const fresh = await eachUnchanged(ctx, found);
  return kept.map((k) => k !== null && fresh[found.indexOf(k)] === true);
}

/**
 * The kept resolution the generation at `venv` was made from by `job` on `py`, or null. Its wheels
 * need not be in the store: a build would fetch the very same files again.
 */
async function resolutionOf(ctx: Context, py: Interpreter, venv: string, job: InstallJob): Promise<Resolution | null> {
  const installs = readGeneration(venv)?.installs ?? [];
  const made = installs.length === 1 ? installs[0] : undefined;
  if (!made || made.python !== `${py.executable} ${py.version}` || job.lock || job.editable) return null;
  const key = await jobKey(ctx, job);
  if (made.key !== key) return null;
  const rkey = await resolutionKey(ctx, { py, dir: venv }, job, key, await sharedPip(ctx, py));
  const kept = rkey ? keptResolution(ctx, rkey) : null;
  const files = (dists: { sha256: string }[]) =>
    dists
      .map((d) => d.sha256)
      .sort()
      .join(' ');
  return kept && files(kept.plan) === files(made.dists) ? kept : null;
}

/** pip's, but a dry run reads the metadata of a wheel the store holds from its entry, not a download (pip/runner.ts). */
export const storeInstaller: Installer = {
  ...pipInstaller,
  install,
  unchanged,
  resolve: (ctx, job) => pipInstaller.resolve(ctx, { ...job, metadataFrom: wheelsDir(ctx.paths) }),
  latest: (ctx, queries, jobs) => latestVersions(ctx, queries, jobs, wheelsDir(ctx.paths)),
};
