import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { receipt, receiptFile, removePython, scrub } from '../helpers/tools.js';

let world: World;
afterEach(async () => world?.dispose());

const version = async (w: World, app: string) => (await w.exec(join(w.binDir, app), ['--version'])).stdout.trim();

describe('tpx upgrade', () => {
  it('drops a pin, says so, relinks apps (new ones linked, vanished ones removed) and records the unpinned spec', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo==1.0'])).code).toBe(0);
    world.publish('tpxdemo-3.0');
    const r = await world.run(['upgrade', 'tpxdemo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('tpxdemo 1.0 → 3.0');
    expect(r.stderr).toContain('dropped the pin ==1.0');
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-serve']);
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 3.0');
    expect(receipt(world, 'tpxdemo').request.spec).toBe('tpxdemo');

    const again = await world.run(['upgrade', 'tpxdemo']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('upgrading tpxdemo…\ntpxdemo is already at the latest version (3.0)\n');
  });

  it('a tool that is not installed: exit 1 with a hint (upgrade and pin); --install installs it; overrides are recorded', async () => {
    world = await makeWorld();
    const pin = await world.run(['pin', 'nope']);
    expect(pin.code).toBe(1);
    expect(pin.stderr).toBe('error: nope is not installed\nhint: no tools are installed; see `tpx install --help`\n');
    const r = await world.run(['upgrade', 'tpxdemo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: tpxdemo is not installed\nhint: install it with `tpx install tpxdemo` (or `tpx upgrade --install tpxdemo`)\n',
    );
    expect(world.ls(world.binDir)).toEqual([]);
    const i = await world.run(['upgrade', '--install', 'tpxdemo']);
    expect(i.code, i.stderr).toBe(0);
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 1.0');
    // --index-url / --pip-args replace the recorded ones, and are recorded.
    world.publish('tpxdemo-2.0');
    const o = await world.run(['upgrade', '--index-url', world.index.url, '--pip-args', '--no-cache-dir', 'tpxdemo']);
    expect(o.code, o.stderr).toBe(0);
    expect(receipt(world, 'tpxdemo').request).toMatchObject({ indexUrl: world.index.url, pipArgs: ['--no-cache-dir'] });
  });

  it('takes what users type for a tool: a spec names it and is applied (and recorded); an installed NAME comes first', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0', 'tpxdemo-3.0', 'helperlib-1.0', 'oneapp-1.0'] });
    expect((await world.run(['install', 'tpxdemo==1.0'])).code).toBe(0);
    expect((await world.run(['install', '--suffix', '@1', 'tpxdemo==1.0'])).code).toBe(0);

    const extra = await world.run(['upgrade', 'tpxdemo[helper]']);
    expect(extra.code, extra.stderr).toBe(0);
    expect(extra.stderr).toContain('tpxdemo 1.0 → 3.0');
    expect(receipt(world, 'tpxdemo').request.spec).toBe('tpxdemo[helper]');
    expect(world.ls(sitePackages(world))).toContain('helperlib-1.0.dist-info');

    const range = await world.run(['upgrade', 'tpxdemo>=2,<3']);
    expect(range.code, range.stderr).toBe(0);
    expect(range.stderr).toContain('tpxdemo 3.0 → 2.0');
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 2.0');
    expect(receipt(world, 'tpxdemo').request.spec).toBe('tpxdemo>=2,<3');
    const same = await world.run(['upgrade', 'tpxdemo==2.0']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toBe('upgrading tpxdemo…\ntpxdemo 2.0 already matches tpxdemo==2.0: nothing changed\n');
    expect(receipt(world, 'tpxdemo').request.spec).toBe('tpxdemo>=2,<3');

    // tpxdemo@1 is an installed key: a NAME, upgraded within its recorded spec (the pin dropped).
    const suffixed = await world.run(['upgrade', 'tpxdemo@1']);
    expect(suffixed.code, suffixed.stderr).toBe(0);
    expect(suffixed.stderr).toContain('tpxdemo@1 1.0 → 3.0');

    const missing = await world.run(['upgrade', 'oneapp==1.0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'error: oneapp is not installed\nhint: install it with `tpx install oneapp==1.0` (or `tpx upgrade --install oneapp==1.0`); installed tools: tpxdemo, tpxdemo@1\n',
    );
    const installed = await world.run(['upgrade', '--install', 'oneapp==1.0']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(receipt(world, 'oneapp').request.spec).toBe('oneapp==1.0');
  });

  it('index down, a resolver conflict, a Python gone: exit 1 with a hint, the old version still works, the receipt is byte-identical', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'withdep', 'oneapp'])).code).toBe(0);

    // Index down.
    const before = readFileSync(receiptFile(world, 'tpxdemo'), 'utf8');
    world.publish('tpxdemo-2.0');
    world.index.setDown(true);
    const r = await world.run(['upgrade', 'tpxdemo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^upgrading tpxdemo…\nerror: tpxdemo: pip could not install tpxdemo\n/);
    expect(r.stderr).toContain('hint: ');
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 1.0');
    expect(readFileSync(receiptFile(world, 'tpxdemo'), 'utf8')).toBe(before);
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(3); // one per tool: nothing left of the failed build
    world.index.setDown(false);

    // A resolver conflict: exit 1 with pip tail and hint.
    const withdepBefore = readFileSync(receiptFile(world, 'withdep'), 'utf8');
    // 1.0 withdrawn from the index, 2.0 needs a helperlib that does not exist.
    world.unpublish('withdep-1.0');
    world.publish('withdep-2.0');
    const conflict = await world.run(['upgrade', 'withdep']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^upgrading withdep…\nerror: withdep: pip could not install withdep\n/);
    expect(conflict.stderr).toMatch(/helperlib>=9/);
    expect((await world.exec(join(world.binDir, 'withdep'), [])).stdout).toBe('withdep 1.0 using helperlib 1.0\n');
    expect(readFileSync(receiptFile(world, 'withdep'), 'utf8')).toBe(withdepBefore);
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(3);

    // A tool whose Python is gone: hint `tpx reinstall`, nothing changed.
    const oneappBefore = readFileSync(receiptFile(world, 'oneapp'), 'utf8');
    removePython(world, 'oneapp');
    const gone = await world.run(['upgrade', 'oneapp']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: oneapp's Python is gone \(.*\)\nhint: rebuild it: tpx reinstall oneapp/);
    expect(readFileSync(receiptFile(world, 'oneapp'), 'utf8')).toBe(oneappBefore);
  });
});

describe('tpx pin / unpin', () => {
  it('a pinned tool (and its injected packages) is left by upgrade (exit 0, as pipx) and kept by reinstall; --force upgrades it and it stays pinned', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['inject', 'tpxdemo', 'helperlib'])).code).toBe(0);
    const p = await world.run(['pin', 'tpxdemo']);
    expect(p.code).toBe(0);
    expect(p.stderr).toContain('pinned tpxdemo at 1.0 and 1 injected package:');
    expect(receipt(world, 'tpxdemo')).toMatchObject({ pinned: true, request: { injected: [{ name: 'helperlib', pinned: true }] } });
    expect((await world.run(['list'])).stdout).toContain('[pinned]');
    world.publish('tpxdemo-2.0');
    world.publish('helperlib-2.0');
    const r = await world.run(['upgrade', 'tpxdemo']);
    expect([r.code, r.stderr]).toEqual([
      0,
      'not upgrading tpxdemo: it is pinned at 1.0; `tpx unpin tpxdemo` unpins it, `tpx upgrade --force tpxdemo` upgrades it anyway\n',
    ]);
    // A reinstall (and doctor's, the same rebuild) keeps what is pinned at its version.
    expect((await world.run(['reinstall', 'tpxdemo'])).code).toBe(0);
    expect([await version(world, 'tpxdemo'), world.ls(sitePackages(world)).filter((d) => d.startsWith('helperlib-'))]).toEqual([
      'tpxdemo 1.0',
      ['helperlib-1.0.dist-info'],
    ]);
    const f = await world.run(['upgrade', '--force', 'tpxdemo']);
    expect(f.code, f.stderr).toBe(0);
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 2.0');
    expect(receipt(world, 'tpxdemo').pinned).toBe(true);
    expect((await world.run(['unpin', 'tpxdemo'])).stderr).toBe('unpinned tpxdemo (2.0) and 1 injected package\n');
    expect(receipt(world, 'tpxdemo')).toMatchObject({ pinned: false, request: { injected: [{ name: 'helperlib', pinned: false }] } });
    expect((await world.run(['unpin', 'tpxdemo'])).stderr).toBe('tpxdemo is already unpinned\n');
  });
});

describe('tpx upgrade-all', () => {
  it('one broken (python gone), one failing, one pinned, two outdated: all reported, the good ones upgraded, exit 1', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp', 'withdep', 'multiapp', 'guitool'])).code).toBe(0);
    removePython(world, 'guitool');
    expect((await world.run(['pin', 'multiapp'])).code).toBe(0);
    world.unpublish('withdep-1.0');
    for (const id of ['tpxdemo-2.0', 'oneapp-2.0', 'withdep-2.0']) world.publish(id);
    const withdepBefore = readFileSync(receiptFile(world, 'withdep'), 'utf8');

    const r = await world.run(['upgrade-all']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // A snapshot: the summary's wording and layout show up in review when they change.
    expect(scrub(world, r.stderr.slice(r.stderr.indexOf('\nsummary: ') + 1))).toMatchInlineSnapshot(`
      "summary: 2 upgraded, 1 skipped, 2 failed
        tool      result       detail
        guitool   FAILED       guitool's Python is gone (<python>); rebuild it: tpx reinstall guitool (--python PY picks another interpreter)
        multiapp  skipped      pinned at 1.0
        oneapp    upgraded     1.0 → 2.0
        tpxdemo   upgraded     1.0 → 2.0
        withdep   FAILED       pip could not install withdep; withdep needs helperlib>=9, and no version of it matches; available: 1.0
      "
    `);
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 2.0');
    expect((await world.exec(join(world.binDir, 'oneapp-cli'), [])).stdout).toBe('oneapp-cli 2.0\n');
    expect((await world.exec(join(world.binDir, 'withdep'), [])).stdout).toBe('withdep 1.0 using helperlib 1.0\n');
    expect(readFileSync(receiptFile(world, 'withdep'), 'utf8')).toBe(withdepBefore);
  });

  it('keeps a --suffix copy installed at an exact version; an index that cannot be reached is said once and nothing is built', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    expect((await world.run(['install', '--suffix', '@1', 'tpxdemo==1.0'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    const r = await world.run(['upgrade-all']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /tpxdemo@1 +skipped +kept at 1\.0: a --suffix copy installed as tpxdemo==1\.0 \(`tpx upgrade tpxdemo@1` upgrades it\)/,
    );
    expect(await version(world, 'tpxdemo@1')).toBe('tpxdemo 1.0');
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 2.0');

    // Offline: the index refuses connections.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`;
    server.close();
    const generations = world.ls(join(world.tpxHome, 'envs'));
    const offline = await world.run(['upgrade-all'], { env: { PIP_INDEX_URL: url } });
    expect(offline.code).toBe(1);
    const errors = offline.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors, offline.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^error: (oneapp|tpxdemo): the package index ${url} could not be reached \\(ECONNREFUSED\\)$`));
    const first = /^error: (\w+):/.exec(errors[0] as string)?.[1];
    const other = first === 'oneapp' ? 'tpxdemo' : 'oneapp';
    expect(offline.stderr).toContain(`\n${other} failed too: the same error as ${first}\n`);
    // The summary, by name: the first row with the error spells it out.
    expect(offline.stderr).toMatch(/\n {2}tpxdemo +FAILED +the same error as oneapp\n/);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual(generations);
  });

  it('a tool at a pre-release is offered the final release (PEP 440 order) by list --outdated and upgrade-all', async () => {
    world = await makeWorld({ packages: ['tpxdemo-2.0rc1'] });
    expect((await world.run(['install', 'tpxdemo==2.0rc1'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    const outdated = await world.run(['list', '--outdated']);
    expect(outdated.code, outdated.stderr).toBe(0);
    expect(outdated.stdout).toBe('tpxdemo 2.0rc1 → 2.0\n');
    const r = await world.run(['upgrade-all']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('tpxdemo 2.0rc1 → 2.0\n');
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 2.0');
  });

  it('--skip, "already latest", and --jobs validation; the shared pip caches its bytecode even under PYTHONDONTWRITEBYTECODE', async () => {
    world = await makeWorld({ fresh: true });
    const installed = await world.run(['install', 'tpxdemo', 'oneapp'], { env: { PYTHONDONTWRITEBYTECODE: '1' } });
    expect(installed.code, installed.stderr).toBe(0);
    // So later pip runs skip compiling pip.
    const [pip] = world.ls(join(world.tpxHome, 'shared'));
    expect(world.ls(join(world.tpxHome, 'shared', pip as string, 'pip', '_internal'))).toContain('__pycache__');
    world.publish('tpxdemo-2.0');
    const r = await world.run(['upgrade-all', '--skip', 'tpxdemo', '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('oneapp is already at the latest version (1.0)');
    expect(r.stderr).toMatch(/tpxdemo {2}skipped {6}--skip/);
    expect(await version(world, 'tpxdemo')).toBe('tpxdemo 1.0');
    const bad = await world.run(['upgrade-all', '--jobs', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --jobs must be a whole number ≥ 1, not "0"\n');
  });
});

describe('injected packages', () => {
  it('are replayed by reinstall, held by upgrade, and upgraded with --include-injected', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['inject', 'tpxdemo', 'helperlib'])).code).toBe(0);
    // reinstall replays the injected package from the receipt.
    expect((await world.run(['reinstall', 'tpxdemo'])).code).toBe(0);
    const helperlib = () => world.ls(sitePackages(world)).filter((d) => d.startsWith('helperlib-'));
    expect(helperlib()).toEqual(['helperlib-1.0.dist-info']);

    world.publish('tpxdemo-2.0');
    world.publish('helperlib-2.0');
    const up = await world.run(['upgrade', 'tpxdemo']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('tpxdemo 1.0 → 2.0');
    expect(helperlib()).toEqual(['helperlib-1.0.dist-info']);
    const inj = await world.run(['upgrade', '--include-injected', 'tpxdemo']);
    expect(inj.code, inj.stderr).toBe(0);
    expect(inj.stderr).toContain('tpxdemo 2.0 rebuilt (same version; its source or packages changed)');
    expect(helperlib()).toEqual(['helperlib-2.0.dist-info']);
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([
      { spec: 'helperlib', name: 'helperlib', includeApps: false, includeDeps: false, pipArgs: [], pinned: false },
    ]);
  });
});

function sitePackages(w: World): string {
  const lib = join(w.tpxHome, 'tools', 'tpxdemo', 'lib');
  return join(lib, w.ls(lib)[0] as string, 'site-packages');
}

describe('tools installed from a path', () => {
  it('are rebuilt by upgrade-all, and kept only when their files changed; once the path is gone, that tool fails with a hint and the others still upgrade', async () => {
    world = await makeWorld();
    const project = join(world.root, 'localtool');
    cpSync(join(__dirname, '..', '..', 'fixtures', 'projects', 'localtool'), project, { recursive: true });
    expect((await world.run(['install', project, 'oneapp'])).code).toBe(0);
    const generation = world.readlink(join(world.tpxHome, 'tools', 'localtool'));
    // Nothing changed in the project: the build is the tool's, and thrown away.
    const same = await world.run(['upgrade-all']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/localtool +latest +0\.1\n/);
    expect(world.readlink(join(world.tpxHome, 'tools', 'localtool'))).toBe(generation);
    // Its code changed, its version did not: a rebuild, kept.
    const init = join(project, 'localtool', '__init__.py');
    writeFileSync(init, readFileSync(init, 'utf8').replace('localtool 0.1 args', 'localtool 0.1 (changed) args'));
    const built = await world.run(['upgrade-all']);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toMatch(/localtool +upgraded +0\.1 \(rebuilt\)/);
    expect((await world.exec(join(world.binDir, 'localtool'), ['x'])).stdout).toBe('localtool 0.1 (changed) args: x\n');

    rmSync(project, { recursive: true });
    world.publish('oneapp-2.0');
    const r = await world.run(['upgrade-all']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /localtool +FAILED +localtool cannot be rebuilt: .*localtool: no such file or directory; it was installed from that path/,
    );
    expect(r.stderr).toMatch(/oneapp +upgraded +1\.0 → 2\.0/);
    expect((await world.exec(join(world.binDir, 'localtool'), ['x'])).stdout).toBe('localtool 0.1 (changed) args: x\n');
  });
});
