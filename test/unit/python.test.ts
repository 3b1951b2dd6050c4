import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { makeContext } from '../../src/core/base/context.js';
import { TpxError } from '../../src/core/base/errors.js';
import { choosePython, decidePython } from '../../src/core/python/choose.js';
import { findInterpreter, newestInterpreter } from '../../src/core/python/python.js';
import { realPython } from '../helpers/fixtures.js';

const quiet = { info() {}, warn() {}, error: () => 1, result() {}, task: <T>(_t: string, w: () => Promise<T>) => w() };

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
