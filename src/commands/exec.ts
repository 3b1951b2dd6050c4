import { parseToolArg } from '../core/packaging/names.js';
import { exec } from '../core/run/exec.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('exec')
    .description("run any app in an installed tool's environment (its dependencies' apps and python too), as if the venv were activated")
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .argument('<app>', "an app in the tool's environment (its bin dir), e.g. python")
    .argument('[args...]', 'arguments for the app, passed on untouched (--help and -- included)')
    // Everything after APP belongs to the app: options there are not tpx's.
    .passThroughOptions()
    .action((name: string, app: string, args: string[]) => cli.run((ctx) => exec(ctx, parseToolArg(name), app, args)));
}
