/**
 * The install pipeline: interpreter → generation venv → shared pip with --report → dist-info →
 * link plan → receipt → links → commit. Upgrade and reinstall run the same pipeline with
 * `replace` set; nothing visible changes until the commit point, and a failure before it leaves
 * the tool exactly as it was.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { linkChanges, toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';
import { TpxError } from '../base/errors.js';
import { buildEnvironment, reportedFor } from '../build/build.js';
import type { Built } from '../build/build.js';
import { appFile, installedContent, listDists } from '../packaging/distinfo.js';
import { othersCanRun } from '../base/fsx.js';
import { applyLinks, describeRepair, planLinks, receiptLinks, removeLinksExcept, repairLinks, wantedLinks } from '../store/links.js';
import { selectLinks } from '../build/linkset.js';
import type { LinkSet } from '../build/linkset.js';
import { withLock } from '../base/mutex.js';
import { toolKey } from '../packaging/names.js';
import { expandHome } from '../base/paths.js';
import { hasCredentials, redact } from '../base/redact.js';
import { RECEIPT_SCHEMA, receiptMode, writeReceipt } from '../store/receipt.js';
import type { Receipt } from '../store/receipt.js';
import type { Request } from '../request/request.js';
import { buildScriptTool, fetchToolScript, scriptToolName } from './scripttool.js';
import type { ToolScript } from './scripttool.js';
import { extrasOf, isUrl, parseSpec, RECORDED, specifiersOf } from '../packaging/spec.js';
import { satisfies } from '../packaging/pep440.js';
import { collectGarbage, commitGeneration, newGeneration, readInstalled, replaceable } from '../store/store.js';
import { isolateApps, sitePackages, venvBinDir } from '../python/venv.js';
import type { OnPlatform } from '../base/platform.js';
import type { Interpreter } from '../python/python.js';

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
  carry?: Partial<Pick<Receipt, 'pinned' | 'installedAt' | 'exposed'>>;
  /** A script tool's script, when it is not to be read from the spec (a rebuild: the kept copy; install-all: the export's). */
  script?: ToolScript;
  /** The interpreter to build on, chosen already (`tpx python upgrade`, doctor on the same minor version); not recorded. */
  py?: Interpreter;
  /** The generation a reinstall rebuilds: its recorded install may be replayed without resolving (InstallJob.replayFrom). */
  replayFrom?: string;
}

export type InstallOutcome =
  | { status: 'installed'; receipt: Receipt; previous: Receipt | null }
  /** `differs`: the spec asked for, when the installed version is not one it allows (`black==22.12.0` with black 24 installed). */
  | { status: 'already'; key: string; version: string | null; differs?: string };

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
  /** The version built. */
  version: string;
  /** The paths its links (apps, man pages, completion files) will be at; a dependency's (`--include-deps`) aside. */
  links: string[];
  commit(): Promise<InstallOutcome>;
  dispose(): void;
}

/** installTool up to the commit point: the venv is built and its links chosen; nothing visible has changed. */
export async function prepareInstall(ctx: Context, opts: InstallOptions): Promise<InstallOutcome | Prepared> {
  const { request } = opts;
  const script = request.kind === 'script' ? (opts.script ?? (await fetchToolScript(ctx, request.spec))) : null;
  const spec = script ? null : parseSpec(request.spec, ctx);
  // Names too long to become file names are refused before anything is made.
  const predicted = script
    ? toolKey(scriptToolName(script, request), request.suffix)
    : spec?.name
      ? toolKey(spec.name, request.suffix)
      : null;
  // A requirement names its tool: "already installed" is answered without spawning anything.
  if (predicted && !opts.replace) {
    const existing = readInstalled(ctx, predicted);
    if (existing) {
      const version = existing.receipt?.version ?? null;
      const wanted = specifiersOf(request.spec);
      const differs = version !== null && wanted !== null && !satisfies(version, wanted, { prereleases: true });
      return { status: 'already', key: existing.key, version, ...(differs ? { differs: request.spec } : {}) };
    }
  }
  // A script's path is recorded absolute, as parseSpec makes a project's, so hints and exports name it from anywhere.
  const scriptSpec = isUrl(request.spec) ? request.spec : path.resolve(ctx.cwd, expandHome(request.spec, ctx.env));
  const req: Request = { ...request, spec: script ? scriptSpec : (spec?.spec ?? request.spec) };
  const gen = newGeneration(ctx);
  let committed = false;
  let built: Built;
  let named: Request;
  let key: string;
  let chosen: LinkSet;
  try {
    const build = { extraPipArgs: opts.extraPipArgs, replayFrom: opts.replayFrom, logName: `install-${predicted ?? 'spec'}`, py: opts.py };
    built = script ? await buildScriptTool(ctx, gen.dir, req, script, build) : await buildEnvironment(ctx, gen.dir, req, build);
    named = nameInjected(built.chosenPython ? { ...req, python: built.chosenPython } : req, built);
    key = toolKey(built.name, req.suffix);
    if (opts.expectKey && key !== opts.expectKey) {
      throw new TpxError('other-package', `${redact(req.spec)} installs ${built.name}, not ${opts.expectKey}`, {
        hint: `the recorded spec no longer points at ${opts.expectKey}; reinstall it with \`tpx install --force SPEC\``,
      });
    }
    chosen = selectLinks(ctx, named, built);
    // A script tool's launcher is tpx's own, and already starts Python with -E.
    isolateApps(
      ctx,
      gen.dir,
      chosen.apps.filter((a) => !(req.kind === 'script' && a.name === built.name)).map((a) => appFile(ctx, a.name)),
    );
  } catch (err) {
    gen.dispose();
    throw err;
  }
  const { apps, resources } = chosen;
  const wanted = wantedLinks(ctx, key, { apps, resources }, req.suffix, chosen.dependencies);
  const commit = async (): Promise<InstallOutcome> => {
    try {
      return await withLock(ctx, key, async () => {
        // --force replaces a broken tool too (its entry a link to a generation deleted by hand, say).
        const current = opts.replace ? replaceable(ctx, key) : readInstalled(ctx, key);
        if (current && !opts.replace) return { status: 'already', key, version: current.receipt?.version ?? null } as const;
        if (opts.expectGeneration !== undefined && (current?.gen ?? null) !== opts.expectGeneration) {
          throw new TpxError('changed', `${key} was changed by another tpx process while this one worked`, {
            hint: 'run the command again',
          });
        }
        // A script's version is its text's hash: the same dependencies with an edited script are a change.
        if (opts.unlessUnchanged && current && current.receipt?.version === built.version && sameBuild(ctx, gen.dir, current.dir)) {
          // Nothing to upgrade, but links a killed command left are still put right.
          const had = current.receipt;
          if (had)
            await tidy(ctx, async () =>
              describeRepair(ctx, key, await repairLinks(ctx, key, receiptLinks(ctx, had))).forEach((l) => ctx.out.info(l)),
            );
          return { status: 'already', key, version: current.receipt?.version ?? null } as const;
        }
        const exposed = opts.carry?.exposed ?? current?.receipt?.exposed ?? true;
        // Not exposed (`tpx unexpose`): recorded with the links they would have, and none made.
        const plans = await planLinks(ctx, key, exposed ? wanted : [], opts.forceLinks);
        const now = new Date().toISOString();
        // A dependency's link that something was in the way of is not made (links.ts): not one of the tool's.
        const planned = new Set(plans.map((p) => p.link));
        const linkOf = (app: boolean, name: string) =>
          wanted.find((w) => (w.kind === 'app') === app && w.name === name && (!exposed || planned.has(w.link)))?.link;
        const receipt: Receipt = {
          schema: RECEIPT_SCHEMA,
          key,
          name: built.name,
          version: built.version,
          request: named,
          python: { executable: built.py.executable, version: built.py.version },
          apps: apps.flatMap((a) => {
            const link = linkOf(true, a.name);
            return link ? [{ name: a.name, kind: a.kind, dist: a.dist, link }] : [];
          }),
          // A resource that gets no link (a completion file of a suffixed tool) is not one of the tool's links.
          resources: resources.flatMap((r) => {
            const link = linkOf(false, r.path);
            return link ? [{ path: r.path, dist: r.dist, link }] : [];
          }),
          pinned: opts.carry?.pinned ?? current?.receipt?.pinned ?? false,
          exposed,
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
        await tidy(ctx, () =>
          removeLinksExcept(
            ctx,
            key,
            plans.map((p) => p.link),
          ),
        );
        await tidy(ctx, () => collectGarbage(ctx));
        if (ctx.paths.global && !othersCanRun(built.py.executable)) {
          ctx.out.warn(
            `${built.py.executable} can be run by its owner only, so ${key}'s apps work for that user alone; for a system-wide tool use an interpreter every user can run (--python /usr/bin/python3)`,
          );
        }
        if (hasCredentials(JSON.stringify(named))) {
          ctx.out.warn(
            'the credentials in its URLs were not recorded (tpx never writes one to disk): upgrade and reinstall need them from pip (~/.netrc, keyring, PIP_INDEX_URL) or the flag again',
          );
        }
        return { status: 'installed', receipt, previous: current?.receipt ?? null } as const;
      });
    } finally {
      if (!committed) gen.dispose();
    }
  };
  // A dependency's link another tool takes is skipped at commit (links.ts), not a conflict between them.
  return {
    key,
    version: built.version,
    links: wanted.filter((w) => w.dependency === undefined).map((w) => w.link),
    commit,
    dispose: gen.dispose,
  };
}

/**
 * `install --force SPEC` of a tool installed from a lock: the lock's files again (with the recorded
 * injected packages and Python the lock was checked for), as pipx re-applies a recorded lock — when
 * SPEC names the tool and allows its locked version. Any other SPEC is resolved, and said so.
 */
export function withRecordedLock(ctx: Context, request: Request): Request {
  if (request.lock || request.kind !== 'package') return request;
  let name: string | null;
  try {
    const spec = parseSpec(request.spec, ctx);
    name = spec.kind === 'requirement' ? spec.name : null;
  } catch {
    return request;
  }
  // A broken tool install --force replaces has no lock to re-apply (store.replaceable).
  const r = name === null ? null : replaceable(ctx, toolKey(name, request.suffix))?.receipt;
  if (!r?.request.lock) return request;
  const set = specifiersOf(request.spec);
  if (
    extrasOf(request.spec).sort().join() !== extrasOf(r.request.spec).sort().join() ||
    (set && !satisfies(r.version, set, { prereleases: true }))
  ) {
    ctx.out.info(`note: ${r.key} was installed from a lock, which ${request.spec} does not match: it is resolved from the spec`);
    return request;
  }
  return { ...request, lock: r.request.lock, python: request.python ?? r.request.python, injected: r.request.injected };
}

/** Injected paths and URLs name their distribution only once pip has installed them: fill in those names. */
function nameInjected(req: Request, built: Built): Request {
  if (req.injected.every((i) => i.name !== '')) return req;
  const injected = req.injected.map((i) => {
    if (i.name !== '') return i;
    const found = reportedFor(parseSpec(i.spec, RECORDED), built.requested);
    if (!found) throw new TpxError('no-report', `pip did not report which distribution ${redact(i.spec)} installed`);
    return { ...i, name: toolKey(found.name) };
  });
  return { ...req, injected };
}

/**
 * Whether two venvs hold the same build: the same distributions at the same versions, with the same
 * files (a project rebuilt from an unchanged tree, or a URL serving the same file, is the same build;
 * changed code at the same version is not).
 */
function sameBuild(on: OnPlatform, venv: string, other: string): boolean {
  const content = (dir: string) =>
    listDists(sitePackages(on, dir))
      .map((d) => installedContent(d, sitePackages(on, dir), venvBinDir(on, dir)))
      .sort()
      .join('\n\n');
  try {
    return content(venv) === content(other);
  } catch {
    return false;
  }
}

async function tidy(ctx: Context, work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (err) {
    ctx.out.warn(`could not tidy up: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** What an install did, as the result document says it (also for install-all). */
export function installResult(outcome: InstallOutcome): ToolResult {
  if (outcome.status === 'already') return toolResult(outcome.key, 'unchanged', { from: outcome.version, to: outcome.version });
  const { receipt: r, previous } = outcome;
  return toolResult(r.key, previous ? 'reinstalled' : 'installed', {
    from: previous?.version ?? null,
    to: r.version,
    apps: linkChanges(previous?.apps ?? [], r.apps),
  });
}
