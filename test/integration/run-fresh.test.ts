// `tpx run` that never waits needlessly, and what surrounds it (README, "tpx run"): --prefetch fills
// the cache, --offline never touches the network, a mistyped app leaves the entry alone, the
// nearest tpx.toml pins what `tpx run NAME` runs, --env and --env-file set the app's environment;
// and "who manages me": an installed tool's own code reads its receipt. One world for all of it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
beforeAll(async () => {
  world = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0', 'oneapp-1.0', 'withdep-1.0', 'helperlib-1.0'] });
});
afterAll(async () => world?.dispose());

const runDir = () => join(world.cacheDir, 'tpx', 'run');
const entries = () => world.ls(join(runDir(), 'entries'));
const generations = () => entries().map((e) => world.readlink(join(runDir(), 'entries', e)));

describe('tpx run', () => {
  it('--prefetch fills the cache; --offline runs from it and never asks the index; a mistyped app changes nothing', async () => {
    const pre = await world.run(['run', '--prefetch', 'tpxdemo', 'oneapp==1.0']);
    expect(pre.code, pre.stderr).toBe(0);
    expect(pre.stderr).toContain('tpxdemo 2.0 is ready: `tpx run tpxdemo` starts at once');
    expect(pre.stderr).toContain('oneapp 1.0 is ready: `tpx run oneapp==1.0` starts at once');
    expect(entries()).toHaveLength(2);

    const asked = world.index.requests.length;
    const off = await world.run(['run', '--offline', 'tpxdemo', '--version']);
    expect([off.code, off.stdout, off.stderr]).toEqual([0, 'tpxdemo 2.0\n', '']);
    const miss = await world.run(['run', '--offline', 'withdep']);
    expect(miss.code).toBe(1);
    expect(miss.stderr).toBe(
      'error: --offline: no usable cached environment for this run (there is none)\n' +
        'hint: run it once without --offline, or fill the cache ahead of time: `tpx run --prefetch TARGET`\n',
    );
    expect(world.index.requests.length).toBe(asked);
    expect((await world.run(['run', '--offline', '--refresh', 'tpxdemo'])).code).toBe(2);

    // Even when the entry is due for a refresh, a mistyped app name starts none and rebuilds nothing.
    for (const e of entries()) {
      const file = join(runDir(), 'entries', e, 'tpx.json');
      const receipt = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...receipt, builtAt: new Date(Date.now() - 15 * 86400_000).toISOString() }));
    }
    const before = generations();
    const typo = await world.run(['run', '--spec', 'tpxdemo', 'tpxdmeo']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('error: tpxdemo 2.0 has no app named tpxdmeo');
    expect(generations()).toEqual(before);
    expect(world.ls(join(world.cacheDir, 'tpx', 'logs')).filter((f) => f.startsWith('run-refresh-'))).toEqual([]);
    expect(world.index.requests.length).toBe(asked);
    // --prefetch refreshes what is due, in the foreground.
    expect((await world.run(['run', '--prefetch', 'tpxdemo'])).stderr).toContain('installing tpxdemo…');
  });

  it('the nearest tpx.toml pins what `tpx run NAME` runs (-v says so; --no-config ignores it)', async () => {
    const project = join(world.root, 'project');
    mkdirSync(join(project, 'src', 'deep'), { recursive: true });
    writeFileSync(join(project, 'tpx.toml'), '[tools]\ntpxdemo = "==1.0"\n');
    const cwd = join(project, 'src', 'deep');
    const pinned = await world.run(['run', '-v', 'tpxdemo', '--version'], { cwd });
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toBe('tpxdemo 1.0\n');
    expect(pinned.stderr).toContain(`using tpxdemo==1.0 for tpxdemo, as ${join(project, 'tpx.toml')} pins it (--no-config ignores it)`);
    // A hit answered by the fast path keeps the pin.
    expect((await world.run(['run', 'tpxdemo', '--version'], { cwd })).stdout).toBe('tpxdemo 1.0\n');
    expect((await world.run(['run', '--no-config', 'tpxdemo', '--version'], { cwd })).stdout).toBe('tpxdemo 2.0\n');
    // An app the file does not list runs as anywhere else.
    expect((await world.run(['run', 'oneapp==1.0'], { cwd })).code).toBe(0);
  });

  it("--env-file and --env set the app's environment, --env last", async () => {
    const script = join(world.root, 'show.py');
    writeFileSync(script, 'import os\nprint(os.environ.get("A"), os.environ.get("B"), os.environ.get("C"))\n');
    const vars = join(world.root, 'vars.env');
    writeFileSync(vars, '# the app reads these\nexport A="from file"\nB=file\n\n');
    const r = await world.run(['run', '--env-file', vars, '--env', 'B=flag', '--env', 'C=x=y', script]);
    expect([r.code, r.stdout]).toEqual([0, 'from file flag x=y\n']);
    // The fast path takes them too, for an app from a cache hit.
    const hit = await world.run(['run', '--env', 'TPXDEMO_UNUSED=1', 'tpxdemo', '--version']);
    expect([hit.code, hit.stdout]).toEqual([0, 'tpxdemo 2.0\n']);
    const bad = await world.run(['run', '--env', 'nope', 'tpxdemo']);
    expect([bad.code, bad.stderr]).toEqual([2, 'error: --env: "nope" is not KEY=VALUE\nhint: e.g. --env DEBUG=1\n']);
  });

  it('an installed tool can tell tpx manages it, and how to upgrade it: tpx.json in sys.prefix', async () => {
    const script = join(world.root, 'whoami.py');
    writeFileSync(
      script,
      [
        '# /// script',
        '# dependencies = ["helperlib"]',
        '# ///',
        'import json, os, sys',
        'with open(os.path.join(sys.prefix, "tpx.json")) as f:',
        '    r = json.load(f)',
        'print(r["installer"], r["key"], r["request"]["spec"].endswith("whoami.py"), " ".join(r["upgrade"]))',
        '',
      ].join('\n'),
    );
    const i = await world.run(['install', script]);
    expect(i.code, i.stderr).toBe(0);
    const r = await world.exec(join(world.binDir, 'whoami'), []);
    expect([r.code, r.stdout]).toEqual([0, 'tpx whoami True tpx upgrade whoami\n']);
  });
});
