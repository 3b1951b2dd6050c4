import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitArgs } from '../../src/core/args.js';
import { TpxError } from '../../src/core/errors.js';
import { isSafeFileName, normalizeName, parseToolArg, toolKey, validateSuffix } from '../../src/core/names.js';
import { redact } from '../../src/core/pip.js';
import { parseSpec } from '../../src/core/spec.js';

describe('parseSpec', () => {
  it.each([
    ['black', 'black', false],
    ['Black', 'black', false],
    ['black==22.12.0', 'black', true],
    ['black == 22.12.0', 'black', true],
    ['black===22.12.0', 'black', true],
    ['black==22.*', 'black', false],
    ['black>=22,<23', 'black', false],
    ['black[d]>=22', 'black', false],
    ['black[d,jupyter]==22.1', 'black', true],
    ['zope.interface', 'zope-interface', false],
    ['my_tool~=1.2', 'my-tool', false],
    ['black; python_version >= "3.8"', 'black', false],
    ['black @ https://example.org/black-1.0-py3-none-any.whl', 'black', false],
  ])('%s is a requirement for %s (pinned: %s)', (spec, name, pinned) => {
    expect(parseSpec(spec, '/')).toEqual({ kind: 'requirement', spec, name, pinned });
  });

  it.each(['', '  ', 'black==', 'tpx demo', '[x]', 'black>>1', '-e .', '--index-url x', 'black[', 'bl@ck'])('refuses %j', (spec) => {
    expect(() => parseSpec(spec, '/')).toThrow(TpxError);
  });

  it('URLs keep the spec; a wheel URL names its distribution', () => {
    expect(parseSpec('https://h/x/My_Tool-1.0-py3-none-any.whl', '/')).toEqual({ kind: 'url', spec: 'https://h/x/My_Tool-1.0-py3-none-any.whl', name: 'my-tool' });
    expect(parseSpec('git+https://h/x.git', '/')).toMatchObject({ kind: 'url', name: null });
  });

  it('paths are resolved against cwd and must exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpx-unit-'));
    writeFileSync(join(dir, 'tool-2.0-py3-none-any.whl'), '');
    expect(parseSpec('./tool-2.0-py3-none-any.whl', dir)).toEqual({ kind: 'path', spec: join(dir, 'tool-2.0-py3-none-any.whl'), name: 'tool' });
    expect(parseSpec('.', dir)).toEqual({ kind: 'path', spec: dir, name: null });
    expect(() => parseSpec('./missing', dir)).toThrow(/no such file or directory/);
    expect(() => parseSpec('a/b', dir)).toThrow(/no such file or directory/);
  });
});

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
});

describe('splitArgs', () => {
  it('splits like a POSIX shell without running one', () => {
    expect(splitArgs('--no-binary :all: --pre')).toEqual(['--no-binary', ':all:', '--pre']);
    expect(splitArgs(`-c "a b" 'c d' e\\ f ""`)).toEqual(['-c', 'a b', 'c d', 'e f', '']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('$(rm -rf ~) `x`;')).toEqual(['$(rm', '-rf', '~)', '`x`;']);
  });

  it('refuses an unterminated quote', () => {
    expect(() => splitArgs('"abc')).toThrow(/unterminated/);
  });
});

describe('redact', () => {
  it('masks passwords in URLs anywhere in a text', () => {
    expect(redact('Looking in indexes: https://alice:s3cret@host/simple')).toBe('Looking in indexes: https://alice:****@host/simple');
    expect(redact('http://token@host/x and http://u:p@h/')).toBe('http://token:****@host/x and http://u:****@h/');
    expect(redact('https://host/simple')).toBe('https://host/simple');
  });
});
