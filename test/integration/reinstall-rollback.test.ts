import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, realPython, type World } from '../helpers/world.js';
import { receipt, receiptFile, removePython } from '../helpers/tools.js';

let world: World;
afterEach(async () => world?.dispose());

const run = async (w: World, app: string, args: string[] = []) => (await w.exec(join(w.binDir, app), args)).stdout.trim();

describe('tpx reinstall', () => {
  it('repairs a tool whose Python is gone, from its receipt (spec, suffix), with --python recorded', async () => {
    world = await makeWorld();
    expect((await world.run(['install', '--suffix', '@1', 'tpxdemo==1.0'])).code).toBe(0);
    const before = receipt(world, 'tpxdemo@1');
    removePython(world, 'tpxdemo@1');
    expect((await world.run(['list'])).code).toBe(1);
    const r = await world.run(['reinstall', 'tpxdemo@1', '--python', realPython()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reinstalled tpxdemo@1 1\.0 \(Python 3\.\d+\.\d+\)/);
    expect(await run(world, 'tpxdemo@1', ['--version'])).toBe('tpxdemo 1.0');
    const after = receipt(world, 'tpxdemo@1');
    expect(after.request).toEqual({ ...before.request, python: realPython() });
    expect(after.installedAt).toBe(before.installedAt);
    expect((await world.run(['list'])).code).toBe(0);
  });

  it('reinstall-all rebuilds every tool (skipping --skip) and prints a summary; unknown name → exit 1; a failing rebuild leaves the old tool working and its receipt byte-identical', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp', 'multiapp'])).code).toBe(0);
    const gens = (k: string) => receipt(world, k).generation;
    const [demo, one, multi] = ['tpxdemo', 'oneapp', 'multiapp'].map(gens);
    removePython(world, 'oneapp');
    const r = await world.run(['reinstall-all', '--skip', 'multiapp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/summary: 2 reinstalled\n/);
    expect(gens('tpxdemo')).not.toBe(demo);
    expect(gens('oneapp')).not.toBe(one);
    expect(gens('multiapp')).toBe(multi);
    expect(await run(world, 'oneapp-cli')).toBe('oneapp-cli 1.0');
    const bad = await world.run(['reinstall', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: nope is not installed\nhint: installed tools: multiapp, oneapp, tpxdemo\n');

    // A failing rebuild leaves the old tool working and its receipt byte-identical.
    const before = readFileSync(receiptFile(world, 'oneapp'), 'utf8');
    world.index.setDown(true);
    // The wheel store rebuilds from the files the tool was built from: no index needed.
    expect((await world.run(['reinstall', 'oneapp'])).code).toBe(0);
    const kept = readFileSync(receiptFile(world, 'oneapp'), 'utf8');
    // pip alone needs the index.
    const failed = await world.run(['reinstall', 'oneapp'], { env: { TPX_INSTALLER: 'pip' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: oneapp: pip could not install oneapp');
    expect(await run(world, 'oneapp-cli')).toBe('oneapp-cli 1.0');
    expect(readFileSync(receiptFile(world, 'oneapp'), 'utf8')).toBe(kept);
    expect(kept).not.toBe(before);
  });
});

describe('tpx rollback', () => {
  it('nothing to roll back to: exit 1 with a hint, nothing changed; after an upgrade, switches back to the previous version and relinks its apps; a second rollback undoes the first', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const before = readFileSync(receiptFile(world, 'tpxdemo'), 'utf8');
    const nothing = await world.run(['rollback', 'tpxdemo']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe(
      'error: tpxdemo has no previous version to roll back to: it was installed once and never changed\n' +
        'hint: tpx keeps the version before the last upgrade, reinstall or install --force\n',
    );
    expect(readFileSync(receiptFile(world, 'tpxdemo'), 'utf8')).toBe(before);

    world.publish('tpxdemo-2.0');
    expect((await world.run(['upgrade', 'tpxdemo'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-serve']);

    const r = await world.run(['rollback', 'tpxdemo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('rolled back tpxdemo 2.0 → 1.0\n');
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin']);
    expect(await run(world, 'tpxdemo', ['--version'])).toBe('tpxdemo 1.0');
    expect(receipt(world, 'tpxdemo').version).toBe('1.0');

    expect((await world.run(['rollback', 'tpxdemo'])).stderr).toBe('rolled back tpxdemo 1.0 → 2.0\n');
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-serve']);
    expect(await run(world, 'tpxdemo', ['--version'])).toBe('tpxdemo 2.0');
  });
});

describe('tpx list --outdated', () => {
  it('lists tools with a newer version (pins ignored, pinned marked), in one check; none → says so', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo==1.0', 'oneapp', 'multiapp'])).code).toBe(0);
    const none = await world.run(['list', '--outdated']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('all 3 tools are at their latest version');
    world.publish('tpxdemo-3.0');
    world.publish('oneapp-2.0');
    expect((await world.run(['pin', 'oneapp'])).code).toBe(0);
    const r = await world.run(['list', '--outdated']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('oneapp 1.0 → 2.0 [pinned]\ntpxdemo 1.0 → 3.0\n');
    expect(JSON.parse((await world.run(['list', '--outdated', '--json'])).stdout)).toEqual({
      schema: 1,
      outdated: [
        { name: 'oneapp', version: '1.0', latest: '2.0', pinned: true, injected: [] },
        { name: 'tpxdemo', version: '1.0', latest: '3.0', pinned: false, injected: [] },
      ],
    });
  });

  it('a tool that cannot be checked is reported and the exit code is 1; the others are still listed', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    world.unpublish('oneapp-1.0');
    const r = await world.run(['list', '--outdated']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('tpxdemo 1.0 → 2.0\n');
    expect(r.stderr).toContain('error: cannot check oneapp: could not find the newest version of oneapp');
  });
});
