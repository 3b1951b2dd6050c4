import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { admitsPython } from '../../src/core/installer/pip/download.js';
import { selectedFile, selectedPip, selectedPipFor } from '../../src/core/installer/pip/shared.js';

/** A shared/ dir holding an unpacked pip VERSION whose METADATA says `requires`. */
function sharedWith(version: string, requires: string | null): { shared: string } {
  const shared = join(tempDir(), 'shared');
  mkdirSync(join(shared, `pip-${version}`, 'pip'), { recursive: true });
  mkdirSync(join(shared, `pip-${version}`, `pip-${version}.dist-info`));
  writeFileSync(join(shared, `pip-${version}`, 'pip', '__pip-runner__.py'), '');
  writeFileSync(
    join(shared, `pip-${version}`, `pip-${version}.dist-info`, 'METADATA'),
    `Metadata-Version: 2.1\nName: pip\nVersion: ${version}\n${requires ? `Requires-Python: ${requires}\n` : ''}\nbody`,
  );
  return { shared };
}

describe('the pip `tpx upgrade-shared` chose', () => {
  it('is used only for a Python its Requires-Python admits', () => {
    const paths = sharedWith('30.0', '>=3.12');
    expect(selectedPip(paths)).toBeNull();
    writeFileSync(selectedFile(paths), '30.0\n');
    expect(selectedPip(paths)).toEqual({
      version: '30.0',
      runner: join(paths.shared, 'pip-30.0', 'pip', '__pip-runner__.py'),
      requiresPython: '>=3.12',
    });
    expect(selectedPipFor(paths, '3.12.1')?.version).toBe('30.0');
    expect(selectedPipFor(paths, '3.11.7')).toBeNull();
    const any = sharedWith('30.0', null);
    writeFileSync(selectedFile(any), '30.0');
    expect(selectedPipFor(any, '3.8.0')?.version).toBe('30.0');
  });

  it('is nothing when the record is not a version or its pip is not on disk', () => {
    const paths = sharedWith('30.0', null);
    for (const text of ['31.0', '../../etc', '', '30.0/x']) {
      writeFileSync(selectedFile(paths), text);
      expect(selectedPip(paths), text).toBeNull();
    }
  });

  it('admitsPython: a Requires-Python admits a version, an invalid one admits all (as pip ignores it)', () => {
    expect(admitsPython('>=3.9', '3.8.18')).toBe(false);
    expect(admitsPython('>=3.9', '3.9.0')).toBe(true);
    expect(admitsPython('>=3.7,!=3.8.*', '3.8.1')).toBe(false);
    expect(admitsPython('not a specifier', '3.8.1')).toBe(true);
    expect(admitsPython(null, '3.8.1')).toBe(true);
  });
});
