// Pythons this machine does not have (src/core/python/download.ts, docs/architecture.md "Pythons tpx
// manages"), without internet: standalone-layout archives are made from Pythons this machine has
// (test/helpers/standalone.ts) and served from a loopback mirror, and the world's PATH and default
// Python hide those versions from discovery. One world for the file; each step builds on the last.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { localPython, standaloneArchive, startMirror, twoPatches, type Archive, type Mirror } from '../helpers/standalone.js';

let world: World;
let mirror: Mirror;
let py312: Archive;
let older: Archive;
let newer: Archive;

beforeAll(async () => {
  py312 = standaloneArchive(localPython('3.12'));
  [older, newer] = twoPatches().map(standaloneArchive) as [Archive, Archive];
  world = await makeWorld();
  mirror = await startMirror(join(world.root, 'mirror'));
  // The default is a Python of another minor version and the only Python on PATH, with the bin dir
  // (node's folder is /usr/bin here, beside a python3.11; tpx needs no other command); pyenv is out of
  // sight (HOME is the world's).
  const fallback = localPython('3.13');
  world.env = {
    ...world.env,
    PATH: [world.binDir, dirname(fallback.executable)].join(':'),
    TPX_DEFAULT_PYTHON: fallback.executable,
    TPX_PYTHON_DOWNLOADS: 'automatic',
    TPX_PYTHON_MIRROR: mirror.base,
  };
}, 300_000);

afterAll(async () => {
  await world?.dispose();
  await mirror?.close();
});

const pythons = () => world.ls(join(world.tpxHome, 'pythons'));
const listed = async (): Promise<{ version: string; source: string; isDefault: boolean; tools: string[] }[]> =>
  JSON.parse((await world.run(['python', 'list', '--json'])).stdout).pythons;
const pythonOf = async (key: string) =>
  (JSON.parse((await world.run(['list', '--json'])).stdout).tools as { name: string; python: { version: string } }[]).find(
    (t) => t.name === key,
  )?.python.version;

describe('a Python this machine lacks', () => {
  it('with downloads off, is an error that names the setting and the command that fetches it', async () => {
    for (const [args, env] of [
      [['install', '--no-python-downloads', '--python', '3.12', 'tpxdemo'], {}],
      [['install', '--python', '3.12', 'tpxdemo'], { TPX_PYTHON_DOWNLOADS: 'never' }],
    ] as const) {
      const r = await world.run([...args], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error: no Python found for "3.12"');
      expect(r.stderr).toContain(
        'downloads are off (--no-python-downloads or TPX_PYTHON_DOWNLOADS=never); `tpx python install 3.12` downloads it',
      );
    }
    expect(mirror.received).toEqual([]);
    expect(pythons()).toEqual([]);
  });

  it('a tampered archive, a truncated download and kill -9 during one leave nothing', async () => {
    mirror.publish(py312, 'f'.repeat(64));
    const tampered = await world.run(['python', 'install', '3.12']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(`error: ${py312.file} from ${mirror.base} does not match its SHA-256 in SHA256SUMS`);
    expect(tampered.stderr).toContain(`got      ${py312.sha256}`);
    expect(pythons()).toEqual([]);

    mirror.publish(py312);
    mirror.deliver('truncated');
    const truncated = await world.run(['python', 'install', '3.12']);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(new RegExp(`could not fetch ${mirror.base}/${py312.file.replace(/[.+]/g, '\\$&')}|stopped after`));
    expect(pythons()).toEqual([]);

    mirror.deliver('stalled');
    const child = world.spawn(['python', 'install', '3.12']);
    await child.waitForOutput(`downloading Python ${py312.version}`);
    child.kill('SIGKILL');
    await child.done;
    // The archive was being written to a file already unlinked: nothing of it is left.
    expect(pythons()).toEqual([]);
    mirror.deliver('whole');
  });

  it("a package's requires-python no installed Python meets gets a download; another tool's --python 3.12 reuses it", async () => {
    // Only a 3.10 here: newpython needs >=3.12.
    const old = localPython('3.10');
    const r = await world.run(['install', 'newpython'], { env: { TPX_DEFAULT_PYTHON: old.executable, PATH: dirname(old.executable) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`downloading Python ${py312.version} \\(${py312.target}, \\d+\\.\\d MiB\\) from ${mirror.base}\\n`),
    );
    expect(r.stderr).toContain(`newpython 1.0 requires Python >=3.12; using Python ${py312.version}`);
    expect(pythons()).toEqual([py312.managed]);
    expect((await world.exec(join(world.binDir, 'newpython'), [])).stdout).toBe('newpython 1.0 on Python 3.12\n');

    const downloads = mirror.archiveRequests().length;
    const again = await world.run(['install', '--python', '3.12', 'tpxdemo']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`installed tpxdemo 1.0 (Python ${py312.version})`);
    expect(again.stderr).not.toContain('downloading');
    expect(mirror.archiveRequests()).toHaveLength(downloads);
    const prefix = await world.run(['exec', 'tpxdemo', 'python', '-c', 'import sys; print(sys.base_prefix)']);
    expect(prefix.stdout.trim()).toBe(join(world.tpxHome, 'pythons', py312.managed));
  });

  it('python list shows it with the tools on it; python uninstall refuses while they use it', async () => {
    const all = await listed();
    expect(all.find((p) => p.source === 'tpx')).toMatchObject({
      version: py312.version,
      isDefault: false,
      tools: ['newpython', 'tpxdemo'],
    });
    expect(all.find((p) => p.isDefault)).toMatchObject({ version: localPython('3.13').version, source: 'PATH', tools: [] });
    const text = await world.run(['interpreter', 'list']);
    expect(text.stdout).toMatch(
      new RegExp(`^${py312.version.replace(/\./g, '\\.')}  tpx  .*/pythons/${py312.managed}/bin/python3  used by newpython, tpxdemo\\n$`),
    );

    const refused = await world.run(['python', 'uninstall', '3.12']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: Python ${py312.version} is used by newpython, tpxdemo`);
    expect(pythons()).toEqual([py312.managed]);
  });

  it('python upgrade moves the tools on a managed minor version to its newest patch release; rollback returns them', async () => {
    mirror.publish(older);
    const minor = older.version.split('.').slice(0, 2).join('.');
    // From the same folder as a file:// mirror, as a site without internet would have it.
    const installed = await world.run(['python', 'install', minor], { env: { TPX_PYTHON_MIRROR: `file://${mirror.dir}` } });
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).toContain(`downloading Python ${older.version} (${older.target}, `);
    expect((await world.run(['install', '--python', minor, 'multiapp'])).code).toBe(0);
    expect(await pythonOf('multiapp')).toBe(older.version);

    mirror.publish(newer);
    const up = await world.run(['python', 'upgrade']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(`downloading Python ${newer.version}`);
    expect(up.stderr).toContain(`Python ${minor}: ${older.version} → ${newer.version}; 1 tool rebuilt on it`);
    expect(up.stderr).toContain(`Python 3.12: ${py312.version} is the newest patch release`);
    expect(await pythonOf('multiapp')).toBe(newer.version);
    expect(await pythonOf('tpxdemo')).toBe(py312.version);

    const back = await world.run(['rollback', 'multiapp']);
    expect(back.code, back.stderr).toBe(0);
    expect(await pythonOf('multiapp')).toBe(older.version);
    expect((await world.exec(join(world.binDir, 'multi-a'), [])).code).toBe(0);
  });

  it('doctor --fix rebuilds a tool whose Python is gone on the same minor version, downloading it again, and says so', async () => {
    rmSync(join(world.tpxHome, 'pythons', py312.managed), { recursive: true });
    const found = await world.run(['doctor']);
    expect(found.code).toBe(1);
    expect(found.stdout + found.stderr).toContain('its Python is gone');
    const fixed = await world.run(['doctor', '--fix']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr.match(/downloading Python/g)).toHaveLength(1);
    expect(fixed.stdout).toContain(`fixed: reinstalled tpxdemo 1.0 (Python ${py312.version}) from its receipt, on Python 3.12 as before`);
    expect(fixed.stdout).toContain(`fixed: reinstalled newpython 1.0 (Python ${py312.version}) from its receipt, on Python 3.12 as before`);
    expect((await world.exec(join(world.binDir, 'tpxdemo'), ['--version'])).stdout).toBe('tpxdemo 1.0\n');
  });

  it('interpreter prune removes the Pythons no tool (nor its rollback) uses', async () => {
    const kept = await world.run(['interpreter', 'prune']);
    expect(kept.stderr).toBe('every Python tpx downloaded is in use; nothing removed\n');
    expect((await world.run(['uninstall', 'multiapp'])).code).toBe(0);
    const pruned = await world.run(['interpreter', 'prune']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toContain(`removed Python ${newer.version}`);
    expect(pruned.stderr).toContain(`removed Python ${older.version}`);
    expect(pythons()).toEqual([py312.managed]);
  });
});
