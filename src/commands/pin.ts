import { parseToolArg } from '../core/packaging/names.js';
import { pinInjected, setPinned } from '../core/ops/pin.js';
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
      cli.change((ctx, results) =>
        forTool(ctx, results, name, () =>
          flags.injectedOnly ? pinInjected(ctx, parseToolArg(name)) : setPinned(ctx, parseToolArg(name), true),
        ),
      ),
    );
  cli.program
    .command('unpin')
    .description('let upgrade and upgrade-all move a pinned tool (and its pinned injected packages) again')
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .addOption(jsonOption())
    .action((name: string) => cli.change((ctx, results) => forTool(ctx, results, name, () => setPinned(ctx, parseToolArg(name), false))));
}
