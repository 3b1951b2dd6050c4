// `tpx sync`: a tpx.toml made true on a fresh home, then a no-op; changes rebuild only what differs;
// --prune, --dry-run, --json; a bad file changes nothing; one failing tool does not stop the rest.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { receipt } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

/** What a sync must leave alone: where every tool's entry points (its generation). */
const generations = (w: World) =>
  Object.fromEntries(w.ls(join(w.tpxHome, 'tools')).map((k) => [k, w.readlink(join(w.tpxHome, 'tools', k))]));

describe('tpx sync', () => {
  it('makes the machine match the file; a second run does nothing; then only what changed is rebuilt', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0', 'withdep-1.0', 'helperlib-1.0', 'oneapp-1.0', 'multiapp-1.0'] });
    const toml = join(world.root, 'tpx.toml');
    const write = (text: string) => writeFileSync(toml, text);
    const sync = (...args: string[]) => world.run(['sync', ...args], { cwd: world.root });
    write(`[tools.tpxdemo]
spec = "tpxdemo==1.0"
with = ["withdep"]

[tools]
oneapp = "oneapp"
"multiapp@x" = { spec = "multiapp", suffix = "@x" }
`);
    const first = await sync();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('syncing 3 of 3 tools with tpx.toml');
    expect(first.stderr).toMatch(/^summary: 3 installed$/m);
    expect(first.stderr).toMatch(/^ {2}tpxdemo {5}installed {4}1\.0$/m);
    expect(world.ls(world.binDir)).toEqual(['multi-a@x', 'multi-b@x', 'oneapp-cli', 'tpxdemo', 'tpxdemo-admin']);
    expect(receipt(world, 'tpxdemo').request.injected).toEqual([
      { spec: 'withdep', name: 'withdep', includeApps: false, includeDeps: false, pipArgs: [], pinned: false },
    ]);

    // Idempotent: nothing is built, no receipt is touched.
    const before = generations(world);
    const second = await sync();
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('nothing to do: all 3 tools in tpx.toml are installed as it says\n');
    const json = await sync('--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'success',
      exitCode: 0,
      tools: [
        { name: 'tpxdemo', action: 'unchanged', from: '1.0', to: '1.0' },
        { name: 'oneapp', action: 'unchanged' },
        { name: 'multiapp@x', action: 'unchanged' },
      ],
    });
    expect(generations(world)).toEqual(before);

    // A new version constraint and a pin: --dry-run says so and changes nothing.
    write(`[tools.tpxdemo]
spec = "tpxdemo>=2"
with = ["withdep"]

[tools.oneapp]
pinned = true
`);
    const dry = await sync('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(
      [
        'would rebuild tpxdemo 1.0: spec tpxdemo==1.0 → tpxdemo>=2',
        'would pin oneapp (1.0)',
        'multiapp@x is not in tpx.toml: left installed (--prune uninstalls it)',
        '',
      ].join('\n'),
    );
    expect(generations(world)).toEqual(before);

    const changed = await sync();
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toContain('tpxdemo 1.0 → 2.0 (spec tpxdemo==1.0 → tpxdemo>=2)\n');
    expect(changed.stderr).toContain('pinned oneapp at 1.0\n');
    expect(changed.stderr).toMatch(/^ {2}multiapp@x {2}left {9}not in tpx\.toml; --prune uninstalls it$/m);
    expect(receipt(world, 'oneapp').pinned).toBe(true);
    expect(world.readlink(join(world.tpxHome, 'tools', 'oneapp'))).toBe(before.oneapp);
    expect(world.ls(world.binDir)).toContain('tpxdemo-serve');
    expect((await sync()).stderr).toBe(
      'nothing to do: all 2 tools in tpx.toml are installed as it says\nnot in tpx.toml, left installed: multiapp@x (`tpx sync --prune` uninstalls them)\n',
    );

    // Back down, and --prune: one document says what happened to each tool.
    write('[tools]\ntpxdemo = { spec = "tpxdemo==1.0", with = ["withdep"] }\noneapp = { pinned = true }\n');
    const pruned = await sync('--prune', '--json');
    expect(pruned.code, pruned.stderr).toBe(0);
    const doc = JSON.parse(pruned.stdout);
    expect(doc.tools.map((t: { name: string; action: string; from: string; to: string }) => [t.name, t.action, t.from, t.to])).toEqual([
      ['tpxdemo', 'downgraded', '2.0', '1.0'],
      ['oneapp', 'unchanged', '1.0', '1.0'],
      ['multiapp@x', 'uninstalled', '1.0', null],
    ]);
    expect(doc.tools[2].apps.unlinked.sort()).toEqual([join(world.binDir, 'multi-a@x'), join(world.binDir, 'multi-b@x')]);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['oneapp', 'tpxdemo']);

    // `expose` and `include-resources-from`: which apps are linked is the file's too; exposing is no rebuild.
    const kept = generations(world).tpxdemo;
    write(`[tools]
tpxdemo = { spec = "tpxdemo==1.0", with = ["withdep"], expose = false }
oneapp = { pinned = true }
withdep = { include-resources-from = ["helperlib"], expose = false }
`);
    const hidden = await sync();
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(hidden.stderr).toContain('unexposed tpxdemo (1.0)\n');
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    expect(receipt(world, 'withdep')).toMatchObject({ exposed: false, request: { includeResourcesFrom: ['helperlib'] } });
    expect((await sync()).stderr).toBe('nothing to do: all 3 tools in tpx.toml are installed as it says\n');
    write(`[tools]
tpxdemo = { spec = "tpxdemo==1.0", with = ["withdep"] }
oneapp = { pinned = true }
withdep = { include-resources-from = ["helperlib"] }
`);
    expect((await sync('--dry-run')).stderr).toBe(
      'would expose tpxdemo (1.0)\noneapp 1.0 is as tpx.toml says\nwould expose withdep (1.0)\n',
    );
    expect((await sync()).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['helperlib-cli', 'oneapp-cli', 'tpxdemo', 'tpxdemo-admin', 'withdep']);
    expect(generations(world).tpxdemo).toBe(kept);
  });

  it('refuses a malformed file before anything changes; one failing tool does not stop the others', async () => {
    world = await makeWorld({ fresh: true });
    const toml = join(world.root, 'team.toml');
    writeFileSync(toml, '[tools.oneapp]\n\n[tools.tpxdemo]\nspec = "tpxdemo"\npinned = "yes"\n');
    const bad = await world.run(['sync', toml]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `error: ${toml}:5: tools.tpxdemo.pinned is "yes", not true or false\nhint: see "A team's toolbox as a file" in tpx's README for the format\n`,
    );
    expect(world.ls(world.tpxHome)).toEqual([]);
    const missing = await world.run(['sync'], { cwd: world.root });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read tpx\.toml\n/);

    writeFileSync(toml, '[tools]\noneapp = "oneapp"\nbrokendep = "brokendep"\n');
    const r = await world.run(['sync', toml]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: brokendep: pip could not install brokendep$/m);
    expect(r.stderr).toMatch(/^summary: 1 installed, 1 failed$/m);
    expect(r.stderr).toMatch(/^ {2}brokendep {2}FAILED {7}pip could not install brokendep; /m);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['oneapp']);
    expect(readdirSync(join(world.tpxHome, 'envs'))).toHaveLength(1);

    // `apps`: the apps each tool must have; a tool without one fails, installed or not.
    writeFileSync(toml, '[tools.oneapp]\napps = ["oneapp-cli", "oneapp-gui"]\n\n[tools.tpxdemo]\napps = ["tpxdemo", "nope"]\n');
    const lacking = await world.run(['sync', toml]);
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toMatch(/^error: oneapp 1\.0 has no app oneapp-gui, which tools\.oneapp\.apps names \(its apps: oneapp-cli\)$/m);
    expect(lacking.stderr).toMatch(
      /^error: tpxdemo 1\.0 has no app nope, which tools\.tpxdemo\.apps names \(its apps: tpxdemo, tpxdemo-admin\)$/m,
    );
    expect(lacking.stderr).toMatch(/^summary: 2 failed$/m);
    writeFileSync(toml, '[tools.oneapp]\napps = ["oneapp-cli"]\n\n[tools.tpxdemo]\napps = ["tpxdemo"]\n');
    const fixed = await world.run(['sync', toml]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/^nothing to do: all 2 tools in .*team\.toml are installed as it says$/m);
  });
});
