// The seams of docs/architecture.md, "Seams", checked on every file in src/: an interpreter is found
// only through python/choose.ts, and pip is run only by installer/ (everything else asks the
// Installer; the shared pip's own upkeep, installer/pip/shared.ts, is the one exception).
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, importsOf, readSources } from '../helpers/sources.js';

/** Every use the seams forbid, as `file: why`. */
function seamViolations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    const rel = relative(SRC, file);
    if (!rel.startsWith('core/python/') && /\b(findInterpreter|newestInterpreter)\b/.test(text))
      out.push(`${rel}: finds an interpreter itself (ask choosePython, core/python/choose.ts)`);
    if (rel.startsWith('core/installer/')) continue;
    for (const spec of importsOf(text)) {
      const target = relative(SRC, resolve(dirname(file), spec));
      if (target.startsWith('core/installer/pip/') && target !== 'core/installer/pip/shared.js')
        out.push(`${rel} → ${target}: runs pip itself (ask the Installer, core/installer/installer.ts)`);
    }
  }
  return out;
}

describe('the seams', () => {
  it('src/ finds interpreters and runs pip only through them', () => {
    expect(seamViolations(readSources())).toEqual([]);
  });

  it('fails on a planted violation of each kind', () => {
    const at = (p: string) => join(SRC, p);
    const planted = new Map([
      [at('commands/run.ts'), "import { findInterpreter } from '../core/python/python.js';"],
      [at('core/build/build.ts'), "import { readInstallReport } from '../installer/pip/pip.js';"],
      [at('core/files/locking.ts'), "import { sharedPip } from '../installer/pip/shared.js';"],
      [at('core/installer/pip/latest.ts'), "import { resolve } from './resolve.js';"],
    ]);
    expect(seamViolations(planted)).toEqual([
      'commands/run.ts: finds an interpreter itself (ask choosePython, core/python/choose.ts)',
      'core/build/build.ts → core/installer/pip/pip.js: runs pip itself (ask the Installer, core/installer/installer.ts)',
    ]);
  });
});
