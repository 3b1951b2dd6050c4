import { describe, expect, it } from 'vitest';
import { TpxError } from '../../src/core/base/errors.js';
import {
  MAX_NAME,
  MAX_SUFFIX,
  isSafeFileName,
  isToolKey,
  closeNames,
  normalizeName,
  parseToolArg,
  toolKey,
  validateSuffix,
} from '../../src/core/packaging/names.js';

describe('names', () => {
  it('normalises per PEP 503', () => {
    expect(normalizeName('Foo.Bar__baz-Qux')).toBe('foo-bar-baz-qux');
    expect(toolKey('Black', '@22')).toBe('black@22');
  });

  it.each(['', '.', '..', 'a/b', 'a\\b', '../x', 'a\0b', 'a\nb', 'c:x'])('%j is not a safe file name', (n) => {
    expect(isSafeFileName(n)).toBe(false);
  });

  it.each(['black', 'black-d', 'x.py', 'tpxdemo@2'])('%j is a safe file name', (n) => {
    expect(isSafeFileName(n)).toBe(true);
  });

  it('tool arguments are validated before they reach a path', () => {
    expect(parseToolArg('Black')).toBe('black');
    expect(parseToolArg('tpxdemo@2')).toBe('tpxdemo@2');
    for (const bad of ['../x', 'a/b', '..', '.', '', '-x']) expect(() => parseToolArg(bad), bad).toThrow(TpxError);
  });

  it('suffixes are plain', () => {
    expect(validateSuffix('@22')).toBe('@22');
    for (const bad of ['/x', '..', 'a b', 'a/b']) expect(() => validateSuffix(bad), bad).toThrow(/invalid suffix/);
  });

  // A tool key is made one way (toolKey at install) and parsed one way (parseToolArg for every NAME
  // argument): whatever name and suffix a tool was installed with, the key it is listed under, and
  // the app-style spelling NAME+SUFFIX, both address it.
  it('a key round-trips: parseToolArg(key) and parseToolArg(name + suffix) are the key', () => {
    let seed = 20261127;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = (chars: string, min: number, max: number) =>
      Array.from({ length: min + rand(max - min + 1) }, () => chars[rand(chars.length)]).join('');
    const alnum = 'abcXYZ019';
    for (let i = 0; i < 2000; i++) {
      const name = pick(alnum, 1, 1) + (rand(2) ? pick(`${alnum}._-`, 0, 8) + pick(alnum, 1, 1) : '');
      const suffix = rand(4) === 0 ? '' : validateSuffix(pick(`._-@+${alnum}`, 1, 6));
      const key = toolKey(name, suffix);
      expect(parseToolArg(key), `${name} ${suffix}`).toBe(key);
      expect(parseToolArg(name + suffix), `${name} ${suffix}`).toBe(key);
    }
  });

  it('a suffix with separators or capitals is addressable however it is typed', () => {
    for (const [name, suffix, key] of [
      ['isort', '_old', 'isort-old'],
      ['isort', '.1', 'isort-1'],
      ['isort', '-Dev', 'isort-dev'],
      ['black', '@22', 'black@22'],
    ] as const) {
      expect(toolKey(name, suffix)).toBe(key);
      expect(parseToolArg(`${name}${suffix}`)).toBe(key);
      expect(parseToolArg(key)).toBe(key);
    }
  });

  // Every key ends up in file names with more appended (locks/<key>.lock.stale-<pid>-<hex>, bin/<app><suffix>.tpx-old-<pid>-<hex>):
  // what could not fit in 255 bytes is refused up front.
  it('names and suffixes too long for a file name are refused up front', () => {
    const longest = `${'a'.repeat(MAX_NAME)}`;
    expect(toolKey(longest, 'x'.repeat(MAX_SUFFIX))).toHaveLength(MAX_NAME + MAX_SUFFIX);
    expect(`${toolKey(longest, 'x'.repeat(MAX_SUFFIX))}.lock.stale-4194304-0a1b2c3d`.length).toBeLessThanOrEqual(255);
    expect(() => toolKey(`${longest}a`)).toThrow(/too long/);
    expect(() => validateSuffix('x'.repeat(MAX_SUFFIX + 1))).toThrow(`invalid suffix of ${MAX_SUFFIX + 1} characters`);
    expect(() => parseToolArg('a'.repeat(MAX_NAME + MAX_SUFFIX + 1))).toThrow('is not a valid tool name');
    expect(isSafeFileName('a'.repeat(MAX_NAME + 1))).toBe(false);
    expect(isToolKey('black@22')).toBe(true);
    for (const bad of ['Black', 'a.tmp-1-2', '.', '-x', '']) expect(isToolKey(bad), bad).toBe(false);
  });
});

describe('closeNames', () => {
  it.each([
    ['pytset', ['pytest', 'black', 'ruff'], ['pytest']],
    ['blakc', ['black', 'blackd', 'flake8'], ['black']],
    ['ruff', ['ruff', 'tuff', 'rust-ruff'], ['tuff']],
    ['Py_Test', ['py-test', 'pytest'], ['pytest']],
    ['isrot', ['isort', 'iso8601'], ['isort']],
    ['mypy', ['pypy', 'numpy', 'mypy-extensions'], ['pypy']],
    ['requests', ['reqeusts', 'requests-oauthlib', 'request', 'rquests'], ['reqeusts', 'request', 'rquests']],
    ['x', ['y', 'xy', 'abc'], ['xy', 'y']],
  ] as const)('%s among %j', (name, known, expected) => {
    expect(closeNames(name, known)).toEqual(expected);
  });
});
