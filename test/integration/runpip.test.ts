import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const receipt = (w: World, key: string) => JSON.parse(readFileSync(join(w.tpxHome, 'tools', key, 'tpx.json'), 'utf8'));

describe('tpx runpip', () => {
  it("runs pip in the tool's venv; every argument after NAME is pip's", async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const r = await world.run(['runpip', 'tpxdemo', 'list', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ name: 'tpxdemo', version: '1.0' }]);
    // One quoted argument is split as a shell would, as pipx does.
    const one = await world.run(['runpip', 'tpxdemo', 'list --format=freeze']);
    expect([one.code, one.stdout]).toEqual([0, 'tpxdemo==1.0\n']);
    // --version and -v belong to pip, not to tpx.
    const v = await world.run(['-v', 'runpip', 'tpxdemo', '--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^pip \d+\.\d+(\.\d+)? from .*\(python 3\.\d+\)\n$/);
  });

  it('afterwards the receipt follows the venv: version, apps, and what pip installed or removed', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    const up = await world.run(['runpip', 'tpxdemo', 'install', 'tpxdemo==2.0']);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain('tpxdemo is now 2.0 (was 1.0)');
    expect(receipt(world, 'tpxdemo').version).toBe('2.0');
    // 2.0 drops tpxdemo-admin and adds tpxdemo-serve.
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-serve']);
    expect((await world.exec(join(world.binDir, 'tpxdemo-serve'), [])).stdout).toBe('tpxdemo-serve 2.0\n');

    const add = await world.run(['runpip', 'tpxdemo', 'install', 'withdep']);
    expect(add.code).toBe(0);
    // withdep was asked for; helperlib only came along as its dependency.
    expect(add.stderr).toContain('recorded withdep 1.0 as injected into tpxdemo: upgrade and reinstall will keep it');
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([
      { spec: 'withdep', name: 'withdep', includeApps: false, includeDeps: false, pipArgs: [], pinned: false },
    ]);

    const rm = await world.run(['runpip', 'tpxdemo', 'uninstall', '-y', 'withdep']);
    expect(rm.code).toBe(0);
    expect(rm.stderr).toContain('withdep is no longer installed in tpxdemo, so it is no longer recorded as injected');
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([]);
    expect((await world.run(['list'])).code).toBe(0);
  });

  it("passes pip's exit code through and leaves the receipt alone when nothing changed", async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const before = receipt(world, 'tpxdemo');
    const r = await world.run(['runpip', 'tpxdemo', 'install', 'no-such-package-tpx']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No matching distribution found for no-such-package-tpx');
    expect({ ...receipt(world, 'tpxdemo'), updatedAt: null }).toEqual({ ...before, updatedAt: null });
    expect((await world.run(['runpip', 'tpxdemo', 'no-such-pip-command'])).code).toBe(1);
  });

  it('a tool that is not installed', async () => {
    world = await makeWorld();
    const r = await world.run(['runpip', 'nosuchtool', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: nosuchtool is not installed\nhint: no tools are installed; see `tpx install --help`\n');
  });

  it('removing the main package says the tool is broken and how to fix it', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const r = await world.run(['runpip', 'tpxdemo', 'uninstall', '-y', 'tpxdemo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "warning: pip removed tpxdemo, tpxdemo's own package: tpxdemo no longer works\nhint: reinstall it with `tpx reinstall tpxdemo`",
    );
    expect((await world.run(['list'])).code).toBe(1);
  });
});
