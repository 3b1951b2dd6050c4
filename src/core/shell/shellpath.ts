/**
 * Putting the bin dir on PATH in a shell's startup files (`tpx ensurepath`, and the line the PATH
 * warning after an install suggests). Which files each shell reads:
 *
 *   bash  ~/.bashrc (interactive shells), plus the login file (the first of ~/.bash_profile,
 *         ~/.bash_login, ~/.profile that exists; ~/.profile if none does) unless it already reads ~/.bashrc
 *   zsh   ${ZDOTDIR:-~}/.zshrc
 *   fish  ${XDG_CONFIG_HOME:-~/.config}/fish/conf.d/tpx.fish (a file of tpx's own; fish reads conf.d/*.fish)
 *   sh    ~/.profile (dash, ksh, busybox and other POSIX shells)
 *
 * With --global, system-wide files instead (planSystemEdits): /etc/profile.d/tpx.sh and fish's
 * /etc/fish/conf.d/tpx.fish, or macOS's /etc/paths.d/tpx.
 *
 * A file is changed by appending one line, written to a temp file beside it and renamed over it (its
 * mode and owner kept); a file that is a symlink (a dotfile manager's) is written through, at its target.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TpxError } from '../base/errors.js';
import type { Context } from '../base/context.js';
import { lstatOrNull, readTextOrNull, writeAllOrNone, writeFileAtomic } from '../base/fsx.js';
import { powershellLine } from './winpath.js';

export const SHELLS = ['bash', 'zsh', 'fish', 'sh'] as const;
export type Shell = (typeof SHELLS)[number];

const POSIX_SHELLS = new Set(['sh', 'dash', 'ash', 'ksh', 'mksh', 'pdksh', 'ksh93', 'posh', 'yash', 'busybox']);

/** The user's shell, from $SHELL (else the login shell in the password database); null if tpx does not know it. */
export function userShell(env: NodeJS.ProcessEnv): { shell: Shell | null; name: string } {
  let name = env.SHELL ?? '';
  if (!name) {
    try {
      name = os.userInfo().shell ?? '';
    } catch {
      // no password entry (a container's random uid): unknown
    }
  }
  const base = path.basename(name).replace(/\.exe$/i, '');
  const shell = base === 'bash' || base === 'zsh' || base === 'fish' ? base : POSIX_SHELLS.has(base) ? 'sh' : null;
  return { shell, name: base };
}

/**
 * How to put the bin dir on PATH, as install's hint and doctor's fix both say it: `tpx ensurepath`
 * first (for the user's own shell, or the Windows user Path), then the `line` to add by hand. A
 * system-wide bin dir is every user's, not one shell's: ensurepath is no help there.
 */
export function pathAdvice(ctx: Pick<Context, 'paths' | 'platform' | 'env'>): { text: string; line: string } {
  const bin = ctx.paths.bin;
  // A system-wide bin dir is every user's, not one shell's: the system-wide file, not the user's own.
  if (ctx.paths.global)
    return {
      text: "run `tpx ensurepath --global` (as root) to add it to every user's PATH, or add this line to /etc/profile yourself:",
      line: `export PATH="$PATH:${bin}"`,
    };
  if (ctx.platform.pathSetup === 'registry')
    return { text: 'run `tpx ensurepath` to add it to your user Path, or in PowerShell:', line: powershellLine(bin) };
  const home = ctx.env.HOME || os.homedir();
  const shell = userShell(ctx.env).shell;
  const where = shell ? startupFiles(shell, ctx.env, home)[0] : "your shell's startup file";
  return {
    text: `run \`tpx ensurepath\` to add it to ${where}, or add this line yourself:`,
    line: pathLine(shell ?? 'sh', bin, home, false),
  };
}

/** The line that puts `bin` on PATH for `shell`, naming a dir under home through $HOME so it survives a moved home. */
export function pathLine(shell: Shell, bin: string, home: string, prepend: boolean): string {
  const rel = path.relative(home, bin);
  const underHome = home !== '' && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  const quoted = (special: RegExp) => `"${underHome ? `$HOME/${rel.replace(special, '\\$&')}` : bin.replace(special, '\\$&')}"`;
  if (shell === 'fish') return `fish_add_path --path ${prepend ? '--prepend' : '--append'} ${quoted(/[\\"$]/g)}`;
  const dir = quoted(/[\\"$`]/g).slice(1, -1);
  return prepend ? `export PATH="${dir}:$PATH"` : `export PATH="$PATH:${dir}"`;
}

/** One startup file and the line it needs. `present`: it already puts the bin dir on PATH. */
export interface RcEdit {
  shell: Shell;
  file: string;
  line: string;
  present: boolean;
  /** A file read as data, one directory a line (macOS's /etc/paths.d): the line alone, no comment. */
  bare?: boolean;
}

export interface RcRequest {
  shells: readonly Shell[];
  env: NodeJS.ProcessEnv;
  home: string;
  bin: string;
  prepend: boolean;
}

/** The startup files `shells` read, each with its line and whether it is already there. Reads only. */
export function planEdits(req: RcRequest): RcEdit[] {
  const edits: RcEdit[] = [];
  for (const shell of req.shells) {
    for (const file of startupFiles(shell, req.env, req.home)) {
      if (edits.some((e) => e.file === file)) continue;
      edits.push({
        shell,
        file,
        line: pathLine(shell, req.bin, req.home, req.prepend),
        present: mentionsDir(readTextOrNull(file) ?? '', req.bin, req.home),
      });
    }
  }
  return edits;
}

/**
 * `tpx ensurepath --global`: the system-wide files that put `bin` on every user's PATH, under `etc`
 * (/etc, or TPX_GLOBAL_ETC_DIR), each with its line. Reads only. `profile.d` (Linux and other
 * POSIX systems): `profile.d/tpx.sh`, which /etc/profile runs for every login shell of the sh family
 * (bash, dash, ksh; zsh where its zprofile reads /etc/profile), and fish's `fish/conf.d/tpx.fish`
 * when fish is set up there (or `allShells`). `paths.d` (macOS): `paths.d/tpx`, one directory, which
 * path_helper adds for every shell (after /etc/paths: `prepend` cannot apply).
 */
export function planSystemEdits(req: {
  setup: 'profile.d' | 'paths.d';
  etc: string;
  bin: string;
  prepend: boolean;
  allShells: boolean;
}): RcEdit[] {
  const edit = (shell: Shell, file: string, line: string, bare?: true): RcEdit => ({
    shell,
    file,
    line,
    present: mentionsDir(readTextOrNull(file) ?? '', req.bin, ''),
    ...(bare ? { bare } : {}),
  });
  if (req.setup === 'paths.d') return [edit('sh', path.join(req.etc, 'paths.d', 'tpx'), req.bin, true)];
  const fish = path.join(req.etc, 'fish');
  return [
    edit('sh', path.join(req.etc, 'profile.d', 'tpx.sh'), pathLine('sh', req.bin, '', req.prepend)),
    ...(req.allShells || lstatOrNull(fish)?.isDirectory()
      ? [edit('fish', path.join(fish, 'conf.d', 'tpx.fish'), pathLine('fish', req.bin, '', req.prepend))]
      : []),
  ];
}

/** The files `shell` reads at start-up that should carry the line. */
export function startupFiles(shell: Shell, env: NodeJS.ProcessEnv, home: string): string[] {
  const inHome = (name: string) => path.join(home, name);
  switch (shell) {
    case 'bash': {
      const bashrc = inHome('.bashrc');
      // A login bash reads only the first of these it finds, and ~/.bashrc only if that one sources it.
      const login = ['.bash_profile', '.bash_login', '.profile'].map(inHome).find((f) => fs.existsSync(f)) ?? inHome('.profile');
      const readsBashrc = activeLines(readTextOrNull(login) ?? '').some((l) => l.includes('.bashrc'));
      return readsBashrc ? [bashrc] : [bashrc, login];
    }
    case 'zsh':
      return [path.join(env.ZDOTDIR || home, '.zshrc')];
    case 'fish':
      return [path.join(env.XDG_CONFIG_HOME || inHome('.config'), 'fish', 'conf.d', 'tpx.fish')];
    case 'sh':
      return [inHome('.profile')];
  }
}

function activeLines(text: string): string[] {
  return text.split('\n').filter((l) => !/^\s*#/.test(l));
}

/** Whether a line (not a comment) names `dir`: absolute, or as $HOME/…, ${HOME}/… or ~/… when under home. */
export function mentionsDir(text: string, dir: string, home: string): boolean {
  const rel = path.relative(home, dir);
  const forms = [dir];
  if (home !== '' && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel))
    forms.push(`$HOME/${rel}`, `\${HOME}/${rel}`, `~/${rel}`);
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[\\s"'=:])(${forms.map(escapeRegExp).join('|')})/?(?=$|[\\s"':;])`);
  return activeLines(text).some((l) => re.test(l));
}

const MARK = '# Added by `tpx ensurepath`: the dir tpx links apps into';

/**
 * Appends each edit's line to its file. Every file is checked before any is written, and if one
 * write still fails the files already written are put back: either all get their line or none does.
 * `write` is the atomic writer (a test passes one that fails).
 */
export function applyEdits(edits: RcEdit[], write: typeof writeFileAtomic = writeFileAtomic): void {
  const todo = edits.filter((e) => !e.present).map((e) => ({ ...e, ...writable(e) }));
  const files = todo.map((e) => {
    const before = readTextOrNull(e.target);
    if (e.bare) return { file: e.target, text: `${before ?? ''}${before && !before.endsWith('\n') ? '\n' : ''}${e.line}\n`, like: e.stat };
    const sep = before === null || before === '' ? '' : before.endsWith('\n') ? '\n' : '\n\n';
    return { file: e.target, text: `${before ?? ''}${sep}${MARK}\n${e.line}\n`, like: e.stat };
  });
  writeAllOrNone(
    files,
    (target, err) => {
      const failed = todo.find((e) => e.target === target);
      return unwritable(failed?.file ?? target, err instanceof Error ? err.message : String(err), failed?.line ?? '', err);
    },
    write,
  );
}

/** Where an edit writes (a symlink's target) and the file's stat; throws, naming the file, if it cannot be written. */
function writable(e: RcEdit): { target: string; stat: fs.Stats | null } {
  let target = e.file;
  let stat: fs.Stats | null = null;
  if (lstatOrNull(e.file)) {
    try {
      target = fs.realpathSync(e.file);
    } catch {
      throw unwritable(e.file, `it is a symlink to ${fs.readlinkSync(e.file)}, which does not exist`, e.line);
    }
    stat = fs.statSync(target);
    if (!stat.isFile()) throw unwritable(e.file, 'it is not a regular file', e.line);
    // Checked by hand: a rename would replace a read-only file (and root may write anything).
    if ((stat.mode & 0o222) === 0) throw unwritable(e.file, 'it is read-only', e.line);
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch {
      throw unwritable(e.file, 'you may not write to it', e.line);
    }
  }
  // The temp file goes beside the target: its dir (or the nearest one that exists) must be writable.
  let dir = path.dirname(target);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw unwritable(e.file, `${dir} is not a writable directory`, e.line);
  }
  return { target, stat };
}

function unwritable(file: string, why: string, line: string, cause?: unknown): TpxError {
  return new TpxError('unwritable', `cannot add tpx's bin dir to ${file}: ${why}`, {
    cause,
    hint: `nothing was changed; fix that and run \`tpx ensurepath\` again, or add this line to it yourself:\n  ${line}`,
  });
}
