// `tpx upgrade-shared`: a newer pip from the (loopback) index becomes every build's pip; going back
// to a pip on disk needs no index; nothing else ever changes which pip is used.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareVersions } from '../../src/core/packaging/pep440.js';
import { realPython } from '../helpers/fixtures.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

/** The pip wheel the tests' Python bundles (what tpx unpacks first), from its ensurepip. */
function bundledPip(): { file: string; version: string } {
  const r = spawnSync(
    realPython(),
    [
      '-c',
      'import ensurepip, os; d = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled"); print("\\n".join(os.path.join(d, f) for f in os.listdir(d)))',
    ],
    { encoding: 'utf8' },
  );
  const file = r.stdout.split('\n').find((f) => /\/pip-[^/]+\.whl$/.test(f));
  if (!file) throw new Error(`${realPython()} bundles no pip wheel`);
  return { file, version: versionOf(file) };
}

/**
 * A pip wheel newer than that one, from another installed Python's ensurepip (the machine has no
 * network; wheels are never committed): copied into the test index at test time.
 */
function newerPip(than: string): { file: string; version: string } {
  const pyenv = process.env.PYENV_ROOT || join(process.env.HOME ?? '/root', '.pyenv');
  const found = (existsSync(join(pyenv, 'versions')) ? readdirSync(join(pyenv, 'versions')) : [])
    .flatMap((v) => {
      const lib = join(pyenv, 'versions', v, 'lib');
      return existsSync(lib) ? readdirSync(lib).map((d) => join(lib, d, 'ensurepip', '_bundled')) : [];
    })
    .filter((d) => existsSync(d))
    .flatMap((d) =>
      readdirSync(d)
        .filter((f) => /^pip-.*\.whl$/.test(f))
        .map((f) => ({ file: join(d, f), version: versionOf(f) })),
    )
    .filter((w) => (compareVersions(w.version, than) ?? 0) > 0)
    .sort((a, b) => compareVersions(b.version, a.version) ?? 0);
  if (!found[0]) throw new Error(`this test needs a pip wheel newer than ${than} in some Python's ensurepip/_bundled under ${pyenv}`);
  return found[0];
}

function versionOf(wheel: string): string {
  return /^pip-([^-]+)-/.exec(basename(wheel))?.[1] ?? '';
}

describe('tpx upgrade-shared', () => {
  it('fetches a newer pip that every build then uses; goes back offline; nothing else changes it', async () => {
    world = await makeWorld();
    const old = bundledPip();
    const fresh = newerPip(old.version);
    copyFileSync(fresh.file, join(world.indexDir, basename(fresh.file)));
    const sharedPip = async () => JSON.parse((await world.run(['environment', '--json'])).stdout).environment['shared-pip'];

    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect(await sharedPip()).toMatchObject({ value: old.version, source: 'on disk' });

    const up = await world.run(['upgrade-shared']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(
      `pip ${fresh.version} is now the shared pip (was ${old.version}): installs, upgrades and runpip use it from now on\n`,
    );
    expect(world.ls(join(world.tpxHome, 'shared'))).toEqual([`pip-${fresh.version}`, `pip-${old.version}`, 'selected'].sort());
    expect((await sharedPip()).value).toBe(fresh.version);
    expect((await sharedPip()).source).toMatch(/^tpx upgrade-shared \(for Python >=3\.\d+; others: their bundled pip\)$/);

    // Every pip run from now on is the new one: runpip, and a build (its log names the runner).
    const pipOf = async (tool: string) => (await world.run(['runpip', tool, '--version'])).stdout;
    expect(await pipOf('tpxdemo')).toMatch(
      new RegExp(`^pip ${fresh.version.replace(/\./g, '\\.')} from ${join(world.tpxHome, 'shared', `pip-${fresh.version}`, 'pip')} `),
    );
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const logs = join(world.cacheDir, 'tpx', 'logs');
    const log = readdirSync(logs).filter((f) => /install-oneapp(-resolve)?\.log$/.test(f));
    expect(readFileSync(join(logs, log[0] as string), 'utf8')).toContain(
      `/shared/pip-${fresh.version}/tpx-runner.py install ` /* tpx runs that pip through its runner beside it (core/installer/pip/runner.ts) */,
    );

    const again = await world.run(['upgrade-shared']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`the shared pip is already ${fresh.version}, the newest the index has for this Python\n`);

    // Back to the bundled pip, with the index down: it is on disk, so no index is needed.
    world.index.setDown(true);
    const back = await world.run(['upgrade-shared', '--pip', old.version]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain(`pip ${old.version} is now the shared pip (was ${fresh.version})`);
    expect(await pipOf('oneapp')).toMatch(new RegExp(`^pip ${old.version.replace(/\./g, '\\.')} from `));
    const down = await world.run(['upgrade-shared']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: could not fetch pip from the package index\n/m);
    expect((await sharedPip()).value).toBe(old.version);

    // The newer pip is still on the index: an install does not take it behind the user's back.
    world.index.setDown(false);
    expect((await world.run(['install', 'multiapp'])).code).toBe(0);
    expect(await pipOf('multiapp')).toMatch(new RegExp(`^pip ${old.version.replace(/\./g, '\\.')} from `));

    // The chosen pip gone from disk: builds fall back to the bundled one, and doctor says so and forgets it.
    rmSync(join(world.tpxHome, 'shared', `pip-${old.version}`), { recursive: true });
    const sick = await world.run(['doctor']);
    expect(sick.stdout).toContain(
      `${join(world.tpxHome, 'shared', 'selected')} names pip "${old.version}", which is not in ${join(world.tpxHome, 'shared')}: builds use each interpreter's bundled pip`,
    );
    expect((await world.run(['doctor', '--fix'])).stdout).toContain(`fixed: removed ${join(world.tpxHome, 'shared', 'selected')}\n`);
    expect(world.ls(join(world.tpxHome, 'shared'))).toEqual([`pip-${fresh.version}`]);
    expect(await pipOf('multiapp')).toMatch(new RegExp(`^pip ${old.version.replace(/\./g, '\\.')} from `));
  });
});
