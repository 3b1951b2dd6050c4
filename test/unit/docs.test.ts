// docs/architecture.md stays true to the tree: every section that a comment cites exists, and its Files
// table lists every file of src/core and src/commands/shared where it is, and nothing that is gone.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const DOC = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** A citation of a section of the architecture doc (the name in quotes after the file name, also across a comment's line break) → the section names. */
function citations(text: string): string[] {
  const flat = text.replace(/\n\s*(\*|\/\/)\s*/g, ' ');
  return [...flat.matchAll(/architecture\.md,?\s*"([^"]+)"/g)].map((m) => m[1] as string);
}

const headings = new Set([...DOC.matchAll(/^#{2,4} (.+)$/gm)].map((m) => (m[1] as string).trim()));

describe('docs/architecture.md', () => {
  it('has every section that code, tests and scripts cite', () => {
    const cited = ['src', 'test', 'scripts', 'bench'].flatMap((d) =>
      files(join(ROOT, d)).flatMap((f) => citations(readFileSync(f, 'utf8')).map((s) => ({ file: relative(ROOT, f), section: s }))),
    );
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter((c) => !headings.has(c.section))).toEqual([]);
  });

  it('lists every file of src/core and src/commands/shared in its Files table, each where it is', () => {
    const table = DOC.slice(DOC.indexOf('\n## Files'));
    const listed = new Set([...table.matchAll(/`((?:core|commands)\/[^`]+\.ts)`/g)].map((m) => m[1] as string));
    const present = [...files(join(ROOT, 'src/core')), ...files(join(ROOT, 'src/commands/shared'))].map((f) =>
      relative(join(ROOT, 'src'), f),
    );
    expect(present.filter((f) => !listed.has(f))).toEqual([]);
    expect([...listed].filter((f) => !existsSync(join(ROOT, 'src', f)))).toEqual([]);
  });

  it('the citation reader finds a section named across a line break, and a heading that is not there', () => {
    expect(citations('/**\n * as gate.ts says (docs/architecture.md,\n * "The delete gate"). More.\n */')).toEqual(['The delete gate']);
    expect(headings.has('The delete gate')).toBe(true);
    expect(headings.has('Interpreter probes')).toBe(false);
  });
});
