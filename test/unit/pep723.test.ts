import { describe, expect, it } from 'vitest';
import { parseScriptMetadata } from '../../src/core/packaging/pep723.js';
import { satisfies } from '../../src/core/packaging/pep440.js';

const script = (...lines: string[]) => `${lines.join('\n')}\n`;
const errorOf = async (source: string) => {
  try {
    await parseScriptMetadata(source, 'x.py');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
};

describe('parseScriptMetadata', () => {
  it('reads dependencies and requires-python', async () => {
    const meta = await parseScriptMetadata(
      script(
        '#!/usr/bin/env python3',
        '# /// script',
        '# requires-python = ">=3.8"',
        '# dependencies = [',
        '#   "rich>=13",',
        '#   "httpx",',
        '# ]',
        '# ///',
        'print(1)',
      ),
      'x.py',
    );
    expect(meta).toMatchObject({ dependencies: ['rich>=13', 'httpx'], requiresPython: { text: '>=3.8', line: 3 }, line: 2 });
  });

  it('has none without a script block; other block types are ignored', async () => {
    expect(await parseScriptMetadata('print(1)\n', 'x.py')).toBeNull();
    expect(await parseScriptMetadata(script('# /// pyproject', '# x = 1', '# ///'), 'x.py')).toBeNull();
  });

  it('accepts CRLF line endings and an empty block', async () => {
    expect((await parseScriptMetadata('# /// script\r\n# dependencies = ["a"]\r\n# ///\r\n', 'x.py'))?.dependencies).toEqual(['a']);
    expect(await parseScriptMetadata(script('# /// script', '#', '# ///'), 'x.py')).toMatchObject({
      dependencies: [],
      requiresPython: null,
    });
    // Nothing between the lines at all: still a block, not one "never closed".
    expect(await parseScriptMetadata(script('# /// script', '# ///', 'print(1)'), 'x.py')).toMatchObject({ dependencies: [], line: 1 });
  });

  it('refuses two blocks, naming the second', async () => {
    expect(await errorOf(script('# /// script', '# dependencies = []', '# ///', '', '# /// script', '# dependencies = []', '# ///'))).toBe(
      'x.py:5: a second `# /// script` block (the first is on line 1)',
    );
  });

  it('refuses bad TOML, naming its line in the file', async () => {
    expect(await errorOf(script('import os', '# /// script', '# dependencies = [', '#   "a",', '#   b', '# ]', '# ///'))).toMatch(
      /^x\.py:5: invalid TOML/,
    );
  });

  it('refuses a non-string dependency and a non-list', async () => {
    expect(await errorOf(script('# /// script', '# dependencies = ["a", 3]', '# ///'))).toBe(
      'x.py:2: dependencies[1] is 3, not a requirement string',
    );
    expect(await errorOf(script('# /// script', '# dependencies = "a"', '# ///'))).toBe('x.py:2: `dependencies` must be a list of strings');
  });

  it('refuses a requires-python that is not a specifier, and an unclosed block', async () => {
    expect(await errorOf(script('# /// script', '# requires-python = "three"', '# ///'))).toBe(
      'x.py:2: requires-python = "three" is not a version specifier',
    );
    expect(await errorOf(script('', '# /// script', '# dependencies = []', 'print(1)'))).toBe(
      'x.py:2: the `# /// script` block is never closed',
    );
  });
});

describe('requires-python (PEP 440 specifiers: src/core/packaging/pep440.ts)', () => {
  const requiresPython = async (spec: string) =>
    (await parseScriptMetadata(script('# /// script', `# requires-python = "${spec}"`, '# ///'), 'x.py'))?.requiresPython;

  it.each(['>=3.8', '>=3.8, <4', '==3.11.*', '~=3.10', '>=3.13.0rc1', '!=3.9.0', '===3.11.4'])('accepts %s', async (spec) => {
    expect(await requiresPython(spec)).toMatchObject({ text: spec, line: 2 });
  });

  it('is what decides which Python runs the script', async () => {
    const rp = (await requiresPython('>=3.13.0rc1, <4')) as NonNullable<Awaited<ReturnType<typeof requiresPython>>>;
    expect(['3.12.7', '3.13.0', '3.14.1', '4.0.0'].map((v) => satisfies(v, rp.set))).toEqual([false, true, true, false]);
  });

  it.each(['', 'three', '>=3.*', '~=3', '>= 3.8 or 3.9'])('refuses %j', async (spec) => {
    expect(await errorOf(script('# /// script', `# requires-python = "${spec}"`, '# ///'))).toBe(
      `x.py:2: requires-python = ${JSON.stringify(spec)} is not a version specifier`,
    );
  });
});
