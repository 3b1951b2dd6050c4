// Proves the test harness with real components (python -m venv, pip, the loopback
// index), independently of tpx: if these fail, tpx's integration tests can't be trusted.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWheels, defaultFixtureIds, fixture, fixturesDir, listFixtures } from '../helpers/fixtures.js';
import { normalizeProjectName, startIndex, withCredentials } from '../helpers/index-server.js';
import { processesUnder } from '../helpers/procs.js';
import { makeWorld, realPython, wheelsDir, type RunOptions, type RunResult, type World } from '../helpers/world.js';
import { readZip, readZipText } from '../helpers/zip.js';

let world: World | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

async function newWorld(opts?: Parameters<typeof makeWorld>[0]): Promise<World> {
  world = await makeWorld(opts);
  return world;
}

/** Fails with the child's output, which is what one needs to see when pip misbehaves. */
function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  return r;
}

/**
 * A venv without pip (0.1 s instead of 3 s for ensurepip), driven by the real
 * interpreter's pip through `pip --python`. Same resolver, same index, same env.
 */
async function lightVenv(w: World): Promise<{ bin: string; pip: (args: string[], opts?: RunOptions) => Promise<RunResult> }> {
  const dir = join(w.root, 'venv');
  ok(await w.exec(realPython(), ['-m', 'venv', '--without-pip', dir]));
  return {
    bin: join(dir, 'bin'),
    pip: (args, opts) => w.exec(realPython(), ['-m', 'pip', '--python', join(dir, 'bin', 'python'), ...args], opts),
  };
}

describe('world + index + pip', () => {
  it('installs a fixture into a real venv, runs it, and upgrades when a release is published', async () => {
    const w = await newWorld();
    const venv = join(w.root, 'venv');
    ok(await w.exec(realPython(), ['-m', 'venv', venv]));
    const bin = join(venv, 'bin');

    ok(await w.exec(join(bin, 'pip'), ['install', '--no-cache-dir', 'tpxdemo==1.0']));
    expect(w.index.requests).toContain('/simple/tpxdemo/');
    expect(w.index.requests).toContain('/files/tpxdemo-1.0-py3-none-any.whl');
    expect(w.ls(bin)).toEqual(expect.arrayContaining(['tpxdemo', 'tpxdemo-admin']));

    expect(ok(await w.exec(join(bin, 'tpxdemo'), ['--version'])).stdout).toBe('tpxdemo 1.0\n');
    expect(ok(await w.exec(join(bin, 'tpxdemo-admin'), [])).stdout).toBe('tpxdemo-admin 1.0\n');
    const echoed = ok(await w.exec(join(bin, 'tpxdemo'), ['a b', 'ü', '--x']));
    expect(echoed.stdout).toBe('tpxdemo 1.0 args: ["a b", "\\u00fc", "--x"]\n');
    expect((await w.exec(join(bin, 'tpxdemo'), ['--exit', '7'])).code).toBe(7);
    expect(ok(await w.exec(join(bin, 'tpxdemo'), ['--cat'], { input: 'line1\nline2' })).stdout).toBe('line1\nline2');

    // The index re-reads its directory, and the world's pip cache must not hide the new page.
    w.publish('tpxdemo-2.0');
    ok(await w.exec(join(bin, 'pip'), ['install', '--upgrade', 'tpxdemo']));
    expect(ok(await w.exec(join(bin, 'tpxdemo'), ['--version'])).stdout).toBe('tpxdemo 2.0\n');
    expect(w.ls(bin)).toContain('tpxdemo-serve');
    expect(w.ls(bin)).not.toContain('tpxdemo-admin');
  });

  it('SIGINT reaches a sleeping tpxdemo, which exits 130 (signal-test building blocks)', async () => {
    const w = await newWorld();
    const venv = await lightVenv(w);
    ok(await venv.pip(['install', 'tpxdemo']));
    const child = w.spawnExec(join(venv.bin, 'tpxdemo'), ['--sleep', '60']);
    await child.waitForOutput('tpxdemo 1.0 sleeping');
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('tpxdemo: interrupted\n');
  });

  it('pulls dependencies: withdep brings helperlib and both apps work', async () => {
    const w = await newWorld();
    const venv = await lightVenv(w);
    ok(await venv.pip(['install', 'withdep']));
    expect(w.ls(venv.bin)).toEqual(expect.arrayContaining(['withdep', 'helperlib-cli']));
    expect(ok(await w.exec(join(venv.bin, 'withdep'), [])).stdout).toBe('withdep 1.0 using helperlib 1.0\n');
    expect(ok(await w.exec(join(venv.bin, 'helperlib-cli'), [])).stdout).toBe('helperlib-cli 1.0\n');
  });

  it('installs .data/scripts files with a rewritten shebang, and gui_scripts', async () => {
    const w = await newWorld();
    const venv = await lightVenv(w);
    ok(await venv.pip(['install', 'shscript', 'guitool', 'oneapp', 'multiapp']));
    expect(readFileSync(join(venv.bin, 'shscript'), 'utf8').split('\n')[0]).toBe(`#!${join(venv.bin, 'python')}`);
    expect(ok(await w.exec(join(venv.bin, 'shscript'), [])).stdout).toBe('shscript 1.0\n');
    expect(ok(await w.exec(join(venv.bin, 'guitool'), [])).stdout).toBe('guitool 1.0\n');
    expect(ok(await w.exec(join(venv.bin, 'oneapp-cli'), [])).stdout).toBe('oneapp-cli 1.0\n');
    expect(w.ls(venv.bin)).toEqual(expect.arrayContaining(['multi-a', 'multi-b']));
  });

  it('pip itself flattens the ../evil entry point to bin/evil (tpx must still validate names)', async () => {
    const w = await newWorld();
    const venv = await lightVenv(w);
    ok(await venv.pip(['install', 'evilname']));
    expect(w.ls(venv.bin)).toEqual(expect.arrayContaining(['evil', 'evilname']));
    expect(w.ls(join(venv.bin, '..'))).not.toContain('evil');
  });

  it('fails cleanly for a missing dependency, a missing project, and a down index', async () => {
    const w = await newWorld();
    const venv = await lightVenv(w);
    const broken = await venv.pip(['install', 'brokendep']);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/No matching distribution found for does-not-exist-tpx/);

    const missing = await venv.pip(['install', 'no-such-project-tpx']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/No matching distribution found for no-such-project-tpx/);

    w.index.setDown(true);
    const seen = w.index.requests.length;
    const down = await venv.pip(['install', 'tpxdemo']);
    expect(down.code).not.toBe(0);
    expect(w.index.requests.slice(seen)).toContain('/simple/tpxdemo/');
    // pip 23 logs the 503 only at debug level: an outage reads exactly like a missing project.
    expect(down.stderr).toMatch(/No matching distribution found for tpxdemo/);
    expect(w.ls(venv.bin)).not.toContain('tpxdemo');
  });

  it('is hermetic: pip sees only the world index, never the machine pip config', async () => {
    const w = await newWorld();
    expect(Object.keys(w.env).filter((k) => k.startsWith('PIP_'))).not.toContain('PIP_FIND_LINKS');
    const config = ok(await w.exec(realPython(), ['-m', 'pip', 'config', 'list'])).stdout;
    // Any index or find-links from a config file would make installs non-hermetic.
    expect(config).not.toMatch(/find-links|extra-index-url/);
    expect(config.match(/^.*index-url.*$/gm)).toEqual([`:env:.index-url='${w.index.url}'`]);
    expect(w.env.TPX_DEFAULT_PYTHON).toBe(realPython());
    expect(w.env.TPX_DEFAULT_PYTHON).not.toMatch(/shims/);
    expect(w.env.PATH?.split(':')).not.toContain(w.binDir);
  });

  it('env overrides: a value replaces, undefined removes; withBinOnPath adds the bin dir', async () => {
    const w = await newWorld({ withBinOnPath: true, packages: [] });
    expect(w.env.PATH?.split(':')[0]).toBe(w.binDir);
    const script = 'import os, json; print(json.dumps({k: os.environ.get(k) for k in ("NO_COLOR", "LANG", "EXTRA")}))';
    const r = ok(await w.exec(realPython(), ['-c', script], { env: { NO_COLOR: undefined, EXTRA: 'x' } }));
    expect(JSON.parse(r.stdout)).toEqual({ NO_COLOR: null, LANG: 'C.UTF-8', EXTRA: 'x' });
  });
});

describe('dispose', () => {
  it('stops tpx and the pip it started in a process group of its own, then deletes the world', async () => {
    // An index that takes connections and never answers: pip waits on it as long as PIP_TIMEOUT says.
    const sockets: Socket[] = [];
    const blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const connected = once(blackHole, 'connection');
    try {
      const w = await newWorld();
      const url = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}/simple`;
      const tpx = w.spawn(['install', 'tpxdemo'], { env: { PIP_INDEX_URL: url, PIP_TIMEOUT: '600' } });
      await connected;
      const running = processesUnder(w.root);
      expect(running.map((p) => p.pid)).toContain(tpx.pid);
      const pip = running.find((p) => p.pgid === p.pid);
      expect(pip?.argv.join(' ')).toMatch(/pip/);

      await w.dispose();
      world = undefined;
      expect(processesUnder(w.root)).toEqual([]);
      expect(existsSync(w.root)).toBe(false);
      expect((await tpx.done).signal).toBe('SIGKILL');
    } finally {
      for (const socket of sockets) socket.destroy();
      blackHole.close();
    }
  });
});

describe('index server', () => {
  it('serves PEP 503 pages, files with matching sha256, redirects and 404s', async () => {
    const w = await newWorld();
    const base = w.index.url.replace(/\/simple$/, '');

    const root = await fetch(`${w.index.url}/`);
    expect(root.status).toBe(200);
    const rootHtml = await root.text();
    const expectedProjects = defaultFixtureIds().map((id) => normalizeProjectName(fixture(id).name));
    for (const p of expectedProjects) expect(rootHtml).toContain(`<a href="/simple/${p}/">`);

    const page = await (await fetch(`${w.index.url}/tpxdemo/`)).text();
    const anchors = [...page.matchAll(/<a href="\/files\/([^"#]+)#sha256=([0-9a-f]{64})" data-requires-python="([^"]*)">/g)];
    expect(anchors.map((m) => m[1])).toEqual(['tpxdemo-1.0-py3-none-any.whl']);
    expect(anchors[0]?.[3]).toBe('&gt;=3.8');
    const file = await fetch(`${base}/files/tpxdemo-1.0-py3-none-any.whl`);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(anchors[0]?.[2]);

    // Publishing shows up on the very next request.
    w.publish('tpxdemo-2.0');
    expect(await (await fetch(`${w.index.url}/tpxdemo/`)).text()).toContain('tpxdemo-2.0-py3-none-any.whl');

    for (const odd of ['/simple/Clash_A/', '/simple/clash.a/', '/simple/clash-a']) {
      const r = await fetch(`${base}${odd}`, { redirect: 'manual' });
      expect([odd, r.status, r.headers.get('location')]).toEqual([odd, 301, '/simple/clash-a/']);
    }
    expect((await fetch(`${w.index.url}/nope/`)).status).toBe(404);
    expect((await fetch(`${base}/files/..%2Fpip.conf`)).status).toBe(404);

    w.index.setDown(true);
    expect((await fetch(`${w.index.url}/tpxdemo/`)).status).toBe(503);
    w.index.setDown(false);
    expect((await fetch(`${w.index.url}/tpxdemo/`)).status).toBe(200);
    expect(w.index.requests).toContain('/simple/nope/');
  });

  it('pause() holds requests until resume(), freezing pip at a known point', async () => {
    const w = await newWorld();
    const venv = await lightVenv(w);
    w.index.pause();
    const pip = w.spawnExec(realPython(), ['-m', 'pip', '--python', join(venv.bin, 'python'), 'install', 'tpxdemo']);
    expect(await w.index.waitForRequest('/simple/tpxdemo/')).toBe('/simple/tpxdemo/');
    expect(pip.exitCode).toBeNull(); // still waiting on the held page
    w.index.resume();
    ok(await pip.done);
    expect(w.ls(venv.bin)).toContain('tpxdemo');
    // Already-received requests satisfy a later wait at once.
    expect(await w.index.waitForRequest(/^\/files\//)).toBe('/files/tpxdemo-1.0-py3-none-any.whl');
  });

  it('basic auth: 401 without credentials; pip succeeds with them in the index URL', async () => {
    const auth = { user: 'alice', password: 's3cret-pw' };
    const w = await newWorld({ indexAuth: auth });
    expect(w.env.PIP_INDEX_URL).toBe(withCredentials(w.index.url, auth));
    expect(w.env.PIP_INDEX_URL).toContain('alice:s3cret-pw@');

    expect((await fetch(`${w.index.url}/tpxdemo/`)).status).toBe(401);
    const basic = `Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`;
    expect((await fetch(`${w.index.url}/tpxdemo/`, { headers: { authorization: basic } })).status).toBe(200);

    const venv = await lightVenv(w);
    const refused = await venv.pip(['install', 'tpxdemo'], { env: { PIP_INDEX_URL: w.index.url } });
    expect(refused.code).not.toBe(0);
    ok(await venv.pip(['install', 'tpxdemo']));
    expect(w.ls(venv.bin)).toContain('tpxdemo');
  });

  it('startIndex works standalone over any directory, and an empty one 404s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpx-test-'));
    const index = await startIndex({ dir });
    try {
      expect(index.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/simple$/);
      expect((await fetch(`${index.url}/tpxdemo/`)).status).toBe(404);
      expect(await (await fetch(`${index.url}/`)).text()).not.toContain('<a ');
    } finally {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wheels', () => {
  it('every fixture has a wheel whose RECORD matches its contents (but the one member a damaged fixture names)', () => {
    for (const f of listFixtures()) {
      const members = readZip(join(wheelsDir, f.wheel));
      const info = f.wheel.replace(/-py3-none-any\.whl$/, '.dist-info');
      const record = members.get(`${info}/RECORD`)?.toString('utf8');
      expect(record, f.id).toBeDefined();
      const lines = (record ?? '').trimEnd().split('\n');
      expect(new Set(lines.map((l) => l.split(',')[0])), f.id).toEqual(new Set(members.keys()));
      for (const line of lines) {
        const [name = '', hash, size] = line.split(',');
        if (name === `${info}/RECORD`) {
          expect([hash, size]).toEqual(['', '']);
          continue;
        }
        const data = members.get(name) ?? Buffer.alloc(0);
        const actual = `sha256=${createHash('sha256').update(data).digest('base64url')}`;
        // A fixture made damaged on purpose (badrecord: the store must refuse it) is wrong exactly there.
        if (name === f.badRecord) expect(hash, name).not.toBe(actual);
        else expect(hash, name).toBe(actual);
        expect(Number(size), name).toBe(data.length);
      }
      expect(members.get(`${info}/WHEEL`)?.toString()).toContain('Root-Is-Purelib: true\nTag: py3-none-any\n');
      expect(members.get(`${info}/METADATA`)?.toString()).toContain(`Name: ${f.name}\nVersion: ${f.version}\n`);
    }
  });

  it('evilname really declares the ../evil entry point', () => {
    const text = readZipText(join(wheelsDir, fixture('evilname-1.0').wheel), 'evilname-1.0.dist-info/entry_points.txt');
    expect(text).toBe('[console_scripts]\n../evil = evilname:main\nevilname = evilname:main\n');
  });

  it('rebuilding gives byte-identical wheels, whatever the source mtimes; fresh wheels are skipped', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tpx-test-'));
    try {
      // A copy of the fixtures with different mtimes: timestamps must not leak into the zip.
      const src = join(scratch, 'fixtures');
      cpSync(fixturesDir, src, { recursive: true });
      const touch = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) touch(p);
          utimesSync(p, new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
        }
      };
      touch(src);
      const out = join(scratch, 'wheels');
      expect(buildWheels(out, src)).toContain(`${listFixtures().length} built, 0 up to date`);
      for (const f of listFixtures()) {
        expect(readFileSync(join(out, f.wheel)).equals(readFileSync(join(wheelsDir, f.wheel))), f.id).toBe(true);
      }

      const before = statSync(join(out, fixture('tpxdemo-1.0').wheel)).mtimeMs;
      expect(buildWheels(out, src)).toBe(`0 built, ${listFixtures().length} up to date\n`);
      expect(statSync(join(out, fixture('tpxdemo-1.0').wheel)).mtimeMs).toBe(before);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
