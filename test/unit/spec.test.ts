import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TpxError } from '../../src/core/errors.js';
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
