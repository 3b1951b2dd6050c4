// The benchmark's hermetic world: one loopback index (test/helpers/index-server.ts) serving the
// fixture wheels, generated ones and pip/setuptools/wheel, and one "side" per contender, each with
// its own HOME, tool home, bin dir and pip cache, and an environment built from scratch.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { buildWheels, tpxJs } from '../test/helpers/fixtures.js';
import { startIndex } from '../test/helpers/index-server.js';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  /** The interpreter this side's tool uses by default (PythonSetup.python). */
  python: string;
}

export interface Machine {
  /** The interpreter pipx itself runs on: the fixture set's Python for both tools. */
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

/** The first wheel of each of pip/setuptools/wheel found in `dirs` (`all`: every version found). */
function findBootstrapWheels(dirs: string[], all = false): string[] {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.whl'))
        .sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const name = f.split('-')[0] ?? '';
      const key = all ? f : name;
      if (BOOTSTRAP.includes(name) && !found.has(key)) found.set(key, join(dir, f));
    }
  }
  return [...found.values()];
}

/** Where an interpreter keeps the wheels ensurepip installs (CPython's _bundled, Debian's WHEEL_PKG_DIR). */
function bundledWheelDirs(python: string): string[] {
  const probe = spawnSync(
    python,
    [
      '-I',
      '-c',
      'import ensurepip, os, sysconfig; print(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")); print(sysconfig.get_config_var("WHEEL_PKG_DIR") or "")',
    ],
    { encoding: 'utf8' },
  );
  return probe.stdout.split('\n').filter(Boolean);
}

/**
 * pip/setuptools/wheel for every interpreter in `pythons`, every version: pipx upgrades its shared
 * libraries to the newest pip on the index, so the index must hold the pip tpx bootstraps from
 * (the interpreter's own bundled wheel) for both to run the same pip.
 */
export function bootstrapWheelsFor(pythons: string[]): string[] {
  return findBootstrapWheels(['/usr/share/python-wheels', ...pythons.flatMap(bundledWheelDirs)], true);
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
  const dirs = ['/usr/share/python-wheels', ...bundledWheelDirs(python)];
  let wheels = findBootstrapWheels(dirs);
  if (wheels.length < 3 && aptInstall(['python3-pip-whl', 'python3-setuptools-whl', 'python3-wheel-whl']))
    wheels = findBootstrapWheels(dirs);
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
  /** What the sides' environment adds for this index (PIP_TRUSTED_HOST when files are cacheable). */
  clientEnv: Record<string, string>;
  dir: string;
  /** Moves wheels out of the index (still on disk) until show(). */
  hide(files: string[]): void;
  show(files: string[]): void;
  close(): Promise<void>;
}

/**
 * Serves every wheel in `sources` from one loopback index. The server runs in a worker thread: the
 * benchmark times children with spawnSync, which blocks the main thread's event loop.
 * `cacheableFiles`: wheel downloads carry PyPI's `Cache-Control` (the test index says `no-store` to
 * everything), so pip's HTTP cache keeps them and a warm pip cache means what it means with PyPI:
 * no download. Project pages stay `no-store`; pip revalidates those on every run anyway. pip caches
 * only HTTPS and trusted hosts, so clients get PIP_TRUSTED_HOST for the loopback address.
 */
export async function serveWheels(root: string, sources: string[], opts: { cacheableFiles?: boolean } = {}): Promise<IndexWorld> {
  const dir = join(root, 'index');
  const held = join(root, 'held');
  mkdirSync(dir, { recursive: true });
  mkdirSync(held, { recursive: true });
  for (const src of sources) copyFileSync(src, join(dir, src.split('/').pop() ?? src));
  const worker = new Worker(new URL(import.meta.url), { workerData: { dir, cacheableFiles: opts.cacheableFiles ?? false } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const move = (from: string, to: string, files: string[]) => {
    for (const f of files) if (existsSync(join(from, f))) renameSync(join(from, f), join(to, f));
  };
  const clientEnv: Record<string, string> = opts.cacheableFiles ? { PIP_TRUSTED_HOST: new URL(url).hostname } : {};
  return {
    url,
    clientEnv,
    dir,
    hide: (files) => move(dir, held, files),
    show: (files) => move(held, dir, files),
    close: async () => void (await worker.terminate()),
  };
}

/** The worker side of serveWheels (this module is the worker's entry too, via the bundle). */
export async function runIndexWorker(): Promise<boolean> {
  if (isMainThread || !parentPort) return false;
  const data = workerData as { dir: string; cacheableFiles: boolean };
  const index = await startIndex({ dir: data.dir });
  parentPort.postMessage(data.cacheableFiles ? await cachingProxy(index.url) : index.url);
  return true;
}

/** PyPI's header on files (immutable URLs): a year, public. */
const FILE_CACHE_CONTROL = 'max-age=365000000, immutable, public';

/** A loopback proxy in front of the index at `url` that makes its /files/ responses cacheable; its URL. */
async function cachingProxy(url: string): Promise<string> {
  const upstream = new URL(url);
  const server = createServer((req, res) => {
    const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      const headers = { ...r.headers };
      if (req.url?.startsWith('/files/') && r.statusCode === 200) headers['cache-control'] = FILE_CACHE_CONTROL;
      res.writeHead(r.statusCode ?? 502, headers);
      r.pipe(res);
    });
    up.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}\n`);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`;
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
    const spec = {
      name: d.name,
      version: d.version,
      summary: 'benchmark filler',
      requires_python: '>=3.8',
      console_scripts: { [d.name]: `${module}:main` },
    };
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(spec, null, 2));
    writeFileSync(join(dir, 'src', `${module}.py`), `def main():\n    print(${JSON.stringify(`${d.name} ${d.version}`)})\n    return 0\n`);
  }
  buildWheels(outDir, src);
  return dists.map((d) => join(outDir, wheelName(d)));
}

/**
 * The interpreter both tools of a side pair use by default, and how they find it. The fixture set uses
 * pipx's own interpreter; the real set (bench/real.ts) a pyenv shim and the executable behind it.
 */
export interface PythonSetup {
  /** 'default' (fixture set), 'shim' or 'plain'; names the sides' directories. */
  key: string;
  /** A path, possibly a shim. pipx gets it as PIPX_DEFAULT_PYTHON. */
  python: string;
  /** tpx finds it as `python3` on PATH, as a user's tpx would, rather than through TPX_DEFAULT_PYTHON. */
  viaPath: boolean;
  /** Put first on PATH. */
  pathDirs: string[];
  /** Extra environment, e.g. PYENV_ROOT for a pyenv shim. */
  env: Record<string, string>;
}

export function defaultPython(machine: Machine): PythonSetup {
  return { key: 'default', python: machine.python, viaPath: false, pathDirs: [dirname(machine.python)], env: {} };
}

export function makeSide(name: SideName, root: string, machine: Machine, py: PythonSetup, index: IndexWorld): Side {
  const sideRoot = join(root, py.key === 'default' ? name : `${name}-${py.key}`);
  const state = join(sideRoot, 'state');
  const pipCache = join(sideRoot, 'pip-cache');
  const pipConf = join(sideRoot, 'pip.conf');
  mkdirSync(join(sideRoot, 'tmp'), { recursive: true });
  writeFileSync(pipConf, '');
  const home = join(state, 'home');
  const bin = join(state, 'bin');
  const env: Record<string, string> = {
    // The interpreter's dir first: Node may live in /usr/bin, beside Debian's python3.
    PATH: [...new Set([...py.pathDirs, dirname(process.execPath), '/usr/bin', '/bin'])].join(delimiter),
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(state, 'cache'),
    TMPDIR: join(sideRoot, 'tmp'),
    PIP_CONFIG_FILE: pipConf,
    PIP_INDEX_URL: index.url,
    ...index.clientEnv,
    PIP_CACHE_DIR: pipCache,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_RETRIES: '0', // an index problem fails the run at once instead of after minutes of retries
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ...py.env,
  };
  if (name === 'tpx') {
    Object.assign(env, {
      TPX_HOME: join(state, 'tpx'),
      TPX_BIN_DIR: bin,
      TPX_MAN_DIR: join(state, 'man'),
      TPX_CACHE_DIR: join(state, 'cache', 'tpx'),
    });
    if (!py.viaPath) env.TPX_DEFAULT_PYTHON = py.python;
    // `TPX_INSTALLER=pip npm run bench …` times tpx with pip alone (the "before" of the wheel store).
    if (process.env.TPX_INSTALLER) env.TPX_INSTALLER = process.env.TPX_INSTALLER;
  } else if (name === 'pipx') {
    Object.assign(env, { PIPX_HOME: join(state, 'pipx'), PIPX_BIN_DIR: bin, PIPX_DEFAULT_PYTHON: py.python });
  }
  const command = (args: string[]): [string, string[]] =>
    name === 'tpx' ? [process.execPath, [tpxJs, ...args]] : name === 'pipx' ? [machine.pipx, args] : [args[0] ?? '', args.slice(1)];
  const side: Side = { name, root: sideRoot, state, pipCache, env, command, bin, python: py.python };
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
