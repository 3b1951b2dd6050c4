// The layering rule of docs/architecture.md, "Layers", checked on every import in src/ (type imports
// and dynamic import() included). A folder says what a file may import: src/core/<group>/ only the
// groups listed before it (and its own), nothing of the CLI; a command no other command.
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, importsOf, readSources } from '../helpers/sources.js';

/** The core groups, lowest first: each may import only those before it (and itself). */
const GROUPS = ['base', 'packaging', 'request', 'python', 'installer', 'build', 'store', 'shell', 'run', 'ops', 'files'] as const;

/** Packages of the command line: core prints through ctx.out and never parses argv. */
const CLI_PACKAGES = ['commander', 'ora', 'chalk'];

/** What a file under src/ is, for the rule: a core group, a command, a command helper, or the CLI shell. */
function layerOf(file: string): { kind: 'core'; group: number } | { kind: 'command' } | { kind: 'other' } | { kind: 'loose-core' } {
  const parts = relative(SRC, file).split(sep);
  if (parts[0] === 'core') {
    const g = GROUPS.indexOf(parts[1] as (typeof GROUPS)[number]);
    return parts.length < 3 || g < 0 ? { kind: 'loose-core' } : { kind: 'core', group: g };
  }
  if (parts[0] === 'commands' && parts.length === 2 && parts[1] !== 'cli-types.ts') return { kind: 'command' };
  return { kind: 'other' };
}

/** Every edge the rule forbids, as `from → to: why`, for files given as path → text. */
function violations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    const rel = relative(SRC, file);
    if (from.kind === 'loose-core') out.push(`${rel}: a file of src/core must be in one of its groups (${GROUPS.join(', ')})`);
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) {
        if (from.kind === 'core' && CLI_PACKAGES.includes(spec))
          out.push(`${rel} → ${spec}: core does not print or parse the command line`);
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      const trel = relative(SRC, target);
      if (from.kind === 'core') {
        if (to.kind !== 'core') out.push(`${rel} → ${trel}: core imports only core`);
        else if (to.group > from.group)
          out.push(`${rel} → ${trel}: ${GROUPS[from.group]} may not import ${GROUPS[to.group]} (it comes later)`);
      } else if (from.kind === 'command' && to.kind === 'command') {
        out.push(`${rel} → ${trel}: a command imports no other command (move what they share to core/ops or commands/shared)`);
      }
    }
  }
  return out;
}

/** core reads no ambient state: the environment, the working directory and the OS come in on the Context. */
function ambientReads(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    if (layerOf(file).kind !== 'core') continue;
    for (const [i, line] of text.split('\n').entries()) {
      if (/^\s*(\/\/|\/\*|\*)/.test(line)) continue;
      if (/\bprocess\.(?:env\b|cwd\s*\(|platform\b)/.test(line)) out.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
    }
  }
  return out;
}

describe('the layering rule', () => {
  const files = readSources();

  it('src/ has no import the rule forbids', () => {
    expect(violations(files)).toEqual([]);
  });

  it('core reads no process.env, process.cwd() or process.platform of its own', () => {
    expect(ambientReads(files)).toEqual([]);
  });

  it('fails on a planted violation of each kind', () => {
    const at = (p: string) => join(SRC, p);
    const planted = new Map([
      [at('core/base/paths.ts'), "import type { Request } from '../request/request.js';"],
      [at('core/store/store.ts'), "import { x } from '../ops/install.js';\nconst y = await import('../files/sync.js');"],
      [at('core/python/venv.ts'), "export { z } from '../installer/installer.js';"],
      [at('core/build/build.ts'), "import { Command } from 'commander';\nimport { ui } from '../../ui.js';"],
      [at('core/stray.ts'), ''],
      [at('commands/upgrade.ts'), "import { resultOf } from './install.js';"],
      [
        at('commands/install.ts'),
        "import type { Cli } from './cli-types.js';\nimport { installMany } from './shared/many.js';\nimport { installTool } from '../core/ops/install.js';",
      ],
      [at('core/ops/install.ts'), "import { a } from '../base/fsx.js';\nimport type { B } from '../files/toolfile.js';"],
    ]);
    expect(violations(planted)).toEqual([
      'core/base/paths.ts → core/request/request.ts: base may not import request (it comes later)',
      'core/store/store.ts → core/ops/install.ts: store may not import ops (it comes later)',
      'core/store/store.ts → core/files/sync.ts: store may not import files (it comes later)',
      'core/python/venv.ts → core/installer/installer.ts: python may not import installer (it comes later)',
      'core/build/build.ts → commander: core does not print or parse the command line',
      'core/build/build.ts → ui.ts: core imports only core',
      'core/stray.ts: a file of src/core must be in one of its groups (base, packaging, request, python, installer, build, store, shell, run, ops, files)',
      'commands/upgrade.ts → commands/install.ts: a command imports no other command (move what they share to core/ops or commands/shared)',
      'core/ops/install.ts → core/files/toolfile.ts: ops may not import files (it comes later)',
    ]);
    const ambient = new Map([
      [at('core/run/runapp.ts'), '// process.env is not read here\nconst cwd = process.cwd();\nif (process.env.X) {}'],
    ]);
    expect(ambientReads(ambient)).toEqual([
      'core/run/runapp.ts:2: const cwd = process.cwd();',
      'core/run/runapp.ts:3: if (process.env.X) {}',
    ]);
  });
});
