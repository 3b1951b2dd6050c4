/**
 * argv → commander → one command handler. Renders errors in one place and sets the exit code;
 * commands never call process.exit.
 */
import { Command, CommanderError, Option } from 'commander';
import { constants } from 'node:os';
import { makeContext } from './core/context.js';
import type { Context } from './core/context.js';
import { usageError } from './core/errors.js';
import { COLOR_CHOICES, colorWanted, makeOutput, paintPrefixes, writeResult } from './ui.js';
import type { ColorChoice } from './ui.js';
import type { Cli } from './commands/cli-types.js';
import * as cache from './commands/cache.js';
import * as completions from './commands/completions.js';
import * as ensurepath from './commands/ensurepath.js';
import * as environment from './commands/environment.js';
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
import * as doctor from './commands/doctor.js';
import { applyExamples } from './commands/shared/examples.js';

declare const TPX_VERSION: string;

/**
 * Every command name → the module that registers it (a module may register two, e.g. pin/unpin).
 * `wholeProgram`: the command describes the program itself, so every command is registered for it.
 */
const COMMANDS: Record<string, { register(cli: Cli): void; wholeProgram?: boolean }> = {
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
  ensurepath,
  environment,
  completions,
  doctor,
};

/** The options every command takes, before or after its name. */
interface GlobalFlags {
  verbose?: boolean;
  quiet?: boolean;
  color?: ColorChoice;
}

function globalOptions(): Option[] {
  return [
    new Option('-v, --verbose', 'stream pip output and show error causes'),
    new Option('-q, --quiet', 'print errors only (results on stdout, like `tpx list`, still print)'),
    new Option('--color <when>', 'colour the output: auto (only on a terminal), always or never; NO_COLOR and FORCE_COLOR are honoured').choices(COLOR_CHOICES),
  ];
}

/**
 * The commander program: every command when `only` is undefined (help, a typo, completions and the
 * man page need them all), else just that one.
 */
export function buildProgram(run: Cli['run'], only?: string): Command {
  const program = new Command('tpx')
    .description('Install and run Python command-line tools, each in its own isolated environment.')
    .version(TPX_VERSION, '-V, --version', 'print the tpx version')
    .enablePositionalOptions()
    .showHelpAfterError('(run `tpx --help` or `tpx <command> --help` for usage)')
    .exitOverride();
  const cli: Cli = { program, run };
  // Only the command being run is built (~3 ms less start-up for list or uninstall, held to 1.3×
  // `node -e 0`).
  const wanted = only === undefined ? undefined : COMMANDS[only];
  const modules = wanted && !wanted.wholeProgram ? [wanted] : new Set(Object.values(COMMANDS));
  for (const command of modules) command.register(cli);
  // Options are positional (so `tpx run APP --help` reaches the app, not tpx): every command takes them itself.
  addGlobalOptions(program);
  applyExamples(program);
  return program;
}

/** Runs one tpx command line (src/entry.ts answers `--version` before loading this). */
export async function main(argv: string[]): Promise<void> {
  let ctx: Context | null = null;
  let flags: GlobalFlags = {};
  const run: Cli['run'] = async (action) => {
    const out = makeOutput({ verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet), color: flags.color ?? 'auto' });
    try {
      if (flags.quiet && flags.verbose) throw usageError('--quiet and --verbose cannot be used together');
      ctx = makeContext({ env: process.env, os: process.platform, verbose: Boolean(flags.verbose), out });
      process.exitCode = (await action(ctx)) ?? 0;
    } catch (err) {
      process.exitCode = out.error(err);
    }
  };
  const program = buildProgram(run, argv[0]);
  program.hook('preAction', (_program, command) => {
    flags = globalFlags(command);
  });
  // commander's own errors (an unknown option, a missing argument) come before any command runs.
  // Decided only when there is an error to print: looking at stderr creates its stream (~2 ms, bench/RESULTS.md).
  const outputError = (text: string, write: (s: string) => void) =>
    write(colorWanted(colorFromArgv(argv), process.env, () => Boolean(process.stderr.isTTY)) ? paintPrefixes(text) : text);
  // Each command reports its own parse errors: commander copies settings only to commands made after them.
  const configure = (c: Command): void => {
    c.configureOutput({ outputError, writeOut: writeResult });
    c.commands.forEach(configure);
  };
  configure(program);

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
    process.exitCode = makeOutput({ verbose: false, color: colorFromArgv(argv) }).error(err);
  }
}

function addGlobalOptions(parent: Command): void {
  for (const option of globalOptions()) parent.addOption(option);
  for (const command of parent.commands) addGlobalOptions(command);
}

/** The global flags given anywhere from the program down to the command run; the innermost wins. */
function globalFlags(command: Command): GlobalFlags {
  const flags: GlobalFlags = {};
  for (let c: Command | null = command; c; c = c.parent) {
    const o = c.opts<GlobalFlags>();
    flags.verbose ||= o.verbose;
    flags.quiet ||= o.quiet;
    flags.color ??= o.color;
  }
  return flags;
}

/** `--color` as given before any `--`, for the errors commander reports before a command has parsed it. */
function colorFromArgv(argv: string[]): ColorChoice {
  let choice: ColorChoice = 'auto';
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const value = argv[i] === '--color' ? argv[i + 1] : argv[i]?.startsWith('--color=') ? argv[i]?.slice(8) : undefined;
    if (value && (COLOR_CHOICES as readonly string[]).includes(value)) choice = value as ColorChoice;
  }
  return choice;
}
