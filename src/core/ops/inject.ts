import * as fs from 'node:fs';
import type { Context } from '../base/context.js';
import { TpxError, usageError } from '../base/errors.js';
import { freeze, without } from '../installer/freeze.js';
import { normalizeName, toolKey } from '../packaging/names.js';
import { injectedPackage } from '../request/request.js';
import type { Injected } from '../request/request.js';
import { parsePipArgs, shellWord } from '../request/args.js';
import { extrasOf, extrasOnly, parseSpec, withExtras } from '../packaging/spec.js';
import { requireInstalled } from '../store/store.js';
import { linkChanges, toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';
import { rebuildInPlaceOf } from './rebuild.js';
import type { Rebuilt } from './rebuild.js';

/** How to inject, as the command's flags say it. */
export interface InjectFlags {
  /** Requirements files whose every requirement is injected too. */
  requirement?: string[];
  includeApps?: boolean;
  includeDeps?: boolean;
  /** pip arguments as the user typed them (one string): recorded with the packages. */
  pipArgs?: string;
  /** `--cooldown`, as recorded (args.ts, parseCooldown): replaces the tool's. */
  cooldown?: string;
  force?: boolean;
}

/** What an inject did, for the command to say: the extras added to the tool's own package, and each package injected. */
export interface Injection {
  result: ToolResult;
  /** The tool's own package, when extras of it were added: its name, the extras, and what they brought in (`name version`). */
  extras: { name: string; added: string[]; fresh: string[] } | null;
  /** Each injected package as it landed, with the apps linked for it (`dist`: the app's distribution, when a dependency's). */
  packages: { dist: string; version: string; includeApps: boolean; includeDeps: boolean; apps: { link: string; dist: string }[] }[];
}

/** The usage error for an inject that names nothing to inject. */
export function noPackages(key: string) {
  return usageError('name at least one package to inject', `e.g. \`tpx inject ${key} SPEC\`, or \`-r requirements.txt\``);
}

/**
 * `tpx inject`: the tool rebuilt with the named packages added to its request (rebuild.ts); everything
 * already in it is held at its version and stays installed, so only what the user named may move.
 */
export async function inject(ctx: Context, name: string, args: string[], flags: InjectFlags): Promise<Injection> {
  const inst = requireInstalled(ctx, name);
  const { key, receipt } = inst;
  const specs = [...args, ...(flags.requirement ?? []).flatMap((f) => readRequirements(ctx, f))];
  if (specs.length === 0) throw noPackages(key);
  const injected = [...receipt.request.injected];
  const pipArgs = flags.pipArgs ? parsePipArgs(flags.pipArgs, ctx) : [];
  const added: Injected[] = [];
  let mainSpec = receipt.request.spec;
  const extrasNamed: string[] = [];
  for (const raw of specs) {
    const spec = parseSpec(raw, ctx);
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
    });
    const at = injected.findIndex((i) => i.spec === entry.spec || (entry.name !== '' && i.name === entry.name));
    if (at >= 0 && same(injected[at] as Injected, entry) && !flags.force) {
      ctx.out.info(`${entry.name || entry.spec} is already injected into ${key}`);
      continue;
    }
    // Re-injecting keeps a `pin --injected-only`.
    if (at >= 0) injected[at] = { ...entry, pinned: (injected[at] as Injected).pinned };
    else injected.push(entry);
    added.push(entry);
  }
  const extrasAdded = [...new Set(extrasNamed)].filter((e) => flags.force || !extrasOf(receipt.request.spec).includes(e));
  if (added.length === 0 && extrasAdded.length === 0)
    return { result: toolResult(key, 'unchanged', { from: receipt.version, to: receipt.version }), extras: null, packages: [] };

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
  const packages = added.map((a) => {
    const dist = nameOf(rebuilt, a);
    const version = rebuilt.after.find((p) => normalizeName(p.name) === dist)?.version ?? '?';
    // With --include-deps, its dependencies' apps too: those linked now that were not before.
    const apps = rebuilt.receipt.apps.filter(
      (app) => app.dist === dist || (a.includeDeps && !receipt.apps.some((old) => old.link === app.link)),
    );
    return { dist, version, includeApps: a.includeApps, includeDeps: a.includeDeps, apps };
  });
  const result = toolResult(key, 'injected', {
    from: receipt.version,
    to: rebuilt.receipt.version,
    apps: linkChanges(receipt.apps, rebuilt.receipt.apps),
  });
  return { result, extras, packages };
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
    a.spec === b.spec && a.includeApps === b.includeApps && a.includeDeps === b.includeDeps && a.pipArgs.join('\0') === b.pipArgs.join('\0')
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
