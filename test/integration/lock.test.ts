// PEP 751 locks: `tpx lock` writes one per tool of a tpx.toml; `tpx sync` and `tpx install --lock`
// install exactly those files (hashes required) on another home, giving byte-identical `pip freeze`;
// a lock that does not match the file or the platform is refused before anything changes; a locked
// tool stays locked until its lock is gone or `upgrade --force`;
// `tpx export --format pylock` writes the same from installed tools.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { receipt } from '../helpers/tools.js';
import { makeWorld, type World } from '../helpers/world.js';

/** Every world a test made, disposed of after it. */
const worlds: World[] = [];
afterEach(async () => Promise.all(worlds.splice(0).map((w) => w.dispose())));
async function newWorld(packages: string[]): Promise<World> {
  const w = await makeWorld({ packages });
  worlds.push(w);
  return w;
}

const PACKAGES = ['tpxdemo-1.0', 'withdep-1.0', 'helperlib-1.0', 'oneapp-1.0'];
const TOML = `[tools.tpxdemo]
with = ["withdep"]

[tools]
oneapp = "oneapp"
"tpxdemo@old" = { spec = "tpxdemo==1.0", suffix = "@old" }
`;
const TOOLS = ['oneapp', 'tpxdemo', 'tpxdemo@old'];

/** `pip freeze` of each tool, as `tpx runpip NAME freeze` prints it. */
async function freezes(w: World, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const tool of TOOLS) {
    const r = await w.run(['runpip', tool, 'freeze'], { env });
    expect(r.code, r.stderr).toBe(0);
    out[tool] = r.stdout;
  }
  return out;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const generations = (w: World) =>
  Object.fromEntries(w.ls(join(w.tpxHome, 'tools')).map((k) => [k, w.readlink(join(w.tpxHome, 'tools', k))]));

describe('locks', () => {
  it('written on one home and installed on another: the same files, byte-identical pip freeze; refuses a lock that no longer matches the file or does not fit this platform, before anything changes; a wrong hash is refused by pip', async () => {
    const world = await newWorld(PACKAGES);
    writeFileSync(join(world.root, 'tpx.toml'), TOML);
    const locked = await world.run(['lock'], { cwd: world.root });
    expect(locked.code, locked.stderr).toBe(0);
    expect(locked.stderr).toMatch(/^locked tpxdemo: 3 distributions for Python 3\.\d+ on linux \S+ cpython → pylock\.tpxdemo\.toml$/m);
    expect(world.ls(world.root).filter((f) => f.startsWith('pylock.'))).toEqual([
      'pylock.oneapp.toml',
      'pylock.tpxdemo.toml',
      'pylock.tpxdemo@old.toml',
    ]);
    const text = readFileSync(join(world.root, 'pylock.tpxdemo.toml'), 'utf8');
    expect(text).toMatch(
      /^lock-version = "1\.0"\nenvironments = \[ "sys_platform == 'linux' and platform_machine == '\w+' and implementation_name == 'cpython'" \]\nrequires-python = "==3\.\d+\.\*"\ncreated-by = "tpx"\n/,
    );
    expect(text).toContain(
      `[[packages]]\nname = "helperlib"\nversion = "1.0"\nrequires-python = ">=3.8"\n\n[[packages.wheels]]\nname = "helperlib-1.0-py3-none-any.whl"\nurl = "${world.index.url.replace('/simple', '/files')}/helperlib-1.0-py3-none-any.whl"\n\n[packages.wheels.hashes]\nsha256 = "${sha256(join(world.indexDir, 'helperlib-1.0-py3-none-any.whl'))}"\n`,
    );
    expect(text).toMatch(/\n\[tool\.tpx\]\ntool = "tpxdemo"\nspec = "tpxdemo"\nwith = \[ "withdep" \]\n$/);

    // Newer versions appear: a fresh resolution would take them; the lock does not.
    for (const id of ['helperlib-2.0', 'oneapp-2.0', 'tpxdemo-2.0']) world.publish(id);
    const synced = await world.run(['sync'], { cwd: world.root });
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stderr).toContain('installed oneapp 1.0 (Python ');
    expect(synced.stderr).toMatch(/\) from pylock\.oneapp\.toml\n/);
    expect(receipt(world, 'tpxdemo').request.lock.map((d: { name: string; version: string }) => `${d.name} ${d.version}`)).toEqual([
      'helperlib 1.0',
      'tpxdemo 1.0',
      'withdep 1.0',
    ]);
    expect((await world.run(['sync'], { cwd: world.root })).stderr).toBe(
      'nothing to do: all 3 tools in tpx.toml are installed as it says\n',
    );
    const mine = await freezes(world);
    expect(mine.tpxdemo).toBe('helperlib==1.0\ntpxdemo==1.0\nwithdep==1.0\n');

    // Another machine: its own home and its own index (another URL) holding the same files and newer ones.
    const other = await newWorld([...PACKAGES, 'helperlib-2.0', 'oneapp-2.0', 'tpxdemo-2.0']);
    for (const f of ['tpx.toml', 'pylock.oneapp.toml', 'pylock.tpxdemo.toml', 'pylock.tpxdemo@old.toml'])
      copyFileSync(join(world.root, f), join(other.root, f));
    const theirs = await other.run(['sync'], { cwd: other.root });
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(await freezes(other)).toEqual(mine);

    // `install --lock` on a third home: the same again; a SPEC the lock is not for is refused.
    const third = { TPX_HOME: join(other.root, 'third'), TPX_BIN_DIR: join(other.root, 'third-bin') };
    const lockOf = (tool: string) => join(other.root, `pylock.${tool}.toml`);
    for (const [tool, spec, extra] of [
      ['tpxdemo', 'tpxdemo', []],
      ['oneapp', 'oneapp', []],
      ['tpxdemo@old', 'tpxdemo', ['--suffix', '@old']],
    ] as const) {
      const r = await other.run(['install', '--lock', lockOf(tool), spec, ...extra], { env: third });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await freezes(other, third)).toEqual(mine);
    const wrong = await other.run(['install', '--lock', lockOf('tpxdemo'), 'tpxdemo>=2'], { env: third });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      `error: ${lockOf('tpxdemo')} is not a lock of tpxdemo>=2: it locks tpxdemo 1.0, which is not >=2\nhint: name the package the lock was made for, e.g. \`tpx install --lock pylock.black.toml black\`\n`,
    );

    // Back on the first home (locked and synced above): a lock that no longer matches the file or does
    // not fit this platform is refused before anything changes; a wrong hash is refused by pip.
    const toml = join(world.root, 'tpx.toml');
    const before = generations(world);

    writeFileSync(toml, TOML.replace('oneapp = "oneapp"', 'oneapp = ">=1"'));
    const changed = await world.run(['sync'], { cwd: world.root });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe(
      'error: pylock.oneapp.toml does not match tpx.toml: it was made from spec = "oneapp", and the file now asks for spec = "oneapp>=1"\nhint: nothing was changed; `tpx lock` locks the file as it is now (on this platform), or remove the lock to sync without it\n',
    );
    writeFileSync(toml, TOML);

    const lockFile = join(world.root, 'pylock.oneapp.toml');
    const good = readFileSync(lockFile, 'utf8');
    writeFileSync(lockFile, good.replace(/platform_machine == '\w+'/, "platform_machine == 'sparc64'"));
    const elsewhere = await world.run(['sync'], { cwd: world.root });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(
      /^error: pylock\.oneapp\.toml does not fit here: it is for sys_platform == 'linux' and platform_machine == 'sparc64' and implementation_name == 'cpython', and this is linux on \w+\n/,
    );
    writeFileSync(lockFile, good.replace('lock-version = "1.0"', 'lock-version = "2.0"'));
    const future = await world.run(['sync'], { cwd: world.root });
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/^error: pylock\.oneapp\.toml: lock-version is "2\.0": this tpx reads version 1 lock files\n/);
    expect(generations(world)).toEqual(before);

    // Another file under the locked hash (a tampered lock, or a replaced file): pip refuses it, the tool stays as it was.
    writeFileSync(lockFile, good.replace(/sha256 = "[0-9a-f]+"/, `sha256 = "${'0'.repeat(64)}"`));
    const tampered = await world.run(['sync'], { cwd: world.root });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/^error: oneapp: pip could not install oneapp$/m);
    expect(tampered.stderr).toContain('THESE PACKAGES DO NOT MATCH THE HASHES');
    expect(generations(world)).toEqual(before);
  });

  it('a locked tool stays locked (as pipx): reinstall and install --force put the locked files back, upgrade and upgrade-all leave it (exit 0), inject and --preinstall are refused; upgrade --force unlocks it, sync locks it again, and unlocks it once its lock file is gone', async () => {
    const world = await newWorld(['oneapp-1.0', 'helperlib-1.0']);
    writeFileSync(join(world.root, 'tpx.toml'), '[tools]\noneapp = "oneapp"\n');
    expect((await world.run(['lock'], { cwd: world.root })).code).toBe(0);
    const synced = await world.run(['sync'], { cwd: world.root });
    expect(synced.code, synced.stderr).toBe(0);
    const lockFile = join(world.root, 'pylock.oneapp.toml');

    // Newer files on the index change nothing for a locked tool.
    world.publish('oneapp-2.0');
    const isLocked = { version: '1.0', request: { lock: [{ name: 'oneapp', version: '1.0' }] } };
    expect((await world.run(['reinstall', 'oneapp'])).code).toBe(0);
    expect(receipt(world, 'oneapp')).toMatchObject(isLocked);
    expect((await world.run(['install', '--force', 'oneapp'])).code).toBe(0);
    expect(receipt(world, 'oneapp')).toMatchObject(isLocked);
    const skipped = await world.run(['upgrade', 'oneapp']);
    expect([skipped.code, skipped.stderr]).toEqual([
      0,
      'not upgrading oneapp: it is locked at 1.0 (installed from a lock); a new lock installs with `tpx sync` (after `tpx lock`) or `tpx install --force --lock LOCK oneapp`; `tpx upgrade --force oneapp` resolves it from its spec instead\n',
    ]);
    const all = await world.run(['upgrade-all']);
    expect([all.code, all.stderr]).toEqual([0, expect.stringMatching(/^ {2}oneapp +skipped +locked at 1\.0 \(installed from a lock\)$/m)]);
    const injected = await world.run(['inject', 'oneapp', 'helperlib']);
    expect(injected.code).toBe(1);
    expect(injected.stderr).toMatch(/^error: cannot inject into oneapp: it was installed from a lock, which says exactly what it holds\n/);
    expect(receipt(world, 'oneapp')).toMatchObject(isLocked);
    const preinstall = await world.run(['install', '--lock', lockFile, '--preinstall', 'helperlib', 'oneapp']);
    expect(preinstall.code).toBe(2);
    expect(preinstall.stderr).toMatch(/^error: --lock installs exactly the files of the lock: --preinstall cannot be combined with it\n/);
    // upgrade --force resolves it, and it says so…
    const up = await world.run(['upgrade', '--force', 'oneapp']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('note: it was installed from a lock: it is resolved from its spec from now on');
    expect(receipt(world, 'oneapp').request.lock).toBeNull();
    // …and the next sync puts the locked files back; once the lock file is gone, sync unlocks it.
    const back = await world.run(['sync', '--json'], { cwd: world.root });
    expect(JSON.parse(back.stdout).tools.find((t: { name: string }) => t.name === 'oneapp')).toMatchObject({
      action: 'downgraded',
      from: '2.0',
      to: '1.0',
    });
    rmSync(lockFile);
    const unlocked = await world.run(['sync'], { cwd: world.root });
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stderr).toContain('oneapp 1.0 → 2.0 (its lock is gone: resolved from its spec)');
    // Absent or null, the receipt's lock means "not locked" (src/core/request/request.ts).
    expect(receipt(world, 'oneapp').request.lock ?? null).toBeNull();
  });

  it('export --format pylock writes the same lock from installed tools: from its receipt, or its hashes filled in from the index', async () => {
    const world = await newWorld(PACKAGES);
    writeFileSync(join(world.root, 'tpx.toml'), '[tools.tpxdemo]\nwith = ["withdep"]\n');
    expect((await world.run(['lock'], { cwd: world.root })).code).toBe(0);
    expect((await world.run(['sync'], { cwd: world.root })).code).toBe(0);
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const out = join(world.root, 'exported');
    const r = await world.run(['export', '--format', 'pylock', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('  note: tpxdemo: every file and hash from its receipt (it was installed from a lock)\n');
    expect(r.stderr).toContain(
      "  note: oneapp: the files and hashes of 1 distribution from the index (pip, for exactly the installed versions): a wheel's own hash is not on disk\n",
    );
    const hashes = (text: string) =>
      [...text.matchAll(/^name = "([^"]+)"\nversion = "([^"]+)"[\s\S]*?hashes\]\nsha256 = "([0-9a-f]+)"/gm)].map((m) =>
        m.slice(1).join(' '),
      );
    expect(hashes(readFileSync(join(out, 'pylock.tpxdemo.toml'), 'utf8'))).toEqual(
      hashes(readFileSync(join(world.root, 'pylock.tpxdemo.toml'), 'utf8')),
    );
    expect(hashes(readFileSync(join(out, 'pylock.oneapp.toml'), 'utf8'))).toEqual([
      `oneapp 1.0 ${sha256(join(world.indexDir, 'oneapp-1.0-py3-none-any.whl'))}`,
    ]);
    // Installable as it is: on a fresh home, the same freeze.
    const fresh = { TPX_HOME: join(world.root, 'fresh'), TPX_BIN_DIR: join(world.root, 'fresh-bin') };
    expect((await world.run(['install', '--lock', join(out, 'pylock.oneapp.toml'), 'oneapp'], { env: fresh })).code).toBe(0);
    expect((await world.run(['runpip', 'oneapp', 'freeze'], { env: fresh })).stdout).toBe(
      (await world.run(['runpip', 'oneapp', 'freeze'])).stdout,
    );
  });
});
