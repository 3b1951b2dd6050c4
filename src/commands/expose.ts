import type { Context } from '../core/base/context.js';
import { applyLinks, planLinks, receiptLinks, removeLinksExcept } from '../core/store/links.js';
import { withLock } from '../core/base/mutex.js';
import { parseToolArg } from '../core/packaging/names.js';
import { toolResult } from '../core/ops/outcome.js';
import type { ToolResult } from '../core/ops/outcome.js';
import { writeReceipt } from '../core/store/receipt.js';
import { requireInstalled } from '../core/store/store.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';
import { resourceLine } from './shared/report.js';

export function register(cli: Cli): void {
  cli.program
    .command('expose')
    .description("link a tool's apps (and man pages, completions) again after `tpx unexpose`, without rebuilding it")
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .option('-f, --force', 'replace files in the way that tpx does not own')
    .addOption(jsonOption())
    .action((name: string, flags: { force?: boolean }) =>
      cli.change((ctx, results) => forTool(ctx, results, name, () => expose(ctx, parseToolArg(name), Boolean(flags.force)))),
    );
  cli.program
    .command('unexpose')
    .description("unlink a tool's apps, man pages and completions, keeping it installed (upgrade and reinstall keep it so)")
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .addOption(jsonOption())
    .action((name: string) => cli.change((ctx, results) => forTool(ctx, results, name, () => unexpose(ctx, parseToolArg(name)))));
}

/**
 * The receipt records the links the tool would have even while it is not exposed (install.ts), so
 * exposing is planning and making exactly those: every slot is checked before one is touched, and
 * the receipt is written before the links are kept (a failure puts every slot back).
 */
async function expose(ctx: Context, key: string, force: boolean): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    if (r.exposed) {
      ctx.out.info(`${key} is already exposed`);
      return toolResult(key, 'unchanged', version);
    }
    const exposed = { ...r, exposed: true };
    const plans = await planLinks(ctx, key, receiptLinks(ctx, exposed), force);
    const links = applyLinks(ctx, plans);
    try {
      writeReceipt(inst.dir, { ...exposed, updatedAt: new Date().toISOString() });
    } catch (err) {
      links.rollback();
      throw err;
    }
    links.commit();
    ctx.out.info(`exposed ${key}: ${r.apps.map((a) => a.link).join(', ') || 'no apps'}`);
    const resources = resourceLine(r);
    if (resources) ctx.out.info(`  ${resources}`);
    return toolResult(key, 'exposed', {
      ...version,
      apps: { linked: plans.filter((p) => p.kind === 'app').map((p) => p.link), unlinked: [] },
    });
  });
}

/** Recorded first, then unlinked: a link left by a crash in between is a stray link `tpx doctor --fix` removes. */
async function unexpose(ctx: Context, key: string): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    if (!r.exposed) {
      ctx.out.info(`${key} is already not exposed`);
      return toolResult(key, 'unchanged', version);
    }
    writeReceipt(inst.dir, { ...r, exposed: false, updatedAt: new Date().toISOString() });
    const removed = removeLinksExcept(ctx, key, []);
    ctx.out.info(
      `unexposed ${key}: ${removed.length} link${removed.length === 1 ? '' : 's'} removed; it stays installed (\`tpx exec ${key} APP\` runs its apps, \`tpx expose ${key}\` links them again)`,
    );
    const apps = new Set(r.apps.map((a) => a.link));
    return toolResult(key, 'unexposed', { ...version, apps: { linked: [], unlinked: removed.filter((l) => apps.has(l)) } });
  });
}
