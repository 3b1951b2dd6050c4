/**
 * pyenv shims without bash: a shim (`~/.pyenv/shims/python3`) is a bash script that runs a chain of
 * ~20 more (pyenv → pyenv-exec → pyenv-version-name → pyenv-which …), 0.1–0.3 s on every call, and
 * being a script it defeats the probe cache (python.ts). tpx decides what the shim would run the way
 * pyenv does (docs/architecture.md, "Interpreters"): the version from PYENV_VERSION, else the first
 * `.python-version` from PYENV_DIR (default: the working directory) up, else `$PYENV_ROOT/version`;
 * then the first of those versions whose `bin/` has the command. When that cannot be decided without
 * pyenv — `system`, no version set, a name that is not installed, a conda env (its plugin hooks
 * decide), a shim of another kind — the answer is null and the caller runs the shim as before.
 *
 * asdf and mise are left to that fallback: asdf's shims read `.tool-versions` plus per-plugin legacy
 * files and plugin scripts, mise's shims are its own binary with a config hierarchy (mise.toml,
 * env-specific files, aliases) — neither is a short, fixed rule like pyenv's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The files a version is looked up in, in pyenv's order: PYENV_DIR up, then the working directory up. */
function localVersionFile(env: NodeJS.ProcessEnv, cwd: string): string | null {
  const starts = [env.PYENV_DIR || cwd, cwd];
  for (const start of new Set(starts)) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const file = path.join(dir, '.python-version');
      if (isFile(file)) return file;
      if (path.dirname(dir) === dir) break;
    }
  }
  return null;
}

/**
 * A version file's names, as pyenv-version-file-read takes them: the first word of each line,
 * skipping blank lines, `#` comments and names that are `..` or hold a `/`.
 */
export function readVersionFile(text: string): string[] {
  const names: string[] = [];
  for (const line of text.slice(0, 64 * 1024).split(/\r?\n|\r/)) {
    const word = line.trim().split(/\s+/)[0] ?? '';
    if (!word || word.startsWith('#') || word === '..' || word.includes('/')) continue;
    names.push(word);
  }
  return names;
}

/** The version names pyenv would use, in order, or null when none is set (pyenv then uses `system`). */
export function pyenvVersionNames(root: string, env: NodeJS.ProcessEnv, cwd: string): string[] | null {
  if (env.PYENV_VERSION) return env.PYENV_VERSION.split(':').filter(Boolean);
  const file = localVersionFile(env, cwd) ?? path.join(root, 'version');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const names = readVersionFile(text);
  return names.length > 0 ? names : null;
}

/** `$PYENV_ROOT/versions/<name>`, or for a prefix such as `3.12` the newest installed 3.12.x (pyenv-latest). */
function versionDir(root: string, name: string): string | null {
  const versions = path.join(root, 'versions');
  if (isDir(path.join(versions, name))) return path.join(versions, name);
  if (!/^\d+(\.\d+)*$/.test(name)) return null;
  let entries: string[];
  try {
    entries = fs.readdirSync(versions);
  } catch {
    return null;
  }
  const newest = entries.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.startsWith(`${name}.`)).sort((a, b) => compareDotted(b, a))[0];
  return newest ? path.join(versions, newest) : null;
}

function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The PYENV_ROOT a pyenv shim hard-codes (`export PYENV_ROOT="…"`, followed by an exec of
 * `…/libexec/pyenv exec`), or null when `file` is not a pyenv shim.
 */
export function pyenvShimRoot(file: string): string | null {
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(2048);
      head = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  if (!head.startsWith('#!')) return null;
  const root = /^export PYENV_ROOT="([^"$`\\]+)"$/m.exec(head)?.[1];
  if (!root || !path.isAbsolute(root)) return null;
  return head.includes(`exec "${root}/libexec/pyenv" exec "$program"`) ? root : null;
}

/**
 * The interpreter a pyenv shim at `exe` would run, found without running it; null when `exe` is not
 * a pyenv shim or pyenv's answer cannot be decided here (the caller then runs the shim).
 */
export function resolvePyenvShim(exe: string, env: NodeJS.ProcessEnv, cwd: string): string | null {
  const root = pyenvShimRoot(exe);
  if (!root) return null;
  const names = pyenvVersionNames(root, env, cwd);
  if (!names) return null;
  const command = path.basename(exe);
  for (const name of names) {
    if (name === 'system') return null;
    const dir = versionDir(root, name);
    if (!dir) return null;
    // conda envs (and what else pyenv-virtualenv's hooks look at) are decided by plugin hooks.
    if (isDir(path.join(dir, 'conda-meta'))) return null;
    const found = path.join(dir, 'bin', command);
    if (isExecutableFile(found)) return found;
  }
  return null;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
