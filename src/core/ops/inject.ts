import * as fs from 'node:fs';
import type { Context } from '../base/context.js';
import { TpxError, toTpxError, usageError } from '../base/errors.js';
import { freeze, without } from '../installer/freeze.js';
import { normalizeName, parseDistName, toolKey } from '../packaging/names.js';
import { injectedPackage } from '../request/request.js';
import type { Injected } from '../request/request.js';
import { parsePipArgs, shellWord } from '../request/args.js';
import { extrasOf, extrasOnly, parseSpec, withExtras } from '../packaging/spec.js';
import type { Spec } from '../packaging/spec.js';
import { requireInstalled } from '../store/store.js';
import { errorInfo, failedResult, linkChanges, toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';
import { rebuildInPlaceOf } from './rebuild.js';
import type { Ready, Rebuilt } from './rebuild.js';

/** How to inject, as the command's flags say it. */
export interface InjectFlags {
  /** Requirements files whose every requirement is injected too. */
  requirement?: string[];
  includeApps?: boolean;
  includeDeps?: boolean;
  /** Dependencies whose apps, man pages and completions are linked too (recorded with each package). */
  includeResourcesFrom?: string[];
  /** pip arguments as the user typed them (one string): recorded with the packages. */
  pipArgs?: string;
  /** `--cooldown`, as recorded (args.ts, parseCooldown): replaces the tool's. */
  cooldown?: string;
  force?: boolean;
}

/** One package of an inject, as it landed (`dist`: its distribution's normalised name, or the spec when it failed before pip named it). */
export type InjectedPackage =
  | {
      status: 'injected';
      dist: string;
      version: string;
      includeApps: boolean;
      includeDeps: boolean;
      /** The apps linked for it (`dist`: the app's distribution, when a dependency's). */
      apps: { link: string; dist: string }[];
    }
  | { status: 'already'; dist: string; version: string | null }
  | { status: 'failed'; dist: string; error: TpxError };

/** What an inject did, for the command to say: the extras added to the tool's own package, and each package. */
export interface Injection {
  result: ToolResult;
  /** The tool's own package, when extras of it were added: its name, the extras, and what they brought in (`name version`). */
  extras: { name: string; added: string[]; fresh: string[] } | null;
  packages: InjectedPackage[];
}

/** The usage error for an inject that names nothing to inject. */
export function noPackages(key: string) {
  return usageError('name at least one package to inject', `e.g. \`tpx inject ${key} SPEC\`, or \`-r requirements.txt\``);
}

/**
 * A tool installed from a lock holds exactly the lock's files: adding or removing a package would
 * resolve past it, so it is refused (as pipx); the hint names the ways that keep a lock.
 */
export function lockedTool(key: string, verb: string): TpxError {
  return new TpxError('from-lock', `cannot ${verb} ${key}: it was installed from a lock, which says exactly what it holds`, {
    hint: `change the lock instead (the tool's \`with\` in tpx.toml, then \`tpx lock\` and \`tpx sync\`), or unlock the tool first: \`tpx upgrade --force ${key}\` resolves it from its spec`,
  });
}

/** What the named specs ask of the tool, before anything is built. */
interface InjectPlan {
  mainSpec: string;
  extrasAdded: string[];
  added: Injected[];
  /** Already injected as asked, or a spec that cannot be used: reported, not built. */
  settled: InjectedPackage[];
}

/**
 * `tpx inject`: the tool rebuilt with the named packages added to its request (rebuild.ts); everything
 * already in it is held at its version and stays installed, so only what the user named may move.
 * As in pipx, one package that cannot be injected does not stop the others: a spec that cannot be
 * used is reported and left out, and when pip fails on several packages at once, each is tried on
 * its own, so the good ones land (the result is then partial).
 */
export async function inject(ctx: Context, name: string, args: string[], flags: InjectFlags): Promise<Injection> {
  const inst = requireInstalled(ctx, name);
  const { key, receipt } = inst;
  if (receipt.request.lock) throw lockedTool(key, 'inject into');
  const specs = [...args, ...(flags.requirement ?? []).flatMap((f) => readRequirements(ctx, f))];
  if (specs.length === 0) throw noPackages(key);
  const plan = planInject(ctx, inst, specs, flags);
  if (plan.added.length === 0 && plan.extrasAdded.length === 0) return injection(key, receipt.version, receipt.version, null, plan.settled);
  let landed: Landed;
  try {
    landed = await injectOnce(ctx, key, plan.mainSpec, plan.extrasAdded, plan.added, flags);
  } catch (err) {
    const e = toTpxError(err);
    // pip failing is the packages' fault; anything else (a link in the way, the tool changed meanwhile) the command's.
    if (e.code !== 'pip-failed' && plan.settled.length === 0) throw err;
    landed =
      e.code === 'pip-failed' && plan.added.length > 1
        ? await injectOneByOne(ctx, key, plan, flags)
        : { extras: null, packages: plan.added.map((a) => notInjected(key, a, e)) };
  }
  const { extras } = landed;
  const after = requireInstalled(ctx, key).receipt;
  return injection(
    key,
    receipt.version,
    after.version,
    extras,
    [...plan.settled, ...landed.packages],
    linkChanges(receipt.apps, after.apps),
  );
}

/** What one or more rebuilds injected: the tool's own extras added, and each package. */
type Landed = { extras: Injection['extras']; packages: InjectedPackage[] };

/** pip could not install the packages together: each is injected on its own, so the ones that can be are. */
async function injectOneByOne(ctx: Context, key: string, plan: InjectPlan, flags: InjectFlags): Promise<Landed> {
  ctx.out.info(`pip could not install ${plan.added.length} packages together; injecting them one at a time`);
  const landed: Landed = { extras: null, packages: [] };
  for (const a of plan.added) {
    try {
      // The extras of the tool's own package go with the first package that lands.
      const spec = landed.extras ? requireInstalled(ctx, key).receipt.request.spec : plan.mainSpec;
      const one = await injectOnce(ctx, key, spec, landed.extras ? [] : plan.extrasAdded, [a], flags);
      landed.extras ??= one.extras;
      landed.packages.push(...one.packages);
    } catch (err) {
      landed.packages.push(notInjected(key, a, toTpxError(err)));
    }
  }
  return landed;
}

/** A package that could not be injected, its error naming it (pip's names the tool it rebuilt). */
function notInjected(key: string, a: Injected, e: TpxError): InjectedPackage {
  const dist = a.name || a.spec;
  return {
    status: 'failed',
    dist,
    error: e.code === 'pip-failed' ? e.rephrase({ message: `pip could not inject ${dist} into ${key}` }) : e,
  };
}

/** The command's answer: the tool's entry (injected when anything landed; failed when nothing did and something failed), each package's. */
function injection(
  key: string,
  from: string,
  to: string,
  extras: Injection['extras'],
  packages: InjectedPackage[],
  apps?: ToolResult['apps'],
): Injection {
  const failed = packages.find((p): p is Extract<InjectedPackage, { status: 'failed' }> => p.status === 'failed');
  const changed = extras !== null || packages.some((p) => p.status === 'injected');
  const result = changed
    ? toolResult(key, 'injected', { from, to, apps })
    : failed
      ? failedResult(key, failed.error, { from })
      : toolResult(key, 'unchanged', { from, to });
  return {
    result: {
      ...result,
      packages: packages.map((p) => ({
        name: p.dist,
        version: p.status === 'failed' ? null : p.version,
        action: p.status === 'already' ? 'unchanged' : p.status,
        error: p.status === 'failed' ? errorInfo(p.error) : null,
      })),
    },
    extras,
    packages,
  };
}

/** Each spec: the tool's own extras, already injected, a new package, or one that cannot be used (failed, the others go on). */
function planInject(ctx: Context, inst: Ready['inst'], specs: string[], flags: InjectFlags): InjectPlan {
  const { key, receipt } = inst;
  const injected = [...receipt.request.injected];
  const pipArgs = flags.pipArgs ? parsePipArgs(flags.pipArgs, ctx) : [];
  const resourcesFrom = [...new Set((flags.includeResourcesFrom ?? []).map((d) => parseDistName(d, 'include-resources-from')))];
  const added: Injected[] = [];
  const settled: InjectedPackage[] = [];
  const installed = freeze(ctx, inst.dir);
  let mainSpec = receipt.request.spec;
  const extrasNamed: string[] = [];
  for (const raw of specs) {
    let spec: Spec;
    try {
      spec = parseSpec(raw, ctx);
    } catch (err) {
      settled.push({ status: 'failed', dist: raw, error: toTpxError(err) });
      continue;
    }
    if (spec.name === toolKey(receipt.name)) {
      const own = ownExtras(key, receipt.name, mainSpec, raw);
      if (own.spec === mainSpec && !flags.force)
        ctx.out.info(`${key} already has the extra${own.extras.length > 1 ? 's' : ''} ${own.extras.join(', ')}`);
      mainSpec = own.spec;
      extrasNamed.push(...own.extras);
      continue;
    }
    const entry = injectedPackage(spec.spec, spec.name ?? '', {
      includeApps: Boolean(flags.includeApps || flags.includeDeps),
      includeDeps: Boolean(flags.includeDeps),
      pipArgs,
      ...(resourcesFrom.length > 0 ? { includeResourcesFrom: resourcesFrom } : {}),
    });
    const at = injected.findIndex((i) => i.spec === entry.spec || (entry.name !== '' && i.name === entry.name));
    if (at >= 0 && same(injected[at] as Injected, entry) && !flags.force) {
      const dist = (injected[at] as Injected).name || entry.spec;
      ctx.out.info(`${entry.name || entry.spec} is already injected into ${key}`);
      settled.push({ status: 'already', dist, version: installed.find((p) => toolKey(p.name) === toolKey(dist))?.version ?? null });
      continue;
    }
    // Re-injecting keeps a `pin --injected-only`.
    if (at >= 0) injected[at] = { ...entry, pinned: (injected[at] as Injected).pinned };
    else injected.push(entry);
    added.push(at >= 0 ? (injected[at] as Injected) : entry);
  }
  const extrasAdded = [...new Set(extrasNamed)].filter((e) => flags.force || !extrasOf(receipt.request.spec).includes(e));
  return { mainSpec, extrasAdded, added, settled };
}

/** One rebuild of the tool as it is now, with `added` injected (and the extras of its own package): each package as it landed. */
async function injectOnce(
  ctx: Context,
  key: string,
  mainSpec: string,
  extrasAdded: string[],
  added: Injected[],
  flags: InjectFlags,
): Promise<Landed> {
  const inst = requireInstalled(ctx, key);
  const { receipt } = inst;
  const injected = [...receipt.request.injected];
  for (const a of added) {
    const at = injected.findIndex((i) => i.spec === a.spec || (a.name !== '' && i.name === a.name));
    if (at >= 0) injected[at] = a;
    else injected.push(a);
  }
  const before = freeze(ctx, inst.dir);
  const addedNames = added.map((a) => a.name).filter(Boolean);
  const what = [...(extrasAdded.length > 0 ? [`${receipt.name}[${extrasAdded.join(',')}]`] : []), ...added.map((a) => a.name || a.spec)];
  ctx.out.info(`injecting ${what.join(', ')} into ${key} (a new environment; the current one stays until it is ready)`);
  const rebuilt = await rebuildInPlaceOf(
    ctx,
    inst,
    { ...receipt.request, spec: mainSpec, injected, cooldown: flags.cooldown ?? receipt.request.cooldown },
    {
      // Everything stays at its version and stays installed (the tool's own package too, when only its
      // extras are added); only what the user named may move.
      pins: {
        constraints: without(before, addedNames),
        requirements: without(before, [receipt.name, ...injected.map((i) => i.name), ...addedNames]),
      },
      forceLinks: Boolean(flags.force),
    },
  );
  let extras: Injection['extras'] = null;
  if (extrasAdded.length > 0) {
    const had = new Set(
      [...before, ...rebuilt.after.filter((p) => addedNames.includes(normalizeName(p.name)))].map((p) => normalizeName(p.name)),
    );
    const fresh = rebuilt.after.filter((p) => !had.has(normalizeName(p.name))).map((p) => `${p.name} ${p.version}`);
    extras = { name: receipt.name, added: extrasAdded, fresh };
  }
  const packages = added.map((a): InjectedPackage => {
    const dist = nameOf(rebuilt, a);
    const version = rebuilt.after.find((p) => normalizeName(p.name) === dist)?.version ?? '?';
    // With --include-deps, its dependencies' apps too: those linked now that were not before.
    const apps = rebuilt.receipt.apps.filter(
      (app) =>
        app.dist === dist ||
        a.includeResourcesFrom?.includes(app.dist) ||
        (a.includeDeps && !receipt.apps.some((old) => old.link === app.link)),
    );
    return { status: 'injected', dist, version, includeApps: a.includeApps, includeDeps: a.includeDeps, apps };
  });
  return { extras, packages };
}

/**
 * `tpx inject black 'black[d]'`: the tool's own package named again, with extras, adds them to the
 * tool's recorded spec (so upgrade and reinstall keep them); anything else about it (a version, a
 * URL) is upgrade's business.
 */
function ownExtras(key: string, dist: string, spec: string, raw: string): { spec: string; extras: string[] } {
  const own = extrasOnly(raw);
  if (!own) {
    throw new TpxError('main-package', `${raw} is ${key}'s own package; it cannot be injected into itself`, {
      hint: `to change its version, use \`tpx upgrade ${shellWord(raw)}\`; to add one of its extras, \`tpx inject ${key} '${dist}[EXTRA]'\``,
    });
  }
  const next = withExtras(spec, { add: own.extras });
  if (next === null)
    throw new TpxError('main-package', `${key} was installed from ${spec}, which takes no extras`, {
      hint: `install it again with them: \`tpx install --force '${spec}[${own.extras.join(',')}]'\``,
    });
  return { spec: next, extras: own.extras };
}

function same(a: Injected, b: Injected): boolean {
  return (
    a.spec === b.spec &&
    a.includeApps === b.includeApps &&
    a.includeDeps === b.includeDeps &&
    a.pipArgs.join('\0') === b.pipArgs.join('\0') &&
    (a.includeResourcesFrom ?? []).join('\0') === (b.includeResourcesFrom ?? []).join('\0')
  );
}

/** The normalised name an injected entry ended up with in the new receipt. */
function nameOf(rebuilt: Rebuilt, a: Injected): string {
  return a.name || (rebuilt.receipt.request.injected.find((i) => i.spec === a.spec)?.name ?? a.spec);
}

/**
 * The requirements in a requirements file: one per line, `#` comments and blank lines skipped.
 * Option lines (`-e`, `-r`, `--index-url`, …) are skipped with a warning: inject records specs only.
 */
export function readRequirements(ctx: Context, file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read requirements file ${file}`, {
      cause,
      hint: 'give the path of a requirements.txt file: one package spec per line',
    });
  }
  const out: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, '').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('-')) ctx.out.warn(`${file}: skipped ${JSON.stringify(line)} (inject takes package specs only)`);
    else out.push(line);
  }
  return out;
}
