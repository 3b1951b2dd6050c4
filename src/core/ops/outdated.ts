/**
 * Which tools have a newer version on their index, within their recorded spec (a pin is ignored, as
 * upgrade ignores it): one shared check for every tool (latest.ts). `tpx list --outdated` shows it.
 */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { defaultJobs } from '../base/pool.js';
import { parseToolArg } from '../packaging/names.js';
import { readyTool } from './rebuild.js';
import type { Ready } from './rebuild.js';
import { notInstalled, toolKeys } from '../store/store.js';
import { checkTools, upgradeRequest } from './upgrade.js';
import type { NewerInjected } from './upgrade.js';

export interface OutdatedTool {
  name: string;
  version: string;
  /** null: installed from a path or URL, which has no "newest version" (upgrade rebuilds it). */
  latest: string | null;
  pinned: boolean;
  /** With `includeInjected`: its injected packages that have a newer version (what `upgrade --include-injected` would move). */
  injected: NewerInjected[];
}

/**
 * Outdated tools among `names` (none: every tool), the tools checked, and those that could not be
 * checked or are not installed (each error names its tool).
 */
export async function findOutdated(
  ctx: Context,
  names: string[],
  opts: { includeInjected: boolean },
): Promise<{ checked: string[]; outdated: OutdatedTool[]; problems: TpxError[] }> {
  const tools: (Ready & ReturnType<typeof upgradeRequest>)[] = [];
  const problems: TpxError[] = [];
  const cannotCheck = (key: string, e: TpxError) => problems.push(e.rephrase({ message: `cannot check ${key}: ${e.message}` }));
  const installed = toolKeys(ctx);
  const wanted = names.length > 0 ? [...new Set(names.map(parseToolArg))] : installed;
  for (const key of wanted) {
    if (!installed.includes(key)) {
      problems.push(notInstalled(ctx, key));
      continue;
    }
    const r = readyTool(ctx, key, true);
    if ('status' in r) cannotCheck(key, r.error);
    else tools.push({ ...r, ...upgradeRequest(r.receipt.request, {}) });
  }
  const checks = await checkTools(ctx, tools, { includeInjected: opts.includeInjected, jobs: defaultJobs() });
  const outdated: OutdatedTool[] = [];
  for (const t of tools) {
    const c = checks.get(t.key);
    if (c instanceof TpxError) cannotCheck(t.key, c);
    else if (c?.newer)
      outdated.push({ name: t.key, version: t.receipt.version, latest: c.latest, pinned: t.receipt.pinned, injected: c.injected });
  }
  return { checked: tools.map((t) => t.key), outdated, problems };
}
