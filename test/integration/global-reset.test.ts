// `--global` (the system-wide toolbox, moved into the world by TPX_GLOBAL_*: never the real /opt or
// /usr/local) and `tpx reset` (everything tpx made, through the delete gate; asks on a terminal).
import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tpxJs } from '../helpers/fixtures.js';
import { makeWorld, type RunOptions, type RunResult, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

/**
 * An interpreter every user can run: a global toolbox built on one under /root would work for root
 * alone. Debian's python3 is one; the tests need it.
 */
const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Runs tpx as a user who cannot write the global dirs: nobody (via setpriv) when the tests run as
 * root, else this user with the global home made read-only.
 */
async function asOtherUser(w: World, args: string[]): Promise<RunResult> {
  if (process.getuid?.() !== 0) {
    chmodSync(join(w.root, 'opt'), 0o555);
    try {
      return await w.run(args);
    } finally {
      chmodSync(join(w.root, 'opt'), 0o755);
    }
  }
  return w.exec('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, tpxJs, ...args], { cwd: '/' });
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** tpx on a pseudo-terminal (util-linux `script`), `answer` typed at its prompt. */
async function onTerminal(w: World, args: string[], answer: string, opts: RunOptions = {}): Promise<RunResult> {
  return w.exec('script', ['-qec', [process.execPath, tpxJs, ...args].map(sh).join(' '), '/dev/null'], { ...opts, input: answer });
}

describe('--global', () => {
  it('installs into the system-wide dirs, readable by every user, and refuses one who cannot write there', async () => {
    if (!existsSync(SYSTEM_PYTHON)) throw new Error(`this test needs ${SYSTEM_PYTHON}, an interpreter every user can run`);
    world = await makeWorld({ fresh: true });
    const opt = join(world.root, 'opt');
    const usrbin = join(world.root, 'usrbin');
    world.env = {
      ...world.env,
      TPX_GLOBAL_HOME: opt,
      TPX_GLOBAL_BIN_DIR: usrbin,
      TPX_GLOBAL_MAN_DIR: join(world.root, 'usrman'),
      TPX_DEFAULT_PYTHON: SYSTEM_PYTHON,
    };
    // Another user must be able to reach the world's dirs (mkdtemp makes its root 0700).
    chmodSync(world.root, 0o755);

    const r = await world.run(['install', '--global', 'tpxdemo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`  ${join(usrbin, 'tpxdemo')}\n`);
    expect(r.stderr).toContain(
      `hint: run \`tpx ensurepath --global\` (as root) to add it to every user's PATH, or add this line to /etc/profile yourself:\nhint:   export PATH="$PATH:${usrbin}"\n`,
    );

    // ensurepath --global: every user's PATH, in system-wide files (under TPX_GLOBAL_ETC_DIR here: never the real /etc).
    const etc = join(world.root, 'etc');
    mkdirSync(join(etc, 'fish'), { recursive: true });
    const ensure = () => world.run(['ensurepath', '--global'], { env: { TPX_GLOBAL_ETC_DIR: etc } });
    const added = await ensure();
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`added to ${join(etc, 'profile.d', 'tpx.sh')}:\n  export PATH="$PATH:${usrbin}"\n`);
    expect(added.stderr).toContain(`added to ${join(etc, 'fish', 'conf.d', 'tpx.fish')}:\n  fish_add_path --path --append "${usrbin}"\n`);
    // What a login shell runs, and fish at start-up.
    const shPath = await world.exec('sh', ['-c', `. ${join(etc, 'profile.d', 'tpx.sh')}; echo "$PATH"`]);
    expect(shPath.stdout.trim().split(':')).toContain(usrbin);
    const fishPath = await world.exec('fish', [
      '--no-config',
      '-c',
      `source ${join(etc, 'fish', 'conf.d', 'tpx.fish')}; string join : $PATH`,
    ]);
    expect(fishPath.stdout.trim().split(':')).toContain(usrbin);
    const again = await ensure();
    expect([again.code, again.stderr.endsWith('nothing changed\n')]).toEqual([0, true]);
    expect(world.readlink(join(usrbin, 'tpxdemo'))).toBe(join(opt, 'tools', 'tpxdemo', 'bin', 'tpxdemo'));
    expect((await world.exec(join(usrbin, 'tpxdemo'), ['--version'])).stdout).toBe('tpxdemo 1.0\n');
    // The user's own toolbox is untouched, and lists nothing.
    expect(existsSync(world.tpxHome)).toBe(false);
    expect(world.ls(world.binDir)).toEqual([]);
    expect((await world.run(['list', '--short'])).stderr).toContain('no tools installed');
    expect((await world.run(['list', '--short', '--global'])).stdout).toBe('tpxdemo 1.0\n');
    expect((await world.run(['--global', 'environment', '--value', 'home'])).stdout).toBe(`${opt}\n`);
    expect(statSync(join(opt, 'tools', 'tpxdemo', 'tpx.json')).mode & 0o777).toBe(0o644);

    // Another user lists the global toolbox, but cannot change it: one clear error, nothing touched.
    const listed = await asOtherUser(world, ['list', '--global']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^tpxdemo 1\.0 \(Python 3\.\d+\.\d+\)\n {4}tpxdemo\n/);
    const refused = await asOtherUser(world, ['install', '--global', 'oneapp']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: --global: ${opt} is not writable\nhint: nothing was changed; system-wide installs need root: run it with sudo (in a Dockerfile, RUN runs as root); TPX_GLOBAL_HOME, TPX_GLOBAL_BIN_DIR and TPX_GLOBAL_MAN_DIR choose other directories\n`,
    );
    expect(world.ls(usrbin)).toEqual(['tpxdemo', 'tpxdemo-admin']);

    const u = await world.run(['uninstall', '--global', 'tpxdemo']);
    expect(u.code, u.stderr).toBe(0);
    expect(world.ls(usrbin)).toEqual([]);
  });
});

describe('tpx reset', () => {
  it('asks on a terminal, needs --yes otherwise, and removes exactly what tpx made', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    expect((await world.run(['run', 'tpxdemo', '--version'])).code).toBe(0);
    // Not tpx's: a file in the bin dir, a link to elsewhere, a file someone put in TPX_HOME.
    writeFileSync(join(world.binDir, 'mytool'), '#!/bin/sh\n');
    symlinkSync('/bin/true', join(world.binDir, 'true'));
    writeFileSync(join(world.tpxHome, 'notes.txt'), 'mine\n');
    // A link a killed command left, into a tool that is not installed.
    symlinkSync(join(world.tpxHome, 'tools', 'gone', 'bin', 'gone'), join(world.binDir, 'gone'));
    const cache = join(world.cacheDir, 'tpx');
    const before = { bin: world.ls(world.binDir), home: world.ls(world.tpxHome), cache: world.ls(cache) };
    const unchanged = () => expect({ bin: world.ls(world.binDir), home: world.ls(world.tpxHome), cache: world.ls(cache) }).toEqual(before);

    const refused = await world.run(['reset']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "error: tpx reset removes every tool and all of tpx's data: confirm it with --yes\nhint: stdin is not a terminal, so tpx cannot ask; `tpx reset --dry-run` shows what it would remove\n",
    );
    unchanged();

    const dry = await world.run(['reset', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(
      [
        "would uninstall 2 tools: oneapp, tpxdemo, with their apps' links in the bin dir",
        `would remove 1 link into tools that are not installed: ${join(world.binDir, 'gone')}`,
        `would remove what tpx made in ${world.tpxHome}, leaving ${join(world.tpxHome, 'notes.txt')}: tpx did not make it`,
        `would remove ${cache}`,
        '',
      ].join('\n'),
    );
    unchanged();

    const no = await onTerminal(world, ['reset'], 'n\n');
    expect(no.code, no.stdout).toBe(1);
    expect(no.stdout).toContain('reset tpx? [y/N] ');
    expect(no.stdout).toContain('nothing was changed');
    unchanged();

    const yes = await onTerminal(world, ['reset'], 'y\n');
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.stdout).toContain('uninstalled tpxdemo 1.0 (removed 2 links)');
    expect(yes.stdout).toContain(`left ${world.tpxHome}: it holds files tpx did not make (notes.txt)`);
    expect(yes.stdout).toContain('tpx is reset');
    expect(world.ls(world.binDir)).toEqual(['mytool', 'true']);
    expect(world.ls(world.tpxHome)).toEqual(['notes.txt']);
    expect(existsSync(cache)).toBe(false);

    const again = await world.run(['reset', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`nothing to reset: tpx has nothing in ${world.tpxHome} or ${cache}\n`);
  });

  it('removes the data home and the cache themselves when nothing else is in them', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    mkdirSync(join(world.cacheDir, 'tpx', 'pins-1-abcdef01'));
    const r = await world.run(['reset', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      `uninstalled oneapp 1.0 (removed 1 link)\nremoved ${world.tpxHome}\nremoved ${join(world.cacheDir, 'tpx')}\ntpx is reset\n`,
    );
    expect(existsSync(world.tpxHome)).toBe(false);
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const json = await world.run(['reset', '--yes', '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'success',
      tools: [
        {
          name: 'oneapp',
          action: 'uninstalled',
          from: '1.0',
          to: null,
          apps: { linked: [], unlinked: [join(world.binDir, 'oneapp-cli')] },
          error: null,
        },
      ],
    });
    // What it removed besides the tools' links, as pipx's reset lists it: the entries, then the two roots.
    const removed: string[] = JSON.parse(json.stdout).removed;
    expect(removed.slice(-2)).toEqual([world.tpxHome, join(world.cacheDir, 'tpx')]);
    expect(removed).toEqual(
      expect.arrayContaining([join(world.tpxHome, 'envs'), join(world.tpxHome, 'tools'), join(world.cacheDir, 'tpx', 'logs')]),
    );
    expect(existsSync(world.tpxHome)).toBe(false);
    expect(existsSync(join(world.cacheDir, 'tpx'))).toBe(false);
  });
});
