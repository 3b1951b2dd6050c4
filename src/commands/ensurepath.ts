import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { TpxError } from '../core/base/errors.js';
import { isOnPath } from '../core/store/links.js';
import { captureSync } from '../core/base/proc.js';
import { SHELLS, applyEdits, pathLine, planEdits, planSystemEdits, userShell } from '../core/shell/shellpath.js';
import type { RcEdit } from '../core/shell/shellpath.js';
import { ensureUserPath } from '../core/shell/winpath.js';
import type { Cli } from './cli-types.js';

interface Flags {
  dryRun?: boolean;
  prepend?: boolean;
  allShells?: boolean;
}

export function register(cli: Cli): void {
  cli.program
    .command('ensurepath')
    .description(
      "put the bin dir on PATH in your shell's startup files (Windows: your user Path; --global: every user's, in /etc); a new shell picks it up",
    )
    .option('--dry-run', 'say which file would get which line, and change nothing')
    .option('--prepend', 'put the bin dir first on PATH, before the system dirs (default: last)')
    .option('--all-shells', 'set up bash, zsh, fish and sh (~/.profile), not only your shell ($SHELL)')
    .action((flags: Flags) => cli.run((ctx) => ensurePath(ctx, flags)));
}

async function ensurePath(ctx: Context, flags: Flags): Promise<void> {
  const bin = ctx.paths.bin;
  // Every user's PATH, not this one's: what this shell has says nothing about theirs.
  if (ctx.paths.global && ctx.platform.systemPath) return ensureSystemPath(ctx, ctx.platform.systemPath, flags);
  // Already on PATH (a startup file of the user's own, or a previous run and a new shell): nothing to
  // add, as pipx does; --all-shells and --prepend ask for the files regardless.
  if (!flags.allShells && !flags.prepend && isOnPath(ctx, bin)) return void ctx.out.info(`${bin} is already on your PATH: nothing to do`);
  if (ctx.platform.pathSetup === 'registry') return ensureWindowsPath(ctx, flags);

  const home = ctx.env.HOME || os.homedir();
  const { shell, name } = userShell(ctx.env);
  if (!flags.allShells && shell === null) {
    throw new TpxError('unknown-shell', `tpx does not know the startup files of your shell (${name || '$SHELL is not set'})`, {
      hint: `add ${bin} to PATH in its startup file yourself, or set up bash, zsh, fish and sh with \`tpx ensurepath --all-shells\`; the line for sh is:\n  ${pathLine('sh', bin, home, Boolean(flags.prepend))}`,
    });
  }
  const edits = planEdits({
    shells: flags.allShells || shell === null ? SHELLS : [shell],
    env: ctx.env,
    home,
    bin,
    prepend: Boolean(flags.prepend),
  });
  const todo = writeEdits(ctx, edits, flags);
  if (todo.length > 0 && !flags.dryRun)
    ctx.out.info(`open a new shell (or \`source ${todo[0]?.file}\` in this one) to have ${bin} on PATH`);
}

/** Writes the lines the edits need (not with --dry-run) and says what it did; returns the edits that were (or would be) made. */
function writeEdits(ctx: Context, edits: RcEdit[], flags: Flags): RcEdit[] {
  const todo = edits.filter((e) => !e.present);
  if (!flags.dryRun) applyEdits(edits);
  for (const e of edits)
    ctx.out.info(
      e.present ? `${e.file} already puts ${ctx.paths.bin} on PATH` : `${flags.dryRun ? 'would add' : 'added'} to ${e.file}:\n  ${e.line}`,
    );
  if (flags.dryRun) ctx.out.info('dry run: nothing was changed');
  else if (todo.length === 0) ctx.out.info('nothing changed');
  return todo;
}

/** `--global`: the system-wide file (core/shell/shellpath.ts, planSystemEdits) that every user's new login shell reads. */
function ensureSystemPath(ctx: Context, setup: 'profile.d' | 'paths.d', flags: Flags): void {
  const etc = ctx.env.TPX_GLOBAL_ETC_DIR ? path.resolve(ctx.env.TPX_GLOBAL_ETC_DIR) : '/etc';
  const edits = planSystemEdits({ setup, etc, bin: ctx.paths.bin, prepend: Boolean(flags.prepend), allShells: Boolean(flags.allShells) });
  const todo = writeEdits(ctx, edits, flags);
  if (todo.length > 0 && !flags.dryRun)
    ctx.out.info(`every user's new login shell has ${ctx.paths.bin} on PATH (a shell open now does not)`);
}

function ensureWindowsPath(ctx: Context, flags: Flags): void {
  const env = Object.fromEntries(Object.entries(ctx.env).filter((e): e is [string, string] => e[1] !== undefined));
  const r = ensureUserPath({
    bin: ctx.paths.bin,
    prepend: Boolean(flags.prepend),
    dryRun: Boolean(flags.dryRun),
    env: ctx.env,
    run: (cmd) => captureSync(cmd.file, cmd.args, { ...env, ...cmd.env }),
  });
  const where = 'your user Path (HKCU\\Environment)';
  if (r.status === 'present') return void ctx.out.info(`${where} already has ${ctx.paths.bin}: nothing changed`);
  ctx.out.info(`${r.status === 'added' ? 'added' : 'would add'} ${ctx.paths.bin} to ${where}`);
  ctx.out.info(r.status === 'added' ? 'open a new terminal to have it on PATH' : 'dry run: nothing was changed');
}
