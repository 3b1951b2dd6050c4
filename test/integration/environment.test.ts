// What a user's environment must not break: ~ in TPX_* paths, relative paths in --pip-args,
// PYTHONPATH and PYTHONHOME meant for another Python, a default Python the package does not support.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newerPython } from '../helpers/fixtures.js';
import { foreignPythonEnv, receipt } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

describe("the user's environment", () => {
  it('~ in TPX_HOME and TPX_BIN_DIR; relative --pip-args paths recorded absolute; linked apps ignore PYTHONPATH and PYTHONHOME', async () => {
    world = await makeWorld();
    const env = { TPX_HOME: '~/tpx-data', TPX_BIN_DIR: '~/bin' };
    const project = join(world.root, 'project');
    mkdirSync(join(project, 'w'), { recursive: true });
    writeFileSync(join(project, 'constraints.txt'), 'tpxdemo<2\n');
    copyFileSync(join(world.indexDir, 'oneapp-1.0-py3-none-any.whl'), join(project, 'w', 'oneapp-1.0-py3-none-any.whl'));
    const inProject = { env, cwd: project };
    for (const args of [
      ['--pip-args', '-c constraints.txt', 'tpxdemo'],
      ['--pip-args=--no-index --find-links=./w', 'oneapp'],
      ['withdep'],
    ]) {
      const r = await world.run(['install', ...args], inProject);
      expect(r.code, r.stderr).toBe(0);
    }
    const tools = join(world.home, 'tpx-data', 'tools');
    expect(world.ls(tools)).toEqual(['oneapp', 'tpxdemo', 'withdep']);
    expect(world.ls(join(world.home, 'bin'))).toEqual(['oneapp-cli', 'tpxdemo', 'tpxdemo-admin', 'withdep']);
    const recorded = (key: string) => JSON.parse(readFileSync(join(tools, key, 'tpx.json'), 'utf8')).request.pipArgs;
    expect(recorded('tpxdemo')).toEqual(['-c', join(project, 'constraints.txt')]);
    expect(recorded('oneapp')).toEqual(['--no-index', `--find-links=${join(project, 'w')}`]);

    // From another directory the recorded files are still found: the constraint holds tpxdemo below 2.
    world.publish('tpxdemo-2.0');
    const up = await world.run(['upgrade', 'tpxdemo'], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('tpxdemo is already at the latest version (1.0)');
    const re = await world.run(['reinstall', 'oneapp'], { env });
    expect(re.code, re.stderr).toBe(0);

    // A PYTHONPATH with a module of the same name, and a PYTHONHOME of no Python at all.
    const app = await world.exec(join(world.home, 'bin', 'withdep'), [], { env: foreignPythonEnv(world) });
    expect(app.stderr).toBe('');
    expect(app.stdout).toBe('withdep 1.0 using helperlib 1.0\n');
  });

  it('a package whose requires-python excludes the default Python gets an installed one that fits, and says so; a --python it excludes is named', async () => {
    world = await makeWorld();
    // Only the default Python (3.11) is found: one clear error, nothing left.
    const none = await world.run(['install', 'newpython']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /^installing newpython…\nerror: newpython 1\.0 requires Python >=3\.12, but no installed Python satisfies it \(the default is 3\.\d+\.\d+\)\nhint: install a matching Python and pass it with --python/,
    );
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
    // Asked for that Python by name: pip skips the only version; the hint says why (not "no such file").
    const defaultVersion = /the default is (3\.\d+\.\d+)/.exec(none.stderr)?.[1] ?? '';
    const asked = await world.run(['install', '--python', defaultVersion, 'newpython']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain(
      `hint: newpython 1.0 requires Python >=3.12, not ${defaultVersion}: pass a --python that satisfies it\n`,
    );
    // And so of a wheel given by path, which pip refuses with the Python it ran.
    const wheel = join(world.indexDir, 'newpython-1.0-py3-none-any.whl');
    const byPath = await world.run(['install', '--python', defaultVersion, wheel]);
    expect(byPath.code).toBe(1);
    expect(byPath.stderr).toContain(`hint: newpython requires Python >=3.12, not ${defaultVersion}: pass a --python that satisfies it\n`);

    const other = newerPython(12);
    const line = other.version.split('.').slice(0, 2).join('.');
    const env = { PATH: [world.env.PATH, dirname(other.executable)].join(delimiter) };
    const r = await world.run(['install', 'newpython'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`newpython 1.0 requires Python >=3.12; using Python ${other.version} (${dirname(other.executable)}/`);
    expect(r.stderr).toContain(`installed newpython 1.0 (Python ${other.version})`);
    expect((await world.exec(join(world.binDir, 'newpython'), [])).stdout).toBe(`newpython 1.0 on Python ${line}\n`);
    // Recorded as if --python had been given, so reinstall and upgrade keep to it.
    expect(receipt(world, 'newpython').request.python).toBe(line);
    expect((await world.run(['reinstall', 'newpython'], { env })).code).toBe(0);

    const run = await world.run(['run', 'newpython'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`newpython 1.0 on Python ${line}\n`);
  });
});
