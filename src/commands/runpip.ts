import { runpip } from '../core/ops/runpip.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('runpip')
    .description("run pip inside a tool's venv; then record what changed (version, injected packages, apps)")
    .argument('<name>', 'the installed tool')
    .argument('[args...]', 'passed to pip untouched, e.g. `tpx runpip black list --format json`')
    .allowUnknownOption()
    .action((name: string, args: string[]) => cli.run((ctx) => runpip(ctx, name, args)));
}

/**
 * Everything after `runpip NAME` is pip's: `tpx runpip black install -v --help` must hand `-v` and
 * `--help` to pip, not to tpx. A `--` after NAME makes commander treat the rest as operands.
 * Only tpx's global flags (which take no values) may come before `runpip`.
 */
export function shieldPipArgs(argv: string[]): string[] {
  const cmd = argv.findIndex((a) => !a.startsWith('-'));
  if (cmd < 0 || argv[cmd] !== 'runpip') return argv;
  const name = argv[cmd + 1];
  if (name === undefined || name.startsWith('-') || argv[cmd + 2] === '--') return argv;
  return [...argv.slice(0, cmd + 2), '--', ...argv.slice(cmd + 2)];
}
