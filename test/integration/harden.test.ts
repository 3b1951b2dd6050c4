// Issue 8: trust nothing on disk, leave nothing behind, tell the truth about health, one clear
// error. Each test damages a real home the way a clumsy user, a kill -9 or a reused pid would, and
// checks what tpx says and what is left on disk.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, realPython, type World } from '../helpers/world.js';
import { receipt, receiptFile } from '../helpers/tools.js';

let world: World;
afterEach(async () => world?.dispose());

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));
/** One clear error: exactly one `error:` line, a hint, and no JavaScript stack. */
function expectOneClearError(r: { stderr: string }, message: string | RegExp): void {
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = errorLines(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toContain(message);
  else expect(lines[0]).toMatch(message);
  expect(r.stderr).toContain('hint: ');
}
const writeJson = (file: string, data: unknown) => writeFileSync(file, JSON.stringify(data, null, 2));
const toolLink = (w: World, key: string) => join(w.tpxHome, 'tools', key);

describe('trust nothing on disk: tools/<name> that is not a link to a generation', () => {
  it('is reported broken with the fix; uninstall deletes nothing through it, and removes a directory there', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const envsBefore = world.ls(join(world.tpxHome, 'envs'));
    for (const target of ['.', '..', '/', join(world.tpxHome, 'envs'), '../envs/../..']) {
      rmSync(toolLink(world, 'tpxdemo'));
      symlinkSync(target, toolLink(world, 'tpxdemo'));
      const r = await world.run(['list']);
      expect(r.code, target).toBe(1);
      expect(r.stdout).toContain(
        `tpxdemo ?  BROKEN\n    ! tools/tpxdemo points at ${JSON.stringify(target)}, not at one of tpx's generations`,
      );
      expect(r.stdout).toContain('fix: tpx doctor --fix tpxdemo');
      const up = await world.run(['upgrade', 'tpxdemo']);
      expectOneClearError(up, 'error: tpxdemo is broken: tools/tpxdemo points at');
    }
    // '..' is the data home itself: uninstall removes the link and the tool's links, nothing else.
    rmSync(toolLink(world, 'tpxdemo'));
    symlinkSync('..', toolLink(world, 'tpxdemo'));
    const u = await world.run(['uninstall', 'tpxdemo']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain('uninstalled tpxdemo (removed 2 links) — it was broken');
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['oneapp']);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    expect(world.ls(join(world.tpxHome, 'shared')).length).toBeGreaterThan(0);
    const oneappGen = readlinkSync(toolLink(world, 'oneapp')).split('/').pop() as string;
    expect(envsBefore).toContain(oneappGen);
    expect((await world.exec(join(world.binDir, 'oneapp-cli'), [])).code).toBe(0);

    // A real directory at tools/<name> (was EISDIR): one clear error for install --force; uninstall removes it.
    rmSync(toolLink(world, 'oneapp'));
    mkdirSync(join(toolLink(world, 'oneapp'), 'bin'), { recursive: true });
    const f = await world.run(['install', '--force', 'oneapp']);
    expect(f.code).toBe(1);
    expectOneClearError(f, 'error: oneapp is broken: tools/oneapp is a directory, not a link to one of its generations');
    expect((await world.run(['list'])).stdout).toContain('oneapp ?  BROKEN');
    const u2 = await world.run(['uninstall', 'oneapp']);
    expect(u2.code, u2.stderr).toBe(0);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
    expect(world.ls(world.binDir)).toEqual([]);
  });
});

describe('trust nothing on disk: receipt fields', () => {
  it('previousGeneration, app names, link paths and a null spec are validated before they name a path', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    expect((await world.run(['upgrade', 'tpxdemo'])).code).toBe(0);
    const current = receipt(world, 'tpxdemo');
    const previousFile = join(world.tpxHome, 'envs', current.previousGeneration, 'tpx.json');
    const previous = JSON.parse(readFileSync(previousFile, 'utf8'));

    // An app name in the previous generation's receipt that escapes the bin dir: rollback creates nothing.
    writeJson(previousFile, { ...previous, apps: [{ ...previous.apps[0], name: '../../planted' }] });
    const rb = await world.run(['rollback', 'tpxdemo']);
    expect(rb.code).toBe(1);
    expectOneClearError(rb, 'its receipt is unreadable: apps[0].name is "../../planted", not a plain file name');
    expect(existsSync(join(world.root, 'planted'))).toBe(false);
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-serve']);

    // "spec": null: upgrade and list say which field, never a TypeError.
    writeJson(receiptFile(world, 'tpxdemo'), { ...current, request: { ...current.request, spec: null } });
    const up = await world.run(['upgrade', 'tpxdemo']);
    expect(up.code).toBe(1);
    expectOneClearError(up, 'error: tpxdemo cannot be changed: its receipt is unreadable: request.spec is null, not a string');
    expect((await world.run(['list'])).stdout).toContain('! its receipt is unreadable: request.spec is null, not a string');

    // previousGeneration pointing out of the data home, and a link field naming a symlink elsewhere
    // that points into the tool: uninstall deletes neither.
    const outside = join(world.root, 'x');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'keep me');
    const elsewhere = join(world.root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(join(toolLink(world, 'tpxdemo'), 'bin', 'tpxdemo'), join(elsewhere, 'evil'));
    const evilApps = [{ ...current.apps[0], link: join(elsewhere, 'evil') }, current.apps[1]];
    writeJson(receiptFile(world, 'tpxdemo'), { ...current, previousGeneration: '../../x', apps: evilApps });
    expect((await world.run(['list'])).stdout).toContain(
      '! its receipt is unreadable: previousGeneration is "../../x", not a generation name',
    );
    writeJson(receiptFile(world, 'tpxdemo'), { ...current, apps: evilApps });
    const l = await world.run(['list']);
    expect(l.code).toBe(1);
    expect(l.stdout).toContain(
      `BROKEN\n    tpxdemo  (link recorded as ${join(elsewhere, 'evil')}, not in the bin dir ${world.binDir})\n    tpxdemo-serve\n    fix:`,
    );
    writeJson(receiptFile(world, 'tpxdemo'), { ...current, previousGeneration: '../../x', apps: evilApps });
    const u = await world.run(['uninstall', 'tpxdemo']);
    expect(u.code, u.stderr).toBe(0);
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep me');
    expect(lstatSync(join(elsewhere, 'evil')).isSymbolicLink()).toBe(true);
    expect(world.ls(world.binDir)).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
  });
});

describe('leave nothing behind', () => {
  it('a lock whose pid is alive but is another process (pid reuse) is taken over at once; generations a killed uninstall left are removed by the next uninstall, even of a tool that is gone', async () => {
    world = await makeWorld();
    const lock = join(world.tpxHome, 'locks', 'oneapp.lock');
    mkdirSync(lock, { recursive: true });
    // This test's own pid is alive; the start time recorded is not its start time.
    writeFileSync(join(lock, 'owner'), `${process.pid} ${hostname()} 1\n`);
    const locked = await world.run(['install', 'oneapp'], { timeoutMs: 30_000 });
    expect(locked.code, locked.stderr).toBe(0);
    expect(locked.stderr).not.toContain('waiting for another tpx');
    expect(existsSync(lock)).toBe(false);
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);

    const oneappGen = readlinkSync(toolLink(world, 'oneapp')).split('/').pop();
    // What a kill -9 of `tpx uninstall tpxdemo` leaves after it removed the links and tools/tpxdemo.
    for (const app of ['tpxdemo', 'tpxdemo-admin']) rmSync(join(world.binDir, app));
    rmSync(toolLink(world, 'tpxdemo'));
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(2);
    const r = await world.run(['uninstall', 'tpxdemo']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual(['error: tpxdemo is not installed']);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([oneappGen]);

    // Without a start time (an older tpx, another OS): a heartbeat not refreshed for minutes is stale.
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), `${process.pid} ${hostname()}\n`);
    const longAgo = new Date(Date.now() - 5 * 60_000);
    utimesSync(join(lock, 'owner'), longAgo, longAgo);
    const u = await world.run(['uninstall', 'oneapp'], { timeoutMs: 30_000 });
    expect(u.code, u.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('a link left by a kill between the switch and the unlinking: list flags it, the next upgrade removes it', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    world.publish('tpxdemo-2.0');
    expect((await world.run(['upgrade', 'tpxdemo'])).code).toBe(0);
    // 2.0 dropped tpxdemo-admin; a kill before it was unlinked leaves it, dangling.
    const stray = join(world.binDir, 'tpxdemo-admin');
    symlinkSync(join(toolLink(world, 'tpxdemo'), 'bin', 'tpxdemo-admin'), stray);
    // And a link into a tool that is not installed at all.
    const ghost = join(world.binDir, 'ghost');
    symlinkSync(join(toolLink(world, 'ghost'), 'bin', 'ghost'), ghost);
    const l = await world.run(['list']);
    expect(l.code).toBe(1);
    expect(l.stdout).toContain(`tpxdemo 2.0 (Python 3.`);
    expect(l.stdout).toContain(`! ${stray} links into it but is not one of its apps`);
    expect(l.stdout).toContain(
      `links into tpx that belong to no installed tool:\n    ${ghost} → ${join(toolLink(world, 'ghost'), 'bin', 'ghost')}`,
    );
    expect(JSON.parse((await world.run(['list', '--json'])).stdout).strayLinks).toEqual([ghost]);
    const up = await world.run(['upgrade', 'tpxdemo']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('already at the latest version');
    expect(up.stderr).toContain(`removed ${stray}: it linked into tpxdemo but is not one of its apps`);
    expect(world.ls(world.binDir)).toEqual(['ghost', 'tpxdemo', 'tpxdemo-serve']);
  });

  it('install --force over a directory in the bin dir: refused up front, nothing left behind', async () => {
    world = await makeWorld();
    mkdirSync(join(world.binDir, 'oneapp-cli'), { recursive: true });
    writeFileSync(join(world.binDir, 'oneapp-cli', 'mine'), 'x');
    const r = await world.run(['install', '--force', 'oneapp']);
    expect(r.code).toBe(1);
    expectOneClearError(r, `error: ${join(world.binDir, 'oneapp-cli')} is a directory, in the way of the app oneapp-cli`);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    expect(world.ls(join(world.binDir, 'oneapp-cli'))).toEqual(['mine']);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
  });
});

describe('tell the truth about health', () => {
  it('a Python replaced underneath by another minor version at the same path is broken', async () => {
    world = await makeWorld();
    // A python3 on a path of its own, as /usr/local/bin/python3 is: it links to the real interpreter.
    const bin = join(world.root, 'py', 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(realPython(), join(bin, 'python3'));
    expect((await world.run(['install', '--python', join(bin, 'python3'), 'oneapp'])).code).toBe(0);
    expect((await world.run(['list'])).code).toBe(0);
    const built = receipt(world, 'oneapp').python.version as string;
    // Upgraded in place: python3 is now another minor version.
    writeFileSync(join(bin, 'python3.99'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    rmSync(join(bin, 'python3'));
    symlinkSync('python3.99', join(bin, 'python3'));
    const l = await world.run(['list']);
    expect(l.code).toBe(1);
    expect(l.stdout).toContain(`! its Python was replaced: ${join(bin, 'python3')} is now Python 3.99, and it was built with ${built}`);
    const up = await world.run(['upgrade', 'oneapp']);
    expectOneClearError(up, `error: oneapp's Python was replaced: ${join(bin, 'python3')} is now Python 3.99`);
    expect(up.stderr).toContain('hint: rebuild it: tpx reinstall oneapp');
    // The fix it names works: the interpreter, probed by its own path, is not mistaken for the replaced link.
    const re = await world.run(['reinstall', '--python', realPython(), 'oneapp']);
    expect(re.code, re.stderr).toBe(0);
    expect((await world.run(['list'])).code).toBe(0);
    expect((await world.exec(join(world.binDir, 'oneapp-cli'), [])).code).toBe(0);
  });
});

describe('one clear error, never a stack trace', () => {
  it('bad input is refused before anything is made: a non-Python --python, names too long, pip options that redirect the install', async () => {
    world = await makeWorld();
    const braces = join(world.root, 'braces');
    writeFileSync(braces, '#!/bin/sh\necho "{}"\n', { mode: 0o755 });
    for (const py of ['/bin/true', braces]) {
      const r = await world.run(['install', '--python', py, 'oneapp']);
      expect(r.code, py).toBe(1);
      expectOneClearError(r, `error: ${py} is not a Python interpreter: it ran, but did not answer as one does`);
    }
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);

    // Names and suffixes too long for a file name.
    const long = `a${'b'.repeat(252)}`;
    const i = await world.run(['install', long]);
    expect(i.code).toBe(1);
    expectOneClearError(i, 'error: a package name of 253 characters is too long');
    const u = await world.run(['uninstall', long]);
    expect(u.code).toBe(1);
    expectOneClearError(u, 'error: a name of 253 characters is not a valid tool name');
    const s = await world.run(['install', '--suffix', 'x'.repeat(250), 'oneapp']);
    expect(s.code).toBe(2);
    expectOneClearError(s, 'error: invalid suffix of 250 characters');

    // pip options that would install outside the venv, from every command that takes them.
    const target = join(world.root, 'target');
    const cases: [string[], string][] = [
      [['install', '--pip-args', `--target ${target}`, 'oneapp'], `error: --pip-args: --target installs outside the tool's environment`],
      [
        ['install', `--pip-args=-t${target}`, 'oneapp'],
        `error: --pip-args: -t${target} (--target) installs outside the tool's environment`,
      ],
      [['install', '--pip-args', '--user', 'oneapp'], `error: --pip-args: --user installs outside the tool's environment`],
      [['install', '--pip-args', `--pref=${target}`, 'oneapp'], `error: --pip-args: --pref=${target} (--prefix) installs outside`],
      [['run', '--with', `--target=${target}`, 'oneapp'], `error: --with --target=${target}: --with takes a package, not a pip option`],
      [['run', '--with', '-e.', 'oneapp'], 'error: --with -e.: --with takes a package, not a pip option'],
      [['run', '--pip-args', `--root ${target}`, 'oneapp'], `error: --pip-args: --root installs outside the tool's environment`],
      [['upgrade', '--pip-args', `--prefix ${target}`, 'oneapp'], `error: --pip-args: --prefix installs outside the tool's environment`],
    ];
    for (const [args, message] of cases) {
      const r = await world.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expectOneClearError(r, message);
    }
    expect(existsSync(target)).toBe(false);
    expect(world.ls(join(world.tpxHome, 'envs'))).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
  });

  it('the machine saying no: a log that cannot be written never fails the command (logs are private); a read-only bin dir on uninstall', async () => {
    world = await makeWorld();
    const logs = join(world.cacheDir, 'tpx', 'logs');
    mkdirSync(join(world.cacheDir, 'tpx'), { recursive: true });
    writeFileSync(logs, 'not a directory');
    const ok = await world.run(['install', 'oneapp']);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await world.run(['install', 'no-such-package-tpx']);
    expect(bad.code).toBe(1);
    expectOneClearError(bad, 'error: pip could not install no-such-package-tpx');
    expect(bad.stderr).toContain(`hint: no log was kept: it could not be written in ${logs}`);
    rmSync(logs);
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect(statSync(logs).mode & 0o777).toBe(0o700);
    const written = world.ls(logs).filter((f) => f.endsWith('.log'));
    expect(written.length).toBeGreaterThan(0);
    for (const f of written) expect(statSync(join(logs, f)).mode & 0o777).toBe(0o600);

    // A read-only bin dir on uninstall (EROFS): one clear error, and the tool stays installed.
    const undo = makeReadOnly(world.binDir);
    try {
      const r = await world.run(['uninstall', 'oneapp']);
      expect(r.code).toBe(1);
      expectOneClearError(r, `error: oneapp was not uninstalled: could not remove ${join(world.binDir, 'oneapp-cli')}`);
      expect(r.stderr).toContain(`hint: tpx needs to write in ${world.binDir}`);
    } finally {
      undo();
    }
    expect((await world.run(['list'])).code).toBe(0);
    expect((await world.run(['uninstall', 'oneapp'])).code).toBe(0);
  });
});

/**
 * Makes `dir` read-only for this process, as the machine allows: chmod for a normal user; for
 * root (whom permissions do not stop) a read-only bind mount (EROFS), else the immutable attribute.
 * Returns the undo. Where neither works (root without CAP_SYS_ADMIN or CAP_LINUX_IMMUTABLE) it throws:
 * the test cannot make its fault there, and says so rather than pass.
 */
function makeReadOnly(dir: string): () => void {
  if (process.getuid?.() !== 0) {
    const mode = statSync(dir).mode & 0o777;
    execFileSync('chmod', ['0555', dir]);
    return () => execFileSync('chmod', [mode.toString(8), dir]);
  }
  let bound = false;
  try {
    execFileSync('mount', ['--bind', dir, dir], { stdio: 'ignore' });
    bound = true;
    execFileSync('mount', ['-o', 'remount,ro,bind', dir], { stdio: 'ignore' });
    return () => execFileSync('umount', [dir]);
  } catch {
    if (bound) execFileSync('umount', [dir]);
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', dir]);
  }
}
