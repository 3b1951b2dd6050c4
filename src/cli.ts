/**
 * argv → commander → one command handler. Renders errors in one place and sets the exit code;
 * commands never call process.exit.
 */
import { Command, CommanderError, Option } from 'commander';
import { constants } from 'node:os';
import { makeContext } from './core/base/context.js';
import { GLOBAL_DEFAULTS, checkWritable } from './core/base/paths.js';
import type { Context, Output } from './core/base/context.js';
import { usageError } from './core/base/errors.js';
import { collectGarbage } from './core/store/store.js';
import { COLOR_CHOICES, colorWanted, makeOutput, paintPrefixes, writeResult } from './ui.js';
import type { ColorChoice } from './ui.js';
import type { Cli } from './commands/cli-types.js';
import * as cache from './commands/cache.js';
import * as completions from './commands/completions.js';
import * as ensurepath from './commands/ensurepath.js';
import * as environment from './commands/environment.js';
import * as exec from './commands/exec.js';
import * as exporter from './commands/export.js';
import * as expose from './commands/expose.js';
import * as inject from './commands/inject.js';
import * as install from './commands/install.js';
import * as installAll from './commands/install-all.js';
import * as list from './commands/list.js';
import * as lock from './commands/lock.js';
import * as pin from './commands/pin.js';
import * as python from './commands/python.js';
import * as reinstall from './commands/reinstall.js';
import * as reset from './commands/reset.js';
import * as sync from './commands/sync.js';
import * as rollback from './commands/rollback.js';
import * as runpip from './commands/runpip.js';
import * as uninject from './commands/uninject.js';
import * as uninstall from './commands/uninstall.js';
import * as upgrade from './commands/upgrade.js';
import * as upgradeShared from './commands/upgrade-shared.js';
import * as run from './commands/run.js';
import * as doctor from './commands/doctor.js';
import { applyExamples } from './commands/shared/examples.js';
import { Results, printsResults, renderDocument, resultDocument, usageDocument } from './commands/shared/json.js';

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
  exec,
  expose,
  unexpose: expose,
  export: exporter,
  run,
  cache,
  ensurepath,
  environment,
  completions,
  doctor,
  reset,
  'upgrade-shared': upgradeShared,
  sync,
  lock,
  python,
  interpreter: python,
};

/** The options every command takes, before or after its name. */
interface GlobalFlags {
  verbose?: boolean;
  quiet?: boolean;
  color?: ColorChoice;
  global?: boolean;
}

/**
 * Commands that never write in tpx's directories (doctor only without --fix): `--global` needs
 * root for every other command, and says so before anything is touched.
 */
const READ_ONLY = new Set(['list', 'environment', 'completions', 'export', 'dir']);

function globalOptions(): Option[] {
  return [
    new Option('-v, --verbose', 'stream pip output and show error causes'),
    new Option('-q, --quiet', 'print errors only (results on stdout, like `tpx list`, still print)'),
    new Option(
      '--color <when>',
      'colour the output: auto (only on a terminal), always or never; NO_COLOR and FORCE_COLOR are honoured',
    ).choices(COLOR_CHOICES),
    new Option(
      '--global',
      `the system-wide toolbox: tools in ${GLOBAL_DEFAULTS.home}, apps in ${GLOBAL_DEFAULTS.bin}, man pages in ${GLOBAL_DEFAULTS.man} (POSIX; TPX_GLOBAL_HOME, TPX_GLOBAL_BIN_DIR, TPX_GLOBAL_MAN_DIR move them)`,
    ),
  ];
}

/**
 * The commander program: every command when `only` is undefined (help, a typo, completions and the
 * man page need them all), else just that one.
 */
export function buildProgram(
  run: Cli['run'],
  only?: string,
  change: Cli['change'] = (action) => run((ctx) => action(ctx, new Results())),
): Command {
  const program = new Command('tpx')
    .description('Install and run Python command-line tools, each in its own isolated environment.')
    .version(TPX_VERSION, '-V, --version', 'print the tpx version')
    .enablePositionalOptions()
    .showHelpAfterError('(run `tpx --help` or `tpx <command> --help` for usage)')
    .exitOverride();
  const cli: Cli = { program, run, change };
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
  let writes = true;
  let json = false;
  /** The command's context: the one place `--global` is resolved (core/base/paths.ts), refused up front where it cannot write. */
  const contextFor = (out: Output): Context => {
    if (flags.quiet && flags.verbose) throw usageError('--quiet and --verbose cannot be used together');
    if (flags.global && process.platform === 'win32')
      throw usageError('--global is for POSIX systems (Linux, macOS)', 'on Windows, install for your user (without --global)');
    const made = makeContext({
      env: process.env,
      os: process.platform,
      arch: process.arch,
      cwd: process.cwd(),
      verbose: Boolean(flags.verbose),
      out,
      global: flags.global,
    });
    if (flags.global && writes) checkWritable(made.paths);
    return made;
  };
  const run: Cli['run'] = async (action) => {
    const out = makeOutput({ verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet), color: flags.color ?? 'auto' });
    try {
      ctx = contextFor(out);
      process.exitCode = (await action(ctx)) ?? 0;
    } catch (err) {
      process.exitCode = out.error(err);
    }
  };
  // A command that changes tools: with --json, one result document on stdout whatever happens, and
  // nothing on stderr: errors are in the document (commands/shared/json.ts); the exit code is the
  // same as without it.
  const change: Cli['change'] = async (action) => {
    const results = new Results();
    // It ends by collecting what no tool refers to, whatever it did: a command that had nothing to do,
    // or failed, still collects the generation a killed one orphaned (docs/architecture.md, "Generations and the commit point").
    const act = async (c: Context) => {
      try {
        return await action(c, results);
      } finally {
        collectGarbage(c);
      }
    };
    if (!json) return run(act);
    const out = makeOutput({ verbose: Boolean(flags.verbose), quiet: true, silent: true, color: flags.color ?? 'auto' });
    let code: number;
    let error: unknown = null;
    try {
      ctx = contextFor(out);
      code = (await act(ctx)) ?? 0;
    } catch (err) {
      code = out.error(err);
      error = err;
    }
    writeResult(renderDocument(resultDocument(argv, results.tools, code, error, results.removed)));
    process.exitCode = code;
  };
  const program = buildProgram(run, argv[0], change);
  program.hook('preAction', (_program, command) => {
    flags = globalFlags(command);
    writes = !READ_ONLY.has(command.name()) && !(command.name() === 'doctor' && !command.opts<{ fix?: boolean }>().fix);
    json = Boolean(command.opts<{ json?: boolean }>().json);
  });
  // commander's own errors (an unknown option, a missing argument) come before any command runs.
  // Decided only when there is an error to print: looking at stderr creates its stream (~2 ms, bench/RESULTS.md).
  const outputError = (text: string, write: (s: string) => void) =>
    write(colorWanted(colorFromArgv(argv), process.env, () => Boolean(process.stderr.isTTY)) ? paintPrefixes(text) : text);
  // With --json the error is in the document, and stderr stays empty (the help hint after it too).
  const writeErr = (text: string) => {
    if (!wantsDocument(program, argv)) process.stderr.write(text);
  };
  // Each command reports its own parse errors: commander copies settings only to commands made after them.
  const configure = (c: Command): void => {
    c.configureOutput({ outputError, writeOut: writeResult, writeErr });
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
      // `tpx install --json --bogus`: a script asked for a document, so it gets one for this error too.
      if (err.exitCode !== 0 && wantsDocument(program, argv)) writeResult(renderDocument(usageDocument(argv, err.message)));
      return;
    }
    process.exitCode = makeOutput({ verbose: false, color: colorFromArgv(argv) }).error(err);
  }
}

/** `--json` given (before any `--`) to a command that answers with a result document. */
function wantsDocument(program: Command, argv: string[]): boolean {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const words = argv.slice(0, end);
  const name = words.find((a) => !a.startsWith('-'));
  return words.includes('--json') && printsResults(program.commands.find((c) => c.name() === name));
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
    flags.global ||= o.global;
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
