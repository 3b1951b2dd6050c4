/**
 * `tpx reset`: every tool uninstalled, then tpx's data home and cache removed — what tpx made in
 * them, by name, through the delete gate (gate.ts). A file tpx did not make (someone pointed
 * TPX_HOME at a folder of their own) is left, and so is the folder holding it.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { readdirOrEmpty } from '../base/fsx.js';
import { removeMine, removeRootIfEmpty, removeToolLink } from '../base/gate.js';
import { linksByOwner } from '../store/links.js';
import { toolKeys } from '../store/store.js';
import { uninstallTool } from './uninstall.js';

/** What tpx makes directly in its data home (paths.ts) and in its cache (logs, the run cache, probes, pins). */
const HOME_ENTRIES = ['tools', 'envs', 'shared', 'locks', 'completions', 'pythons', 'store'];
const CACHE_ENTRIES = ['logs', 'run', 'resolutions', 'versions', 'interpreters.json', 'CACHEDIR.TAG'];
const CACHE_TEMPS = /^(pins-\d+-[0-9a-f]+|interpreters\.json\.tmp-\d+-[0-9a-f]+)$/;

export interface ResetPlan {
  tools: string[];
  /** Links in the bin dir into tools that are not installed (a killed command's). */
  strayLinks: string[];
  /** Entries of the data home and the cache that tpx made, removed after the tools. */
  remove: string[];
  /** Entries it did not make: left, with the folder holding them. */
  foreign: string[];
  /** The data home and the cache themselves, removed once empty. */
  roots: string[];
}

export function planReset(ctx: Context): ResetPlan {
  const { home, cache } = ctx.paths;
  const tools = toolKeys(ctx);
  const strayLinks = [...linksByOwner(ctx)].filter(([key]) => !tools.includes(key)).flatMap(([, links]) => links);
  const remove: string[] = [];
  const foreign: string[] = [];
  // `--global` keeps its cache inside its home (paths.ts): it is one of the home's entries then.
  const cacheInHome = path.dirname(cache) === home;
  for (const name of readdirOrEmpty(home)) {
    const p = path.join(home, name);
    if (p === cache) continue;
    (HOME_ENTRIES.includes(name) ? remove : foreign).push(p);
  }
  for (const name of readdirOrEmpty(cache)) {
    const p = path.join(cache, name);
    (CACHE_ENTRIES.includes(name) || CACHE_TEMPS.test(name) ? remove : foreign).push(p);
  }
  const roots = cacheInHome ? [cache, home] : [home, cache];
  return { tools, strayLinks, remove, foreign, roots: roots.filter((r) => readdirOrEmpty(path.dirname(r)).includes(path.basename(r))) };
}

/**
 * Carries out the plan: the tools first (their links, through uninstall), stopping before any data
 * is removed if one cannot be uninstalled — deleting its environment would leave its apps' links
 * pointing at nothing. Says each thing it did; returns the paths it removed besides the tools'
 * links (stray links, the entries of the home and cache, the two roots).
 */
export async function reset(
  ctx: Context,
  plan: ResetPlan,
  onTool: (key: string, done: { version: string | null; removed: string[] } | TpxError) => void = () => {},
): Promise<string[]> {
  const removed: string[] = [];
  for (const key of plan.tools) {
    try {
      onTool(key, await uninstallTool(ctx, key));
    } catch (err) {
      onTool(key, toTpxError(err));
      const e = toTpxError(err);
      throw e.rephrase({
        message: `reset stopped: ${e.message}`,
        hint: [e.hint, "tpx's data and cache were left as they are; fix that and run `tpx reset` again"].filter(Boolean).join('\n'),
      });
    }
  }
  // Links into tools that are not installed (plan.strayLinks, and any a concurrent command left).
  for (const [key, links] of linksByOwner(ctx))
    for (const link of links)
      if (removeToolLink(ctx, link, key)) {
        ctx.out.info(`removed ${link}: it linked into ${key}, which is not installed`);
        removed.push(link);
      }
  for (const p of plan.remove) {
    removeMine(ctx, p);
    removed.push(p);
  }
  for (const root of plan.roots) {
    if (removeRootIfEmpty(ctx, root)) {
      ctx.out.info(`removed ${root}`);
      removed.push(root);
    } else if (readdirOrEmpty(root).length > 0)
      ctx.out.info(`left ${root}: it holds files tpx did not make (${readdirOrEmpty(root).join(', ')})`);
  }
  return removed;
}

/** The error for a reset nobody confirmed. */
export function unconfirmed(): TpxError {
  return new TpxError('usage', "tpx reset removes every tool and all of tpx's data: confirm it with --yes", {
    hint: 'stdin is not a terminal, so tpx cannot ask; `tpx reset --dry-run` shows what it would remove',
  });
}
