import type { Context } from '../core/context.js';
import { parseToolArg } from '../core/names.js';
import { withLock } from '../core/lock.js';
import { toolResult } from '../core/outcome.js';
import type { ToolResult } from '../core/outcome.js';
import { writeReceipt } from '../core/receipt.js';
import { requireInstalled } from '../core/store.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';

export function register(cli: Cli): void {
  cli.program
    .command('pin')
    .description('hold a tool at its installed version: upgrade-all skips it, upgrade needs --force')
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .addOption(jsonOption())
    .action((name: string) => cli.change((ctx, results) => forTool(ctx, results, name, () => setPinned(ctx, parseToolArg(name), true))));
  cli.program
    .command('unpin')
    .description('let upgrade and upgrade-all move a pinned tool again')
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
    if (r.pinned === pinned) {
      ctx.out.info(`${key} is already ${pinned ? `pinned at ${r.version}` : 'unpinned'}`);
      return toolResult(key, 'unchanged', version);
    }
    writeReceipt(inst.dir, { ...r, pinned });
    ctx.out.info(pinned ? `pinned ${key} at ${r.version}: upgrade-all skips it, \`tpx upgrade --force ${key}\` upgrades it anyway` : `unpinned ${key} (${r.version})`);
    return toolResult(key, pinned ? 'pinned' : 'unpinned', version);
  });
}
