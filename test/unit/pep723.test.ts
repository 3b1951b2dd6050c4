import { describe, expect, it } from 'vitest';
import { parseScriptMetadata } from '../../src/core/pep723.js';
import { parseSpecifierSet, satisfies } from '../../src/core/pyversion.js';

const script = (...lines: string[]) => `${lines.join('\n')}\n`;
const errorOf = (source: string) => {
  try {
    parseScriptMetadata(source, 'x.py');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
};

describe('parseScriptMetadata', () => {
  it('reads dependencies and requires-python', () => {
    const meta = parseScriptMetadata(
      script('#!/usr/bin/env python3', '# /// script', '# requires-python = ">=3.8"', '# dependencies = [', '#   "rich>=13",', '#   "httpx",', '# ]', '# ///', 'print(1)'),
      'x.py',
    );
    expect(meta).toMatchObject({ dependencies: ['rich>=13', 'httpx'], requiresPython: { text: '>=3.8', line: 3 }, line: 2 });
  });

  it('has none without a script block; other block types are ignored', () => {
    expect(parseScriptMetadata('print(1)\n', 'x.py')).toBeNull();
    expect(parseScriptMetadata(script('# /// pyproject', '# x = 1', '# ///'), 'x.py')).toBeNull();
  });

  it('accepts CRLF line endings and an empty block', () => {
    expect(parseScriptMetadata('# /// script\r\n# dependencies = ["a"]\r\n# ///\r\n', 'x.py')?.dependencies).toEqual(['a']);
    expect(parseScriptMetadata(script('# /// script', '#', '# ///'), 'x.py')).toMatchObject({ dependencies: [], requiresPython: null });
  });

  it('refuses two blocks, naming the second', () => {
    expect(errorOf(script('# /// script', '# dependencies = []', '# ///', '', '# /// script', '# dependencies = []', '# ///'))).toBe(
      'x.py:5: a second `# /// script` block (the first is on line 1)',
    );
  });

  it('refuses bad TOML, naming its line in the file', () => {
    expect(errorOf(script('import os', '# /// script', '# dependencies = [', '#   "a",', '#   b', '# ]', '# ///'))).toMatch(/^x\.py:5: invalid TOML/);
  });

  it('refuses a non-string dependency and a non-list', () => {
    expect(errorOf(script('# /// script', '# dependencies = ["a", 3]', '# ///'))).toBe('x.py:2: dependencies[1] is 3, not a requirement string');
    expect(errorOf(script('# /// script', '# dependencies = "a"', '# ///'))).toBe('x.py:2: `dependencies` must be a list of strings');
  });

  it('refuses a requires-python that is not a specifier, and an unclosed block', () => {
    expect(errorOf(script('# /// script', '# requires-python = "three"', '# ///'))).toBe('x.py:2: requires-python = "three" is not a version specifier');
    expect(errorOf(script('', '# /// script', '# dependencies = []', 'print(1)'))).toBe('x.py:2: the `# /// script` block is never closed');
  });
});

describe('satisfies (requires-python)', () => {
  const ok = (version: string, spec: string) => satisfies(version, parseSpecifierSet(spec) ?? []);
  it.each([
    ['3.11.4', '>=3.8', true],
    ['3.11.4', '>=3.12', false],
    ['3.11.4', '<3.11', false],
    ['3.11.4', '<=3.11', false],
    ['3.11.0', '<=3.11', true],
    ['3.11.4', '>3.11', true],
    ['3.11.4', '==3.11.*', true],
    ['3.11.4', '==3.11', false],
    ['3.11.4', '!=3.11.*', false],
    ['3.11.4', '~=3.10', true],
    ['3.11.4', '~=3.11.5', false],
    ['3.12.0', '~=3.11.1', false],
    ['3.11.4', '>=3.8, <4', true],
    ['3.11.4', '>=3.12,<3.12', false],
  ])('%s in %s → %s', (version, spec, expected) => {
    expect(ok(version, spec)).toBe(expected);
  });

  it('rejects what is not a specifier set', () => {
    for (const bad of ['', 'three', '>=3.*', '~=3', '>= 3.8 or 3.9']) expect(parseSpecifierSet(bad)).toBeNull();
  });
});
