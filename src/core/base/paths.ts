import envPaths from 'env-paths';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TpxError } from './errors.js';

/**
 * Every directory tpx uses, resolved once from the environment (docs/architecture.md, "Where things live").
 *
 * Layout under `home` (TPX_HOME):
 *   tools/<key>      the tool's stable path: a symlink (Windows: junction) to its current generation.
 *                    Bin links point through it, so switching generations never touches the bin dir.
 *   envs/<gen>/      generations: each a venv plus its receipt `tpx.json`. A venv is built at its final
 *                    path (venvs are not relocatable) before the tool's name is known — pip reports it.
 *   shared/pip-<v>/  the one pip every venv is served by, unpacked from the interpreter's bundled wheel.
 *   locks/<key>      per-tool locks.
 *   completions/     shell completion files: completions/<shell>/ (bash, zsh, fish).
 *   pythons/         standalone CPython builds tpx downloaded (python/managed.ts), one folder each.
 *   store/           the wheel store: wheels unpacked once, their files linked into generations.
 */
export interface Paths {
  home: string;
  tools: string;
  envs: string;
  shared: string;
  locks: string;
  completions: string;
  /** Pythons tpx downloaded and manages (`tpx python`). */
  pythons: string;
  /** The wheel store: wheels unpacked once, linked into every venv (installer/store/). */
  store: string;
  bin: string;
  man: string;
  cache: string;
  logs: string;
  /** `--global`: the system-wide toolbox every user shares (receipts readable by all). */
  global: boolean;
}

/** Where `--global` puts things, and the variables that move them (docs/architecture.md, "System-wide installs"). */
export const GLOBAL_DEFAULTS = { home: '/opt/tpx', bin: '/usr/local/bin', man: '/usr/local/share/man' } as const;

export function resolvePaths(env: NodeJS.ProcessEnv, opts: { global?: boolean } = {}): Paths {
  if (opts.global) return globalPaths(env);
  const userHome = homeDir(env);
  const std = envPaths('tpx', { suffix: '' });
  // A `~` in a variable is not expanded by a shell when it is quoted or set in a config file.
  const dir = (value: string | undefined, fallback: string) => path.resolve(value ? expandHome(value, env) : fallback);
  const home = dir(env.TPX_HOME, std.data);
  const cache = dir(env.TPX_CACHE_DIR, std.cache);
  return {
    ...inHome(home),
    bin: dir(env.TPX_BIN_DIR || env.XDG_BIN_HOME, path.join(userHome, '.local', 'bin')),
    man: dir(env.TPX_MAN_DIR, path.join(userHome, '.local', 'share', 'man')),
    cache,
    logs: path.join(cache, 'logs'),
    global: false,
  };
}

/**
 * `--global`: one toolbox for the whole machine, in the places a system-wide install goes. Only the
 * TPX_GLOBAL_* variables move it (a user's TPX_HOME never redirects a system install); its cache
 * lives inside its home, so the whole of it is one directory.
 */
function globalPaths(env: NodeJS.ProcessEnv): Paths {
  const dir = (value: string | undefined, fallback: string) => path.resolve(value ? expandHome(value, env) : fallback);
  const home = dir(env.TPX_GLOBAL_HOME, GLOBAL_DEFAULTS.home);
  const cache = path.join(home, 'cache');
  return {
    ...inHome(home),
    bin: dir(env.TPX_GLOBAL_BIN_DIR, GLOBAL_DEFAULTS.bin),
    man: dir(env.TPX_GLOBAL_MAN_DIR, GLOBAL_DEFAULTS.man),
    cache,
    logs: path.join(cache, 'logs'),
    global: true,
  };
}

/**
 * Refuses up front, with one clear error, a command that would write where this user cannot: the
 * usual case is `--global` without root. Each directory is judged by its nearest existing ancestor
 * (what mkdir would need to write in).
 */
export function checkWritable(paths: Paths, dirs: string[] = [paths.home, paths.bin, paths.man]): void {
  for (const dir of dirs) {
    let at = dir;
    while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
    try {
      fs.accessSync(at, fs.constants.W_OK);
    } catch {
      const how = paths.global
        ? 'system-wide installs need root: run it with sudo (in a Dockerfile, RUN runs as root); TPX_GLOBAL_HOME, TPX_GLOBAL_BIN_DIR and TPX_GLOBAL_MAN_DIR choose other directories'
        : 'make it writable, or point tpx elsewhere (TPX_HOME, TPX_BIN_DIR, TPX_MAN_DIR)';
      throw new TpxError(
        'unwritable',
        `${paths.global ? '--global: ' : ''}${at} is not writable${at === dir ? '' : ` (needed to make ${dir})`}`,
        { hint: `nothing was changed; ${how}` },
      );
    }
  }
}

/** The layout of a data home (see Paths). */
function inHome(home: string): Pick<Paths, 'home' | 'tools' | 'envs' | 'shared' | 'locks' | 'completions' | 'pythons' | 'store'> {
  return {
    home,
    tools: path.join(home, 'tools'),
    envs: path.join(home, 'envs'),
    shared: path.join(home, 'shared'),
    locks: path.join(home, 'locks'),
    completions: path.join(home, 'completions'),
    pythons: path.join(home, 'pythons'),
    store: path.join(home, 'store'),
  };
}

/** The shells whose completion files of tools tpx links, one dir each under `completions/`. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * Every directory tpx puts links to tools in: the bin dir (apps), the man dir's sections
 * (`man1`…`man9`) and the completions dir's shells. A link is tpx's only directly in one of these
 * (gate.ts), and uninstall looks in all of them.
 */
export function linkDirs(paths: Paths): string[] {
  return [
    paths.bin,
    ...Array.from({ length: 9 }, (_, i) => path.join(paths.man, `man${i + 1}`)),
    ...COMPLETION_SHELLS.map((s) => path.join(paths.completions, s)),
  ];
}

export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** `~` or `~/x` → the user's home directory (`~user` forms are left alone). */
export function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return /^~(?=$|[/\\])/.test(p) ? homeDir(env) + p.slice(1) : p;
}

/** https://bford.info/cachedir/ — backup tools skip a directory holding this file. */
const CACHEDIR_TAG =
  'Signature: 8a477f597d28d172789f06886806bc55\n# This file marks a cache directory created by tpx (https://bford.info/cachedir/).\n';

/**
 * Creates `dir` — tpx's cache dir `root`, or a directory in it — if needed, and returns it; `root`
 * and `dir` each carry a CACHEDIR.TAG, so backup tools skip them. Every directory tpx makes in its
 * cache goes through here.
 */
export function cacheDir(root: string, dir = root): string {
  for (const d of new Set([root, dir])) {
    const tag = path.join(d, 'CACHEDIR.TAG');
    if (fs.existsSync(tag)) continue;
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(tag, CACHEDIR_TAG);
  }
  return dir;
}
