import type { Context } from '../core/context.js';
import { defaultJobs } from '../core/pool.js';
import { toolKeys } from '../core/store.js';
import { checkTools, readyTool, upgradeRequest } from '../core/upgrade.js';
import type { Ready } from '../core/upgrade.js';
import { renderError } from '../ui.js';
import { TpxError } from '../core/errors.js';

/**
 * `tpx list --outdated`: tools whose index has a newer version, within their recorded spec (a pin is
 * ignored, as upgrade ignores it). One shared check for all tools (core/latest.ts). Exit 1 if a
 * tool could not be checked.
 */
export async function listOutdated(ctx: Context, flags: { json?: boolean }): Promise<number> {
  const tools: (Ready & ReturnType<typeof upgradeRequest>)[] = [];
  let failed = 0;
  for (const key of toolKeys(ctx)) {
    const r = readyTool(ctx, key, true);
    if ('status' in r) {
      failed++;
      if (r.status === 'failed') renderError(new TpxError(r.error.code, `cannot check ${key}: ${r.error.message}`, { hint: r.error.hint }), ctx.verbose);
    } else tools.push({ ...r, ...upgradeRequest(r.receipt.request, {}) });
  }
  const checks = await checkTools(ctx, tools, { includeInjected: false, jobs: defaultJobs(), cwd: process.cwd() });
  const rows: { name: string; version: string; latest: string | null; pinned: boolean }[] = [];
  for (const t of tools) {
    const c = checks.get(t.key);
    if (c instanceof TpxError || !c) {
      failed++;
      if (c) renderError(new TpxError(c.code, `cannot check ${t.key}: ${c.message}`, { details: c.details, hint: c.hint }), ctx.verbose);
    } else if (c.newer) rows.push({ name: t.key, version: t.receipt.version, latest: c.latest, pinned: t.receipt.pinned });
  }
  if (flags.json) ctx.out.result(JSON.stringify({ schema: 1, outdated: rows }, null, 2));
  else if (rows.length > 0) {
    ctx.out.result(rows.map((r) => `${r.name} ${r.version} → ${r.latest ?? '? (installed from a path or URL; upgrade rebuilds it)'}${r.pinned ? ' [pinned]' : ''}`).join('\n'));
  } else if (failed === 0) ctx.out.info(tools.length ? `all ${tools.length} tools are at their latest version` : 'no tools installed');
  return failed > 0 ? 1 : 0;
}
