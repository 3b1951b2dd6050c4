/**
 * argv → commander → one command handler. Renders errors in one place and sets the exit code;
 * commands never call process.exit.
 */
import { Command, CommanderError } from 'commander';
import { constants } from 'node:os';
import { makeContext } from './core/context.js';
import type { Context } from './core/context.js';
import { renderError, makeOutput } from './ui.js';
import type { Cli } from './commands/cli-types.js';
import * as exporter from './commands/export.js';
import * as inject from './commands/inject.js';
import * as install from './commands/install.js';
import * as installAll from './commands/install-all.js';
import * as list from './commands/list.js';
import * as pin from './commands/pin.js';
import * as reinstall from './commands/reinstall.js';
import * as rollback from './commands/rollback.js';
import * as runpip from './commands/runpip.js';
import * as uninject from './commands/uninject.js';
import * as uninstall from './commands/uninstall.js';
import * as upgrade from './commands/upgrade.js';
import * as run from './commands/run.js';
import * as cache from './commands/cache.js';

declare const TPX_VERSION: string;

/** Every command name → the module that registers it (a module may register two, e.g. pin/unpin). */
const COMMANDS: Record<string, { register(cli: Cli): void }> = {
  install,
  'install-all': installAll,
  list,
  uninstall,
  'uninstall-all': uninstall,
  upgrade,
  'upgrade-all': upgrade,
  reinstall,
  'reinstall-all': reinstall,
  pin,
  unpin: pin,
  rollback,
  inject,
  uninject,
  runpip,
  export: exporter,
  run,
  cache,
};

/** Runs one tpx command line (src/entry.ts answers `--version` before loading this). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('tpx')
    .description('Install and run Python command-line tools, each in its own isolated environment.')
    .version(TPX_VERSION, '-V, --version', 'print the tpx version')
    .option('-v, --verbose', 'stream pip output and show error causes')
    .enablePositionalOptions()
    .showHelpAfterError('(run `tpx --help` or `tpx <command> --help` for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  let ctx: Context | null = null;
  let commandVerbose = false;
  program.hook('preAction', (_program, command) => {
    commandVerbose = Boolean(command.opts().verbose);
  });
  const cli: Cli = {
    program,
    async run(action) {
      const verbose = Boolean(program.opts().verbose || commandVerbose);
      ctx = makeContext({ env: process.env, verbose, out: makeOutput({ verbose }) });
      try {
        const code = await action(ctx);
        process.exitCode = code ?? 0;
      } catch (err) {
        process.exitCode = renderError(err, verbose);
      }
    },
  };
  // Only the command being run is built (~3 ms less start-up for list or uninstall, held to 1.3×
  // `node -e 0`); help, a typo or a global option first builds them all.
  const wanted = COMMANDS[argv[0] ?? ''];
  for (const command of wanted ? [wanted] : new Set(Object.values(COMMANDS))) command.register(cli);
  // Options are positional (so `tpx run APP --help` reaches the app, not tpx): every command takes -v itself.
  addVerbose(program);

  // Ctrl-C / SIGTERM / SIGHUP (the terminal closed) mid-change: undo what is half made (generation,
  // links, locks), then exit like a shell would (128 + the signal's number).
  const onSignal = (signal: NodeJS.Signals) => {
    ctx?.interrupts.runAll();
    process.stderr.write(`\ninterrupted: the unfinished change was undone\n`);
    process.exit(128 + constants.signals[signal]);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);

  try {
    await program.parseAsync(runpip.shieldPipArgs(argv), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = renderError(err, false);
  }
}

function addVerbose(parent: Command): void {
  for (const command of parent.commands) {
    command.option('-v, --verbose', 'stream pip output and show error causes');
    addVerbose(command);
  }
}

