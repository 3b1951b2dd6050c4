import { existsSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { ownerRecord } from '../../src/core/base/mutex.js';

let world: World;
afterEach(async () => world?.dispose());

const receiptFile = (w: World, key: string) => join(w.tpxHome, 'tools', key, 'tpx.json');

describe('tpx list', () => {
  it('with nothing installed says so, exit 0; then shows every tool with version, Python and apps, --short and --json; uninstall removes exactly what tpx made; an unknown name; uninstall-all', async () => {
    world = await makeWorld();
    const r = await world.run(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no tools installed');
    expect(JSON.parse((await world.run(['list', '--json'])).stdout)).toEqual({ schema: 1, tools: [], strayLinks: [] });

    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const listed = await world.run(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^oneapp 1\.0 \(Python 3\.\d+\.\d+\)\n {4}oneapp-cli\ntpxdemo 1\.0 \(Python 3\.\d+\.\d+\)\n {4}tpxdemo\n {4}tpxdemo-admin\n$/,
    );
    expect((await world.run(['list', '--short'])).stdout).toBe('oneapp 1.0\ntpxdemo 1.0\n');
    const json = JSON.parse((await world.run(['list', '--json'])).stdout);
    expect(json.schema).toBe(1);
    expect(json.tools[1]).toMatchObject({
      name: 'tpxdemo',
      package: 'tpxdemo',
      version: '1.0',
      spec: 'tpxdemo',
      ok: true,
      problems: [],
      apps: [
        { name: 'tpxdemo', link: join(world.binDir, 'tpxdemo'), ok: true },
        { name: 'tpxdemo-admin', link: join(world.binDir, 'tpxdemo-admin'), ok: true },
      ],
    });

    // uninstall removes exactly what tpx made: links into the tool, its generations, its folder.
    const un = await world.run(['uninstall', 'tpxdemo']);
    expect(un.code).toBe(0);
    expect(un.stderr).toContain('uninstalled tpxdemo 1.0 (removed 2 links)');
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['oneapp']);
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(1);
    // An unknown name: exit 1 with a hint listing what is installed.
    const unknown = await world.run(['uninstall', 'tpxdemo']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: tpxdemo is not installed\nhint: installed tools: oneapp\n');
    // uninstall-all removes every tool.
    const all = await world.run(['uninstall-all']);
    expect(all.code).toBe(0);
    expect(world.ls(world.binDir)).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
  });

  it('never starts Python: list, --version and "already installed" read receipts only', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    // Every Python tpx could start now leaves a trace: the tool's venv python and the default interpreter.
    const trace = join(world.root, 'python-was-started');
    const spy = (real: string) => `#!/bin/sh\necho "$0 $*" >> '${trace}'\nexec '${real}' "$@"\n`;
    const venvPy = join(world.tpxHome, 'tools', 'tpxdemo', 'bin', 'python');
    const real = realpathSync(venvPy);
    rmSync(venvPy);
    writeFileSync(venvPy, spy(real), { mode: 0o755 });
    const defaultPy = join(world.root, 'spy-python3');
    writeFileSync(defaultPy, spy(real), { mode: 0o755 });
    const env = { TPX_DEFAULT_PYTHON: defaultPy };
    expect((await world.run(['list'], { env })).code).toBe(0);
    expect((await world.run(['list', '--json'], { env })).code).toBe(0);
    expect((await world.run(['--version'], { env })).code).toBe(0);
    expect((await world.run(['install', 'tpxdemo'], { env })).stderr).toContain('already installed');
    expect(existsSync(trace)).toBe(false);
    // The spy works: an install that needs Python does leave a trace.
    expect((await world.run(['install', 'oneapp'], { env })).code).toBe(0);
    expect(readFileSync(trace, 'utf8')).toContain(defaultPy);
  });

  it('shows broken tools as broken and exits 1: missing link, missing python, corrupt receipt; uninstall still removes them', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp', 'withdep'])).code).toBe(0);
    // --json also gives the apps of each tool's dependencies, linked or not (as pipx's list --json).
    const deps = JSON.parse((await world.run(['list', '--json'])).stdout).tools.map((t: { dependencyApps: unknown }) => t.dependencyApps);
    expect(deps).toEqual([[], [], [{ name: 'helperlib-cli', dist: 'helperlib', linked: false }]]);
    rmSync(join(world.binDir, 'tpxdemo-admin'));
    // The interpreter vanished underneath: the venv's python link now dangles.
    const py = join(world.tpxHome, 'tools', 'oneapp', 'bin', 'python');
    rmSync(py);
    symlinkSync(join(world.root, 'gone', 'python3'), py);
    writeFileSync(receiptFile(world, 'withdep'), '{not json');
    const r = await world.run(['list']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tpxdemo-admin  (link missing)');
    expect(r.stdout).toMatch(/oneapp 1\.0 .*BROKEN\n.*\n {4}! its Python is gone/);
    expect(r.stdout).toMatch(/withdep \? {2}BROKEN\n {4}! its receipt is unreadable/);
    expect(r.stdout).toContain('fix: tpx doctor --fix tpxdemo');
    const json = JSON.parse((await world.run(['list', '--json'])).stdout);
    expect(json.tools.map((t: { name: string; ok: boolean }) => [t.name, t.ok])).toEqual([
      ['oneapp', false],
      ['tpxdemo', false],
      ['withdep', false],
    ]);

    // uninstall works when the receipt is corrupt (withdep) or the python is gone (oneapp: removed outright now).
    rmSync(py);
    const un = await world.run(['uninstall', 'tpxdemo', 'oneapp', 'withdep']);
    expect(un.code, un.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
  });
});

describe('tpx uninstall', () => {
  it('leaves a link that now points elsewhere alone', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'clash-a'])).code).toBe(0);
    expect((await world.run(['install', '--force', 'clash-b'])).code).toBe(0);
    expect((await world.run(['uninstall', 'clash-a'])).code).toBe(0);
    expect((await world.exec(join(world.binDir, 'clash'), [])).stdout).toMatch(/clash-b/);
  });
});

describe('generations, locks and the CLI surface', () => {
  it('a lock held by a dead process is taken over; a generation left by a killed install is collected by the next command', async () => {
    world = await makeWorld();
    const lock = join(world.tpxHome, 'locks', 'oneapp.lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'owner'), `999999 ${(await import('node:os')).hostname()}\n`);
    const r = await world.run(['install', 'oneapp']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);

    const orphan = join(world.tpxHome, 'envs', 'orphan-1');
    mkdirSync(orphan);
    writeFileSync(join(orphan, '.tpx-building'), '999999');
    writeFileSync(join(orphan, 'tpx.json'), '{}');
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect(existsSync(orphan)).toBe(false);
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(2);

    // A live holder is a commit in progress, its links made before its switch: list waits for it
    // (as pipx's list waits on its locks), and then shows the tool whole, never half-way.
    const held = join(world.tpxHome, 'locks', 'withdep.lock');
    mkdirSync(held);
    writeFileSync(join(held, 'owner'), ownerRecord());
    const early = join(world.binDir, 'withdep');
    symlinkSync(join(world.tpxHome, 'tools', 'withdep', 'bin', 'withdep'), early);
    const listing = world.spawn(['list']);
    await listing.waitForOutput(`waiting for another tpx process (pid ${process.pid}) changing withdep…`);
    rmSync(early); // the commit undone, say: its link goes with it
    rmSync(held, { recursive: true });
    const waited = await listing.done;
    expect([waited.code, waited.stdout]).toEqual([0, expect.not.stringContaining('belong to no installed tool')]);
  });

  it('--version and --help', async () => {
    world = await makeWorld();
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect((await world.run(['--version'])).stdout).toBe(`${pkg.version}\n`);
    const help = await world.run(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['install', 'list', 'uninstall', 'uninstall-all']) expect(help.stdout).toContain(c);
    const sub = await world.run(['install', '--help']);
    expect(sub.stdout).toContain('--include-deps');
    const bad = await world.run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown command 'frobnicate'");
  });
});
