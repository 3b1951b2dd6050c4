// One hermetic "world" per test: its own HOME, tpx dirs, pip cache and config, and its
// own package index on loopback. Child processes get an environment built from
// scratch, so nothing from the developer's machine (pip.conf in ~, PIP_FIND_LINKS,
// a pyenv shim, an installed tpx) can leak into a test.
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { startIndex, withCredentials, type Index, type IndexAuth } from './index-server.js';
import { defaultFixtureIds, fixture, realPython, tpxJs, wheelsDir } from './fixtures.js';
import { stopProcessesUnder } from './procs.js';

export { realPython, wheelsDir };

export interface RunOptions {
  /** Written to stdin, which is then closed. stdin is always closed so nothing waits on it. */
  input?: string;
  /** Merged over world.env; a value of undefined removes that variable. */
  env?: Record<string, string | undefined>;
  /** Default 60 s. On timeout the process is SIGKILLed and the promise rejects with its output so far. */
  timeoutMs?: number;
  /** Default: the world's home (never the repo, whose files could influence the child). */
  cwd?: string;
}

export interface RunResult {
  /** Exit status; for a child killed by a signal, 128 + signal number (as a shell reports it). */
  code: number;
  /** The signal that killed the child, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child (for signal tests): the ChildProcess plus its output, captured from the start. */
export type Spawned = ChildProcess & {
  /** Settles when the child exits; never rejects for a non-zero exit. */
  done: Promise<RunResult>;
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout+stderr so far match; rejects if the child exits first or on timeout (default 30 s). */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
};

export interface WorldOptions {
  /** Fixture ids the index serves at first; default: lowest version of every distribution. */
  packages?: string[];
  /** Put the world's bin dir first on PATH (default: absent, to test "not on PATH" hints). */
  withBinOnPath?: boolean;
  /** Make the index demand basic auth; PIP_INDEX_URL then carries these credentials. */
  indexAuth?: IndexAuth;
  /**
   * A data home tpx has never touched: no TPX_HOME at all. By default it holds the shared pip
   * (`shared/`) tpx made once for the run (global-setup.ts), as after any first install: unpacking
   * pip and compiling its bytecode costs every world ~1.7 s otherwise. Tests of that bootstrap, and
   * of what a first command creates, ask for a fresh one.
   */
  fresh?: boolean;
}

/** The env var global-setup.ts names the run's shared pip in. */
export const SHARED_PIP_SEED = 'TPX_TEST_SHARED_PIP';

/**
 * Hard-links the tree `from` into `to` (directories are made, files linked: pip's bytecode stays
 * valid, as it is checked against its source's mtime). Nothing in a world changes a file of it in
 * place: Python and tpx replace files by rename.
 */
export function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const [src, dest] = [join(from, e.name), join(to, e.name)];
    if (e.isDirectory()) linkTree(src, dest);
    else linkSync(src, dest);
  }
}

export interface World {
  root: string;
  home: string;
  /** TPX_HOME: holds only the run's shared pip (`shared/`), or nothing at all (`fresh`). */
  tpxHome: string;
  /** TPX_BIN_DIR. Not created: tpx must create it. */
  binDir: string;
  /** XDG_CACHE_HOME. */
  cacheDir: string;
  /** TPX_MAN_DIR. Not created: tpx must create it. */
  manDir: string;
  /** What the index serves; publish() adds to it. */
  indexDir: string;
  /** PIP_CONFIG_FILE: empty; a test may write options into it. */
  pipConf: string;
  index: Index;
  env: Record<string, string>;
  publish(fixtureId: string): void;
  unpublish(fixtureId: string): void;
  /** Runs `node dist/tpx.js ...args`. */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  spawn(args: string[], opts?: RunOptions): Spawned;
  /** Runs any executable (e.g. an installed app: join(world.binDir, 'tpxdemo')) in the world env. */
  exec(file: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  spawnExec(file: string, args: string[], opts?: RunOptions): Spawned;
  /** Sorted entry names, or [] if dir does not exist. */
  ls(dir: string): string[];
  /** Symlink target, or null if path is missing or not a symlink. */
  readlink(path: string): string | null;
  /** Stops every process the world started (tpx, and pip in its own process group), then deletes the world. */
  dispose(): Promise<void>;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

function startChild(file: string, args: string[], baseEnv: Record<string, string>, defaultCwd: string, opts: RunOptions = {}): Spawned {
  const env: Record<string, string> = { ...baseEnv };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawnChild(file, args, { env, cwd: opts.cwd ?? defaultCwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    listeners.forEach((l) => l());
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    listeners.forEach((l) => l());
  });
  // The child may exit before reading stdin; EPIPE here is not the test's business.
  child.stdin.on('error', () => {});
  child.stdin.end(opts.input ?? '');

  const timeoutMs = opts.timeoutMs ?? 60_000;
  const done = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms: ${file} ${args.join(' ')}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      listeners.forEach((l) => l());
      resolve({ code: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0), signal, stdout, stderr });
    });
  });
  // A test that only uses waitForOutput must not trigger an unhandled rejection.
  done.catch(() => {});

  const waitForOutput = (pattern: RegExp | string, waitMs = 30_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const text = () => stdout + stderr;
      const fail = (why: string) => {
        stop();
        reject(new Error(`${why}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`));
      };
      const check = () => {
        if (typeof pattern === 'string' ? text().includes(pattern) : pattern.test(text())) {
          stop();
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          fail(`exited before printing ${String(pattern)}`);
        }
      };
      const timer = setTimeout(() => fail(`no ${String(pattern)} within ${waitMs} ms`), waitMs);
      const stop = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return Object.assign(child, { done, output: () => ({ stdout, stderr }), waitForOutput });
}

export async function makeWorld(opts: WorldOptions = {}): Promise<World> {
  const python = realPython();
  const packages = opts.packages ?? defaultFixtureIds();
  // realpath: on macOS tmpdir() is behind a symlink, and tpx will report real paths.
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'tpx-test-')));
  const home = join(root, 'home');
  const indexDir = join(root, 'index');
  const pipConf = join(root, 'pip.conf');
  for (const d of [home, indexDir, join(root, 'cache'), join(root, 'pip-cache'), join(root, 'tmp')]) mkdirSync(d);
  writeFileSync(pipConf, '');

  const copyWheel = (id: string) => {
    const src = join(wheelsDir, fixture(id).wheel);
    if (!existsSync(src))
      throw new Error(`${src} is missing: wheels are built by test/helpers/global-setup.ts (run the tests through vitest)`);
    copyFileSync(src, join(indexDir, fixture(id).wheel));
  };

  let index: Index | undefined;
  try {
    packages.forEach(copyWheel);
    index = await startIndex({ dir: indexDir, ...(opts.indexAuth ? { auth: opts.indexAuth } : {}) });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  const world: World = {
    root,
    home,
    tpxHome: join(root, 'data'),
    binDir: join(root, 'bin'),
    cacheDir: join(root, 'cache'),
    manDir: join(root, 'man'),
    indexDir,
    pipConf,
    index,
    env: {},
    publish: copyWheel,
    unpublish(id) {
      rmSync(join(indexDir, fixture(id).wheel), { force: true });
    },
    // async so a missing dist/tpx.js becomes a rejection, like any other failure.
    run: async (args, runOpts) => world.spawn(args, runOpts).done,
    spawn(args, runOpts) {
      if (!existsSync(tpxJs)) throw new Error(`${tpxJs} does not exist: run \`npm run build\` first`);
      return track(startChild(process.execPath, [tpxJs, ...args], world.env, home, runOpts));
    },
    exec: async (file, args, runOpts) => world.spawnExec(file, args, runOpts).done,
    spawnExec: (file, args, runOpts) => track(startChild(file, args, world.env, home, runOpts)),
    ls(dir) {
      return existsSync(dir) ? readdirSync(dir).sort() : [];
    },
    readlink(path) {
      try {
        return readlinkSync(path);
      } catch {
        return null;
      }
    },
    async dispose() {
      // Everything the world started is stopped, and gone, before its tree is deleted: a test that
      // timed out would otherwise leave pip (in a process group of its own) writing into a deleted
      // tree. The children's own kill is for where processesUnder cannot look (no /proc).
      for (const child of live) child.kill('SIGKILL');
      await stopProcessesUnder(root);
      await Promise.allSettled([...live].map((child) => child.done));
      await index?.close();
      rmSync(root, { recursive: true, force: true });
    },
  };

  const seed = process.env[SHARED_PIP_SEED];
  if (!opts.fresh && seed) linkTree(seed, join(world.tpxHome, 'shared'));

  // Children still running when the test ends are killed by dispose().
  const live = new Set<Spawned>();
  function track(child: Spawned): Spawned {
    live.add(child);
    child.once('close', () => live.delete(child));
    return child;
  }

  const path = [...(opts.withBinOnPath ? [world.binDir] : []), dirname(process.execPath), dirname(python), '/usr/bin', '/bin'];
  world.env = {
    PATH: [...new Set(path)].join(delimiter),
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: world.cacheDir,
    TMPDIR: join(root, 'tmp'), // pip's scratch space goes away with the world
    TPX_HOME: world.tpxHome,
    TPX_BIN_DIR: world.binDir,
    TPX_MAN_DIR: world.manDir,
    TPX_DEFAULT_PYTHON: python,
    // No network but loopback: a Python that is not found is not downloaded (python-download.test.ts turns it on).
    TPX_PYTHON_DOWNLOADS: 'never',
    PIP_CONFIG_FILE: pipConf,
    PIP_INDEX_URL: opts.indexAuth ? withCredentials(index.url, opts.indexAuth) : index.url,
    PIP_CACHE_DIR: join(root, 'pip-cache'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_RETRIES: '0',
    PIP_TIMEOUT: '5',
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
  };
  return world;
}
