import envPaths from 'env-paths';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
 */
export interface Paths {
  home: string;
  tools: string;
  envs: string;
  shared: string;
  locks: string;
  completions: string;
  bin: string;
  man: string;
  cache: string;
  logs: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv): Paths {
  const userHome = homeDir(env);
  const std = envPaths('tpx', { suffix: '' });
  // A `~` in a variable is not expanded by a shell when it is quoted or set in a config file.
  const dir = (value: string | undefined, fallback: string) => path.resolve(value ? expandHome(value, env) : fallback);
  const home = dir(env.TPX_HOME, std.data);
  const cache = dir(env.TPX_CACHE_DIR, std.cache);
  return {
    home,
    tools: path.join(home, 'tools'),
    envs: path.join(home, 'envs'),
    shared: path.join(home, 'shared'),
    locks: path.join(home, 'locks'),
    completions: path.join(home, 'completions'),
    bin: dir(env.TPX_BIN_DIR || env.XDG_BIN_HOME, path.join(userHome, '.local', 'bin')),
    man: dir(env.TPX_MAN_DIR, path.join(userHome, '.local', 'share', 'man')),
    cache,
    logs: path.join(cache, 'logs'),
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
  return [paths.bin, ...Array.from({ length: 9 }, (_, i) => path.join(paths.man, `man${i + 1}`)), ...COMPLETION_SHELLS.map((s) => path.join(paths.completions, s))];
}

export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** `~` or `~/x` → the user's home directory (`~user` forms are left alone). */
export function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return /^~(?=$|[/\\])/.test(p) ? homeDir(env) + p.slice(1) : p;
}

/** https://bford.info/cachedir/ — backup tools skip a directory holding this file. */
const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file marks a cache directory created by tpx (https://bford.info/cachedir/).\n';

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
