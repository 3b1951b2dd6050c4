// What tpx prints, as a person at a terminal and a script see it: colour only on a terminal (a real
// pseudo-terminal, from util-linux's `script`) and never with NO_COLOR or --color=never, the spinner
// included; -q prints nothing on success but keeps results and errors.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tpxJs } from '../helpers/fixtures.js';
import { makeWorld, type RunOptions, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const SGR = /\x1b\[[0-9;]*m/; // a colour (or bold) escape sequence
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs tpx on a pseudo-terminal 100 columns wide (stdout and stderr both go to it); returns what it showed. */
async function onTerminal(w: World, args: string[], opts: RunOptions = {}): Promise<{ code: number; shown: string }> {
  const command = `stty cols 100 rows 30; ${[process.execPath, tpxJs, ...args].map(sh).join(' ')}`;
  const r = await w.exec('script', ['-qec', command, '/dev/null'], opts);
  return { code: r.code, shown: r.stdout };
}

describe('colour', () => {
  it('on a terminal by default, spinner included; never with NO_COLOR or --color=never; off a terminal only when asked', async () => {
    world = await makeWorld();
    const colour = { NO_COLOR: undefined, SHELL: '/bin/bash' };

    const tty = await onTerminal(world, ['install', 'tpxdemo'], { env: colour });
    expect(tty.code, tty.shown).toBe(0);
    expect(tty.shown).toContain('\x1b[1;33mwarning:\x1b[0m');
    expect(tty.shown).toContain('\x1b[1;36mhint:\x1b[0m');
    expect(tty.shown).toContain('\x1b[36m'); // the spinner's cyan frame

    // NO_COLOR: the spinner still spins (cursor movement), but nothing is coloured; an error has no escapes at all.
    const plain = await onTerminal(world, ['install', 'oneapp'], { env: { ...colour, NO_COLOR: '1' } });
    expect(plain.code, plain.shown).toBe(0);
    expect(plain.shown).toContain('warning: ');
    expect(plain.shown).not.toMatch(SGR);
    for (const [args, env] of [
      [['uninstall', 'nosuch'], { ...colour, NO_COLOR: '1' }],
      [['--color=never', 'uninstall', 'nosuch'], { ...colour, FORCE_COLOR: '1' }],
      [['uninstall', 'nosuch', '--color', 'never'], colour],
    ] as const) {
      const r = await onTerminal(world, [...args], { env });
      expect(r.code).toBe(1);
      expect(r.shown).toContain('error: nosuch is not installed');
      expect(r.shown).not.toContain('\x1b');
    }
    const red = await onTerminal(world, ['uninstall', 'nosuch'], { env: colour });
    expect(red.shown).toContain('\x1b[1;31merror:\x1b[0m nosuch is not installed');

    // Off a terminal (a pipe): plain, unless --color=always or FORCE_COLOR.
    expect((await world.run(['uninstall', 'nosuch'], { env: colour })).stderr).not.toContain('\x1b');
    expect((await world.run(['--color=always', 'uninstall', 'nosuch'], { env: colour })).stderr).toContain('\x1b[1;31merror:\x1b[0m');
    expect((await world.run(['uninstall', 'nosuch'], { env: { ...colour, FORCE_COLOR: '1' } })).stderr).toContain('\x1b[1;31merror:');
    // commander's own errors are coloured the same way.
    expect((await world.run(['--color=always', 'install', '--bogus'], { env: colour })).stderr).toContain(
      "\x1b[1;31merror:\x1b[0m unknown option '--bogus'",
    );
    const bad = await world.run(['list', '--color', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are auto, always, never');
  });
});

describe('progress of several tools', () => {
  it('install A B: a line as each build starts and ends in a log; on a terminal the spinner names the builds under way', async () => {
    world = await makeWorld();
    // The index holds pip's requests: what is printed before any build can end is what a user waits with.
    world.index.pause();
    const log = world.spawn(['install', 'tpxdemo', 'oneapp']);
    await log.waitForOutput(/building tpxdemo…\n(.*\n)*building oneapp…\n|building oneapp…\n(.*\n)*building tpxdemo…\n/);
    world.index.resume();
    const r = await log.done;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const at = (line: string) => lines.indexOf(line);
    for (const [tool, version] of [
      ['tpxdemo', '1.0'],
      ['oneapp', '1.0'],
    ]) {
      expect(at(`building ${tool}…`), r.stderr).toBeGreaterThan(-1);
      const built = lines.findIndex((l) => new RegExp(`^built ${tool} ${version} \\([12] of 2\\)$`).test(l));
      expect(built, r.stderr).toBeGreaterThan(at(`building ${tool}…`));
      expect(lines.findIndex((l) => l.startsWith(`installed ${tool} ${version}`))).toBeGreaterThan(built);
    }

    // On a terminal: no line per start (the spinner says it), the spinner's text while both build, a line as each ends.
    world.index.pause();
    const tty = world.spawnExec('script', [
      '-qec',
      `stty cols 100 rows 30; ${[process.execPath, tpxJs, 'install', 'guitool', 'multiapp'].map(sh).join(' ')}`,
      '/dev/null',
    ]);
    await tty.waitForOutput('building guitool, multiapp (0 of 2 done)');
    world.index.resume();
    const shown = (await tty.done).stdout;
    expect(shown).toMatch(/built guitool 1\.0 \([12] of 2\)/);
    expect(shown).toMatch(/built multiapp 1\.0 \([12] of 2\)/);
    expect(shown).not.toContain('building guitool…');
    expect(shown).toContain('installed multiapp 1.0');
  });
});

describe('--quiet', () => {
  it('prints nothing on success, but results and errors still', async () => {
    world = await makeWorld();
    const install = await world.run(['-q', 'install', 'tpxdemo']);
    expect(install).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin']);

    const list = await world.run(['list', '--short', '-q']);
    expect(list).toMatchObject({ code: 0, stdout: 'tpxdemo 1.0\n', stderr: '' });

    // A cache miss (built quietly), then a hit (the fast path): only the app speaks.
    for (let i = 0; i < 2; i++) {
      const run = await world.run(['run', '-q', '--spec', 'tpxdemo==1.0', 'tpxdemo', '--version']);
      expect(run).toMatchObject({ code: 0, stdout: 'tpxdemo 1.0\n', stderr: '' });
    }

    const failed = await world.run(['install', '--quiet', 'nosuchpackage']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error: pip could not install nosuchpackage/);

    const both = await world.run(['uninstall', '-q', '-v', 'tpxdemo']);
    expect(both).toMatchObject({ code: 2, stderr: 'error: --quiet and --verbose cannot be used together\n' });
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin']);

    expect(await world.run(['uninstall', '-q', 'tpxdemo'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
  });
});

describe('stdout', () => {
  it('a reader that goes away (`tpx --help | head -1`) ends tpx quietly, not with an EPIPE stack', async () => {
    world = await makeWorld();
    for (const args of [['--help'], ['install', '--help'], ['completions', 'bash']]) {
      const child = world.spawn(args);
      child.stdout?.destroy(); // the read end closes before tpx, still starting, writes anything
      const r = await child.done;
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
