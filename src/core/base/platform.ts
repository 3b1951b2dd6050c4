/**
 * Everything tpx does differently on Windows, decided in one place (docs/architecture.md,
 * "Windows"). A Platform is a plain value: the entry points (cli.ts, runfast.ts) make the one for
 * `process.platform` and put it in the Context; a unit test makes the other one to ask what Windows
 * would do. No other module looks at `process.platform`.
 *
 *                   POSIX                                   Windows
 *   venv            bin/python, lib/pythonX.Y/site-packages Scripts\python.exe, Lib\site-packages
 *   an app          bin/<app>                               Scripts\<app>.exe (pip's launcher)
 *   default Python  python3 on PATH                         python on PATH (PATHEXT), else the py launcher's default
 *   Python X.Y      pythonX.Y on PATH, pyenv                the py launcher's list (`py -0p`), pythonX.Y on PATH
 *   bin entry       a symlink                               cmd-shim's sh shim, .cmd and .ps1 (core/base/shims.ts)
 *   tools/<key>     a symlink, switched by one rename       a junction, switched by two renames (recoverable)
 *   PATH helper     shell startup files (core/shell/shellpath.ts) the user's Path in the registry (core/shell/winpath.ts)
 *   standalone      python/bin/python3                      python\python.exe
 *   Python build    <cpu>-unknown-linux-gnu (musl), <cpu>-apple-darwin  <cpu>-pc-windows-msvc
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { lstatOrNull, readTextOrNull, readdirOrEmpty, readlinkOrNull, uniqueSuffix } from './fsx.js';

export interface Platform {
  /** The `process.platform` this was made for. */
  readonly os: NodeJS.Platform;
  /** The `process.arch` this was made for (x64, arm64, …). */
  readonly arch: string;

  /** The venv's folder of executables: `bin` or `Scripts`. */
  readonly venvBin: string;
  /** The venv's interpreter, in venvBin. */
  readonly venvPython: string;
  /** The venv's site-packages, found on disk. */
  sitePackages(venv: string): string;
  /** The file an app is in the venv's bin dir. */
  appFile(app: string): string;
  /** The app a file in the venv's bin dir is (pip's Windows wrappers carry an extension). */
  appName(file: string): string;
  /** Minor versions (`3.11`) of the standard libraries beside an interpreter; [] where the layout does not say. */
  stdlibVersions(executable: string): string[];

  /** The interpreter used without --python or TPX_DEFAULT_PYTHON. */
  readonly defaultPython: string;
  /** Whether to ask the py launcher (`py -0p`) for installed Pythons. */
  readonly pyLauncher: boolean;
  /**
   * The python-build-standalone targets this machine runs, best first ([] where none is built):
   * `pythonTargets(os, arch, libc)` for this OS and CPU; `libc` is Linux's C library (python/download.ts reads it).
   */
  pythonTargets(libc: Libc): string[];
  /** The interpreter of an unpacked standalone build, relative to its root (`python/` in the archive). */
  readonly standalonePython: string;
  /** The directories of PATH, in order. */
  pathDirs(env: NodeJS.ProcessEnv): string[];
  /** The file names a command is found under in a PATH directory (Windows: with PATHEXT's extensions). */
  commandFiles(command: string, env: NodeJS.ProcessEnv): string[];
  /** Whether two paths name the same directory as the OS compares them (Windows: case-insensitive). */
  samePath(a: string, b: string): boolean;

  /** Bin entries: what one is made of and how it is read back. */
  readonly bin: BinEntries;

  /** The commit point: points tools/<key> (`link`) at `target` (relative to link's dir). */
  switchEntry(target: string, link: string): void;
  /** Whether `target`, as read back from tools/<key>, is exactly what switchEntry wrote for `dir`. */
  entryPointsAt(target: string, link: string, dir: string): boolean;

  /** How a build child and all it started are stopped together (proc.killTree). */
  readonly childTree: 'process-group' | 'taskkill';
  /** How `tpx ensurepath` puts the bin dir on PATH. */
  readonly pathSetup: 'startup-files' | 'registry';
  /**
   * How `tpx ensurepath --global` puts it on every user's PATH (core/shell/shellpath.ts): a script
   * in /etc/profile.d (and fish's conf.d), or macOS's /etc/paths.d, which path_helper reads for
   * every shell; null where --global is refused (Windows).
   */
  readonly systemPath: 'profile.d' | 'paths.d' | null;
  /** Whether env-paths (paths.ts) honours XDG_DATA_HOME and XDG_CACHE_HOME: on Linux only. */
  readonly xdg: boolean;
  /**
   * Whether tools' man pages and bash/zsh/fish completion files are linked (links.ts): they are
   * plain symlinks, which Windows allows only with developer mode or admin rights, for a `man` and
   * shells a Windows user rarely has.
   */
  readonly resourceLinks: boolean;
  /**
   * How the wheel store (installer/store/) puts a file of an entry into a venv, best first; each
   * falls back to the next when the filesystem refuses it. Empty: the store is not used and pip
   * installs (Windows: apps are pip's `.exe` launchers, which the store does not write).
   */
  readonly storeLinks: readonly LinkMode[];
}

/** A reflink (FICLONE: a copy sharing blocks), a hard link (the same file), or a copy. */
export type LinkMode = 'clone' | 'hardlink' | 'copy';

/** What functions that only need the platform take (a Context is one). */
export type OnPlatform = { readonly platform: Platform };

export interface BinEntries {
  /** The files of one entry's slot, the entry's own path first: what counts as in the way of it. */
  slot(entry: string): string[];
  /** How many files a whole entry is. */
  readonly size: number;
  /** The entries a bin dir's file names make up (Windows: `x`, `x.cmd`, `x.ps1` are the entry `x`). */
  entries(names: string[]): string[];
  /** The absolute path one file of an entry points at; null when it is not a link or shim such as tpx writes. */
  fileTarget(file: string): string | null;
  /** The files of an entry `entry` → `target`, rendered before the link transaction (cmd-shim is asynchronous). */
  render(ctx: Context, target: string, entry: string): Promise<RenderedEntry>;
}

/** One bin entry ready to be written: each file a symlink or a text. */
export interface RenderedEntry {
  entry: string;
  target: string;
  files: { path: string; symlink?: string; text?: string }[];
}

export function platformFor(os: NodeJS.Platform, arch = 'x64'): Platform {
  const targets = (libc: Libc) => pythonTargets(os, arch, libc);
  return os === 'win32'
    ? { ...WINDOWS, arch, pythonTargets: targets }
    : { ...POSIX, os, arch, xdg: os === 'linux', systemPath: os === 'darwin' ? 'paths.d' : 'profile.d', pythonTargets: targets };
}

/** The C library a Linux system is built on: python-build-standalone has a build for each. */
export type Libc = 'glibc' | 'musl';

/** python-build-standalone's CPU names for Node's. */
const PBS_CPU: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' };

/**
 * The python-build-standalone target triples that run on `os`/`arch`, best first (its `install_only`
 * archives are named by them). Linux: glibc or musl, as `libc` says. Windows: the plain MSVC build,
 * and the `-shared` name older releases used for the same build; an arm64 Windows runs x86_64
 * builds too (emulated). x86_64 Linux gets the baseline build, which runs on every x86_64 CPU
 * (the `_v2`…`_v4` ones need newer instruction sets), as uv and pipx pick by default.
 */
export function pythonTargets(os: NodeJS.Platform, arch: string, libc: Libc): string[] {
  const cpu = PBS_CPU[arch];
  if (!cpu) return [];
  if (os === 'linux' && cpu !== 'i686') return [`${cpu}-unknown-linux-${libc === 'musl' ? 'musl' : 'gnu'}`];
  if (os === 'darwin' && cpu !== 'i686') return [`${cpu}-apple-darwin`];
  if (os !== 'win32') return [];
  const msvc = (c: string) => [`${c}-pc-windows-msvc`, `${c}-pc-windows-msvc-shared`];
  return cpu === 'aarch64' ? [`${cpu}-pc-windows-msvc`, ...msvc('x86_64')] : msvc(cpu);
}

/** The C library a Linux `ldd` belongs to, from its text (a shell script naming glibc, or musl's loader); glibc when unknown. */
export function libcOfLdd(text: string | null): Libc {
  return text !== null && /musl/i.test(text) ? 'musl' : 'glibc';
}

/** Entries that are one symlink each: POSIX bin entries, and every man page or completion file link. */
export const SYMLINK_ENTRIES: BinEntries = {
  slot: (entry) => [entry],
  size: 1,
  entries: (names) => names,
  fileTarget(file) {
    const target = readlinkOrNull(file);
    return target === null ? null : path.resolve(path.dirname(file), target);
  },
  render: async (_ctx, target, entry) => ({ entry, target, files: [{ path: entry, symlink: target }] }),
};

const POSIX: Platform = {
  os: 'linux',
  arch: 'x64',
  venvBin: 'bin',
  venvPython: 'python',
  storeLinks: ['clone', 'hardlink', 'copy'],
  sitePackages(venv) {
    const lib = path.join(venv, 'lib');
    const py = fs.readdirSync(lib).find((d) => /^python\d+\.\d+t?$/.test(d) || d.startsWith('pypy'));
    if (!py) throw new TpxError('bad-venv', `${venv} has no lib/pythonX.Y directory`);
    return path.join(lib, py, 'site-packages');
  },
  appFile: (app) => app,
  appName: (file) => file,
  // <prefix>/bin/python3 → <prefix>/lib/python3.11
  stdlibVersions: (exe) =>
    readdirOrEmpty(path.join(path.dirname(path.dirname(exe)), 'lib'))
      .filter((d) => /^python\d+\.\d+$/.test(d))
      .map((d) => d.slice('python'.length)),
  defaultPython: 'python3',
  pyLauncher: false,
  pythonTargets: () => [],
  standalonePython: 'bin/python3',
  pathDirs: (env) => (env.PATH ?? '').split(':').filter((d) => d !== ''),
  commandFiles: (command) => [command],
  samePath: (a, b) => path.resolve(a) === path.resolve(b),
  bin: SYMLINK_ENTRIES,
  switchEntry(target, link) {
    // One rename replaces a symlink atomically: anyone resolving tools/<key> sees the old generation or the new.
    const tmp = `${link}.tmp-${uniqueSuffix()}`;
    fs.symlinkSync(target, tmp, 'dir');
    try {
      fs.renameSync(tmp, link);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  },
  entryPointsAt: (target, link, dir) => target === path.relative(path.dirname(link), dir),
  childTree: 'process-group',
  pathSetup: 'startup-files',
  systemPath: 'profile.d',
  xdg: true,
  resourceLinks: true,
};

/** The extensions CreateProcess starts directly; PATHEXT's others (.bat, .cmd, .js…) need a shell, which tpx never uses. */
const RUNNABLE = ['.com', '.exe'];
/** The files cmd-shim writes for an entry, and the one other file that would shadow them (an .exe, e.g. pipx's copy). */
const SHIM_EXTS = ['', '.cmd', '.ps1'];

const WINDOWS: Platform = {
  os: 'win32',
  arch: 'x64',
  venvBin: 'Scripts',
  venvPython: 'python.exe',
  storeLinks: [],
  sitePackages: (venv) => path.join(venv, 'Lib', 'site-packages'),
  appFile: (app) => `${app}.exe`,
  appName: (file) => file.replace(/(-script\.pyw?|\.exe|\.cmd|\.bat)$/i, ''),
  // Windows installs keep the standard library in <prefix>\Lib, whose name says no version.
  stdlibVersions: () => [],
  defaultPython: 'python',
  pyLauncher: true,
  pythonTargets: () => [],
  standalonePython: 'python.exe',
  pathDirs: (env) => (envValue(env, 'PATH') ?? '').split(';').filter((d) => d !== ''),
  commandFiles(command, env) {
    if (RUNNABLE.includes(path.extname(command).toLowerCase())) return [command];
    const exts = (envValue(env, 'PATHEXT') ?? '.COM;.EXE').split(';').filter((e) => RUNNABLE.includes(e.toLowerCase()));
    return exts.map((e) => command + e.toLowerCase());
  },
  samePath: (a, b) => comparable(a) === comparable(b),
  bin: {
    slot: (entry) => [...SHIM_EXTS, '.exe'].map((e) => entry + e),
    size: SHIM_EXTS.length,
    entries: (names) => [...new Set(names.map((n) => n.replace(/\.(cmd|ps1|exe)$/i, '')))],
    fileTarget: shimTarget,
    render: async (ctx, target, entry) => (await import('./shims.js')).renderShims(ctx, target, entry),
  },
  switchEntry(target, link) {
    runSteps(junctionSwitch(target, link));
  },
  // A junction's target is stored absolute (readlink gives it back so).
  entryPointsAt: (target, link, dir) => comparable(path.resolve(path.dirname(link), target)) === comparable(dir),
  childTree: 'taskkill',
  pathSetup: 'registry',
  systemPath: null,
  xdg: false,
  resourceLinks: false,
};

/** An environment variable as Windows looks it up: by name in any case (`Path`, `PATH`). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] ?? env[Object.keys(env).find((k) => k.toUpperCase() === name) ?? ''];
}

function comparable(p: string): string {
  return path
    .resolve(p)
    .replace(/[\\/]+$/, '')
    .toLowerCase();
}

/**
 * The target of one file cmd-shim wrote, read back from the file itself: the last quoted
 * `%dp0%\…` (.cmd) or `$basedir/…` (sh, .ps1) path, relative to the shim's folder. Anything that
 * does not start the way cmd-shim's files do, or is not a small regular file, is not a shim.
 */
export function shimTarget(file: string): string | null {
  const st = lstatOrNull(file);
  if (!st?.isFile() || st.size > 16_384) return null;
  const text = readTextOrNull(file) ?? '';
  const ext = path.extname(file).toLowerCase();
  const [head, quoted] =
    ext === '.cmd'
      ? ['@ECHO off\r\n', /"%dp0%\\([^"\r\n]+)"/g]
      : ext === '.ps1'
        ? ['#!/usr/bin/env pwsh\n', /"\$basedir\/([^"\n]+)"/g]
        : ext === ''
          ? ['#!/bin/sh\n', /"\$basedir\/([^"\n]+)"/g]
          : [null, null];
  if (head === null || !text.startsWith(head)) return null;
  const found = [...text.matchAll(quoted)].at(-1)?.[1];
  // Written with either separator; read back with this OS's.
  return found ? path.resolve(path.dirname(file), found.split(/[\\/]/).join(path.sep)) : null;
}

/** One Python the Windows py launcher lists. */
export interface LauncherPython {
  /** Its tag: `3.12`, `3.12-32`, `3.13t`, or `Company/Tag` for other distributions. */
  tag: string;
  /** `3.12` for python.org's (PythonCore) tags; null for others, whose version only the probe tells. */
  version: string | null;
  path: string;
  /** Marked `*`: what a bare `py` runs. */
  isDefault: boolean;
}

/**
 * `py -0p`'s answer, as the launcher of Python 3.11+ prints it (` -V:3.12 *   C:\…\python.exe`)
 * and as older ones did (` -3.9-64   C:\…\python.exe *`). Lines that are not an entry with an
 * absolute path (headers, "No installed Pythons found!") are skipped.
 */
export function parsePyLauncherList(text: string): LauncherPython[] {
  const out: LauncherPython[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*-(?:V:)?(\S+)\s+(\*\s+)?(.*?)(\s+\*)?\s*$/.exec(line);
    if (!m?.[1] || !m[3] || !path.win32.isAbsolute(m[3])) continue;
    const v = /^(\d+)\.(\d+)t?(?:-(?:32|64|arm64))?$/.exec(m[1]);
    out.push({ tag: m[1], version: v ? `${v[1]}.${v[2]}` : null, path: m[3], isDefault: Boolean(m[2] || m[4]) });
  }
  return out;
}

/**
 * The launcher's Pythons for `wanted`: a version's (`3.12`: its PythonCore entries, in the
 * launcher's order, which puts 64-bit before 32-bit), or with null its default (else its first).
 */
export function launcherChoices(list: LauncherPython[], wanted: string | null): string[] {
  // `3` takes any 3.x, `3.12.1` the 3.12 ones (the probe then checks the patch release).
  const fits = (v: string, w: string) => v === w || v.startsWith(`${w}.`) || w.startsWith(`${v}.`);
  if (wanted !== null) return list.filter((p) => p.version !== null && fits(p.version, wanted)).map((p) => p.path);
  const chosen = list.find((p) => p.isDefault) ?? list[0];
  return chosen ? [chosen.path] : [];
}

/** The name tools/<key> is moved to for the moment between the two renames of a Windows switch. */
export const ASIDE = '.tpx-aside';

export function asideOf(link: string): string {
  return link + ASIDE;
}

/** One step of a switch, and how to take it back if a later step fails. */
export interface Step {
  name: string;
  run(): void;
  undo?(): void;
}

/**
 * The Windows switch of tools/<key> (`link`), as steps: a junction cannot be renamed over another
 * (EPERM), so the old one is renamed aside first. Between the two renames there is no tools/<key>;
 * a crash there leaves the aside, which the next look at the tool renames back (store.readEntry):
 * every prefix of these steps leaves a state from which the tool is found at its old or its new
 * generation. Exported as steps so a test can stop after any of them.
 */
export function junctionSwitch(target: string, link: string): Step[] {
  const tmp = `${link}.tmp-${uniqueSuffix()}`;
  const aside = asideOf(link);
  const had = lstatOrNull(link) !== null;
  const steps: Step[] = [
    // Junctions hold an absolute target.
    {
      name: 'make the new junction',
      run: () => fs.symlinkSync(path.resolve(path.dirname(link), target), tmp, 'junction'),
      undo: () => fs.rmSync(tmp, { force: true }),
    },
    { name: 'move tools/<key> aside', run: () => fs.renameSync(link, aside), undo: () => fs.renameSync(aside, link) },
    { name: 'put the new junction in its place', run: () => fs.renameSync(tmp, link) },
    // Only the junction itself goes (unlink never follows it); a leftover is removed by the next look.
    { name: 'remove the old junction', run: () => removeQuietly(aside) },
  ];
  // A first install has nothing to move aside.
  return had ? steps : [steps[0] as Step, steps[2] as Step];
}

function removeQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // store.readEntry removes an aside left beside tools/<key>
  }
}

/** Runs steps in order; if one fails, the ones done are undone, newest first, and the error is thrown. */
export function runSteps(steps: Step[]): void {
  const done: Step[] = [];
  try {
    for (const s of steps) {
      s.run();
      done.push(s);
    }
  } catch (err) {
    for (const s of done.reverse()) s.undo?.();
    throw err;
  }
}

/**
 * What a bin entry points at: the one target all of its files name, when all of them are there
 * and each is a link or shim; null otherwise (missing, partly there, or anyone else's file).
 */
export function entryTarget(entries: BinEntries, entry: string): string | null {
  const present = entries.slot(entry).filter((f) => lstatOrNull(f) !== null);
  if (present.length !== entries.size) return null;
  const targets = new Set(present.map((f) => entries.fileTarget(f)));
  const [only] = targets;
  return targets.size === 1 && only ? only : null;
}

/** Writes a rendered entry. Never replaces anything: a file in the way fails it (EEXIST), and what it wrote goes. */
export function writeEntry(r: RenderedEntry): void {
  const written: string[] = [];
  try {
    for (const f of r.files) {
      if (f.symlink !== undefined) fs.symlinkSync(f.symlink, f.path);
      else fs.writeFileSync(f.path, f.text ?? '', { flag: 'wx', mode: 0o755 });
      written.push(f.path);
    }
  } catch (err) {
    for (const w of written) fs.rmSync(w, { force: true });
    throw err;
  }
}
