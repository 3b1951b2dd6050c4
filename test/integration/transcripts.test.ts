// What tpx prints for the common errors and the multi-tool summaries, pinned in files
// (__snapshots__/transcripts/): a change of wording or layout shows up in review. One world for the
// file, its tests in order: an empty toolbox first, then tools installed, damaged and removed.
// Not repeated here: what messages.test.ts (the main errors, `tpx list`), output.test.ts (-q with -v,
// colour) and upgrade.test.ts (the upgrade-all summary) pin already.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removePython, transcript, transcripts } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

const snapshot = (name: string) => join(import.meta.dirname, '__snapshots__', 'transcripts', `${name}.txt`);

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterAll(async () => world?.dispose());

/** A command's transcript from its summary on: the lines before come in the order its builds happened to end. */
async function summaryOf(args: string[]): Promise<string> {
  const r = await world.run(args);
  return transcript(world, args, { ...r, stderr: r.stderr.slice(Math.max(0, r.stderr.indexOf('summary: '))) });
}

describe('before anything is installed', () => {
  it('usage errors', async () => {
    const help = (await world.run(['--help'])).stdout;
    const text = await transcripts(world, [
      [],
      ['help', 'nope'],
      ['instal', 'black'],
      ['frobnicate'],
      ['install', '--bogus', 'black'],
      ['install'],
      ['pin', 'a', 'b'],
      ['completions', 'tcsh'],
    ]);
    // What help/tpx.txt pins already.
    await expect(text.split(help).join('<what `tpx --help` prints>\n')).toMatchFileSnapshot(snapshot('usage'));
  });

  it('a tool that is not installed, for every command that takes one', async () => {
    const commands = ['pin', 'unpin', 'rollback', 'reinstall', 'upgrade', 'uninstall', 'runpip', 'expose', 'unexpose', 'list', 'doctor'];
    const text = await transcripts(world, [
      ...commands.map((command) => [command, 'nope']),
      ['inject', 'nope', 'x'],
      ['uninject', 'nope', 'x'],
      ['exec', 'nope', 'app'],
    ]);
    await expect(text).toMatchFileSnapshot(snapshot('not-installed'));
  });

  it('bad input: specs, paths, refused pip options, flags that do not go together', async () => {
    writeFileSync(join(world.home, 'tool.py'), 'print(1)\n');
    const text = await transcripts(world, [
      ['uninject', 'tpxdemo[x]', 'y'],
      ['run', 'http://example.invalid/x.py'],
      ['install', 'http://example.invalid/x.py'],
      ['run', './missing.py'],
      ['install-all', 'missing.json'],
      ['sync', 'missing.toml'],
      ['lock', 'missing.toml'],
      ['install', '--lock', 'missing.toml', 'x'],
      ['install', '--lock', 'a.toml', 'x', 'y'],
      ['install', '--pip-args', '--user', 'oneapp'],
      ['install', '--pip-args', '--python /usr/bin/python3', 'oneapp'],
      ['install', '--pip-args', '--report r.json', 'oneapp'],
      ['run', '--with', '--src=x', 'oneapp'],
      ['install', '-e', './tool.py'],
      ['install', '-e', 'black'],
      ['install', '--app', 'a', '--app', 'b', './tool.py'],
      ['run', '--spec', 'x', 'tool.py'],
      ['export', '--format', 'pylock', '-'],
      ['install', '--python', '3.1', 'oneapp'],
      ['install', '--python', '/nope/python', 'oneapp'],
    ]);
    const shell = transcript(world, ['ensurepath'], await world.run(['ensurepath'], { env: { SHELL: '/bin/tcsh' } }));
    await expect(`${text}\n${shell}`).toMatchFileSnapshot(snapshot('bad-input'));
  });

  it('an empty toolbox', async () => {
    const text = await transcripts(world, [
      ['list'],
      ['list', '--outdated'],
      ['upgrade-all'],
      ['reinstall-all'],
      ['uninstall-all'],
      ['doctor'],
    ]);
    await expect(text).toMatchFileSnapshot(snapshot('empty'));
  });
});

describe('with tools installed', () => {
  it('install of several, one not found and one in conflict: the summary', async () => {
    const text = await summaryOf(['install', 'tpxdemo', 'oneapp', 'no-such-package-tpx', 'clash-b', 'clash-a']);
    await expect(text).toMatchFileSnapshot(snapshot('install-several'));
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['clash-a', 'oneapp', 'tpxdemo']);
  });

  it('what an installed tool refuses, and what is already so', async () => {
    const text = await transcripts(world, [
      ['install', 'tpxdemo'],
      ['exec', 'tpxdemo', 'nope'],
      ['rollback', 'tpxdemo'],
      ['inject', 'tpxdemo'],
      ['inject', 'tpxdemo', '-r', 'missing.txt'],
      ['uninject', 'tpxdemo', 'tpxdemo'],
      ['uninject', 'tpxdemo', 'x=='],
      ['pin', 'tpxdemo'],
      ['pin', 'tpxdemo'],
      ['upgrade', 'tpxdemo'],
      ['unpin', 'tpxdemo'],
      ['unpin', 'tpxdemo'],
      ['expose', 'tpxdemo'],
    ]);
    // The venv's python3.X: X is the test machine's.
    await expect(text.replace(/python3\.\d+, tpxdemo,/, 'python3.<minor>, tpxdemo,')).toMatchFileSnapshot(snapshot('installed'));
  });

  it('list --outdated: one newer, one that cannot be checked', async () => {
    world.publish('tpxdemo-2.0');
    world.unpublish('oneapp-1.0');
    await expect(await transcripts(world, [['list', '--outdated']])).toMatchFileSnapshot(snapshot('outdated'));
  });

  it('doctor, and doctor --fix: what it repairs and what it leaves to the user', async () => {
    removePython(world, 'clash-a');
    rmSync(join(world.binDir, 'tpxdemo-admin'));
    rmSync(join(world.binDir, 'oneapp-cli'));
    writeFileSync(join(world.binDir, 'oneapp-cli'), 'mine');
    const text = await transcripts(world, [['doctor'], ['doctor', '--fix']]);
    await expect(text).toMatchFileSnapshot(snapshot('doctor'));
  });

  it('uninstall-all: what each removal took', async () => {
    await expect(await transcripts(world, [['uninstall-all']])).toMatchFileSnapshot(snapshot('uninstall-all'));
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
  });
});
