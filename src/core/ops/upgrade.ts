/**
 * Upgrade: the install pipeline run again from a tool's receipt, as a new generation (rebuild.ts).
 * Until `installTool` switches tools/<key> the old generation is untouched, so a failing index, a
 * resolver conflict or a kill leaves the old version working and its receipt byte-identical.
 *
 * upgrade-all first asks pip, for all tools at once, whether a newer version exists (latest.ts) and
 * builds only the tools that have one: "already at the latest version" costs one dry-run shared by
 * every tool, not a venv each. `upgrade NAME` builds at once (one pip run, as pipx does) and throws
 * the build away if it holds exactly what the current generation holds.
 */
import type { Context, Place } from '../base/context.js';
import { quiet } from '../base/context.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { buildsTheSame } from '../build/build.js';
import { freeze } from '../installer/freeze.js';
import { installerFor } from '../installer/installer.js';
import { repairToolLinks } from '../store/links.js';
import type { Latest, LatestQuery } from '../installer/installer.js';
import { shellWord } from '../request/args.js';
import { closeNames, isValidDistName, parseToolArg, toolKey } from '../packaging/names.js';
import { projectFiles, projectNames } from '../packaging/simpleindex.js';
import { redact } from '../base/redact.js';
import { linkChanges } from './outcome.js';
import type { Outcome } from './outcome.js';
import { isNewer } from '../packaging/pep440.js';
import { defaultJobs, mapPool } from '../base/pool.js';
import { explainRebuildFailure, readyTool, rebuild } from './rebuild.js';
import type { Ready } from './rebuild.js';
import type { Request } from '../request/request.js';
import { dropPin, parseSpec } from '../packaging/spec.js';
import type { Spec } from '../packaging/spec.js';
import { notInstalled, readInstalled, toolKeys } from '../store/store.js';
import { installTool } from './install.js';
import type { InstallOutcome } from './install.js';

export interface UpgradeOptions {
  /** Also upgrade injected packages (otherwise they stay at their installed versions). */
  includeInjected: boolean;
  /** Replace the recorded pip args / index for this and later upgrades. */
  pipArgs?: string[];
  indexUrl?: string;
  /** Replace the recorded cooldown (recorded form, request/args.ts). */
  cooldown?: string;
  /** Specs the user gave for some tools (`tpx upgrade 'black[d]'`): they replace the recorded ones, likewise. */
  specs?: Map<string, string>;
  /** Upgrade pinned tools too. */
  force: boolean;
  /**
   * Ask the index first which tools have a newer version (one pip dry-run shared by all), and build
   * only those. Pays off for many tools, most of them current (upgrade-all); for a few named tools a
   * direct build is faster, and one that turns out unchanged is discarded.
   */
  check: boolean;
  jobs: number;
  /** Leave a `--suffix` copy installed at an exact version (`--suffix @22 black==22.12.0`) as it is: it exists to stay old (upgrade-all). */
  keepExactCopies?: boolean;
  /** Called as each tool finishes (upgrade-all prints one line per tool). */
  onOutcome?: (o: Outcome) => void;
}

/**
 * The recorded request with overrides applied: a spec the user gave is taken as it is; otherwise
 * the recorded one with its pin dropped (the caller says so).
 */
export function upgradeRequest(
  recorded: Request,
  opts: { pipArgs?: string[]; indexUrl?: string; cooldown?: string; spec?: string },
): { request: Request; droppedPin: string | null; givenSpec: string | null } {
  const unpinned = opts.spec === undefined ? dropPin(recorded.spec) : null;
  return {
    // An upgrade resolves: a lock the tool was installed from no longer holds it (receipt.ts, `lock`).
    request: {
      ...recorded,
      spec: opts.spec ?? unpinned?.spec ?? recorded.spec,
      pipArgs: opts.pipArgs ?? recorded.pipArgs,
      indexUrl: opts.indexUrl ?? recorded.indexUrl,
      cooldown: opts.cooldown ?? recorded.cooldown,
      lock: null,
    },
    droppedPin: unpinned?.pin ?? null,
    givenSpec: opts.spec ?? null,
  };
}

/**
 * What an `upgrade` argument addresses: an installed tool by its NAME (`black`, `black@22`) first;
 * else the tool a requirement names, with that requirement to apply (`'black[d]'`,
 * `black==24.1.0`, `'black>=22,<23'`); else a NAME that is not installed (the caller says so).
 */
export function upgradeTarget(arg: string, isInstalled: (key: string) => boolean, at: Place): { key: string; spec: string | null } {
  let key: string | null = null;
  try {
    key = parseToolArg(arg);
    if (isInstalled(key)) return { key, spec: null };
  } catch {
    // not a NAME: perhaps a spec
  }
  let spec: Spec | null = null;
  try {
    spec = parseSpec(arg, at);
  } catch (err) {
    if (key === null)
      throw toTpxError(err).rephrase({
        message: `${JSON.stringify(arg)} is neither an installed tool's name nor a package spec`,
        hint: "name the tool as `tpx list` shows it, or give a requirement, e.g. `tpx upgrade 'black>=24'`",
      });
  }
  if (spec === null || (key !== null && isValidDistName(arg))) return { key: key as string, spec: null };
  if (spec.kind !== 'requirement') {
    throw new TpxError('bad-spec', `upgrade takes a tool's name or a requirement, not a ${spec.kind === 'url' ? 'URL' : 'path'}: ${arg}`, {
      hint: `to install a tool again from a path or URL, run \`tpx install --force ${shellWord(arg)}\``,
    });
  }
  return { key: toolKey(spec.name), spec: spec.spec };
}

/** Upgrades `keys`: (with `check`) one shared version check, then the outdated ones built `jobs` at a time. Never throws. */
export async function upgradeTools(ctx: Context, keys: string[], opts: UpgradeOptions): Promise<Outcome[]> {
  const done = (o: Outcome) => {
    opts.onOutcome?.(o);
    return o;
  };
  const ready = keys.map((key) => {
    const r = readyTool(ctx, key, true);
    if ('status' in r) return done(r);
    if (r.receipt.pinned && !opts.force)
      return done({ key, status: 'skipped', reason: `pinned at ${r.receipt.version}`, version: r.receipt.version });
    // A lock says exactly which files: an upgrade would resolve past it (as pipx, a locked tool is skipped).
    if (r.receipt.request.lock && !opts.force)
      return done({ key, status: 'skipped', reason: `locked at ${r.receipt.version} (installed from a lock)`, version: r.receipt.version });
    const exact = opts.keepExactCopies && !opts.force && r.receipt.request.suffix !== '' ? dropPin(r.receipt.request.spec) : null;
    if (exact) {
      const reason = `kept at ${r.receipt.version}: a --suffix copy installed as ${r.receipt.request.spec} (\`tpx upgrade ${key}\` upgrades it)`;
      return done({ key, status: 'skipped', reason, version: r.receipt.version });
    }
    // Its code is live from the project; a rebuild is asked for by name (`tpx upgrade NAME`, `tpx reinstall NAME`).
    if (r.receipt.request.kind === 'editable' && opts.check) {
      return done({
        key,
        status: 'skipped',
        reason: `editable: its code is used from ${r.receipt.request.spec}; \`tpx reinstall ${key}\` picks up new dependencies`,
        version: r.receipt.version,
      });
    }
    return { ...r, ...upgradeRequest(r.receipt.request, { ...opts, spec: opts.specs?.get(key) }) };
  });
  const todo = ready.filter((r): r is Ready & ReturnType<typeof upgradeRequest> => !('status' in r));
  const checks = opts.check
    ? await checkTools(ctx, todo, opts)
    : new Map<string, Check>(todo.map((t) => [t.key, { newer: true, latest: null, injected: [] }]));
  const outcomes = await mapPool(todo, opts.jobs, async (t) => {
    const found = checks.get(t.key);
    if (found instanceof TpxError) return done({ key: t.key, status: 'failed', error: found });
    if (!found?.newer) {
      // Nothing to build, but links a killed command left behind are put right all the same.
      await repairToolLinks(ctx, t.key);
      return done({ key: t.key, status: 'latest', version: t.receipt.version, spec: t.givenSpec });
    }
    try {
      // Injected packages stay at their installed versions unless asked (a pip constraint); pinned ones (`pin --injected-only`) always.
      const held = t.request.injected.filter((i) => !opts.includeInjected || i.pinned).map((i) => toolKey(i.name));
      const constraints = held.length > 0 ? freeze(ctx, t.inst.dir).filter((p) => held.includes(toolKey(p.name))) : [];
      const r = await rebuild(ctx, t, t.request, {
        verb: 'upgrading',
        pins: { constraints, requirements: [] },
        // Kept only when it differs from what the tool has, files compared: a project path or URL can
        // change without its version changing, and one that did not change is not an upgrade. A script
        // tool is rebuilt from its script read again: a new text is a new version (its hash).
        unlessUnchanged: true,
        rereadScript: true,
      });
      if (!r) return done({ key: t.key, status: 'latest', version: t.receipt.version, spec: t.givenSpec });
      const notes = t.droppedPin
        ? [`dropped the pin ${t.droppedPin}: the recorded spec is now ${t.request.spec}; \`tpx pin ${t.key}\` holds a version`]
        : [];
      if (t.receipt.request.lock)
        notes.push(
          'it was installed from a lock: it is resolved from its spec from now on (`tpx sync` with the lock puts the locked files back)',
        );
      return done({
        key: t.key,
        status: 'upgraded',
        from: t.receipt.version,
        to: r.version,
        notes,
        apps: linkChanges(t.receipt.apps, r.apps),
      });
    } catch (err) {
      return done({ key: t.key, status: 'failed', error: toTpxError(err) });
    }
  });
  return keys.map((k) => (outcomes.find((o) => o.key === k) ?? ready.find((r) => 'status' in r && r.key === k)) as Outcome);
}

/**
 * What a check found for one tool: whether to build, the newest version of its main package (null:
 * cannot tell), and (with `includeInjected`) each injected package that has a newer one.
 */
export type Check = { newer: boolean; latest: string | null; injected: NewerInjected[] } | TpxError;

/** An injected package with a newer version than the one installed. */
export interface NewerInjected {
  name: string;
  version: string | null;
  latest: string;
}

/**
 * One shared version check for many tools. Paths and URLs have no "newest version": they count as
 * newer (pip would reinstall them too). With `includeInjected`, a newer injected package counts.
 */
export async function checkTools(
  ctx: Context,
  tools: (Ready & { request: Request })[],
  opts: { includeInjected: boolean; jobs: number },
): Promise<Map<string, Check>> {
  /** One spec to ask about: the tool's own (`injected` null) or an injected package's. */
  const wanted: { key: string; query: LatestQuery; installed: string | null; injected: string | null }[] = [];
  const result = new Map<string, Check>();
  // A tool that a build would give again file for file needs no check: the store can tell while
  // everything pip read for it reads the same, with no pip (Installer.unchanged).
  const same = await buildsTheSame(
    ctx,
    tools.map((t) => ({ dir: t.inst.dir, req: t.request })),
  );
  for (const [i, t] of tools.entries()) {
    if (same[i]) {
      result.set(t.key, { newer: false, latest: t.receipt.version, injected: [] });
      continue;
    }
    result.set(t.key, { newer: false, latest: null, injected: [] });
    const base = { venv: t.inst.dir, interpreter: t.receipt.python.executable, request: t.request };
    const injected = opts.includeInjected ? t.request.injected.filter((i) => !i.pinned) : [];
    // A script tool's dependencies are in its script: asking the index means building it.
    if (t.request.kind === 'script') {
      result.set(t.key, { newer: true, latest: null, injected: [] });
      continue;
    }
    const dists = injected.length ? freeze(ctx, t.inst.dir) : [];
    for (const [spec, installed, name] of [
      [t.request.spec, t.receipt.version, null] as const,
      ...injected.map((i) => [i.spec, dists.find((d) => toolKey(d.name) === toolKey(i.name))?.version ?? null, i.name] as const),
    ]) {
      let kind: string;
      try {
        kind = parseSpec(spec, ctx).kind;
      } catch (err) {
        result.set(t.key, explainRebuildFailure(t.key, err));
        break;
      }
      if (kind === 'requirement') wanted.push({ key: t.key, query: { ...base, spec }, installed, injected: name });
      else result.set(t.key, { newer: true, latest: null, injected: [] });
    }
  }
  const what = tools.length === 1 ? `${tools[0]?.key} has` : `${tools.length} tools have`;
  const answers = wanted.length
    ? await ctx.out.task(`checking whether ${what} a newer version`, () =>
        installerFor(ctx).latest(
          ctx,
          wanted.map((w) => w.query),
          opts.jobs,
        ),
      )
    : [];
  wanted.forEach((w, i) => {
    const a = answers[i] as Latest;
    const prior = result.get(w.key) as Check;
    if (prior instanceof TpxError) return;
    if ('error' in a) return void result.set(w.key, a.error);
    // Never a downgrade: an installed version newer than the index's newest counts as current.
    const newer = w.installed === null || isNewer(a.version, w.installed);
    const injected = w.injected !== null && newer ? [{ name: w.injected, version: w.installed, latest: a.version }] : [];
    result.set(w.key, {
      newer: prior.newer || newer,
      latest: w.injected === null ? a.version : prior.latest,
      injected: [...prior.injected, ...injected],
    });
  });
  return result;
}

/** What `tpx upgrade NAME…` reports as it goes: a missing tool installed (`--install`) or not, and each upgrade's outcome. */
export interface NamedUpgradeReport {
  installed(o: InstallOutcome): void;
  /** A tool that is not installed and was not installed (no `--install`, or its install failed); the error is printed already. */
  notInstalled(key: string, err: unknown): void;
  outcome(o: Outcome): void;
}

/**
 * `tpx upgrade NAME…`: each NAME (or a spec naming the tool; the last one given for a tool wins) is
 * upgraded at once, without the shared check; one that is not installed is installed with
 * `install` (`--install`: the request for its spec) or is an error. Pinned tools are errors here
 * unless `force`: they were named.
 */
export async function upgradeNamed(
  ctx: Context,
  names: string[],
  {
    install,
    ...opts
  }: Pick<UpgradeOptions, 'includeInjected' | 'pipArgs' | 'indexUrl' | 'cooldown' | 'force'> & {
    install: ((spec: string) => Request) | null;
  },
  report: NamedUpgradeReport,
): Promise<void> {
  const targets = new Map<string, string | null>();
  for (const n of names) {
    const t = upgradeTarget(n, (k) => readInstalled(ctx, k) !== null, ctx);
    if (t.spec !== null || !targets.has(t.key)) targets.set(t.key, t.spec);
  }
  const keys = [...targets.keys()];
  const missing = keys.filter((k) => !readInstalled(ctx, k));
  for (const key of missing) {
    const spec = targets.get(key) ?? key;
    try {
      if (!install) throw await notInstalledHere(ctx, key, spec, opts.indexUrl ?? ctx.env.PIP_INDEX_URL);
      report.installed(await installTool(ctx, { request: install(spec), replace: false, forceLinks: false }));
    } catch (err) {
      ctx.out.error(err);
      report.notInstalled(key, err);
    }
  }
  const present = keys.filter((k) => !missing.includes(k));
  const given = new Map([...targets].filter((e): e is [string, string] => e[1] !== null));
  await upgradeTools(present.length > 1 ? quiet(ctx) : ctx, present, {
    ...opts,
    specs: given,
    check: false,
    jobs: defaultJobs(),
    // Named and skipped (pinned, or installed from a lock): not a failure, as in pipx, so a script
    // upgrading a list of tools goes on; the line says how to move it anyway.
    onOutcome: (o) =>
      report.outcome(
        o.status === 'skipped' ? { ...o, line: `not upgrading ${o.key}: it is ${o.reason}; ${upgradeAnyway(o.key, o.reason)}` } : o,
      ),
  });
}

/** How to upgrade a tool `upgrade` skipped for `reason` anyway. */
function upgradeAnyway(key: string, reason: string): string {
  return reason.startsWith('pinned')
    ? `\`tpx unpin ${key}\` unpins it, \`tpx upgrade --force ${key}\` upgrades it anyway`
    : `a new lock installs with \`tpx sync\` (after \`tpx lock\`) or \`tpx install --force --lock LOCK ${key}\`; \`tpx upgrade --force ${key}\` resolves it from its spec instead`;
}

/**
 * `upgrade NAME` of a tool that is not installed. A mistyped name (`pytset`) must never be answered
 * with "install pytset" (a typosquatting trap): the close installed name is suggested instead; else,
 * when the index (`indexUrl`) says it has no such package, the index's close names; installing NAME
 * is advised only when it is not known to be a near miss.
 */
async function notInstalledHere(ctx: Context, key: string, spec: string, indexUrl: string | undefined): Promise<TpxError> {
  const err = notInstalled(ctx, key);
  const installed = toolKeys(ctx);
  const others = installed.length > 0 ? `; ${err.hint}` : '';
  const close = closeNames(key, installed);
  if (close.length > 0) {
    const mean = close.map((k) => `\`tpx upgrade ${k}\``).join(' or ');
    return err.rephrase({ hint: `did you mean ${mean}? installed tools: ${installed.join(', ')}` });
  }
  const name = parseSpec(spec, ctx).name ?? key;
  const files = indexUrl ? await projectFiles(ctx.env, indexUrl, name) : undefined;
  if (files === null && indexUrl) {
    const similar = closeNames(name, (await projectNames(ctx.env, indexUrl)) ?? []);
    const has = similar.length > 0 ? `; it has ${similar.join(', ')}` : '';
    return err.rephrase({ hint: `no package ${JSON.stringify(name)} is on the index ${redact(indexUrl)} either${has}${others}` });
  }
  return err.rephrase({
    hint: `install it with \`tpx install ${shellWord(spec)}\` (or \`tpx upgrade --install ${shellWord(spec)}\`)${others}`,
  });
}

/**
 * `tpx upgrade-all`: every tool but those in `skip`, after one shared check for newer versions;
 * `onOutcome` as each finishes. Returns every tool's outcome (the skipped ones too), none when no
 * tool is installed.
 */
export async function upgradeAll(
  ctx: Context,
  opts: { skip: string[]; includeInjected: boolean; jobs: number; cooldown?: string },
  onOutcome: (o: Outcome) => void,
): Promise<Outcome[]> {
  const skip = new Set(opts.skip.map(parseToolArg));
  const keys = toolKeys(ctx);
  if (keys.length === 0) return [];
  for (const s of skip) if (!keys.includes(s)) ctx.out.warn(`--skip ${s}: no such tool is installed`);
  const todo = keys.filter((k) => !skip.has(k));
  ctx.out.info(`checking ${todo.length} tool${todo.length === 1 ? '' : 's'} for newer versions, then upgrading ${opts.jobs} at a time…`);
  const outcomes = await upgradeTools(quiet(ctx), todo, {
    includeInjected: opts.includeInjected,
    cooldown: opts.cooldown,
    force: false,
    check: true,
    keepExactCopies: true,
    jobs: opts.jobs,
    onOutcome,
  });
  return [...outcomes, ...keys.filter((k) => skip.has(k)).map((key): Outcome => ({ key, status: 'skipped', reason: '--skip' }))];
}
