import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { TpxError } from '../../src/core/base/errors.js';
import { dropPin, extrasOf, extrasOnly, isPackageArchive, looksLikePath, parseSpec, withExtras } from '../../src/core/packaging/spec.js';

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
    ['black==24.1.0rc1', 'black', true],
    ['black (==1.0)', 'black', true],
    ['black===foo', 'black', true],
    ['black==1.*', 'black', false],
    ['black>=1.0,==1.0', 'black', false],
  ])('%s is a requirement for %s (pinned: %s)', (spec, name, pinned) => {
    expect(parseSpec(spec, { cwd: '/', env: {} })).toEqual({ kind: 'requirement', spec, name, pinned });
  });

  it.each([
    '',
    '  ',
    'black==',
    'tpx demo',
    '[x]',
    'black>>1',
    '-e .',
    '--index-url x',
    'black[',
    'bl@ck',
    'black>=latest',
    'black~=1',
    'black>=1.*',
  ])('refuses %j', (spec) => {
    expect(() => parseSpec(spec, { cwd: '/', env: {} })).toThrow(TpxError);
  });

  it('URLs keep the spec; a wheel URL names its distribution', () => {
    expect(parseSpec('https://h/x/My_Tool-1.0-py3-none-any.whl', { cwd: '/', env: {} })).toEqual({
      kind: 'url',
      spec: 'https://h/x/My_Tool-1.0-py3-none-any.whl',
      name: 'my-tool',
    });
    expect(parseSpec('git+https://h/x.git', { cwd: '/', env: {} })).toMatchObject({ kind: 'url', name: null });
  });

  it('paths are resolved against cwd and must exist', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tool-2.0-py3-none-any.whl'), '');
    expect(parseSpec('./tool-2.0-py3-none-any.whl', { cwd: dir, env: {} })).toEqual({
      kind: 'path',
      spec: join(dir, 'tool-2.0-py3-none-any.whl'),
      path: join(dir, 'tool-2.0-py3-none-any.whl'),
      name: 'tool',
    });
    expect(parseSpec('.', { cwd: dir, env: {} })).toEqual({ kind: 'path', spec: dir, path: dir, name: null });
    // Extras after a path, as pip takes them; a file of that very name is the file.
    expect(parseSpec('.[cli, Extra_2]', { cwd: dir, env: {} })).toEqual({
      kind: 'path',
      spec: `${dir}[cli,Extra_2]`,
      path: dir,
      name: null,
    });
    writeFileSync(join(dir, 'odd[x]'), '');
    expect(parseSpec('./odd[x]', { cwd: dir, env: {} })).toMatchObject({ spec: join(dir, 'odd[x]'), path: join(dir, 'odd[x]') });
    expect(() => parseSpec('./missing[x]', { cwd: dir, env: {} })).toThrow(/no such file or directory/);
    expect(() => parseSpec('./missing', { cwd: dir, env: {} })).toThrow(/no such file or directory/);
    expect(() => parseSpec('a/b', { cwd: dir, env: {} })).toThrow(/no such file or directory/);
  });
});

describe('dropPin', () => {
  it.each([
    ['black==22.12.0', { spec: 'black', pin: '==22.12.0' }],
    ['black[d]==22.12.0; python_version>"3"', { spec: 'black[d]; python_version>"3"', pin: '==22.12.0' }],
    ['black>=22', null],
    ['black', null],
    ['black==22.*', null],
    ['black == 2.0rc1', { spec: 'black', pin: '==2.0rc1' }],
    ['black>=latest', null],
  ])('%s → %j', (spec, expected) => {
    expect(dropPin(spec)).toEqual(expected);
  });
});

describe('extras', () => {
  it.each([
    ['black[d]', { name: 'black', extras: ['d'] }],
    [' Black [d, jupyter] ', { name: 'black', extras: ['d', 'jupyter'] }],
    ['black', null],
    ['black[]', null],
    ['black[d]>=22', null],
    ['black[d] @ https://h/b.whl', null],
    ['black[d]; python_version>"3"', null],
  ])('extrasOnly(%j) = %j', (raw, expected) => {
    expect(extrasOnly(raw)).toEqual(expected);
  });

  it.each([
    ['black', { add: ['d'] }, 'black[d]'],
    ['black==22.12.0', { add: ['d'] }, 'black[d]==22.12.0'],
    ['black[jupyter]>=22', { add: ['d'] }, 'black[d,jupyter]>=22'],
    ['black[d]', { add: ['D'] }, 'black[d]'],
    ['black @ https://h/black-1.0-py3-none-any.whl', { add: ['d'] }, 'black[d] @ https://h/black-1.0-py3-none-any.whl'],
    ['black; python_version>"3"', { add: ['d'] }, 'black[d]; python_version>"3"'],
    ['black[d,jupyter]==22.1', { remove: ['d'] }, 'black[jupyter]==22.1'],
    ['black[d]', { remove: ['d'] }, 'black'],
    ['/src/project', { add: ['d'] }, null],
    ['https://h/x.tar.gz', { add: ['d'] }, null],
  ])('withExtras(%j, %j) = %j', (spec, change, expected) => {
    expect(withExtras(spec, change)).toBe(expected);
  });

  it("extrasOf lists a requirement's extras, normalised", () => {
    expect(extrasOf('black[d,Jupyter_Ext]>=22')).toEqual(['d', 'jupyter-ext']);
    expect(extrasOf('black')).toEqual([]);
    expect(extrasOf('./project')).toEqual([]);
    expect(extrasOf('/work/project[cli,Jupyter_Ext]')).toEqual(['cli', 'jupyter-ext']);
  });
});

describe('looksLikePath', () => {
  it.each(['./x', '/x', '~/x', '~', 'a/b', 'C:\\x', 'dist/tool-1.0-py3-none-any.whl', 'tool-1.0.tar.gz', '/dev/fd/63'])(
    '%s is a path',
    (p) => {
      expect(looksLikePath(p)).toBe(true);
    },
  );
  it.each(['black', 'black==22.12.0', 'black[d]', 'black @ https://h/x.whl', 'black@22'])('%s is not', (p) => {
    expect(looksLikePath(p)).toBe(false);
  });
  it('isPackageArchive knows wheels and sdists', () => {
    expect(['a.whl', 'a.tar.gz', 'a.zip', 'a.tgz', 'a.tar.bz2', 'a.py', 'a'].map(isPackageArchive)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
