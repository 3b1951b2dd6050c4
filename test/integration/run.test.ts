import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { realPython, tpxJs } from '../helpers/fixtures.js';
import { foreignPythonEnv } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const runDir = (w: World) => join(w.cacheDir, 'tpx', 'run');
const entries = (w: World) => w.ls(join(runDir(w), 'entries'));
const envs = (w: World) => w.ls(join(runDir(w), 'envs'));
const receiptOf = (w: World, key: string) => join(runDir(w), 'entries', key, 'tpx.json');
/** What the index served: a cache hit asks it for nothing. */
const pipRequests = (w: World) => w.index.requests.length;

describe('tpx run APP', () => {
  it('installs into a cached environment, runs the app, and the second run is a hit that installs nothing; arguments, exit codes, stdin and SIGINT pass through; tpx cache dir and purge', async () => {
    world = await makeWorld();
    const first = await world.run(['run', 'tpxdemo', '--version']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('tpxdemo 1.0\n');
    expect(first.stderr).toContain('installing tpxdemo');
    expect(entries(world)).toHaveLength(1);
    const requests = pipRequests(world);

    const second = await world.run(['run', 'tpxdemo', '--version']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('tpxdemo 1.0\n');
    expect(second.stderr).toBe('');
    expect(pipRequests(world)).toBe(requests);
    // Nothing was installed as a tool.
    expect(world.ls(world.binDir)).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
    // Backup tools skip the cache.
    for (const dir of [join(world.cacheDir, 'tpx'), runDir(world), join(world.cacheDir, 'tpx', 'logs')])
      expect(world.ls(dir)).toContain('CACHEDIR.TAG');

    // The same world (its entry is a hit from here on): everything after APP reaches the app untouched,
    // exit codes and stdin pass through, SIGINT is forwarded.
    const r = await world.run(['run', '--spec', 'tpxdemo', 'tpxdemo', '--help', '--', '--x', '--spec', 'a b']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('tpxdemo 1.0 args: ["--help", "--", "--x", "--spec", "a b"]\n');
    expect((await world.run(['run', 'tpxdemo', '--exit', '7'])).code).toBe(7);
    const cat = await world.run(['run', 'tpxdemo', '--cat'], { input: 'line1\nline2' });
    expect(cat.stdout).toBe('line1\nline2');

    expect((await world.run(['run', 'tpxdemo', '--version'])).code).toBe(0);
    // Detached (a session of its own, no terminal), as under CI. Run from a terminal, tpx would otherwise
    // be in its foreground group, where it leaves SIGINT to the terminal (which delivers Ctrl-C to the app too).
    const child = spawn(process.execPath, [tpxJs, 'run', 'tpxdemo', '--sleep', '60'], { env: world.env, cwd: world.home, detached: true });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const sleeping = new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d).includes('sleeping') && resolve()),
    );
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await sleeping;
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      // Its own process group: take the app down with it if anything above failed.
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
    expect(stdout).toBe('tpxdemo 1.0 sleeping\n');
    expect(stderr).toContain('tpxdemo: interrupted');
    expect(stderr).not.toContain('undone');

    // A package whose only app is named differently: tpx runs it and says so.
    const only = await world.run(['run', 'oneapp']);
    expect(only.code, only.stderr).toBe(0);
    expect(only.stdout).toContain('oneapp-cli 1.0');
    expect(only.stderr).toContain('running its only app, oneapp-cli');

    // tpx cache: dir prints the run cache; purge empties it.
    const dir = await world.run(['cache', 'dir', '-q']);
    expect(dir.code, dir.stderr).toBe(0);
    expect(dir.stdout).toBe(`${runDir(world)}\n`);
    expect((await world.run(['run', 'tpxdemo', '--version'])).code).toBe(0);
    expect((await world.run(['run', 'oneapp'])).code).toBe(0);
    const purge = await world.run(['cache', 'purge']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stderr).toContain('removed 2 cached environments');
    expect(entries(world)).toEqual([]);
    expect(envs(world)).toEqual([]);
    expect(existsSync(runDir(world))).toBe(true);
    expect(readdirSync(runDir(world)).includes('scripts')).toBe(false);
  });

  it('is not shadowed by an installed tool; --spec picks a version; --with adds packages; each request is its own entry', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0'] });
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    world.publish('helperlib-1.0');
    expect((await world.run(['run', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 2.0\n');
    expect((await world.run(['run', '--spec', 'tpxdemo==1.0', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 1.0\n');
    const withHelper = await world.run(['run', '--spec', 'tpxdemo==1.0', '--with', 'helperlib', 'helperlib-cli']);
    expect(withHelper.code, withHelper.stderr).toBe(0);
    expect(withHelper.stdout).toContain('helperlib-cli 1.0');
    expect(entries(world)).toHaveLength(3);
  });

  it('APP may be a spec, a project directory or a URL: its package runs the app named after it, and tpx says which', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0', 'helperlib-1.0', 'oneapp-1.0'] });
    const r = await world.run(['run', 'tpxdemo==1.0', '--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('tpxdemo 1.0\n');
    expect(r.stderr).toContain('running tpxdemo from tpxdemo 1.0\n');
    // The same request as --spec: a hit, which installs nothing.
    const requests = pipRequests(world);
    const same = await world.run(['run', '--spec', 'tpxdemo==1.0', 'tpxdemo', '--version']);
    expect(same.stdout).toBe('tpxdemo 1.0\n');
    expect(same.stderr).toBe('');
    expect(pipRequests(world)).toBe(requests);
    const hit = await world.run(['run', 'tpxdemo==1.0', '--version']);
    expect(hit.stderr).toBe('running tpxdemo from tpxdemo 1.0\n');

    const extra = await world.run(['run', 'tpxdemo[helper]', '--version']);
    expect(extra.code, extra.stderr).toBe(0);
    expect(extra.stdout).toBe('tpxdemo 2.0\n');
    const key = entries(world).find(
      (k) => JSON.parse(readFileSync(receiptOf(world, k), 'utf8')).request.spec === 'tpxdemo[helper]',
    ) as string;
    const lib = join(runDir(world), 'entries', key, 'lib');
    expect(world.ls(join(lib, world.ls(lib)[0] as string, 'site-packages'))).toContain('helperlib-1.0.dist-info');

    const project = join(world.root, 'localtool');
    cpSync(join(__dirname, '..', '..', 'fixtures', 'projects', 'localtool'), project, {
      recursive: true,
      filter: (f) => !f.includes('__pycache__'),
    });
    const local = await world.run(['run', './localtool', 'x'], { cwd: world.root });
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toBe('localtool 0.1 args: x\n');
    expect(local.stderr).toContain('running localtool from localtool 0.1\n');
    // A git URL (here git+file://, as git+https:// would be offline) and a wheel's URL.
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', project, ...args], {
        env: { ...world.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'localtool');
    const viaGit = await world.run(['run', `git+file://${project}`, 'y']);
    expect(viaGit.code, viaGit.stderr).toBe(0);
    expect(viaGit.stdout).toBe('localtool 0.1 args: y\n');
    const wheel = await world.run(['run', world.index.url.replace(/simple$/, 'files/oneapp-1.0-py3-none-any.whl')]);
    expect(wheel.code, wheel.stderr).toBe(0);
    expect(wheel.stdout).toBe('oneapp-cli 1.0\n');
    expect(wheel.stderr).toContain('oneapp 1.0 has no app named oneapp; running its only app, oneapp-cli');
  });

  it('PYTHONPATH and PYTHONHOME meant for another Python reach neither the app nor a script', async () => {
    world = await makeWorld();
    const env = foreignPythonEnv(world);
    const app = await world.run(['run', 'withdep'], { env });
    expect(app.stderr).toContain('installing withdep');
    expect(app.stdout).toBe('withdep 1.0 using helperlib 1.0\n');
    expect((await world.run(['run', 'withdep'], { env })).stdout).toBe('withdep 1.0 using helperlib 1.0\n');
    writeFileSync(join(world.home, 'path.py'), 'import sys\nprint([p for p in sys.path if "shadow" in p])\n');
    const script = await world.run(['run', 'path.py'], { env });
    expect(script.stderr).toBe('');
    expect(script.stdout).toBe('[]\n');
  });

  it('lists the apps when there are several and none is APP', async () => {
    world = await makeWorld();
    const r = await world.run(['run', 'multiapp']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: multiapp 1.0 has no app named multiapp');
    expect(r.stderr).toContain('its apps: multi-a, multi-b');
    const ok = await world.run(['run', '--spec', 'multiapp', 'multi-b']);
    expect(ok.stdout).toContain('multi-b 1.0');
  });

  it('runs a stale entry at once and refreshes it in the background (a failure goes to a log, once an hour); sweeps entries unused 14 days', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0'] });
    expect((await world.run(['run', 'tpxdemo', '--version'])).code).toBe(0);
    expect((await world.run(['run', '--spec', 'tpxdemo==1.0', 'tpxdemo', '--version'])).code).toBe(0);
    const [a, b] = entries(world) as [string, string];
    const key = JSON.parse(readFileSync(receiptOf(world, a), 'utf8')).pinned ? b : a;
    world.publish('tpxdemo-2.0');
    // Both built 15 days ago; the pinned one also last used then, the unpinned one just now.
    const old = new Date(Date.now() - 15 * 24 * 3600 * 1000);
    const age = (k: string) => {
      const file = receiptOf(world, k);
      const receipt = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...receipt, builtAt: old.toISOString() }));
      if (receipt.pinned) utimesSync(file, old, old);
    };
    for (const k of [a, b]) age(k);
    utimesSync(join(runDir(world), '.last-sweep'), old, old);
    const log = join(world.cacheDir, 'tpx', 'logs', `run-refresh-${key}.log`);
    const version = () => JSON.parse(readFileSync(receiptOf(world, key), 'utf8')).version;

    const r = await world.run(['run', '-v', 'tpxdemo', '--version']);
    expect(r.stdout).toBe('tpxdemo 1.0\n');
    expect(r.stderr).toBe(`the cached environment is over 14 days old: refreshing it in the background (log: ${log})\n`);
    // The sweep ran while the app did: the pinned entry, unused for 15 days, is gone.
    expect(entries(world)).toEqual([key]);
    await vi.waitFor(() => expect(version()).toBe('2.0'), { timeout: 90_000, interval: 200 });
    const hit = await world.run(['run', 'tpxdemo', '--version']);
    expect([hit.stdout, hit.stderr]).toEqual(['tpxdemo 2.0\n', '']);

    // A refresh that fails (the index is down) is in its log, never in the app's output; it is not retried within the hour.
    age(key);
    rmSync(log);
    world.index.setDown(true);
    const quiet = await world.run(['run', 'tpxdemo', '--version']);
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, 'tpxdemo 2.0\n', '']);
    await vi.waitFor(() => expect(readFileSync(log, 'utf8')).toMatch(/^error: pip could not install tpxdemo/m), {
      timeout: 90_000,
      interval: 200,
    });
    const started = statSync(log).mtimeMs;
    expect((await world.run(['run', '-v', 'tpxdemo', '--version'])).stderr).toBe('');
    expect(statSync(log).mtimeMs).toBe(started);
    expect(version()).toBe('2.0');
  });

  it('--refresh rebuilds the entry; --no-cache leaves nothing behind', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0'] });
    expect((await world.run(['run', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 1.0\n');
    world.publish('tpxdemo-2.0');
    expect((await world.run(['run', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 1.0\n');
    expect((await world.run(['run', '--refresh', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 2.0\n');
    expect(envs(world)).toHaveLength(1);
    const before = entries(world);
    const nc = await world.run(['run', '--no-cache', '--spec', 'tpxdemo==1.0', 'tpxdemo', '--version']);
    expect(nc.stdout).toBe('tpxdemo 1.0\n');
    expect(entries(world)).toEqual(before);
    expect(envs(world)).toHaveLength(1);
  });

  it('--no-cache leaves nothing behind, but the log of a build that failed', async () => {
    world = await makeWorld();
    const cache = join(world.cacheDir, 'tpx');
    const r = await world.run(['run', '--no-cache', 'tpxdemo', '--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('tpxdemo 1.0\n');
    // No run cache, no log: only what any command records about interpreters.
    expect(world.ls(cache)).toEqual(['CACHEDIR.TAG', 'interpreters.json']);
    // A script from a pipe is kept only while it runs.
    const piped = await world.exec('/bin/bash', ['-c', `"${process.execPath}" "${tpxJs}" run --no-cache <(echo 'print("piped")')`]);
    expect(piped.stdout).toBe('piped\n');
    expect(world.ls(cache)).toEqual(['CACHEDIR.TAG', 'interpreters.json']);
    expect(world.ls(join(world.root, 'tmp')).filter((f) => f.startsWith('tpx-'))).toEqual([]);
    const failed = await world.run(['run', '--no-cache', 'no-such-package-tpx']);
    expect(failed.code).toBe(1);
    const log = /full log: (\S+)/.exec(failed.stderr)?.[1] as string;
    expect(readFileSync(log, 'utf8')).toContain('no-such-package-tpx');
    expect(world.ls(cache)).toEqual(['CACHEDIR.TAG', 'interpreters.json', 'logs']);
  });

  it('two concurrent first runs of the same spec both succeed, and share one entry', async () => {
    world = await makeWorld();
    const [a, b] = await Promise.all([world.run(['run', 'tpxdemo', '--version']), world.run(['run', 'tpxdemo', '--version'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout).toBe('tpxdemo 1.0\n');
    expect(b.stdout).toBe('tpxdemo 1.0\n');
    expect(entries(world)).toHaveLength(1);
    expect(envs(world)).toHaveLength(1);
  });

  it('never reuses a build that was killed', async () => {
    world = await makeWorld();
    world.index.pause();
    const child = world.spawn(['run', 'tpxdemo', '--version']);
    await world.index.waitForRequest();
    child.kill('SIGKILL');
    await child.done;
    world.index.resume();
    expect(entries(world)).toEqual([]);
    const r = await world.run(['run', 'tpxdemo', '--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('tpxdemo 1.0\n');
    // The killed build's leftover was collected.
    expect(envs(world)).toHaveLength(1);
  });
});

describe('tpx run: bad input', () => {
  // One world for all: each case caches nothing (each checks), so they cannot disturb one another,
  // and the shared pip is set up once.
  let shared: World;
  beforeAll(async () => {
    shared = await makeWorld();
  });
  afterAll(async () => shared?.dispose());
  const nothingCached = (w: World) => {
    expect(entries(w)).toEqual([]);
    expect(envs(w)).toEqual([]);
  };

  it('a package that does not exist', async () => {
    const world = shared;
    const r = await world.run(['run', 'no-such-package-tpx']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: pip could not install no-such-package-tpx');
    expect(r.stderr).toContain('hint:');
    nothingCached(world);
  });

  it('a package with no apps', async () => {
    const world = shared;
    const r = await world.run(['run', 'noapps']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: noapps 1.0 has no apps to run');
    expect(r.stderr).toContain('hint: its dependencies have apps: helperlib-cli (from helperlib)');
    nothingCached(world);
  });

  it('a path that does not exist; a TARGET that is neither an app, a spec, a path nor a script', async () => {
    const world = shared;
    const r = await world.run(['run', 'some/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: some\/app: no such file or directory\nhint: /);
    const bad = await world.run(['run', 'tpxdemo[=']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: "tpxdemo\[=" is not an app name or a package spec\nhint: /);
    nothingCached(world);
  });

  it('a script that does not exist', async () => {
    const world = shared;
    const r = await world.run(['run', 'missing.py']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: missing.py: no such file\nhint: /);
    nothingCached(world);
  });

  it('--no-cache with --refresh', async () => {
    const world = shared;
    const r = await world.run(['run', '--no-cache', '--refresh', 'tpxdemo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --no-cache and --refresh cannot be used together\nhint: /);
    nothingCached(world);
  });
});

describe('tpx run script.py', () => {
  const writeScript = (w: World, name: string, ...lines: string[]) => {
    const file = join(w.home, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const withHelperlib = [
    '# /// script',
    '# requires-python = ">=3.8"',
    '# dependencies = ["helperlib"]',
    '# ///',
    'import sys, helperlib',
    'print("helperlib", helperlib.__version__, sys.argv[1:])',
    'sys.exit(int(sys.stdin.read() or 0))',
  ];

  it('installs the PEP 723 dependencies from the index, runs the script with them, and reuses the environment, also for a script from a pipe or a URL', async () => {
    world = await makeWorld();
    writeScript(world, 'tool.py', ...withHelperlib);
    const first = await world.run(['run', 'tool.py', '--help', 'a b'], { input: '3' });
    expect(first.code, first.stderr).toBe(3);
    expect(first.stdout).toBe("helperlib 1.0 ['--help', 'a b']\n");
    expect(entries(world)).toHaveLength(1);
    const requests = pipRequests(world);
    const second = await world.run(['run', join(world.home, 'tool.py')]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    expect(pipRequests(world)).toBe(requests);

    // The same world: a script from a pipe (tpx run <(…), in bash), and one fetched from a URL.
    const fromPipe = (lines: string[], args: string) =>
      `"${process.execPath}" "${tpxJs}" run <(cat <<'SCRIPT'\n${lines.join('\n')}\nSCRIPT\n) ${args}`;
    const plain = await world.exec('/bin/bash', ['-c', fromPipe(['import sys', 'print("from a pipe", sys.argv[1:])'], 'a b')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe("from a pipe ['a', 'b']\n");
    const meta = await world.exec('/bin/bash', ['-c', fromPipe(withHelperlib, 'x')], { input: '5' });
    expect(meta.code, meta.stderr).toBe(5);
    expect(meta.stdout).toBe("helperlib 1.0 ['x']\n");

    const body = `${withHelperlib.join('\n')}\n`;
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tool.py`;
      const r = await world.run(['run', url, 'x']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("helperlib 1.0 ['x']\n");
    } finally {
      server.close();
    }
  });

  it('--python-args go to the interpreter: an app runs as `python -E ARGS APP`, a script as `python ARGS SCRIPT`; a shell-script app is refused', async () => {
    world = await makeWorld();
    const app = await world.run(['run', '--python-args=-X importtime -O', 'tpxdemo', 'x']);
    expect(app.code, app.stderr).toBe(0);
    expect(app.stdout).toBe('tpxdemo 1.0 args: ["x"]\n');
    expect(app.stderr).toMatch(/^import time: .*\btpxdemo\b/m);
    writeScript(world, 'flags.py', 'import sys', 'print(sys.flags.optimize, sys.argv[1:])');
    expect((await world.run(['run', '--python-args', '-OO', 'flags.py', '-x'])).stdout).toBe("2 ['-x']\n");
    const sh = await world.run(['run', '--python-args=-O', 'shellapp']);
    expect(sh.code).toBe(2);
    expect(sh.stderr).toContain('error: --python-args: shellapp is not a Python script, so there is no Python command line to add them to');
  });

  it('runs a script without metadata with the default Python, creating nothing', async () => {
    world = await makeWorld();
    writeScript(world, 'plain.py', 'import sys', 'print("plain", sys.argv[1:])', 'sys.exit(4)');
    const r = await world.run(['run', 'plain.py', '-x']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("plain ['-x']\n");
    expect(entries(world)).toEqual([]);
  });

  it('a script without metadata runs with TPX_DEFAULT_PYTHON, also given as a version; a bad one is named', async () => {
    world = await makeWorld();
    writeScript(world, 'version.py', 'import sys', 'print("%d.%d" % sys.version_info[:2])');
    const line = execFileSync(realPython(), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    const r = await world.run(['run', 'version.py'], { env: { TPX_DEFAULT_PYTHON: line } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${line}\n`);
    const bad = await world.run(['run', 'version.py'], { env: { TPX_DEFAULT_PYTHON: 'python9' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'error: no Python found for TPX_DEFAULT_PYTHON="python9"\nhint: set TPX_DEFAULT_PYTHON to a path, a command such as python3.12, or a version such as 3.12 (or unset it)\n',
    );
  });

  it('a script with metadata but no dependencies, where the venv is made by `python -m venv`, waits for it', async () => {
    world = await makeWorld();
    writeScript(world, 'probe.py', 'print("probed")');
    expect((await world.run(['run', 'probe.py'])).code).toBe(0);
    // An interpreter whose venv layout tpx does not write itself (its probe says so).
    const probes = join(world.cacheDir, 'tpx', 'interpreters.json');
    const cached = JSON.parse(readFileSync(probes, 'utf8'));
    for (const entry of Object.values(cached) as { info: { venv: unknown } }[]) entry.info.venv = null;
    writeFileSync(probes, JSON.stringify(cached));
    writeScript(
      world,
      'nodeps.py',
      '# /// script',
      '# requires-python = ">=3.8"',
      '# ///',
      'import sys',
      'print("in a venv:", sys.prefix != sys.base_prefix)',
    );
    const r = await world.run(['run', 'nodeps.py']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('in a venv: True\n');
  });

  it('names the line of invalid metadata, and caches nothing', async () => {
    world = await makeWorld();
    writeScript(world, 'bad.py', 'import sys', '# /// script', '# dependencies = ["helperlib", 3]', '# ///');
    const r = await world.run(['run', 'bad.py']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: bad\.py:3: dependencies\[1\] is 3, not a requirement string\nhint: /);
    writeScript(world, 'old.py', '# /// script', '# requires-python = ">=4"', '# ///');
    const old = await world.run(['run', 'old.py']);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(
      /^error: old\.py:2: requires-python = ">=4", but no installed Python satisfies it\nhint: the default Python is 3\./,
    );
    expect(entries(world)).toEqual([]);
    expect(envs(world)).toEqual([]);
  });
});
