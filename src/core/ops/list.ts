/**
 * `tpx list`: every tool's health as status.ts judges it from disk (receipts and link dirs only; no
 * Python is spawned), and the links into tpx that belong to no tool.
 */
import type { Context } from '../base/context.js';
import type { TpxError } from '../base/errors.js';
import { normalizeName, parseToolArg } from '../packaging/names.js';
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

/** The named tools (default: all), with `pinned` only those pinned or holding pinned injected packages. */
export function listTools(ctx: Context, names: string[], opts: { pinned: boolean }): Listing {
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
