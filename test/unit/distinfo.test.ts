import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { appsOf, listDists, readEntryPoints } from '../../src/core/packaging/distinfo.js';
import { platformFor } from '../../src/core/base/platform.js';

const posix = { platform: platformFor('linux') };

/** A venv-like tree: lib/site-packages with dist-info folders, and a bin dir. */
function venv() {
  const root = tempDir('tpx-distinfo-');
  const site = join(root, 'lib', 'python3.11', 'site-packages');
  const bin = join(root, 'bin');
  mkdirSync(site, { recursive: true });
  mkdirSync(bin);
  const dist = (name: string, files: Record<string, string>) => {
    const dir = join(site, `${name}.dist-info`);
    mkdirSync(dir);
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    return dir;
  };
  const binFile = (name: string) => writeFileSync(join(bin, name), '#!/bin/sh\n');
  return { site, bin, dist, binFile };
}

describe('listDists', () => {
  it('reads Name, Version and Requires-Dist from the METADATA header only', () => {
    const v = venv();
    v.dist('Black-24.1.0', {
      METADATA:
        'Metadata-Version: 2.1\r\nName: Black\r\nVersion: 24.1.0\r\nRequires-Dist: click>=8\r\nrequires-dist: platformdirs\r\n\r\nName: not-this\nRequires-Dist: nor-this\n',
    });
    v.dist('broken-1.0', { METADATA: 'Name: broken\n' });
    v.dist('nometa-1.0', {});
    writeFileSync(join(v.site, 'not-a-dist.txt'), '');
    expect(listDists(v.site).map(({ name, version, requires }) => ({ name, version, requires }))).toEqual([
      { name: 'Black', version: '24.1.0', requires: ['click>=8', 'platformdirs'] },
    ]);
  });

  it('is empty for a missing site-packages', () => {
    expect(listDists('/nonexistent/site-packages')).toEqual([]);
  });
});

describe('readEntryPoints', () => {
  it('reads console and gui scripts from the INI, skipping comments and other groups', () => {
    const v = venv();
    const dir = v.dist('t-1.0', {
      METADATA: 'Name: t\nVersion: 1.0\n',
      'entry_points.txt':
        '# c\n[console_scripts]\nt = t:main\n  t-admin=t:admin  \n; also a comment\n[gui_scripts]\nt-gui = t:gui\n[t.plugins]\np = t:p\nno-equals-sign\n',
    });
    expect(readEntryPoints({ name: 't', version: '1.0', dir, requires: [] })).toEqual({ console: ['t', 't-admin'], gui: ['t-gui'] });
  });
});

describe('appsOf', () => {
  it('entry points and RECORD scripts that pip put in bin, sorted; activate/python/pip scripts are not apps', () => {
    const v = venv();
    v.dist('t-1.0', {
      METADATA: 'Name: t\nVersion: 1.0\n',
      'entry_points.txt': '[console_scripts]\nt = t:main\nt-missing = t:x\n[gui_scripts]\nt-gui = t:gui\n',
      RECORD: [
        '../../../bin/t,sha256=x,1',
        '"../../../bin/t-sh,with comma",,',
        '../../../bin/python-helper,,',
        't/__init__.py,,',
        '../../../bin/t-gui,,',
      ].join('\n'),
    });
    for (const f of ['t', 't-sh,with comma', 'python-helper', 't-gui']) v.binFile(f);
    const [dist] = listDists(v.site);
    expect(appsOf(posix, dist!, v.site, v.bin)).toEqual([
      { name: 't', kind: 'console', dist: 't' },
      { name: 't-gui', kind: 'gui', dist: 't' },
      { name: 't-sh,with comma', kind: 'script', dist: 't' },
    ]);
  });

  it('refuses an entry point whose name could leave the bin dir', () => {
    const v = venv();
    v.dist('evil-1.0', { METADATA: 'Name: evil\nVersion: 1.0\n', 'entry_points.txt': '[console_scripts]\n../evil = e:m\n' });
    const [dist] = listDists(v.site);
    expect(() => appsOf(posix, dist!, v.site, v.bin)).toThrow(/declares an app named "\.\.\/evil", which is not a plain file name/);
  });
});
