/**
 * Which of a tool's apps, man pages and completion files get linked (README, `tpx install`): the main
 * package's; an injected package's with `--include-apps` (and its dependencies' with
 * `inject --include-deps`); every distribution's with `--include-deps`; a named dependency's with
 * `--include-resources-from` (install's, and inject's). `--app` keeps only the apps named. A script tool's app is its launcher.
 */
import type { Built } from './build.js';
import { TpxError } from '../base/errors.js';
import { appsOf, resourcesOf } from '../packaging/distinfo.js';
import type { App, Dist, Resource } from '../packaging/distinfo.js';
import { normalizeName, toolKey } from '../packaging/names.js';
import type { Request } from '../request/request.js';
import { extrasOf } from '../packaging/spec.js';
import { shellWord } from '../request/args.js';
import type { OnPlatform } from '../base/platform.js';
import { venvBinDir } from '../python/venv.js';

export interface LinkSet {
  apps: App[];
  resources: Resource[];
  /**
   * The distributions (normalised names) whose apps and resources are linked only as dependencies
   * (`--include-deps`): one of those in the way of another file is skipped, not a conflict (links.ts).
   */
  dependencies: Set<string>;
}

export function selectLinks(on: OnPlatform, req: Request, built: Built): LinkSet {
  const bin = venvBinDir(on, built.venv);
  const main = built.dists.find((d) => toolKey(d.name) === toolKey(built.name));
  const byName = new Map(built.dists.map((d) => [toolKey(d.name), d]));
  // The tool's own (install) and each injected package's (inject): dependencies that must be there.
  const resourcesFrom = [...req.includeResourcesFrom, ...req.injected.flatMap((i) => i.includeResourcesFrom ?? [])];
  for (const dep of resourcesFrom) {
    if (!byName.has(dep)) {
      throw new TpxError('not-a-dependency', `--include-resources-from ${dep}: ${dep} is not installed in ${built.name}'s environment`, {
        hint: `installed with it: ${[...byName.keys()].filter((k) => k !== toolKey(built.name)).join(', ') || 'nothing else'}`,
      });
    }
  }
  const injected = req.injected.filter((i) => i.includeApps);
  const chosen = new Set<Dist>([
    ...(main ? [main] : []),
    ...(req.includeDeps ? built.dists : []),
    ...injected
      .flatMap((i) => (i.includeDeps ? closure(i.name, extrasOf(i.spec), byName) : [byName.get(i.name)]))
      .filter((d): d is Dist => d !== undefined),
    ...resourcesFrom.map((n) => byName.get(n) as Dist),
  ]);
  // Named by the user, or the tool itself: linked or refused; the rest came with --include-deps.
  const named = new Set([built.name, ...injected.map((i) => i.name), ...req.includeResourcesFrom].map((n) => normalizeName(n)));
  const dependencies = new Set([...chosen].map((d) => normalizeName(d.name)).filter((n) => !named.has(n)));
  const apps = new Map<string, App>();
  if (req.kind === 'script')
    apps.set(scriptAppName(req, built), { name: scriptAppName(req, built), kind: 'script', dist: normalizeName(built.name) });
  for (const d of chosen) for (const a of appsOf(on, d, built.site, bin)) if (!apps.has(a.name)) apps.set(a.name, a);
  const resources = [...chosen].flatMap((d) => resourcesOf(d, built.site, built.venv));
  if (req.apps !== null && req.kind !== 'script') return { apps: onlyNamed(on, req.apps, apps, built, bin), resources, dependencies };
  if (apps.size > 0) return { apps: [...apps.values()], resources, dependencies };
  const label = main ? `${main.name} ${main.version}` : built.name;
  const withApps = built.dists.filter((d) => d !== main && appsOf(on, d, built.site, bin).length > 0);
  throw new TpxError('no-apps', `${label} has no apps to link`, {
    hint:
      withApps.length > 0
        ? `its dependencies have apps: ${withApps
            .map(
              (d) =>
                `${appsOf(on, d, built.site, bin)
                  .map((a) => a.name)
                  .join(', ')} (from ${d.name})`,
            )
            .join(
              '; ',
            )}; link them with ${withApps.map((d) => `--include-resources-from ${toolKey(d.name)}`).join(' ')}, or all of them with --include-deps`
        : `it is a library, not a command-line tool; nothing was installed\nto add it to an installed tool's environment: \`tpx inject TOOL ${shellWord(req.spec)}\``,
  });
}

/** A script tool's one app: `--app`, else the tool's name (the script's file name without `.py`). */
export function scriptAppName(req: Request, built: { name: string }): string {
  return req.apps?.[0] ?? built.name;
}

/** `--app`: exactly the apps named, each of which must be there; a dependency's is named in the hint. */
function onlyNamed(on: OnPlatform, names: string[], apps: Map<string, App>, built: Built, bin: string): App[] {
  const missing = names.filter((n) => !apps.has(n));
  if (missing.length > 0) {
    const elsewhere = built.dists.flatMap((d) =>
      appsOf(on, d, built.site, bin)
        .filter((a) => missing.includes(a.name))
        .map((a) => `${a.name} is ${d.name}'s: add --include-resources-from ${toolKey(d.name)}`),
    );
    throw new TpxError('no-such-app', `${built.name} ${built.version} has no app ${missing.join(', ')}`, {
      hint: [`its apps: ${[...apps.keys()].join(', ') || 'none'}`, ...elsewhere].join('\n'),
    });
  }
  return names.map((n) => apps.get(n) as App);
}

/**
 * `name` and every installed distribution it requires, following Requires-Dist: a requirement under
 * an extra (`; extra == "cli"`) only when that extra is asked for — of `name` by its spec
 * (`pkg[cli]`), of a dependency by the requirement naming it (`dep[cli]`).
 */
function closure(name: string, extras: string[], byName: Map<string, Dist>): Dist[] {
  const found = new Map<string, Dist>();
  const followed = new Set<string>();
  const visit = (n: string, wanted: string[]) => {
    const d = byName.get(n);
    if (!d) return;
    found.set(n, d);
    // `n` for its plain requirements, `n[extra]` for an extra's: each followed once.
    const todo = [n, ...wanted.map((e) => `${n}[${e}]`)].filter((k) => !followed.has(k));
    for (const k of todo) followed.add(k);
    for (const r of d.requires) {
      const extra = /;.*\bextra\s*==\s*["']([^"']+)["']/.exec(r)?.[1];
      if (!todo.includes(extra === undefined ? n : `${n}[${normalizeName(extra)}]`)) continue;
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/.exec(r);
      if (m?.[1]) visit(toolKey(m[1]), extrasOf(`${m[1]}${m[2] === undefined ? '' : `[${m[2]}]`}`));
    }
  };
  visit(name, extras);
  return [...found.values()];
}
