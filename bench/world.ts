// The benchmark's hermetic world: one loopback index (test/helpers/index-server.ts) serving the
// fixture wheels, generated ones and pip/setuptools/wheel, and one "side" per contender, each with
// its own HOME, tool home, bin dir and pip cache, and an environment built from scratch.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { buildWheels, tpxJs } from '../test/helpers/fixtures.js';
import { startIndex } from '../test/helpers/index-server.js';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export type SideName = 'tpx' | 'pipx' | 'floor';

/** One contender: how to run it and where its state lives. */
export interface Side {
  name: SideName;
  root: string;
  /** Everything the tool writes (HOME, TPX_HOME/PIPX_HOME, bin, caches): what snapshots copy. */
  state: string;
  /** pip's cache, outside `state` so "warm" scenarios keep it across restores. */
  pipCache: string;
  env: Record<string, string>;
  /** [file, args] that run the tool with `args`. */
  command(args: string[]): [string, string[]];
  bin: string;
}

export interface Machine {
  python: string;
  pipx: string;
  /** Wheels of pip, setuptools and wheel: pipx's shared libraries are (re)installed from the index. */
  bootstrapWheels: string[];
  notes: string[];
}

function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function aptInstall(packages: string[]): boolean {
  if (process.getuid?.() !== 0) return false;
  console.error(`bench: apt-get install -y ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  return spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env }).status === 0;
}

const BOOTSTRAP = ['pip', 'setuptools', 'wheel'];

/** Newest wheel of each of pip/setuptools/wheel found in `dirs`. */
function findBootstrapWheels(dirs: string[]): string[] {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.whl')).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const name = f.split('-')[0] ?? '';
      if (BOOTSTRAP.includes(name) && !found.has(name)) found.set(name, join(dir, f));
    }
  }
  return [...found.values()];
}

/** pipx (Debian's package, never PyPI) and the wheels that let it work offline; installs them as root. */
export function prepareMachine(): Machine {
  const notes: string[] = [];
  let pipx = which('pipx');
  if (!pipx) {
    if (!aptInstall(['pipx'])) {
      throw new Error('pipx is not installed. Install it with `sudo apt-get install -y pipx` (Debian/Ubuntu) and re-run `npm run bench`.');
    }
    pipx = which('pipx');
    if (!pipx) throw new Error('apt-get installed pipx, but it is not on PATH');
  }
  // Both contenders use the interpreter pipx itself runs on, so neither gets a faster Python.
  const shebang = readFileSync(pipx, 'utf8').split('\n')[0] ?? '';
  const python = /^#!\s*(\S+)/.exec(shebang)?.[1] ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-I', '-c', 'import ensurepip, os, sysconfig; print(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")); print(sysconfig.get_config_var("WHEEL_PKG_DIR") or "")'], { encoding: 'utf8' });
  const dirs = ['/usr/share/python-wheels', ...probe.stdout.split('\n').filter(Boolean)];
  let wheels = findBootstrapWheels(dirs);
  if (wheels.length < 3 && aptInstall(['python3-pip-whl', 'python3-setuptools-whl', 'python3-wheel-whl'])) wheels = findBootstrapWheels(dirs);
  if (wheels.length < 3) {
    notes.push(
      `only ${wheels.map((w) => w.split('/').pop()).join(', ') || 'no bootstrap wheels'} found: pipx's shared-library upgrade fails offline and pipx skips it, ` +
        'so its cold install is measured shorter than it is (install python3-wheel-whl to fix)',
    );
  }
  return { python, pipx, bootstrapWheels: wheels, notes };
}

export interface IndexWorld {
  url: string;
  dir: string;
  /** Moves wheels out of the index (still on disk) until show(). */
  hide(files: string[]): void;
  show(files: string[]): void;
  close(): Promise<void>;
}

/**
 * Serves every wheel in `sources` from one loopback index. The server runs in a worker thread: the
 * benchmark times children with spawnSync, which blocks the main thread's event loop.
 */
export async function serveWheels(root: string, sources: string[]): Promise<IndexWorld> {
  const dir = join(root, 'index');
  const held = join(root, 'held');
  mkdirSync(dir, { recursive: true });
  mkdirSync(held, { recursive: true });
  for (const src of sources) copyFileSync(src, join(dir, src.split('/').pop() ?? src));
  const worker = new Worker(new URL(import.meta.url), { workerData: { dir } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const move = (from: string, to: string, files: string[]) => {
    for (const f of files) if (existsSync(join(from, f))) renameSync(join(from, f), join(to, f));
  };
  return { url, dir, hide: (files) => move(dir, held, files), show: (files) => move(held, dir, files), close: async () => void (await worker.terminate()) };
}

/** The worker side of serveWheels (this module is the worker's entry too, via the bundle). */
export async function runIndexWorker(): Promise<boolean> {
  if (isMainThread || !parentPort) return false;
  const index = await startIndex({ dir: (workerData as { dir: string }).dir });
  parentPort.postMessage(index.url);
  return true;
}

/** A tiny distribution with one app `name` that prints "name version"; built by the test wheel builder. */
export interface Synthetic {
  name: string;
  version: string;
}

export function wheelName(d: Synthetic): string {
  return `${d.name.replace(/[-_.]+/g, '_').toLowerCase()}-${d.version}-py3-none-any.whl`;
}

/** Writes fixture folders for `dists` into a temp dir (never into fixtures/) and builds their wheels. */
export function buildSynthetic(root: string, dists: Synthetic[], outDir: string): string[] {
  const src = join(root, 'synthetic-src');
  for (const d of dists) {
    const module = d.name.replace(/-/g, '_');
    const dir = join(src, `${d.name}-${d.version}`);
    mkdirSync(join(dir, 'src'), { recursive: true });
    const spec = { name: d.name, version: d.version, summary: 'benchmark filler', requires_python: '>=3.8', console_scripts: { [d.name]: `${module}:main` } };
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(spec, null, 2));
    writeFileSync(join(dir, 'src', `${module}.py`), `def main():\n    print(${JSON.stringify(`${d.name} ${d.version}`)})\n    return 0\n`);
  }
  buildWheels(outDir, src);
  return dists.map((d) => join(outDir, wheelName(d)));
}

export function makeSide(name: SideName, root: string, machine: Machine, indexUrl: string): Side {
  const sideRoot = join(root, name);
  const state = join(sideRoot, 'state');
  const pipCache = join(sideRoot, 'pip-cache');
  const pipConf = join(sideRoot, 'pip.conf');
  mkdirSync(join(sideRoot, 'tmp'), { recursive: true });
  writeFileSync(pipConf, '');
  const home = join(state, 'home');
  const bin = join(state, 'bin');
  const env: Record<string, string> = {
    PATH: [...new Set([dirname(process.execPath), dirname(machine.python), '/usr/bin', '/bin'])].join(delimiter),
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(state, 'cache'),
    TMPDIR: join(sideRoot, 'tmp'),
    PIP_CONFIG_FILE: pipConf,
    PIP_INDEX_URL: indexUrl,
    PIP_CACHE_DIR: pipCache,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_RETRIES: '0', // an index problem fails the run at once instead of after minutes of retries
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
  };
  if (name === 'tpx') {
    Object.assign(env, { TPX_HOME: join(state, 'tpx'), TPX_BIN_DIR: bin, TPX_MAN_DIR: join(state, 'man'), TPX_CACHE_DIR: join(state, 'cache', 'tpx'), TPX_DEFAULT_PYTHON: machine.python });
  } else if (name === 'pipx') {
    Object.assign(env, { PIPX_HOME: join(state, 'pipx'), PIPX_BIN_DIR: bin, PIPX_DEFAULT_PYTHON: machine.python });
  }
  const command = (args: string[]): [string, string[]] =>
    name === 'tpx' ? [process.execPath, [tpxJs, ...args]] : name === 'pipx' ? [machine.pipx, args] : [args[0] ?? '', args.slice(1)];
  const side: Side = { name, root: sideRoot, state, pipCache, env, command, bin };
  resetState(side, { pipCache: true });
  return side;
}

/** An empty home (and, with pipCache, an empty pip cache): the "fresh machine" state. */
export function resetState(side: Side, opts: { pipCache?: boolean } = {}): void {
  rmSync(side.state, { recursive: true, force: true });
  mkdirSync(side.env.HOME ?? join(side.state, 'home'), { recursive: true });
  if (opts.pipCache) {
    rmSync(side.pipCache, { recursive: true, force: true });
    mkdirSync(side.pipCache, { recursive: true });
  }
}

// Venvs hold absolute paths (shebangs, pyvenv.cfg), so a snapshot is restored to the very same place.
export function snapshot(side: Side, name: string): void {
  const dest = join(side.root, `snap-${name}`);
  rmSync(dest, { recursive: true, force: true });
  mustRun('cp', ['-a', side.state, dest]);
}

export function restore(side: Side, name: string): void {
  rmSync(side.state, { recursive: true, force: true });
  mustRun('cp', ['-a', join(side.root, `snap-${name}`), side.state]);
}

export function mustRun(file: string, args: string[], env?: Record<string, string>): string {
  const r = spawnSync(file, args, { encoding: 'utf8', env: env ?? process.env, cwd: env?.HOME });
  if (r.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}${r.error?.message ?? ''}`);
  }
  return r.stdout;
}

/** Runs the side's tool with args, untimed; throws on failure. */
export function runSide(side: Side, args: string[]): string {
  const [file, argv] = side.command(args);
  return mustRun(file, argv, side.env);
}
