// What a pipx user (or a script written for pipx) met that did not work: each case failed before its
// fix (issue 21, "Bugs"). One world for all of them; each case uses tools of its own in it.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWheels, defaultFixtureIds, fixture, fixturesDir } from '../helpers/fixtures.js';
import { receipt, removePython } from '../helpers/tools.js';
import { makeWorld, wheelsDir, type World } from '../helpers/world.js';

let world: World;
/** guitool is not on the index: deptool's copy of it is reached by a direct URL only. */
beforeAll(async () => {
  world = await makeWorld({ packages: defaultFixtureIds().filter((id) => id !== 'guitool-1.0') });
});
afterAll(async () => world?.dispose());

const sitePackages = (key: string) => {
  const lib = join(world.tpxHome, 'tools', key, 'lib');
  return join(lib, world.ls(lib)[0] as string, 'site-packages');
};
const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const dists = (key: string) => world.ls(sitePackages(key)).filter((d) => d.endsWith('.dist-info'));

/** A copy of fixtures/projects/deptool whose METADATA also has `lines` (requires.txt). */
function depProject(name: string, lines: string[]): string {
  const dir = join(world.root, name);
  cpSync(join(fixturesDir, 'projects', 'deptool'), dir, { recursive: true });
  writeFileSync(join(dir, 'requires.txt'), `${readFileSync(join(dir, 'requires.txt'), 'utf8')}${lines.map((l) => `${l}\n`).join('')}`);
  return dir;
}

describe("what a pipx user's scripts do", () => {
  it('`tpx run pip`: a package named pip is installed into the environment like any other', async () => {
    // A small stand-in for pip on the index (installing the real one compiles a thousand files): what
    // made pip "installed but its metadata cannot be found" was the name, the shared pip's own.
    const fake = join(world.root, 'fake');
    mkdirSync(join(fake, 'pip-99.0', 'src'), { recursive: true });
    writeFileSync(join(fake, 'pip-99.0', 'src', 'fakepip.py'), 'def main():\n    print("a pip 99.0")\n');
    writeFileSync(
      join(fake, 'pip-99.0', 'fixture.json'),
      JSON.stringify({ name: 'pip', version: '99.0', console_scripts: { pip: 'fakepip:main' } }),
    );
    buildWheels(world.indexDir, fake);
    const r = await world.run(['run', 'pip', '--version']);
    expect([r.code, r.stdout], r.stderr).toEqual([0, 'a pip 99.0\n']);
  });

  it("install './project[extra]' installs the project with the extra; inject into a tool keeps its dependency from a direct URL", async () => {
    // deptool depends on guitool by a direct URL, a wheel no index has.
    const wheels = join(world.root, 'wheels');
    mkdirSync(wheels);
    cpSync(join(wheelsDir, fixture('guitool-1.0').wheel), join(wheels, fixture('guitool-1.0').wheel));
    const url = pathToFileURL(join(wheels, fixture('guitool-1.0').wheel)).href;
    depProject('deptool', [`Requires-Dist: guitool @ ${url}`]);
    const i = await world.run(['install', './deptool[helper]'], { cwd: world.root });
    expect(i.code, i.stderr).toBe(0);
    expect(receipt(world, 'deptool').request.spec).toBe(`${join(world.root, 'deptool')}[helper]`);
    expect(dists('deptool')).toEqual(['deptool-0.1.dist-info', 'guitool-1.0.dist-info', 'helperlib-1.0.dist-info']);

    const inj = await world.run(['inject', 'deptool', 'oneapp']);
    expect(inj.code, inj.stderr).toBe(0);
    expect(dists('deptool')).toEqual(['deptool-0.1.dist-info', 'guitool-1.0.dist-info', 'helperlib-1.0.dist-info', 'oneapp-1.0.dist-info']);
    // Rebuilt from the extras recorded with the path: upgrade keeps the extra.
    expect((await world.run(['upgrade', 'deptool'])).code).toBe(0);
    expect(dists('deptool')).toContain('helperlib-1.0.dist-info');
  });

  it('PYTHONPATH set for another Python does not reach an app `tpx run` starts, built or from the cache', async () => {
    const project = depProject('runtool', []);
    const env = { PYTHONPATH: join(world.root, 'elsewhere') };
    const built = await world.run(['run', project], { env });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toBe('deptool 0.1 PYTHONPATH=(unset)\n');
    const hit = await world.run(['run', project], { env });
    expect([hit.code, hit.stdout]).toEqual([0, 'deptool 0.1 PYTHONPATH=(unset)\n']);
  });

  it("list shows a suffixed tool's apps by the names they have on PATH", async () => {
    expect((await world.run(['install', '--suffix=_x', 'multiapp'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(expect.arrayContaining(['multi-a_x', 'multi-b_x']));
    const list = await world.run(['list', 'multiapp_x']);
    expect(list.stdout).toMatch(/^multiapp-x 1\.0 \(Python [\d.]+\)\n {4}multi-a_x\n {4}multi-b_x\n$/);
  });

  it('inject --include-deps links the apps of the dependencies an extra brings, as install --include-deps does', async () => {
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const r = await world.run(['inject', '--include-deps', 'oneapp', 'tpxdemo[helper]']);
    expect(r.code, r.stderr).toBe(0);
    expect(receipt(world, 'oneapp').apps.map((a: { name: string }) => a.name)).toEqual([
      'oneapp-cli',
      'tpxdemo',
      'tpxdemo-admin',
      'helperlib-cli',
    ]);
    expect(world.ls(world.binDir)).toContain('helperlib-cli');
  });

  it('list NAME --outdated checks only NAME; --include-injected also shows an injected package pip moved back', async () => {
    // oneapp (installed above) and tpxdemo both have a newer version; tpxdemo's apps are oneapp's now (above).
    expect((await world.run(['install', '--suffix=@o', 'tpxdemo'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    world.publish('oneapp-2.0');
    const named = await world.run(['list', '--outdated', 'oneapp']);
    expect([named.code, named.stdout]).toEqual([0, 'oneapp 1.0 → 2.0\n']);
    const unknown = await world.run(['list', '--outdated', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: nosuch is not installed');

    // helperlib injected at 2.0, then put back to 1.0 by hand (runpip): upgrade --include-injected would move it.
    world.publish('helperlib-2.0');
    expect((await world.run(['inject', 'tpxdemo@o', 'helperlib'])).code).toBe(0);
    expect((await world.run(['runpip', 'tpxdemo@o', 'install', 'helperlib==1.0'])).code).toBe(0);
    const plain = await world.run(['list', '--outdated', 'tpxdemo@o']);
    expect(plain.stdout).toBe('tpxdemo@o 1.0 → 2.0\n');
    const injected = await world.run(['list', '--outdated', '--include-injected', 'tpxdemo@o']);
    expect([injected.code, injected.stdout]).toEqual([0, 'tpxdemo@o 1.0 → 2.0\n    injected helperlib 1.0 → 2.0\n']);
    const json = JSON.parse((await world.run(['list', '--outdated', '--include-injected', '--json', 'tpxdemo@o'])).stdout);
    expect(json.outdated).toEqual([
      { name: 'tpxdemo@o', version: '1.0', latest: '2.0', pinned: false, injected: [{ name: 'helperlib', version: '1.0', latest: '2.0' }] },
    ]);
    world.unpublish('tpxdemo-2.0');
    world.unpublish('oneapp-2.0');
    world.unpublish('helperlib-2.0');
  });

  it('doctor --fix --json prints the document only', async () => {
    // Its Python gone: the repair is a reinstall, which shows progress without --json.
    expect((await world.run(['install', 'clash-a'])).code).toBe(0);
    removePython(world, 'clash-a');
    const r = await world.run(['doctor', '--fix', '--json', 'clash-a']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).fixed).toEqual([
      expect.stringMatching(/^reinstalled clash-a 1\.0 \(Python [\d.]+\) from its receipt(, on Python 3\.\d+ as before)?$/),
    ]);
  });

  it('a script whose `# /// script` block is empty has no dependencies', async () => {
    const script = join(world.root, 'empty.py');
    writeFileSync(script, '# /// script\n# ///\nprint("ran with nothing")\n');
    const r = await world.run(['run', script]);
    expect([r.code, r.stdout], r.stderr).toEqual([0, 'ran with nothing\n']);
  });

  it('install --lock of a lock that lists a package without its dependencies is refused, nothing installed', async () => {
    const whl = fixture('withdep-1.0').wheel;
    const sha256 = sha256Of(join(world.indexDir, whl));
    const lock = join(world.root, 'pylock.partial.toml');
    writeFileSync(
      lock,
      `lock-version = "1.0"\ncreated-by = "a hand"\n\n[[packages]]\nname = "withdep"\nversion = "1.0"\n\n[[packages.wheels]]\nurl = "${world.index.url}/withdep/${whl}"\nhashes = { sha256 = "${sha256}" }\n`,
    );
    const r = await world.run(['install', '--lock', lock, 'withdep']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: the lock of withdep is incomplete');
    expect(r.stderr).toContain('withdep 1.0 requires helperlib');
    expect(world.ls(join(world.tpxHome, 'tools'))).not.toContain('withdep');
    expect(world.ls(world.binDir)).not.toContain('withdep');

    // One that lists the dependency at a version the package excludes (withdep 2.0 needs helperlib>=9;
    // a direct archive, as no index here has it) is refused the same way.
    const helperlib = fixture('helperlib-1.0').wheel;
    const newer = join(wheelsDir, fixture('withdep-2.0').wheel);
    writeFileSync(
      lock,
      `lock-version = "1.0"\ncreated-by = "a hand"\n\n[[packages]]\nname = "withdep"\nversion = "2.0"\n\n[packages.archive]\nurl = "${pathToFileURL(newer).href}"\nhashes = { sha256 = "${sha256Of(newer)}" }\n\n[[packages]]\nname = "helperlib"\nversion = "1.0"\n\n[[packages.wheels]]\nurl = "${world.index.url}/helperlib/${helperlib}"\nhashes = { sha256 = "${sha256Of(join(world.indexDir, helperlib))}" }\n`,
    );
    const excluded = await world.run(['install', '--lock', lock, 'withdep']);
    expect(excluded.code, excluded.stderr).toBe(1);
    expect(excluded.stderr).toContain('withdep 2.0 requires helperlib>=9, and the lock has helperlib 1.0');
    expect(world.ls(join(world.tpxHome, 'tools'))).not.toContain('withdep');
  });

  it('tpx lock: a lock that cannot be replaced is one clear error, and the other locks are put back', async () => {
    const dir = join(world.root, 'team');
    mkdirSync(join(dir, 'pylock.tpxdemo.toml'), { recursive: true });
    writeFileSync(join(dir, 'tpx.toml'), '[tools]\noneapp = "oneapp"\ntpxdemo = "tpxdemo"\n');
    writeFileSync(join(dir, 'pylock.oneapp.toml'), 'the old lock\n');
    const r = await world.run(['lock'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot write ${join(dir, 'pylock.tpxdemo.toml')}: it is a directory`);
    expect(r.stderr).not.toMatch(/EISDIR|internal error/);
    expect(readFileSync(join(dir, 'pylock.oneapp.toml'), 'utf8')).toBe('the old lock\n');
    expect(world.ls(dir)).toEqual(['pylock.oneapp.toml', 'pylock.tpxdemo.toml', 'tpx.toml']);
  });
});
