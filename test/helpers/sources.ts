// The source files of src/ and their imports, for the tests that check the architecture's rules
// (test/unit/layers.test.ts, seams.test.ts, docs.test.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SRC = resolve(__dirname, '../../src');

/** Every TypeScript source under `dir` (declaration files aside). */
export function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** path → text of every source of src/. */
export function readSources(): Map<string, string> {
  return new Map(sources(SRC).map((f) => [f, readFileSync(f, 'utf8')]));
}

/** Every import specifier in a TypeScript source: `import … from`, `export … from`, `import type`, `import('…')`. */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) found.push((m[1] ?? m[2] ?? m[3]) as string);
  return found;
}
