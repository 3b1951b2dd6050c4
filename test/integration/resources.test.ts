import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const receipt = (w: World, key: string) => JSON.parse(readFileSync(join(w.tpxHome, 'tools', key, 'tpx.json'), 'utf8'));

describe("tools' man pages and completion files", () => {
  it('are linked like apps: followed by upgrade and rollback, refused over a foreign file, repaired by doctor, removed with the tool', async () => {
    // The bin dir on PATH: doctor would count it as a problem of its own otherwise.
    world = await makeWorld({ withBinOnPath: true });
    const man = (section: string) => world.ls(join(world.manDir, section));
    const comp = (shell: string) => world.ls(join(world.tpxHome, 'completions', shell));
    const tool = join(world.tpxHome, 'tools', 'mantool');

    // Installed with the bin dir off PATH: `man` (man-db) does not look in the man dir either, and tpx says so.
    const offPath = { PATH: world.env.PATH?.split(':').slice(1).join(':') };
    const i = await world.run(['install', 'mantool'], { env: offPath });
    expect(i.code, i.stderr).toBe(0);
    expect(i.stderr).toContain('man pages: mantool(1), mantool.conf(5); completions: bash, fish, zsh');
    expect(i.stderr).toContain(`warning: \`man\` does not look in ${world.manDir}, so it will not find the man pages above.\n`);
    const advice = /^hint: {3}(export MANPATH="\$MANPATH:(.*)")$/m.exec(i.stderr);
    expect(advice?.[2], i.stderr).toBe(world.manDir);
    const where = (env: Record<string, string | undefined>) =>
      world.exec('man', ['-w', 'mantool'], { env: { MANPATH: undefined, ...env } });
    expect((await where(offPath)).code).not.toBe(0);
    // The hint's line, as a shell would expand it with MANPATH unset: man finds the page.
    // (man -w names the page's file with the links resolved: the tool's own.)
    expect((await where({ ...offPath, MANPATH: `:${world.manDir}` })).stdout).toMatch(/\/share\/man\/man1\/mantool\.1\n$/);
    // With the bin dir on PATH, its ../man is where man-db looks: no warning would be given, and none is needed.
    expect((await where({})).stdout).toMatch(/\/share\/man\/man1\/mantool\.1\n$/);
    const again = await world.run(['install', '--force', 'mantool']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('`man` does not look');
    expect([man('man1'), man('man5'), comp('bash'), comp('zsh'), comp('fish')]).toEqual([
      ['mantool.1'],
      ['mantool.conf.5'],
      ['mantool'],
      ['_mantool'],
      ['mantool.fish'],
    ]);
    // Through the tool's stable path, like an app's link: generations switch without relinking.
    expect(world.readlink(join(world.manDir, 'man1', 'mantool.1'))).toBe(join(tool, 'share', 'man', 'man1', 'mantool.1'));
    // What a user types: man finds the page through the link.
    const page = await world.exec('man', ['mantool'], { env: { MANPATH: world.manDir, MANWIDTH: '80', MAN_KEEP_FORMATTING: undefined } });
    expect(page.code, page.stderr).toBe(0);
    expect(page.stdout).toContain('a tpx test fixture with a man page');
    expect(receipt(world, 'mantool').resources.map((r: { path: string }) => r.path)).toContain('share/man/man5/mantool.conf.5');
    const list = await world.run(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('    man pages: mantool(1), mantool.conf(5); completions: bash, fish, zsh');

    // 2.0 has no mantool.conf(5): the upgrade unlinks it; a rollback links it again.
    world.publish('mantool-2.0');
    expect((await world.run(['upgrade', 'mantool'])).code).toBe(0);
    expect([man('man1'), man('man5')]).toEqual([['mantool.1'], []]);
    expect((await world.run(['rollback', 'mantool'])).code).toBe(0);
    expect([man('man1'), man('man5')]).toEqual([['mantool.1'], ['mantool.conf.5']]);

    // A missing link is a problem list and doctor see; doctor --fix makes it again.
    rmSync(join(world.tpxHome, 'completions', 'zsh', '_mantool'));
    const broken = await world.run(['list']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('! _mantool: link missing');
    const fix = await world.run(['doctor', '--fix']);
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(comp('zsh')).toEqual(['_mantool']);

    // Uninstall removes every link, and nothing else in those dirs.
    writeFileSync(join(world.manDir, 'man1', 'mine.1'), 'a page of my own');
    expect((await world.run(['uninstall', 'mantool'])).code).toBe(0);
    expect([man('man1'), man('man5'), comp('bash'), comp('zsh'), comp('fish')]).toEqual([['mine.1'], [], [], [], []]);

    // A file tpx did not make in a slot: refused, nothing installed, the file untouched.
    writeFileSync(join(world.manDir, 'man1', 'mantool.1'), 'my own page');
    const refused = await world.run(['install', 'mantool']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${join(world.manDir, 'man1', 'mantool.1')} (a file tpx did not make)`);
    expect([existsSync(tool), world.ls(world.binDir), readFileSync(join(world.manDir, 'man1', 'mantool.1'), 'utf8')]).toEqual([
      false,
      [],
      'my own page',
    ]);
    rmSync(join(world.manDir, 'man1', 'mantool.1'));

    // A suffixed copy: its man page is named with the suffix; completion files complete the command
    // they were written for, which it does not have, so they are not linked.
    expect((await world.run(['install', '--suffix', '@2', 'mantool'])).code).toBe(0);
    expect([man('man1'), comp('bash')]).toEqual([['mantool@2.1', 'mine.1'], []]);
  });

  it("a dependency's resources are linked with --include-resources-from (or --include-deps), recorded, and named in the no-apps hint", async () => {
    world = await makeWorld();
    mkdirSync(world.manDir, { recursive: true });
    const plain = await world.run(['install', 'mandep']);
    expect(plain.code, plain.stderr).toBe(0);
    expect([world.ls(world.binDir), world.ls(join(world.manDir, 'man1'))]).toEqual([['mandep'], []]);
    const bad = await world.run(['install', '--force', '--include-resources-from', 'nosuch', 'mandep']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: --include-resources-from nosuch: nosuch is not installed in mandep');
    expect(bad.stderr).toContain('hint: installed with it: mantool');
    const r = await world.run(['install', '--force', '--include-resources-from', 'mantool', 'mandep']);
    expect(r.code, r.stderr).toBe(0);
    expect([world.ls(world.binDir), world.ls(join(world.manDir, 'man1'))]).toEqual([['mandep', 'mantool'], ['mantool.1']]);
    expect(receipt(world, 'mandep').request.includeResourcesFrom).toEqual(['mantool']);
    // Recorded: a reinstall keeps them.
    expect((await world.run(['reinstall', 'mandep'])).code).toBe(0);
    expect([world.ls(world.binDir), world.ls(join(world.manDir, 'man1'))]).toEqual([['mandep', 'mantool'], ['mantool.1']]);

    // inject --include-resources-from: a dependency of an injected package, linked for as long as it is injected.
    expect((await world.run(['uninstall', 'mandep'])).code).toBe(0);
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const inj = await world.run(['inject', '--include-resources-from', 'mantool', 'oneapp', 'mandep']);
    expect(inj.code, inj.stderr).toBe(0);
    expect(inj.stderr).toContain(`injected mandep 1.0 into oneapp\n  ${join(world.binDir, 'mantool')} (from mantool)\n`);
    expect([world.ls(world.binDir), world.ls(join(world.manDir, 'man1'))]).toEqual([['mantool', 'oneapp-cli'], ['mantool.1']]);
    expect(receipt(world, 'oneapp').request.injected[0].includeResourcesFrom).toEqual(['mantool']);
    expect((await world.run(['list', '--include-injected', 'oneapp'])).stdout).toMatch(/ {4}injected: mandep\n {8}mantool\n/);
    expect((await world.run(['uninject', 'oneapp', 'mandep'])).code).toBe(0);
    expect([world.ls(world.binDir), world.ls(join(world.manDir, 'man1'))]).toEqual([['oneapp-cli'], []]);

    // As pipx: a link to nothing where an app or a man page goes is replaced; with --include-deps, a
    // dependency's app in the way of a file tpx did not make is skipped, said so, and the rest linked.
    const mine = join(world.binDir, 'mantool');
    writeFileSync(mine, 'my own mantool');
    symlinkSync('/nonexistent/mandep', join(world.binDir, 'mandep'));
    symlinkSync(join(world.root, 'gone', 'mantool.1'), join(world.manDir, 'man1', 'mantool.1'));
    const deps = await world.run(['install', '--include-deps', 'mandep']);
    expect(deps.code, deps.stderr).toBe(0);
    expect(deps.stderr).toContain(
      `note: replacing ${join(world.binDir, 'mandep')}: it pointed at /nonexistent/mandep, which does not exist`,
    );
    expect(deps.stderr).toContain(
      `warning: the app mantool (of the dependency mantool) is not linked: ${mine} (a file tpx did not make) is in the way`,
    );
    const tool = join(world.tpxHome, 'tools', 'mandep');
    expect([world.readlink(join(world.binDir, 'mandep')), world.readlink(join(world.manDir, 'man1', 'mantool.1'))]).toEqual([
      join(tool, 'bin', 'mandep'),
      join(tool, 'share', 'man', 'man1', 'mantool.1'),
    ]);
    expect(readFileSync(mine, 'utf8')).toBe('my own mantool');
    expect(receipt(world, 'mandep').apps.map((a: { name: string }) => a.name)).toEqual(['mandep']);
    expect((await world.run(['list'])).code).toBe(0);
  });
});
