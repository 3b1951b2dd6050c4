import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { makeContext } from '../../src/core/base/context.js';
import { TpxError } from '../../src/core/base/errors.js';
import { choosePython, decidePython } from '../../src/core/python/choose.js';
import { findInterpreter, newestInterpreter } from '../../src/core/python/python.js';
import { newerPython, realPython } from '../helpers/fixtures.js';
import { quiet } from '../helpers/context.js';

/** A temp dir on PATH holding executables with these shell bodies. */
function world(execs: Record<string, string>, env: Record<string, string> = {}) {
  const dir = tempDir('tpx-python-');
  for (const [name, body] of Object.entries(execs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return {
    dir,
    ctx: makeContext({
      env: { PATH: dir, HOME: dir, TPX_CACHE_DIR: join(dir, 'cache'), TPX_PYTHON_DOWNLOADS: 'never', ...env },
      os: 'linux',
      arch: 'x64',
      cwd: dir,
      verbose: false,
      out: quiet,
    }),
  };
}

function failure(fn: () => unknown): { code: string; message: string; hint: string | undefined } {
  try {
    fn();
  } catch (err) {
    const e = err as TpxError;
    return { code: e.code, message: e.message, hint: e.hint };
  }
  throw new Error('did not fail');
}

describe('findInterpreter', () => {
  it('a probe that takes too long says it timed out, not that the interpreter does not run', () => {
    const { dir, ctx } = world({ python3: 'exec /bin/sleep 5' });
    const f = failure(() => findInterpreter(ctx, join(dir, 'python3'), 200));
    expect(f).toMatchObject({
      code: 'bad-python',
      message: `the Python interpreter for "${join(dir, 'python3')}" did not answer within 0.2 s (timed out)`,
    });
  });

  it('an interpreter that fails says what it said', () => {
    const { dir, ctx } = world({ python3: 'echo "boom: no encodings module" >&2; exit 1' });
    expect(failure(() => findInterpreter(ctx, 'python3'))).toEqual({
      code: 'bad-python',
      message: 'the Python interpreter for "python3" does not run',
      hint: `${join(dir, 'python3')} said: boom: no encodings module\ncheck that it is a working Python 3 interpreter`,
    });
  });

  it('a bad TPX_DEFAULT_PYTHON is named in the error, with the fix', () => {
    const { ctx } = world({}, { TPX_DEFAULT_PYTHON: '3.99' });
    expect(failure(() => findInterpreter(ctx))).toEqual({
      code: 'no-python',
      message: 'no Python found for TPX_DEFAULT_PYTHON="3.99"',
      hint: 'set TPX_DEFAULT_PYTHON to a path, a command such as python3.12, or a version such as 3.12 (or unset it)',
    });
    expect(failure(() => findInterpreter(world({}, { TPX_DEFAULT_PYTHON: '/nowhere/python' }).ctx)).message).toBe(
      'no Python found for TPX_DEFAULT_PYTHON="/nowhere/python"',
    );
  });

  it('--python is named as given; a version that is not installed is "no Python found"', () => {
    const { ctx } = world({ python3: `exec ${realPython()} "$@"` });
    expect(failure(() => findInterpreter(ctx, '3.99'))).toMatchObject({ code: 'no-python', message: 'no Python found for "3.99"' });
  });

  it("`python3.X` that pyenv has, but not in the version selected: pyenv's 3.X is taken, as for `--python 3.X`", () => {
    // A pyenv root whose selected version has no python3.X, as `pyenv global 3.11.7` with 3.X installed too;
    // its shim answers as pyenv does then.
    const other = newerPython(12);
    const line = other.version.split('.').slice(0, 2).join('.');
    const { dir, ctx } = world({});
    const root = join(dir, 'pyenv');
    for (const d of ['versions/3.11.7/bin', `versions/${other.version}/bin`, 'libexec', 'shims'])
      mkdirSync(join(root, d), { recursive: true });
    symlinkSync(realPython(), join(root, 'versions', '3.11.7', 'bin', 'python3'));
    for (const app of ['python3', `python${line}`]) symlinkSync(other.executable, join(root, 'versions', other.version, 'bin', app));
    writeFileSync(join(root, 'version'), '3.11.7\n');
    const said = [
      `pyenv: python${line}: command not found`,
      '',
      `The \`python${line}' command exists in these Python versions:`,
      `  ${other.version}`,
      '',
      "Note: See 'pyenv help global' for tips on allowing multiple",
      '      Python versions to be found at the same time.',
    ];
    writeFileSync(join(root, 'libexec', 'pyenv'), `#!/bin/sh\ncat >&2 <<'EOF'\n${said.join('\n')}\nEOF\nexit 127\n`, { mode: 0o755 });
    const shim = `#!/usr/bin/env bash\nset -e\nprogram="\${0##*/}"\n\nexport PYENV_ROOT="${root}"\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`;
    writeFileSync(join(root, 'shims', `python${line}`), shim, { mode: 0o755 });
    const env = { ...ctx.env, PATH: `${join(root, 'shims')}:/usr/bin:/bin`, PYENV_ROOT: root };
    const found = findInterpreter({ ...ctx, env }, `python${line}`);
    expect(found.executable).toBe(join(root, 'versions', other.version, 'bin', 'python3'));
    expect(found.version).toBe(other.version);

    // Not installed in pyenv either: pyenv's whole message, not its last line.
    rmSync(join(root, 'versions', other.version), { recursive: true });
    const f = failure(() => findInterpreter({ ...ctx, env }, `python${line}`));
    expect(f.message).toBe(`the Python interpreter for "python${line}" does not run`);
    expect(f.hint).toBe(
      `${join(root, 'shims', `python${line}`)} said:\n${said
        .filter(Boolean)
        .map((l) => `  ${l}`)
        .join('\n')}\ncheck that it is a working Python 3 interpreter`,
    );
  });

  it('expands ~ in a path', () => {
    const { ctx } = world({}, { HOME: join(realPython(), '..') });
    expect(findInterpreter(ctx, `~/${realPython().split('/').pop()}`).executable).toBe(realPython());
  });
});

describe('newestInterpreter', () => {
  it('finds an installed python3.X whose version is accepted, or null', () => {
    const py = realPython();
    const { ctx } = world({});
    const version = findInterpreter(ctx, py).version;
    const minor = version.split('.').slice(0, 2).join('.');
    const { ctx: withIt } = world({ [`python${minor}`]: `exec ${py} "$@"` });
    expect(newestInterpreter(withIt, (v) => v.startsWith(`${minor}.`))?.version).toBe(version);
    expect(newestInterpreter(withIt, (v) => v.startsWith('3.99.'))).toBeNull();
  });
});

describe('choosePython', () => {
  it('decides: take what was asked for when it is accepted; otherwise search, unless --python named it', () => {
    const accepts312 = (v: string) => v.startsWith('3.12.');
    expect(decidePython(null, '3.11.4', undefined)).toBe('take');
    expect(decidePython('3.11', '3.11.4', null)).toBe('take');
    expect(decidePython(null, '3.12.1', accepts312)).toBe('take');
    expect(decidePython(null, '3.11.4', accepts312)).toBe('search');
    expect(decidePython('3.11', '3.11.4', accepts312)).toBe('refuse');
  });

  it('finds the default, another installed Python that is accepted, or says why none is', async () => {
    const py = realPython();
    const { ctx } = world({ python3: `exec ${py} "$@"` });
    const version = (await choosePython(ctx, { requested: null })).version;
    const minor = version.split('.').slice(0, 2).join('.');
    // The default answers the probe as a Python 3.6 would; the real one is installed beside it as python3.X.
    const old = JSON.stringify({ executable: '/fake/python3', version: '3.6.0', pipWheels: [], venv: null });
    const { ctx: two } = world({ python3: `echo '${old}'`, [`python${minor}`]: `exec ${py} "$@"` });
    const why = (first: { version: string }) => new TpxError('no-python-for-script', `none fits; the default is ${first.version}`);
    expect((await choosePython(two, { requested: null })).version).toBe('3.6.0');
    expect((await choosePython(two, { requested: null, accepts: (v) => v.startsWith(`${minor}.`), why })).version).toBe(version);
    const none = choosePython(two, { requested: null, accepts: (v) => v.startsWith('3.99.'), why });
    await expect(none).rejects.toMatchObject({ code: 'no-python-for-script', message: 'none fits; the default is 3.6.0' });
    // A --python that is not accepted is never replaced by another.
    const refused = choosePython(two, { requested: py, accepts: (v) => v !== version, why });
    await expect(refused).rejects.toMatchObject({ message: `none fits; the default is ${version}` });
  });
});
