import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const receipt = (w: World, key: string) => JSON.parse(readFileSync(join(w.tpxHome, 'tools', key, 'tpx.json'), 'utf8'));
const distInfos = (w: World, key: string) => {
  const lib = join(w.tpxHome, 'tools', key, 'lib');
  const site = join(lib, w.ls(lib)[0] as string, 'site-packages');
  return w.ls(site).filter((d) => d.endsWith('.dist-info'));
};
/** Everything a failed command must leave as it was. */
const snapshot = (w: World, key: string) => ({
  gen: w.readlink(join(w.tpxHome, 'tools', key)),
  receipt: receipt(w, key),
  bin: w.ls(w.binDir),
  dists: distInfos(w, key),
});

describe('tpx inject', () => {
  it('adds a package, records it, keeps everything else at its version, and keeps the old generation; a local project directory and a wheel are recorded by the names pip reports', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const oldGen = world.readlink(join(world.tpxHome, 'tools', 'tpxdemo'));
    // A newer tpxdemo on the index must not sneak in through the rebuild.
    world.publish('tpxdemo-2.0');
    const r = await world.run(['inject', 'tpxdemo', 'withdep']);
    expect(r.stderr).toContain('injected withdep 1.0 into tpxdemo');
    expect(r.code).toBe(0);
    expect(distInfos(world, 'tpxdemo')).toEqual(['helperlib-1.0.dist-info', 'tpxdemo-1.0.dist-info', 'withdep-1.0.dist-info']);
    const rec = receipt(world, 'tpxdemo');
    expect(rec.version).toBe('1.0');
    expect(rec.request.injected).toEqual([
      { spec: 'withdep', name: 'withdep', includeApps: false, includeDeps: false, pipArgs: [], pinned: false },
    ]);
    expect(rec.previousGeneration).toBe(oldGen?.split('/').pop());
    // Only the tool's own apps are linked; the injected package's are not (no --include-apps).
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin']);
    expect((await world.exec(join(world.binDir, 'tpxdemo'), ['--version'])).stdout).toBe('tpxdemo 1.0\n');
    expect(JSON.parse((await world.run(['list', '--json'])).stdout).tools[0].injected).toEqual(['withdep']);

    const again = await world.run(['inject', 'tpxdemo', 'withdep']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('withdep is already injected into tpxdemo');
    expect(receipt(world, 'tpxdemo').generation).toBe(rec.generation);

    // The same tool, withdep taken out again: a local project directory and a wheel are recorded by the names pip reports.
    expect((await world.run(['uninject', 'tpxdemo', 'withdep'])).code).toBe(0);
    const project = join(__dirname, '..', '..', 'fixtures', 'projects', 'localtool');
    const wheel = join(world.indexDir, 'oneapp-1.0-py3-none-any.whl');
    const local = await world.run(['inject', '--include-apps', 'tpxdemo', project, wheel]);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).toContain('injected localtool 0.1 into tpxdemo');
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([
      { spec: project, name: 'localtool', includeApps: true, includeDeps: false, pipArgs: [], pinned: false },
      { spec: wheel, name: 'oneapp', includeApps: true, includeDeps: false, pipArgs: [], pinned: false },
    ]);
    expect((await world.exec(join(world.binDir, 'localtool'), ['x'])).stdout).toBe('localtool 0.1 args: x\n');
    expect((await world.run(['uninject', 'tpxdemo', 'localtool'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli', 'tpxdemo', 'tpxdemo-admin']);
  });

  it('--include-apps links the injected apps; uninject removes them and orphaned dependencies', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const r = await world.run(['inject', '--include-apps', 'tpxdemo', 'oneapp', 'withdep']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`injected oneapp 1.0 into tpxdemo\n  ${join(world.binDir, 'oneapp-cli')}`);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli', 'tpxdemo', 'tpxdemo-admin', 'withdep']);
    expect((await world.exec(join(world.binDir, 'oneapp-cli'), [])).stdout).toBe('oneapp-cli 1.0\n');

    const u = await world.run(['uninject', 'tpxdemo', 'withdep', 'oneapp']);
    expect(u.code).toBe(0);
    expect(u.stderr).toContain('uninjected withdep from tpxdemo');
    expect(u.stderr).toContain('removed dependencies nothing else needs: helperlib 1.0');
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin']);
    expect(distInfos(world, 'tpxdemo')).toEqual(['tpxdemo-1.0.dist-info']);
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([]);
  });

  it('uninject --leave-deps keeps the dependencies; a package another one needs stays installed', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['inject', 'tpxdemo', 'withdep', 'helperlib'])).code).toBe(0);
    world.publish('helperlib-2.0');
    const u = await world.run(['uninject', 'tpxdemo', 'helperlib']);
    expect(u.code).toBe(0);
    expect(u.stderr).toContain('uninjected helperlib from tpxdemo; it stays installed because another package in tpxdemo needs it');
    expect(receipt(world, 'tpxdemo').request.injected.map((i: { name: string }) => i.name)).toEqual(['withdep']);
    // Still needed by withdep, and still at the version it had, though a newer one is out.
    expect(distInfos(world, 'tpxdemo')).toContain('helperlib-1.0.dist-info');
    const l = await world.run(['uninject', '--leave-deps', 'tpxdemo', 'withdep']);
    expect(l.code).toBe(0);
    expect(distInfos(world, 'tpxdemo')).toEqual(['helperlib-1.0.dist-info', 'tpxdemo-1.0.dist-info']);
  });

  it("the tool's own package with extras adds their dependencies to it, recorded; uninject takes them back; -r reads a requirements file", async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    const r = await world.run(['inject', 'tpxdemo', 'tpxdemo[helper]']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("added tpxdemo's extra helper to tpxdemo: helperlib 1.0");
    // The tool itself stays at its version: only the extra's dependencies are new.
    expect(distInfos(world, 'tpxdemo')).toEqual(['helperlib-1.0.dist-info', 'tpxdemo-1.0.dist-info']);
    expect(receipt(world, 'tpxdemo').request).toMatchObject({ spec: 'tpxdemo[helper]', injected: [] });
    const again = await world.run(['inject', 'tpxdemo', 'tpxdemo[helper]']);
    expect(again.stderr).toBe('tpxdemo already has the extra helper\n');

    // Kept by upgrade and reinstall, which replay the recorded spec.
    expect((await world.run(['upgrade', 'tpxdemo'])).code).toBe(0);
    expect(distInfos(world, 'tpxdemo')).toEqual(['helperlib-1.0.dist-info', 'tpxdemo-2.0.dist-info']);
    expect((await world.run(['reinstall', 'tpxdemo'])).code).toBe(0);
    expect(distInfos(world, 'tpxdemo')).toEqual(['helperlib-1.0.dist-info', 'tpxdemo-2.0.dist-info']);

    const u = await world.run(['uninject', 'tpxdemo', 'tpxdemo[helper]']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain("removed tpxdemo's extra helper from tpxdemo");
    expect(u.stderr).toContain('removed dependencies nothing else needs: helperlib 1.0');
    expect(distInfos(world, 'tpxdemo')).toEqual(['tpxdemo-2.0.dist-info']);
    expect(receipt(world, 'tpxdemo').request.spec).toBe('tpxdemo');

    // The same tool: -r reads a requirements file, skipping comments and option lines.
    const file = join(world.root, 'reqs.txt');
    writeFileSync(file, '# tools I like\nhelperlib>=1.0  # the helper\n\n--index-url http://example.invalid/\noneapp\n');
    const req = await world.run(['inject', 'tpxdemo', '-r', file]);
    expect(req.code).toBe(0);
    expect(req.stderr).toContain(`warning: ${file}: skipped "--index-url http://example.invalid/"`);
    expect(receipt(world, 'tpxdemo').request.injected.map((i: { spec: string }) => i.spec)).toEqual(['helperlib>=1.0', 'oneapp']);
  });
});

describe('tpx inject / uninject: bad input and faults leave the tool as it was', () => {
  it('inject into a tool that is not installed; uninject of a package that was not injected, of the main package; inject of the main package', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const missing = await world.run(['inject', 'nosuchtool', 'helperlib']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: nosuchtool is not installed\nhint: installed tools: tpxdemo\n');
    expect((await world.run(['inject', 'tpxdemo', 'helperlib'])).code).toBe(0);
    const before = snapshot(world, 'tpxdemo');
    const cases: [string[], string][] = [
      [['uninject', 'tpxdemo', 'oneapp'], 'error: oneapp is not injected into tpxdemo\nhint: injected into tpxdemo: helperlib\n'],
      [
        ['uninject', 'tpxdemo', 'tpxdemo'],
        "error: tpxdemo is tpxdemo's own package, not an injected one\nhint: to remove the whole tool, run `tpx uninstall tpxdemo`\n",
      ],
      [
        ['inject', 'tpxdemo', 'tpxdemo==2.0'],
        "error: tpxdemo==2.0 is tpxdemo's own package; it cannot be injected into itself\nhint: to change its version, use `tpx upgrade tpxdemo==2.0`; to add one of its extras, `tpx inject tpxdemo 'tpxdemo[EXTRA]'`\n",
      ],
      [['uninject', 'tpxdemo', 'tpxdemo[helper]'], 'error: tpxdemo has no extra helper\nhint: tpxdemo was installed without extras\n'],
      [
        ['inject', 'tpxdemo', '-r', join(world.root, 'missing.txt')],
        `error: cannot read requirements file ${join(world.root, 'missing.txt')}\nhint: give the path of a requirements.txt file: one package spec per line\n`,
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await world.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(stderr);
      expect(snapshot(world, 'tpxdemo')).toEqual(before);
    }
  });

  it('a package pip cannot install: exit 1, the hint says the tool was left as it was, nothing changed', async () => {
    world = await makeWorld();
    expect((await world.run(['install', '--include-deps', 'withdep'])).code).toBe(0);
    const before = snapshot(world, 'withdep');
    const r = await world.run(['inject', 'withdep', 'brokendep']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: pip could not inject brokendep into withdep$/m);
    expect(r.stderr).toContain('hint: withdep was left as it was.');
    expect(snapshot(world, 'withdep')).toEqual(before);
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(1);
    expect((await world.exec(join(world.binDir, 'withdep'), [])).code).toBe(0);
    expect(existsSync(join(world.binDir, 'helperlib-cli'))).toBe(true);
  });

  it('a package that needs a newer version of a held one: the hint says how to let it move', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'withdep'])).code).toBe(0);
    world.publish('helperlib-2.0');
    const before = snapshot(world, 'withdep');
    const r = await world.run(['inject', 'withdep', 'needsnew']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'hint: withdep was left as it was.\nhint: Every package already in it is held at its installed version. If the new one needs a newer version of one of them, name that one too',
    );
    expect(snapshot(world, 'withdep')).toEqual(before);
    // Naming helperlib lets it move.
    const ok = await world.run(['inject', 'withdep', 'needsnew', 'helperlib']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(distInfos(world, 'withdep')).toEqual(['helperlib-2.0.dist-info', 'needsnew-1.0.dist-info', 'withdep-1.0.dist-info']);
  });

  it('a tool installed from a path that is gone cannot be rebuilt: clear error, nothing changed', async () => {
    world = await makeWorld();
    const wheel = join(world.root, 'tpxdemo-1.0-py3-none-any.whl');
    copyFileSync(join(world.indexDir, 'tpxdemo-1.0-py3-none-any.whl'), wheel);
    expect((await world.run(['install', wheel])).code).toBe(0);
    rmSync(wheel);
    const before = snapshot(world, 'tpxdemo');
    const r = await world.run(['inject', 'tpxdemo', 'helperlib']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: tpxdemo cannot be rebuilt: ${wheel}: no such file or directory\nhint: tpxdemo was left as it was.`);
    expect(snapshot(world, 'tpxdemo')).toEqual(before);
  });
});
