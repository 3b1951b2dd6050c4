import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { movedProblem, pythonProblem } from '../../src/core/store/status.js';
import { platformFor } from '../../src/core/base/platform.js';

const posix = { platform: platformFor('linux') };

const built = { executable: '/usr/bin/python3.11', version: '3.11.7' };

/** A venv whose bin/python links to `base`, as tpx makes them; pyvenv.cfg records `version`. */
function venvOn(root: string, base: string, version = '3.11.7'): string {
  const venv = join(root, 'venv');
  mkdirSync(join(venv, 'bin'), { recursive: true });
  symlinkSync(base, join(venv, 'bin', 'python'));
  writeFileSync(join(venv, 'pyvenv.cfg'), `home = /x\nversion = ${version}\n`);
  return venv;
}

/** An interpreter installation: <prefix>/bin/<exe> and <prefix>/lib/<each of libs>. */
function interpreter(prefix: string, exe: string, libs: string[]): string {
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  for (const l of libs) mkdirSync(join(prefix, 'lib', l), { recursive: true });
  writeFileSync(join(prefix, 'bin', exe), '');
  return join(prefix, 'bin', exe);
}

describe("is the venv's Python still the one it was built with (from disk)", () => {
  it('fine: the link resolves to the recorded minor version', () => {
    const root = tempDir();
    const exe = interpreter(join(root, 'py'), 'python3.11', ['python3.11']);
    symlinkSync('python3.11', join(root, 'py', 'bin', 'python3'));
    expect(pythonProblem(posix, venvOn(root, join(root, 'py', 'bin', 'python3')), built)).toBeNull();
    expect(exe).toContain('python3.11');
  });

  it('gone: the link dangles', () => {
    const root = tempDir();
    const venv = venvOn(root, join(root, 'nowhere', 'python3'));
    expect(pythonProblem(posix, venv, built)).toEqual({ kind: 'python-gone', text: 'its Python is gone (/usr/bin/python3.11)' });
    // Without a receipt: where the venv's link points.
    expect(pythonProblem(posix, venv, null)?.text).toBe(`its Python is gone (${join(root, 'nowhere', 'python3')})`);
  });

  it('replaced: the executable it resolves to is named for another version', () => {
    const root = tempDir();
    interpreter(join(root, 'py'), 'python3.13', ['python3.13']);
    symlinkSync('python3.13', join(root, 'py', 'bin', 'python3'));
    const p = pythonProblem(posix, venvOn(root, join(root, 'py', 'bin', 'python3')), built);
    expect(p?.kind).toBe('python-replaced');
    expect(p?.text).toBe(`its Python was replaced: ${join(root, 'py', 'bin', 'python3')} is now Python 3.13, and it was built with 3.11.7`);
  });

  it("replaced: a name that does not say, but the standard library is another version's", () => {
    const root = tempDir();
    const exe = interpreter(join(root, 'py'), 'python', ['python3.13']);
    expect(pythonProblem(posix, venvOn(root, exe), built)?.text).toContain('is now Python 3.13');
    // Without a receipt, pyvenv.cfg's version is what it was built with.
    expect(pythonProblem(posix, venvOn(join(root, 'b'), exe, '3.11.2'), null)?.text).toContain('built with 3.11.2');
    // A layout that says nothing either way is not called broken.
    const plain = interpreter(join(root, 'odd'), 'python', []);
    expect(pythonProblem(posix, venvOn(join(root, 'c'), plain), built)).toBeNull();
  });
});

describe("is the venv's own python there (the base may be fine)", () => {
  it('missing: bin/python deleted, while the base interpreter is still there; both gone: the Python is gone', () => {
    const root = tempDir();
    const exe = interpreter(join(root, 'py'), 'python3.11', ['python3.11']);
    const venv = venvOn(root, exe);
    rmSync(join(venv, 'bin', 'python'));
    expect(pythonProblem(posix, venv, { ...built, executable: exe })).toEqual({
      kind: 'venv-python',
      text: `its venv's python (${join(venv, 'bin', 'python')}) is missing; its base Python ${exe} is still there`,
    });
    expect(pythonProblem(posix, venv, { ...built, executable: join(root, 'gone', 'python3.11') })?.kind).toBe('python-gone');
  });
});

describe('was the venv made where it is (a venv cannot be moved)', () => {
  /** A venv made at `made` as venv.ts and `python -m venv` write pyvenv.cfg (with `command`, or without as Python < 3.11 did), with one app. */
  function venvMadeAt(root: string, made: string, opts: { command: boolean }): string {
    const venv = join(root, 'venv');
    mkdirSync(join(venv, 'bin'), { recursive: true });
    const command = opts.command ? `command = /usr/bin/python3 -m venv --without-pip ${made}\n` : '';
    writeFileSync(join(venv, 'pyvenv.cfg'), `home = /usr/bin\nversion = 3.11.7\n${command}`);
    writeFileSync(join(venv, 'bin', 'app'), `#!${made}/bin/python -E\nimport sys\n`);
    writeFileSync(join(venv, 'bin', 'native'), '\x7fELF');
    return venv;
  }

  it('made here: no problem, also when reached through a link to it', () => {
    const root = tempDir();
    const venv = venvMadeAt(root, join(root, 'venv'), { command: true });
    expect(movedProblem(posix, venv, ['app'])).toBeNull();
    symlinkSync(root, join(root, 'link'));
    expect(movedProblem(posix, join(root, 'link', 'venv'), ['app'])).toBeNull();
  });

  it("moved: pyvenv.cfg's command names another place; without one, an app's #! line does", () => {
    const root = tempDir();
    const old = join(root, 'old', 'envs', 'g1');
    const venv = venvMadeAt(root, old, { command: true });
    const text = `its venv was made at ${old} and has moved since; its apps still start ${join(old, 'bin', 'python')}`;
    expect(movedProblem(posix, venv, [])).toEqual({ kind: 'venv-moved', text });
    rmSync(venv, { recursive: true });
    const bare = venvMadeAt(root, old, { command: false });
    expect(movedProblem(posix, bare, ['native', 'app'])?.text).toBe(text);
    // Nothing says where it was made: not called moved.
    expect(movedProblem(posix, bare, ['native'])).toBeNull();
  });
});
