/**
 * Which tools have a newer version on their index, within their recorded spec (a pin is ignored, as
 * upgrade ignores it): one shared check for every tool (latest.ts). `tpx list --outdated` shows it.
 */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { defaultJobs } from '../base/pool.js';
import { readyTool } from './rebuild.js';
import type { Ready } from './rebuild.js';
import { toolKeys } from '../store/store.js';
import { checkTools, upgradeRequest } from './upgrade.js';

export interface OutdatedTool {
  name: string;
  version: string;
  /** null: installed from a path or URL, which has no "newest version" (upgrade rebuilds it). */
  latest: string | null;
  pinned: boolean;
}

/** Outdated tools, and the tools that could not be checked (each error names its tool). */
export async function findOutdated(ctx: Context): Promise<{ checked: number; outdated: OutdatedTool[]; problems: TpxError[] }> {
  const tools: (Ready & ReturnType<typeof upgradeRequest>)[] = [];
  const problems: TpxError[] = [];
  const cannotCheck = (key: string, e: TpxError) => problems.push(e.rephrase({ message: `cannot check ${key}: ${e.message}` }));
  for (const key of toolKeys(ctx)) {
    const r = readyTool(ctx, key, true);
    if ('status' in r) cannotCheck(key, r.error);
    else tools.push({ ...r, ...upgradeRequest(r.receipt.request, {}) });
  }
  const checks = await checkTools(ctx, tools, { includeInjected: false, jobs: defaultJobs() });
  const outdated: OutdatedTool[] = [];
  for (const t of tools) {
    const c = checks.get(t.key);
    if (c instanceof TpxError) cannotCheck(t.key, c);
    else if (c?.newer) outdated.push({ name: t.key, version: t.receipt.version, latest: c.latest, pinned: t.receipt.pinned });
  }
  return { checked: tools.length, outdated, problems };
}
