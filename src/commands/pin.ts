import type { Context } from '../core/context.js';
import { parseToolArg } from '../core/names.js';
import { withLock } from '../core/lock.js';
import { toolResult } from '../core/outcome.js';
import type { ToolResult } from '../core/outcome.js';
import { TpxError } from '../core/errors.js';
import { writeReceipt } from '../core/receipt.js';
import { requireInstalled } from '../core/store.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';

export function register(cli: Cli): void {
  cli.program
    .command('pin')
    .description('hold a tool at its installed version: upgrade-all skips it, upgrade needs --force')
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .option('--injected-only', 'hold only the packages injected into it: `upgrade --include-injected` leaves them, the tool moves')
    .addOption(jsonOption())
    .action((name: string, flags: { injectedOnly?: boolean }) =>
      cli.change((ctx, results) => forTool(ctx, results, name, () => (flags.injectedOnly ? pinInjected(ctx, parseToolArg(name)) : setPinned(ctx, parseToolArg(name), true)))),
    );
  cli.program
    .command('unpin')
    .description('let upgrade and upgrade-all move a pinned tool (and its pinned injected packages) again')
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .addOption(jsonOption())
    .action((name: string) => cli.change((ctx, results) => forTool(ctx, results, name, () => setPinned(ctx, parseToolArg(name), false))));
}

/** Flips `pinned` in the current generation's receipt, atomically and under the tool's lock. */
export async function setPinned(ctx: Context, key: string, pinned: boolean): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    // Unpinning a tool lets its injected packages move too (`pin --injected-only` held them).
    const injected = pinned ? r.request.injected : r.request.injected.map((i) => ({ ...i, pinned: false }));
    const injectedChanged = injected.some((i, n) => i.pinned !== r.request.injected[n]?.pinned);
    if (r.pinned === pinned && !injectedChanged) {
      ctx.out.info(`${key} is already ${pinned ? `pinned at ${r.version}` : 'unpinned'}`);
      return toolResult(key, 'unchanged', version);
    }
    writeReceipt(inst.dir, { ...r, pinned, request: { ...r.request, injected } });
    ctx.out.info(pinned ? `pinned ${key} at ${r.version}: upgrade-all skips it, \`tpx upgrade --force ${key}\` upgrades it anyway` : `unpinned ${key} (${r.version})`);
    return toolResult(key, pinned ? 'pinned' : 'unpinned', version);
  });
}

/** `pin --injected-only`: holds every injected package at its installed version; the tool itself stays free to move. */
async function pinInjected(ctx: Context, key: string): Promise<ToolResult> {
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    const r = inst.receipt;
    const version = { from: r.version, to: r.version };
    if (r.request.injected.length === 0) {
      throw new TpxError('not-injected', `nothing is injected into ${key}: --injected-only has nothing to pin`, { hint: `pin the tool itself with \`tpx pin ${key}\`` });
    }
    if (r.request.injected.every((i) => i.pinned)) {
      ctx.out.info(`${key}'s injected packages are already pinned`);
      return toolResult(key, 'unchanged', version);
    }
    writeReceipt(inst.dir, { ...r, request: { ...r.request, injected: r.request.injected.map((i) => ({ ...i, pinned: true })) } });
    ctx.out.info(`pinned the packages injected into ${key} (${r.request.injected.map((i) => i.name || i.spec).join(', ')}): \`tpx upgrade --include-injected ${key}\` leaves them at their versions`);
    return toolResult(key, 'pinned', version);
  });
}
