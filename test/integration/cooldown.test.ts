// The cooldown (README, "Supply-chain safety"): files the index uploaded less than DURATION ago are
// not installed. The loopback index gives each file's upload time (PEP 700) as its mtime, so a test
// dates a release with utimes. One world shows install, list, the version check, upgrade, run,
// TPX_COOLDOWN, tpx.toml, inject, lock and an index without upload times.
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { receipt } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

const DAY = 86400 * 1000;

let world: World;
beforeAll(async () => {
  world = await makeWorld({ packages: ['tpxdemo-1.0'] });
});
afterAll(async () => world?.dispose());

/** Dates a published file's upload (its mtime, which the index serves as `upload-time`). */
const uploaded = (id: string, daysAgo: number) => {
  const at = new Date(Date.now() - daysAgo * DAY);
  utimesSync(join(world.indexDir, fixture(id).wheel), at, at);
};
const version = async (app: string) => (await world.exec(join(world.binDir, app), ['--version'])).stdout.trim();

describe('--cooldown', () => {
  it('skips a release uploaded inside the window until it is old enough; the duration is recorded, shown and reused', async () => {
    uploaded('tpxdemo-1.0', 30);
    world.publish('tpxdemo-2.0'); // uploaded now

    const i = await world.run(['install', '--cooldown', '7d', 'tpxdemo']);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stderr).toContain('installed tpxdemo 1.0');
    expect(i.stderr).not.toContain('upload times');
    expect(receipt(world, 'tpxdemo').request.cooldown).toBe('7d');
    expect((await world.run(['list'])).stdout).toContain('tpxdemo 1.0 (Python 3.');
    expect((await world.run(['list'])).stdout).toMatch(/^tpxdemo 1\.0 \(Python [\d.]+\) \[cooldown 7d\]$/m);
    expect(JSON.parse((await world.run(['list', '--json'])).stdout).tools[0].cooldown).toBe('7d');

    // The version check and upgrade count back from their own time: 2.0 is too new, then old enough.
    const fresh = await world.run(['list', '--outdated']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('tpxdemo is at its latest version');
    const none = await world.run(['upgrade', 'tpxdemo']);
    expect(none.stderr).toContain('tpxdemo is already at the latest version (1.0)');

    uploaded('tpxdemo-2.0', 8);
    expect((await world.run(['list', '--outdated'])).stdout).toBe('tpxdemo 1.0 → 2.0\n');
    const up = await world.run(['upgrade', 'tpxdemo']);
    expect(up.code, up.stderr).toBe(0);
    expect(await version('tpxdemo')).toBe('tpxdemo 2.0');
    expect(receipt(world, 'tpxdemo').request.cooldown).toBe('7d');

    // -v says what was held back; `upgrade --cooldown` replaces the recorded one.
    world.publish('tpxdemo-3.0');
    const held = await world.run(['upgrade', '-v', '--cooldown', 'PT36H', 'tpxdemo']);
    expect(held.stderr).toContain('the cooldown (1d12h) held back 1 file(s) uploaded since: tpxdemo-3.0-py3-none-any.whl');
    expect(held.stderr).toContain('tpxdemo is already at the latest version (2.0)');
  });

  it('TPX_COOLDOWN is the default (and is recorded); --cooldown 0 opts out on purpose; tpx run and tpx.toml take it too', async () => {
    const env = { TPX_COOLDOWN: 'P2D' };
    const i = await world.run(['install', '--suffix', '@env', 'tpxdemo'], { env });
    expect(i.stderr).toContain('installed tpxdemo@env 2.0');
    expect(receipt(world, 'tpxdemo@env').request.cooldown).toBe('2d');
    const off = await world.run(['install', '--suffix', '@now', '--cooldown', '0', 'tpxdemo'], { env });
    expect(off.stderr).toContain('installed tpxdemo@now 3.0');
    expect(receipt(world, 'tpxdemo@now').request.cooldown).toBe('0');

    const run = await world.run(['run', '--cooldown', '7d', 'tpxdemo', '--version']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('tpxdemo 2.0');
    // Another cooldown is another environment.
    expect((await world.run(['run', 'tpxdemo', '--version'])).stdout.trim()).toBe('tpxdemo 3.0');

    const project = join(world.root, 'project');
    await world.run(['uninstall', 'tpxdemo@env', 'tpxdemo@now']);
    mkdirSync(project);
    writeFileSync(join(project, 'tpx.toml'), 'cooldown = "7d"\n\n[tools."tpxdemo@team"]\nsuffix = "@team"\n');
    const sync = await world.run(['sync'], { cwd: project });
    expect(sync.code, sync.stderr).toBe(0);
    expect(receipt(world, 'tpxdemo@team').request.cooldown).toBe('7d');
    expect(await version('tpxdemo@team')).toBe('tpxdemo 2.0');

    const bad = await world.run(['install', '--cooldown', 'soon', 'tpxdemo']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: --cooldown: "soon" is not a duration\nhint: e.g. 7d, 36h, 1d12h, 2w, an ISO 8601 duration such as P7D or PT36H, or 0 for none\n',
    );
  });

  it('an index that gives no upload times is named in a warning, not silently trusted', async () => {
    world.index.setUploadTimes(false);
    try {
      const r = await world.run(['install', '--suffix', '@html', '--cooldown', '7d', 'tpxdemo']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`warning: ${world.index.url} gives no upload times: the cooldown (7d) cannot hold back its new files`);
      expect(r.stderr).toContain('installed tpxdemo@html 3.0');
    } finally {
      world.index.setUploadTimes(true);
    }
    expect(readdirSync(world.indexDir).length).toBe(3);
  });

  it('inject --cooldown holds back an injected package and is recorded; lock takes the file’s cooldown, and --cooldown over it; upgrade-all and sync --cooldown replace each tool’s', async () => {
    world.publish('helperlib-1.0');
    uploaded('helperlib-1.0', 30);
    world.publish('helperlib-2.0'); // uploaded now

    const inj = await world.run(['inject', '--cooldown', '7d', 'tpxdemo', 'helperlib']);
    expect(inj.code, inj.stderr).toBe(0);
    expect((await world.run(['runpip', 'tpxdemo', 'freeze'])).stdout).toContain('helperlib==1.0\n');
    expect(receipt(world, 'tpxdemo').request.cooldown).toBe('7d');

    // The project's tpx.toml (test 2) says `cooldown = "7d"`: tpxdemo 3.0 is too new for its lock.
    const project = join(world.root, 'project');
    const locked = async (args: string[]) => {
      const r = await world.run(['lock', ...args], { cwd: project });
      expect(r.code, r.stderr).toBe(0);
      return /name = "tpxdemo"\nversion = "([^"]+)"/.exec(readFileSync(join(project, 'pylock.tpxdemo@team.toml'), 'utf8'))?.[1];
    };
    expect(await locked([])).toBe('2.0');
    expect(await locked(['--cooldown', '0'])).toBe('3.0');

    // upgrade-all --cooldown replaces each tool's recorded one (7d held tpxdemo at 2.0).
    const all = await world.run(['upgrade-all', '--cooldown', '0', '--skip', 'tpxdemo@team', 'tpxdemo@html']);
    expect(all.code, all.stderr).toBe(0);
    expect(await version('tpxdemo')).toBe('tpxdemo 3.0');
    expect(receipt(world, 'tpxdemo').request.cooldown).toBe('0');

    // sync --cooldown gives every tool of the file that cooldown, over the file's 7d.
    const sync = await world.run(['sync', '--cooldown', '0'], { cwd: project });
    expect(sync.code, sync.stderr).toBe(0);
    expect(receipt(world, 'tpxdemo@team').request.cooldown).toBe('0');
    expect(await version('tpxdemo@team')).toBe('tpxdemo 3.0');
  });
});
