import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, createReadStream, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tpxJs } from '../helpers/fixtures.js';
import { makeWorld, realPython, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

/** Nothing tpx made is left: no tool, no generation, no link. */
function expectNothingLeft(w: World): void {
  expect(w.ls(join(w.tpxHome, 'tools'))).toEqual([]);
  expect(w.ls(join(w.tpxHome, 'envs'))).toEqual([]);
  expect(w.ls(w.binDir)).toEqual([]);
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

describe('tpx install: bad input gets one clear line, a hint, exit 1, and leaves nothing', () => {
  // One world for the cases that fail at pip or after it: each leaves nothing behind (each checks),
  // so they cannot disturb one another, and the world's shared pip is made once, not once per case.
  let shared: World;
  beforeAll(async () => {
    shared = await makeWorld();
    shared.publish('tpxdemo-2.0');
  });
  afterAll(async () => shared?.dispose());

  it('a package that does not exist', async () => {
    const world = shared;
    const r = await world.run(['install', 'no-such-package-tpx']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: pip could not install no-such-package-tpx']);
    expect(r.stderr).toContain(`hint: no package "no-such-package-tpx" is on the index ${world.index.url}: check the name`);
    expectNothingLeft(world);
  });

  it('a version that does not exist: the hint lists the versions there are', async () => {
    const world = shared;
    const r = await world.run(['install', 'tpxdemo==9.9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hint: no version of tpxdemo==9\.9 matches; available: 1\.0, 2\.0/);
    expectNothingLeft(world);
  });

  it('a malformed spec is refused before anything is created', async () => {
    world = await makeWorld({ fresh: true });
    for (const bad of ['tpxdemo==', 'tpx demo', '[x]', 'tpxdemo>>1']) {
      const r = await world.run(['install', bad]);
      expect(r.code, bad).toBe(1);
      expect(errorLines(r.stderr), bad).toEqual([`error: invalid package spec ${JSON.stringify(bad)}: it is not a valid requirement`]);
      expect(r.stderr).toContain('hint: ');
    }
    expect(existsSync(world.tpxHome)).toBe(false);
  });

  it('a path that does not exist; a name with a separator', async () => {
    world = await makeWorld({ fresh: true });
    for (const bad of ['./no-such-dir', 'a/b', '../x']) {
      const r = await world.run(['install', bad]);
      expect(r.code, bad).toBe(1);
      expect(errorLines(r.stderr)).toEqual([`error: ${bad}: no such file or directory`]);
    }
    expect(existsSync(world.tpxHome)).toBe(false);
  });

  it('pip failing half-way: the tail of pip output and the full log', async () => {
    const world = shared;
    const r = await world.run(['install', 'brokendep']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: pip could not install brokendep']);
    expect(r.stderr).toMatch(/\| .*does-not-exist-tpx/);
    const log = /hint: full log: (\S+)/.exec(r.stderr)?.[1] as string;
    expect(readFileSync(log, 'utf8')).toContain('does-not-exist-tpx');
    expectNothingLeft(world);
  });

  it('a package with no apps: exit 1, venv removed, hint names its dependencies apps', async () => {
    const world = shared;
    const r = await world.run(['install', 'noapps']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: noapps 1.0 has no apps to link']);
    expect(r.stderr).toContain('helperlib-cli (from helperlib)');
    expect(r.stderr).toContain('--include-deps');
    expectNothingLeft(world);
  });

  it('an entry point whose name escapes the bin dir refuses the package', async () => {
    const world = shared;
    const r = await world.run(['install', 'evilname']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: evilname declares an app named "../evil", which is not a plain file name']);
    expectNothingLeft(world);
    expect(existsSync(join(world.root, 'evil'))).toBe(false);
  });

  it('a bad --suffix and a bad tool name are refused', async () => {
    const world = shared;
    const s = await world.run(['install', 'oneapp', '--suffix', '/x']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^error: invalid suffix "\/x"/m);
    for (const bad of ['../x', 'a/b', '..']) {
      const u = await world.run(['uninstall', bad]);
      expect(u.code, bad).toBe(1);
      expect(errorLines(u.stderr)).toEqual([`error: ${JSON.stringify(bad)} is not a valid tool name`]);
    }
    expectNothingLeft(world);
  });

  it('an index that fails (HTTP 503): a clear error, never a prompt', async () => {
    const world = shared;
    world.index.setDown(true);
    const r = await world.run(['install', 'oneapp']).finally(() => world.index.setDown(false));
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: pip could not install oneapp']);
    expect(r.stderr).toContain(`hint: the package index ${world.index.url} is failing (HTTP 503)`);
    expectNothingLeft(world);
  });

  it('an index that refuses connections: the hint says it could not be reached', async () => {
    const world = shared;
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    server.close();
    const url = `http://127.0.0.1:${port}/simple`;
    const r = await world.run(['install', 'oneapp'], { env: { PIP_INDEX_URL: url } });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: pip could not install oneapp']);
    expect(r.stderr).toContain(`hint: the package index ${url} could not be reached (ECONNREFUSED)`);
    expectNothingLeft(world);
  });

  it('credentials in an index URL are never printed', async () => {
    const world = shared;
    const url = world.index.url.replace('http://', 'http://alice:s3cret-pw@');
    const r = await world.run(['install', '--index-url', url, 'no-such-package-tpx', '--verbose']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
  });
});

describe('tpx install: the bin dir', () => {
  it('refuses to overwrite a file it does not own, naming it; --force replaces it', async () => {
    world = await makeWorld();
    mkdirSync(world.binDir, { recursive: true });
    writeFileSync(join(world.binDir, 'tpxdemo-admin'), 'mine');
    const r = await world.run(['install', 'tpxdemo']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([`error: a file is in the way: ${join(world.binDir, 'tpxdemo-admin')} (a file tpx did not make)`]);
    expect(r.stderr).toContain('--force');
    expect(world.ls(world.binDir)).toEqual(['tpxdemo-admin']);
    expect(readFileSync(join(world.binDir, 'tpxdemo-admin'), 'utf8')).toBe('mine');
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
    const forced = await world.run(['install', '--force', 'tpxdemo']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await world.exec(join(world.binDir, 'tpxdemo-admin'), [])).stdout).toContain('tpxdemo-admin');
  });

  it('two tools exporting the same app: the second is refused, naming the owner', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'clash-a'])).code).toBe(0);
    const r = await world.run(['install', 'clash-b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(world.binDir, 'clash')} (an app of tpx tool clash-a)`);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['clash-a']);
    expect((await world.exec(join(world.binDir, 'clash'), [])).stdout).toMatch(/clash-a/);
  });
});

describe('tpx install: interrupted', () => {
  // SIGHUP: the terminal tpx ran in was closed.
  it.each([
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('%s while pip runs removes the half-made venv and links', async (signal, code) => {
    world = await makeWorld();
    world.index.pause();
    const child = world.spawn(['install', 'tpxdemo']);
    await world.index.waitForRequest();
    child.kill(signal);
    const r = await child.done;
    world.index.resume();
    expect(r.code).toBe(code);
    expect(r.stderr).toContain('interrupted');
    expectNothingLeft(world);
    expect(world.ls(join(world.tpxHome, 'locks'))).toEqual([]);
  });
});

describe('tpx install: interrupted while the shared pip is unpacked', () => {
  it('Ctrl-C in the first second of the first command: "interrupted", exit 130, no Python traceback, nothing left', async () => {
    world = await makeWorld({ fresh: true });
    // An interpreter whose pip wheel unpacks until it is stopped: it names itself as the executable,
    // so the unpack (`-m zipfile -e`) runs it, and it says so through a FIFO, then waits.
    const ready = join(world.root, 'unpacking.fifo');
    execFileSync('mkfifo', [ready]);
    const fake = join(world.root, 'python-slow-unpack');
    writeFileSync(
      fake,
      [
        `#!${realPython()} -I`,
        'import json, subprocess, sys, time',
        'if "zipfile" in sys.argv:',
        `    open(${JSON.stringify(ready)}, "w").write("unpacking\\n")`,
        '    time.sleep(120)',
        `r = subprocess.run([${JSON.stringify(realPython())}] + sys.argv[1:], capture_output=True, text=True)`,
        'out = r.stdout',
        'if "pipWheels" in out:',
        `    d = json.loads(out); d["pipWheels"] = [${JSON.stringify(join(world.root, 'pip-24.0-py3-none-any.whl'))}]; d["executable"] = ${JSON.stringify(fake)}; out = json.dumps(d)`,
        'sys.stdout.write(out); sys.stderr.write(r.stderr); sys.exit(r.returncode)',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const reader = createReadStream(ready, 'utf8');
    // A process group of its own, as a shell gives a command: a terminal's Ctrl-C goes to the whole group.
    const child = world.spawnExec('setsid', [process.execPath, tpxJs, 'install', 'oneapp', '--python', fake]);
    await once(reader, 'data');
    process.kill(-(child.pid as number), 'SIGINT');
    const r = await child.done;
    expect(r.stderr).not.toContain('Traceback');
    expect(r.stderr).toContain('interrupted: the unfinished change was undone');
    expect(r.code, r.stderr).toBe(130);
    expect(world.ls(join(world.tpxHome, 'shared'))).toEqual([]);
    expectNothingLeft(world);
  });
});

describe('tpx install: interrupted while pip builds', () => {
  it('SIGHUP stops pip and every process pip started, not only pip', async () => {
    world = await makeWorld();
    // A project whose build backend starts a helper and then hangs; both hold the FIFO open, so its
    // reader gets their pids once they run and end-of-file once both are gone.
    const project = join(world.root, 'hangtool');
    cpSync(join(__dirname, '..', '..', 'fixtures', 'projects', 'hangtool'), project, { recursive: true });
    const fifo = join(world.root, 'tree.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = createReadStream(fifo, 'utf8');
    const child = world.spawn(['install', project], { env: { HANGTOOL_FIFO: fifo } });
    const [line] = (await once(reader, 'data')) as [string];
    const pids = line.trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    const gone = once(reader, 'end');
    child.kill('SIGHUP');
    const r = await child.done;
    expect(r.code).toBe(129);
    // Never resolves (the test times out) if the backend or its helper outlived tpx.
    await gone;
    expectNothingLeft(world);
  });
});

describe('tpx install: the shared pip', () => {
  it('an interpreter with no bundled pip wheel: pip is fetched from the index, and tpx says so', async () => {
    world = await makeWorld();
    // The index also serves pip itself, as PyPI does.
    const bundled = join(
      dirname(execFileSync(realPython(), ['-c', 'import ensurepip; print(ensurepip.__file__)'], { encoding: 'utf8' }).trim()),
      '_bundled',
    );
    const pipWheel = readdirSync(bundled).find((f) => f.startsWith('pip-')) as string;
    copyFileSync(join(bundled, pipWheel), join(world.indexDir, pipWheel));
    // An interpreter like Debian's python3 without python3-venv: it runs, but ships no pip wheel.
    const fake = join(world.root, 'python-without-pip-wheel');
    writeFileSync(
      fake,
      [
        `#!${realPython()} -I`,
        'import json, subprocess, sys',
        `r = subprocess.run([${JSON.stringify(realPython())}] + sys.argv[1:], capture_output=True, text=True)`,
        'out = r.stdout',
        'if "pipWheels" in out:',
        '    d = json.loads(out); d["pipWheels"] = []; out = json.dumps(d)',
        'sys.stdout.write(out); sys.stderr.write(r.stderr); sys.exit(r.returncode)',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const r = await world.run(['install', 'oneapp', '--python', fake]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ships no pip wheel; downloading pip from ${world.index.url}`);
    expect(world.ls(join(world.tpxHome, 'shared', 'wheels'))).toEqual([pipWheel]);
    expect((await world.exec(join(world.binDir, 'oneapp-cli'), [])).stdout).toContain('oneapp-cli 1.0');
  });
});
