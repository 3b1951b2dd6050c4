import envPaths from 'env-paths';
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
  const userHome = env.HOME || env.USERPROFILE || os.homedir();
  const std = envPaths('tpx', { suffix: '' });
  const home = path.resolve(env.TPX_HOME || std.data);
  const cache = path.resolve(env.TPX_CACHE_DIR || std.cache);
  return {
    home,
    tools: path.join(home, 'tools'),
    envs: path.join(home, 'envs'),
    shared: path.join(home, 'shared'),
    locks: path.join(home, 'locks'),
    completions: path.join(home, 'completions'),
    bin: path.resolve(env.TPX_BIN_DIR || env.XDG_BIN_HOME || path.join(userHome, '.local', 'bin')),
    man: path.resolve(env.TPX_MAN_DIR || path.join(userHome, '.local', 'share', 'man')),
    cache,
    logs: path.join(cache, 'logs'),
  };
}
