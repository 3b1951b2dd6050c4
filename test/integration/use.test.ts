import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const receipt = (w: World, key: string) => JSON.parse(readFileSync(join(w.tpxHome, 'tools', key, 'tpx.json'), 'utf8'));

describe('using what is installed', () => {
  it('exec runs any app of a venv; inject --include-deps/--pip-args; list NAME, --include-injected, --pinned; pin --injected-only', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const venv = join(world.tpxHome, 'tools', 'tpxdemo');

    // The venv's python, as if activated: its bin dir first on PATH, VIRTUAL_ENV set; exit code and stdin are the app's.
    const py = await world.run([
      'exec',
      'tpxdemo',
      'python',
      '-c',
      'import os, sys; print(sys.prefix); print(os.environ["VIRTUAL_ENV"]); print(os.environ["PATH"].split(os.pathsep)[0]); import tpxdemo',
    ]);
    expect(py.code, py.stderr).toBe(0);
    expect(py.stdout).toBe(`${venv}\n${venv}\n${join(venv, 'bin')}\n`);
    expect((await world.run(['exec', 'tpxdemo', 'tpxdemo', '--exit', '7'])).code).toBe(7);
    expect((await world.run(['exec', 'tpxdemo', 'tpxdemo', '--cat'], { input: 'through stdin\n' })).stdout).toBe('through stdin\n');
    // Options after APP are the app's, not tpx's.
    expect((await world.run(['exec', 'tpxdemo', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 1.0\n');
    const missing = await world.run(['exec', 'tpxdemo', 'nosuch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: tpxdemo's environment has no app nosuch");
    expect(missing.stderr).toMatch(/hint: its apps: .*\bpython\b.*\btpxdemo, tpxdemo-admin/);
    expect((await world.run(['exec', 'nosuch', 'python'])).stderr).toContain('error: nosuch is not installed');

    // inject --include-deps links the injected package's apps and its dependencies'; --pip-args is recorded with it.
    const inj = await world.run(['inject', '--include-deps', '--pip-args=--no-compile', 'tpxdemo', 'withdep']);
    expect(inj.code, inj.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['helperlib-cli', 'oneapp-cli', 'tpxdemo', 'tpxdemo-admin', 'withdep']);
    expect(inj.stderr).toContain(`  ${join(world.binDir, 'helperlib-cli')} (from helperlib)`);
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([
      { spec: 'withdep', name: 'withdep', includeApps: true, includeDeps: true, pipArgs: ['--no-compile'], pinned: false },
    ]);
    // A dependency's app runs through exec once it is there.
    expect((await world.run(['exec', 'tpxdemo', 'helperlib-cli'])).code).toBe(0);

    const some = await world.run(['list', '--include-injected', 'tpxdemo', 'nosuch']);
    expect(some.code).toBe(1);
    expect(some.stderr).toContain('error: nosuch is not installed');
    expect(some.stdout).not.toContain('oneapp');
    // The dependency's app it brought is shown under it, not as the tool's own.
    expect(some.stdout).toMatch(/^ {4}tpxdemo-admin\n {4}injected: withdep\n( {8}(helperlib-cli|withdep)\n){2}/m);
    expect((await world.run(['list', 'oneapp'])).stdout).toMatch(/^oneapp 1\.0 \(Python [\d.]+\)\n {4}oneapp-cli\n$/);

    // pin --injected-only holds the injected packages, not the tool; list --pinned shows tools with a pin of either kind.
    expect((await world.run(['list', '--pinned'])).stderr).toContain('no pinned tools');
    const pin = await world.run(['pin', '--injected-only', 'tpxdemo']);
    expect(pin.code, pin.stderr).toBe(0);
    expect(receipt(world, 'tpxdemo').pinned).toBe(false);
    expect(receipt(world, 'tpxdemo').request.injected[0].pinned).toBe(true);
    expect((await world.run(['pin', '--injected-only', 'oneapp'])).stderr).toContain('error: nothing is injected into oneapp');
    expect((await world.run(['list', '--pinned', '--short'])).stdout).toBe('tpxdemo 1.0\n');
    // upgrade --include-injected leaves a pinned injected package where it is; the tool moves.
    world.publish('withdep-2.0');
    world.publish('tpxdemo-2.0');
    expect((await world.run(['upgrade', '--include-injected', 'tpxdemo'])).code).toBe(0);
    const after = await world.run([
      'exec',
      'tpxdemo',
      'python',
      '-c',
      'import importlib.metadata as m; print(m.version("tpxdemo"), m.version("withdep"))',
    ]);
    expect(after.stdout).toBe('2.0 1.0\n');
    // unpin frees both.
    expect((await world.run(['unpin', 'tpxdemo'])).code).toBe(0);
    expect(receipt(world, 'tpxdemo').request.injected[0].pinned).toBe(false);
  });

  it('unexpose takes the links away and keeps the tool; upgrade keeps the choice; expose links again', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const un = await world.run(['unexpose', '--json', 'tpxdemo']);
    expect(un.code, un.stderr).toBe(0);
    expect(JSON.parse(un.stdout).tools).toEqual([
      {
        name: 'tpxdemo',
        action: 'unexposed',
        from: '1.0',
        to: '1.0',
        apps: { linked: [], unlinked: [join(world.binDir, 'tpxdemo'), join(world.binDir, 'tpxdemo-admin')] },
        error: null,
      },
    ]);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    const list = await world.run(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^tpxdemo 1\.0 \(Python [\d.]+\) \[not exposed\]$/m);
    expect((await world.run(['exec', 'tpxdemo', 'tpxdemo', '--version'])).stdout).toBe('tpxdemo 1.0\n');
    expect((await world.run(['unexpose', 'tpxdemo'])).stderr).toContain('tpxdemo is already not exposed');

    world.publish('tpxdemo-2.0');
    expect((await world.run(['upgrade', 'tpxdemo'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    expect(receipt(world, 'tpxdemo')).toMatchObject({ version: '2.0', exposed: false });

    const ex = await world.run(['expose', 'tpxdemo']);
    expect(ex.code, ex.stderr).toBe(0);
    // 2.0's apps: tpxdemo-admin became tpxdemo-serve.
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli', 'tpxdemo', 'tpxdemo-serve']);
    expect((await world.exec(join(world.binDir, 'tpxdemo'), ['--version'])).stdout).toBe('tpxdemo 2.0\n');
    expect((await world.run(['list'])).stdout).not.toContain('not exposed');
  });
});
