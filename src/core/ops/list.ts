/**
 * `tpx list`: every tool's health as status.ts judges it from disk (receipts and link dirs only; no
 * Python is spawned), and the links into tpx that belong to no tool.
 */
import type { Context } from '../base/context.js';
import { waitForCommits } from '../base/mutex.js';
import type { TpxError } from '../base/errors.js';
import { normalizeName, parseToolArg, toolKey } from '../packaging/names.js';
import { appsOf, listDists } from '../packaging/distinfo.js';
import { sitePackages, venvBinDir } from '../python/venv.js';
import { linksByOwner } from '../store/links.js';
import type { Receipt } from '../store/receipt.js';
import { ownerlessLinks, toolStatus } from '../store/status.js';
import type { ToolStatus } from '../store/status.js';
import { notInstalled, toolKeys } from '../store/store.js';

export interface Listing {
  tools: ToolStatus[];
  /** Names asked for that are not installed, each with its error. */
  missing: { key: string; error: TpxError }[];
  /** Links into tpx whose tool is gone (only when no names were given: a problem of the whole home). */
  stray: string[];
}

/**
 * The named tools (default: all), with `pinned` only those pinned or holding pinned injected packages;
 * read once no tool is half-way through a commit (mutex.waitForCommits), or after saying which still is.
 */
export async function listTools(ctx: Context, names: string[], opts: { pinned: boolean }): Promise<Listing> {
  const busy = await waitForCommits(ctx);
  if (busy.length > 0) ctx.out.warn(`another tpx process is still changing ${busy.join(', ')}: what is shown may be half-way`);
  const links = linksByOwner(ctx);
  const installed = toolKeys(ctx);
  const wanted = [...new Set(names.map(parseToolArg))];
  const missing = wanted.filter((k) => !installed.includes(k));
  const tools = (wanted.length > 0 ? wanted.filter((k) => installed.includes(k)) : installed)
    .map((k) => toolStatus(ctx, k, links))
    .filter((t): t is ToolStatus => t !== null)
    .filter((t) => !opts.pinned || Boolean(t.receipt?.pinned || t.receipt?.request.injected.some((i) => i.pinned)));
  // Links that belong to no tool are a problem of the whole home, not of the tools named.
  const stray = wanted.length > 0 ? [] : ownerlessLinks(ctx, links);
  return { tools, missing: missing.map((key) => ({ key, error: notInstalled(ctx, key) })), stray };
}

/**
 * The injected package an app of distribution `dist` was linked for: that package itself, or — for
 * a dependency's app, which only `inject --include-deps` or `inject --include-resources-from` links
 * when the tool has no --include-deps or --include-resources-from naming it — the first package
 * injected naming it, else the first injected with --include-deps. null: the tool's own.
 */
export function injectedOwner(r: Receipt, dist: string): string | null {
  const req = r.request;
  const direct = req.injected.find((i) => i.name === dist);
  if (direct) return direct.name;
  if (dist === normalizeName(r.name) || req.includeDeps || req.includeResourcesFrom.includes(dist)) return null;
  return (req.injected.find((i) => i.includeResourcesFrom?.includes(dist)) ?? req.injected.find((i) => i.includeDeps))?.name ?? null;
}

/**
 * The apps of a tool's dependencies (every distribution in its venv but its own package), linked or
 * not — what pipx's `list --json` gives as the apps of dependencies. Read from the dist-info on disk
 * (no Python); none for a broken tool.
 */
export function dependencyApps(ctx: Context, t: ToolStatus): { name: string; dist: string; linked: boolean }[] {
  const r = t.receipt;
  if (!t.installed || !r || r.request.kind === 'script') return [];
  const { dir } = t.installed;
  const site = sitePackages(ctx, dir);
  const linked = new Set(r.apps.map((a) => a.name));
  try {
    return listDists(site)
      .filter((d) => toolKey(d.name) !== toolKey(r.name))
      .flatMap((d) => appsOf(ctx, d, site, venvBinDir(ctx, dir)))
      .map((a) => ({ name: a.name, dist: a.dist, linked: linked.has(a.name) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}
