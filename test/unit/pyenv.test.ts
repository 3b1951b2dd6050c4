import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { pyenvShimRoot, readVersionFile, resolvePyenvShim } from '../../src/core/python/pyenv.js';

/** The shim text `pyenv rehash` writes (pyenv 2.x), for the command the file is named after. */
function shimText(root: string): string {
  return [
    '#!/usr/bin/env bash',
    'set -e',
    '[ -n "$PYENV_DEBUG" ] && set -x',
    '',
    'program="${0##*/}"',
    '',
    `export PYENV_ROOT="${root}"`,
    'SHIM_PATH=${0%/*}',
    `exec "${root}/libexec/pyenv" exec "$program" "$@"`,
    '',
  ].join('\n');
}

function executable(file: string, text = '#!/bin/sh\n'): string {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A pyenv root with 3.11.7 (python3, python3.11), 3.12.1 and 3.12.4 (python3, python3.12), a conda
 * env, a version without python3, global version 3.11.7, and shims; plus a project tree.
 */
function fakePyenv() {
  const base = tempDir('tpx-pyenv-');
  const root = join(base, 'pyenv');
  for (const [v, cmds] of [
    ['3.11.7', ['python3', 'python3.11']],
    ['3.12.1', ['python3', 'python3.12']],
    ['3.12.4', ['python3', 'python3.12']],
    ['miniconda3', ['python3']],
    ['pypy3.10-7.3', ['pypy3']],
  ] as const) {
    for (const c of cmds) executable(join(root, 'versions', v, 'bin', c));
  }
  mkdirSync(join(root, 'versions', 'miniconda3', 'conda-meta'));
  writeFileSync(join(root, 'version'), '3.11.7\n');
  const shim = (cmd: string) => executable(join(root, 'shims', cmd), shimText(root));
  const project = join(base, 'project');
  mkdirSync(join(project, 'src', 'deep'), { recursive: true });
  return { base, root, shim, project, v: (name: string, cmd = 'python3') => join(root, 'versions', name, 'bin', cmd) };
}

describe('pyenvShimRoot', () => {
  it('reads PYENV_ROOT from a pyenv shim and nothing else', () => {
    const t = fakePyenv();
    expect(pyenvShimRoot(t.shim('python3'))).toBe(t.root);
    expect(pyenvShimRoot(t.v('3.11.7'))).toBeNull(); // a script, but not a shim
    expect(
      pyenvShimRoot(executable(join(t.base, 'asdf', 'python3'), '#!/usr/bin/env bash\nexec /opt/asdf/bin/asdf exec "python3" "$@"\n')),
    ).toBeNull();
    expect(pyenvShimRoot(join(t.base, 'missing'))).toBeNull();
  });
});

describe('readVersionFile', () => {
  it('takes the first word of each line, as pyenv-version-file-read does', () => {
    expect(readVersionFile('3.12.1\n')).toEqual(['3.12.1']);
    expect(readVersionFile('# comment\n\n  3.12 extra words\r\n3.11.7\n')).toEqual(['3.12', '3.11.7']);
    expect(readVersionFile('../../etc\n..\nfoo/bar\n3.11.7')).toEqual(['3.11.7']);
    expect(readVersionFile('\n  \n')).toEqual([]);
  });
});

describe('resolvePyenvShim', () => {
  it('follows pyenv: PYENV_VERSION, then .python-version from the working directory up, then the global version', () => {
    const t = fakePyenv();
    const shim = t.shim('python3');
    expect(resolvePyenvShim(shim, {}, t.project)).toBe(t.v('3.11.7'));
    writeFileSync(join(t.project, '.python-version'), '3.12.1\n');
    expect(resolvePyenvShim(shim, {}, join(t.project, 'src', 'deep'))).toBe(t.v('3.12.1'));
    // A nearer file wins; PYENV_DIR is searched before the working directory.
    writeFileSync(join(t.project, 'src', '.python-version'), '3.11.7\n');
    expect(resolvePyenvShim(shim, {}, join(t.project, 'src', 'deep'))).toBe(t.v('3.11.7'));
    expect(resolvePyenvShim(shim, { PYENV_DIR: t.project }, join(t.project, 'src', 'deep'))).toBe(t.v('3.12.1'));
    expect(resolvePyenvShim(shim, { PYENV_VERSION: '3.12.4' }, join(t.project, 'src'))).toBe(t.v('3.12.4'));
  });

  it('takes the newest installed release for a prefix, and the first version that has the command', () => {
    const t = fakePyenv();
    expect(resolvePyenvShim(t.shim('python3'), { PYENV_VERSION: '3.12' }, t.project)).toBe(t.v('3.12.4'));
    expect(resolvePyenvShim(t.shim('python3.12'), { PYENV_VERSION: '3.11.7:3.12.1' }, t.project)).toBe(t.v('3.12.1', 'python3.12'));
    expect(resolvePyenvShim(t.shim('python3.11'), { PYENV_VERSION: '3.11.7:3.12.1' }, t.project)).toBe(t.v('3.11.7', 'python3.11'));
  });

  it('leaves to the shim what pyenv decides with more than files: system, nothing set, unknown names, conda, missing commands', () => {
    const t = fakePyenv();
    const shim = t.shim('python3');
    for (const version of ['system', '3.9.1', 'miniconda3', 'pypy3.10-7.3', 'system:3.11.7']) {
      expect(resolvePyenvShim(shim, { PYENV_VERSION: version }, t.project), version).toBeNull();
    }
    writeFileSync(join(t.project, '.python-version'), '# nothing but a comment\n');
    expect(resolvePyenvShim(shim, {}, t.project)).toBeNull();
    const noGlobal = fakePyenv();
    writeFileSync(join(noGlobal.root, 'version'), '');
    expect(resolvePyenvShim(noGlobal.shim('python3'), {}, noGlobal.project)).toBeNull();
    expect(resolvePyenvShim(t.v('3.11.7'), {}, t.project)).toBeNull();
  });
});
