// `tpx doctor`: one home with every kind of damage at once. doctor finds each; --fix repairs what is
// safe and names the command for the rest; once those are done, doctor finds nothing.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { receipt, receiptFile, removePython } from '../helpers/tools.js';

let world: World;
afterEach(async () => world?.dispose());

describe('tpx doctor', () => {
  it('finds every kind of damage, --fix repairs what is safe, and then all is well', async () => {
    world = await makeWorld();
    const tools = ['tpxdemo', 'oneapp', 'withdep', 'multiapp', 'clash-a', 'guitool', 'shscript'];
    const installed = await world.run(['install', ...tools]);
    expect(installed.code).toBe(0);
    expect((await world.run(['doctor'], { env: { PATH: `${world.binDir}${delimiter}${world.env.PATH}` } })).code).toBe(0);
    const bin = (app: string) => join(world.binDir, app);
    const tool = (key: string) => join(world.tpxHome, 'tools', key);

    // Python gone (oneapp), or replaced by another minor version (withdep's python now resolves to a 3.99).
    const oneappPython = receipt(world, 'oneapp').python.executable as string;
    removePython(world, 'oneapp');
    const py399 = join(world.root, 'py399', 'bin', 'python3.99');
    mkdirSync(join(world.root, 'py399', 'bin'), { recursive: true });
    writeFileSync(py399, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    rmSync(join(tool('withdep'), 'bin', 'python'));
    symlinkSync(py399, join(tool('withdep'), 'bin', 'python'));
    // A receipt inconsistent with its venv (the version), an app gone from the venv, a link recorded outside the bin dir.
    const multi = receipt(world, 'multiapp');
    writeFileSync(
      receiptFile(world, 'multiapp'),
      JSON.stringify({ ...multi, version: '9.9', apps: [{ ...multi.apps[0], link: join(world.root, 'multi-a') }, multi.apps[1]] }),
    );
    rmSync(join(tool('multiapp'), 'bin', 'multi-b'));
    // A link missing, and a stray one (an app tpxdemo no longer has).
    rmSync(bin('tpxdemo-admin'));
    symlinkSync(join(tool('tpxdemo'), 'bin', 'tpxdemo-old'), bin('tpxdemo-old'));
    // tools/clash-a pointed at `..` by hand.
    const clashGen = readlinkSync(tool('clash-a'));
    rmSync(tool('clash-a'));
    symlinkSync('..', tool('clash-a'));
    // A file where guitool's link was; shscript's receipt unreadable.
    rmSync(bin('guitool'));
    writeFileSync(bin('guitool'), 'mine');
    writeFileSync(receiptFile(world, 'shscript'), JSON.stringify({ ...receipt(world, 'shscript'), key: 7 }));
    // Left by kills: an orphaned generation (an uninstall killed after removing tools/ghost), a link into
    // that tool, a lock whose owner is dead, and the temp link of an interrupted switch.
    const orphan = join(world.tpxHome, 'envs', 'mwaaaaaa-abcdef');
    mkdirSync(orphan);
    writeFileSync(join(orphan, 'tpx.json'), JSON.stringify({ schema: 1, key: 'ghost' }));
    symlinkSync(join(tool('ghost'), 'bin', 'ghost'), bin('ghost'));
    const lock = join(world.tpxHome, 'locks', 'tpxdemo.lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'owner'), `999999 ${(await import('node:os')).hostname()} 1\n`);
    const temp = join(world.tpxHome, 'tools', 'oneapp.tmp-4242-0a1b2c3d');
    symlinkSync('../envs/x', temp);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(world.tpxHome, 'tools'), old, old);
    const lutimes = (await import('node:fs')).lutimesSync;
    lutimes(temp, old, old);

    const found = await world.run(['doctor']);
    expect(found.code).toBe(1);
    expect(found.stderr).not.toMatch(/internal error|\n\s+at /);
    for (const problem of [
      `oneapp: its Python is gone (${oneappPython})`,
      `withdep: its Python was replaced: ${py399} is now Python 3.99`,
      'multiapp: its receipt does not match its environment: it records multiapp 9.9, but 1.0 is installed',
      `multiapp: multi-a: link recorded as ${join(world.root, 'multi-a')}, not in the bin dir ${world.binDir}`,
      'multiapp: multi-b: app missing from its venv',
      'tpxdemo: tpxdemo-admin: link missing',
      `tpxdemo: ${bin('tpxdemo-old')} links into it but is not one of its apps`,
      'clash-a: tools/clash-a points at "..", not at one of tpx\'s generations',
      'guitool: guitool: link replaced by a file tpx does not own',
      'shscript: its receipt is unreadable: key is 7, not a tool key',
      `${orphan} is a generation no tool points to (it was ghost's)`,
      `${bin('ghost')} links into ${tool('ghost')}, which is not installed`,
      `tpxdemo: ${lock} is a stale lock: the tpx that took it is gone`,
      `${temp} is not a tool tpx made (the temp link of an interrupted switch)`,
      `the bin dir ${world.binDir} is not on your PATH`,
    ]) {
      expect(found.stdout).toContain(problem);
    }
    // The bin dir's PATH advice is install's, `tpx ensurepath` first.
    const advice = /^hint: (run `tpx ensurepath` .*)\nhint: {3}(.*)$/m.exec(installed.stderr);
    expect(advice, installed.stderr).not.toBeNull();
    expect(found.stdout).toContain(`    fix: ${advice?.[1]} ${advice?.[2]}\n`);
    expect(found.stdout).toContain('fix: `tpx doctor --fix` reinstalls it from its receipt (or: tpx reinstall oneapp)');
    expect(found.stdout).toContain(`fix: \`tpx doctor --fix\` points it back at its generation ${clashGen.split('/').pop()} (clash-a 1.0)`);
    expect(JSON.parse((await world.run(['doctor', '--json'])).stdout)).toMatchObject({ schema: 1, ok: false });

    const fixed = await world.run(['doctor', '--fix']);
    expect(fixed.code).toBe(1);
    for (const done of [
      'fixed: reinstalled oneapp 1.0',
      'fixed: reinstalled withdep 1.0',
      'fixed: reinstalled multiapp 1.0',
      `fixed: removed ${bin('tpxdemo-old')}: it linked into tpxdemo but is not one of its apps; linked ${bin('tpxdemo-admin')} again`,
      `fixed: pointed tools/clash-a back at its generation ${clashGen.split('/').pop()} (clash-a 1.0)`,
      `fixed: removed the stale lock ${lock}`,
      `fixed: removed ${bin('ghost')}`,
      `fixed: removed ${temp}`,
      'fixed: removed 1 orphaned generation: mwaaaaaa-abcdef',
    ]) {
      expect(fixed.stdout).toContain(done);
    }
    // What no repair is safe for is named, with the command that fixes it.
    expect(fixed.stdout).toContain(
      `not fixed: guitool: guitool: link replaced by a file tpx does not own\n    fix: move ${bin('guitool')} out of the way, then run \`tpx doctor --fix guitool\``,
    );
    expect(fixed.stdout).toContain(
      'not fixed: shscript: its receipt is unreadable: key is 7, not a tool key\n    fix: tpx install --force SPEC (SPEC: what shscript was installed from), or tpx uninstall shscript',
    );
    expect(fixed.stdout).toContain(`    fix: ${advice?.[1]} ${advice?.[2]}\n`);
    expect(fixed.stdout).toContain('3 problems left');
    expect(readFileSync(bin('guitool'), 'utf8')).toBe('mine');
    for (const app of ['oneapp-cli', 'withdep', 'multi-a', 'multi-b', 'tpxdemo-admin', 'clash']) {
      expect((await world.exec(bin(app), [])).code, app).toBe(0);
    }
    expect(existsSync(join(world.root, 'multi-a'))).toBe(false);

    // The user does what doctor named; then nothing is left.
    rmSync(bin('guitool'));
    expect((await world.run(['uninstall', 'shscript'])).code).toBe(0);
    const env = { PATH: `${world.binDir}${delimiter}${world.env.PATH}` };
    const last = await world.run(['doctor', '--fix'], { env });
    expect(last.stdout).toContain(`fixed: linked ${bin('guitool')} again`);
    expect(last.code, last.stdout).toBe(0);
    const clean = await world.run(['doctor'], { env });
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toBe(`no problems found (6 tools checked in ${world.tpxHome})\n`);
    expect((await world.run(['list'])).code).toBe(0);
  });

  it('NAME checks one tool; an unknown NAME is an error', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'oneapp', 'tpxdemo'])).code).toBe(0);
    removePython(world, 'oneapp');
    const one = await world.run(['doctor', 'tpxdemo']);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toBe(`no problems found (1 tool checked in ${world.tpxHome})\n`);
    const other = await world.run(['doctor', 'oneapp']);
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('oneapp: its Python is gone');
    expect(other.stdout).not.toContain('PATH');
    const unknown = await world.run(['doctor', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: nosuch is not installed\nhint: installed tools: oneapp, tpxdemo\n');
  });

  it('--verify checks every installed file against RECORD, names what changed, was added or deleted; --fix rebuilds', async () => {
    world = await makeWorld();
    const tools = ['tpxdemo', 'shscript', 'mantool', 'withdep'];
    expect((await world.run(['install', ...tools])).code).toBe(0);
    // Apps tpx made start Python with -E, bytecode, scripts, man pages: none of it is a difference.
    const clean = await world.run(['doctor', '--verify', ...tools]);
    expect(clean.stdout).toBe(`no problems found (${tools.length} tools checked in ${world.tpxHome})\n`);
    expect(clean.code).toBe(0);

    const venv = join(world.tpxHome, 'tools', 'tpxdemo');
    const site = join('lib', readdirSync(join(venv, 'lib'))[0] as string, 'site-packages');
    const module = readdirSync(join(venv, site, 'tpxdemo')).find((f) => f.endsWith('.py')) as string;
    writeFileSync(join(venv, site, 'tpxdemo', module), 'print("not what pip installed")\n', { flag: 'a' });
    writeFileSync(join(venv, site, 'zz-planted.pth'), 'import os\n');
    const distInfo = readdirSync(join(venv, site)).find((f) => f.startsWith('tpxdemo-') && f.endsWith('.dist-info')) as string;
    rmSync(join(venv, site, distInfo, 'INSTALLER'));
    const found = await world.run(['doctor', '--verify', 'tpxdemo', 'withdep']);
    expect(found.code).toBe(1);
    // The module was edited in place: through the hard link, the wheel store's entry changed too, and is named first.
    const entry = join(world.tpxHome, 'store', 'wheels');
    const store = found.stdout.split('\n').slice(0, 2);
    expect(store[0]).toMatch(
      new RegExp(
        `^the wheel store's entry ${entry}/[0-9a-f]{64} is damaged: site/tpxdemo/${module} does not match the wheel's RECORD hash`,
      ),
    );
    expect(store[1]).toMatch(/^ {4}fix: `tpx doctor --verify --fix` removes it/);
    expect(found.stdout.split('\n').slice(2).join('\n')).toBe(
      [
        `tpxdemo: 3 of its files are not what was installed (RECORD): changed ${join(site, 'tpxdemo', module)}; added ${join(site, 'zz-planted.pth')}; deleted ${join(site, distInfo, 'INSTALLER')}`,
        '    fix: `tpx doctor --verify --fix` reinstalls it from its receipt (or: tpx reinstall tpxdemo)',
        '2 problems found; `tpx doctor --verify --fix` repairs all of them',
        '',
      ].join('\n'),
    );
    // Without --verify, doctor reads no file's content.
    expect((await world.run(['doctor', 'tpxdemo'])).stdout).not.toContain('RECORD');
    const json = JSON.parse((await world.run(['doctor', '--verify', '--json', 'tpxdemo'])).stdout);
    expect(json.problems).toEqual([
      expect.objectContaining({ tool: null, fix: 'remove' }),
      expect.objectContaining({ tool: 'tpxdemo', fix: 'reinstall' }),
    ]);

    const fixed = await world.run(['doctor', '--verify', '--fix', 'tpxdemo']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('fixed: reinstalled tpxdemo 1.0');
    expect((await world.run(['doctor', '--verify', 'tpxdemo'])).code).toBe(0);
    // The rebuilt tool's module is the wheel's again (the store unpacked it anew, not the edited copy).
    expect(readFileSync(join(venv, site, 'tpxdemo', module), 'utf8')).not.toContain('not what pip installed');
  });
});
