/**
 * PEP 723 inline script metadata: a `# /// script` comment block holding TOML with
 * `dependencies` and `requires-python`. Errors name the file and line, since the user has to
 * find and fix the block.
 */
import { TpxError } from '../base/errors.js';
import { parseSpecifiers } from './pep440.js';
import type { SpecifierSet } from './pep440.js';
import { loadToml } from './toml.js';

export interface ScriptMetadata {
  dependencies: string[];
  requiresPython: { text: string; set: SpecifierSet; line: number } | null;
  /** 1-based line of the `# /// script` opening. */
  line: number;
}

// The reference regex from the specification, with JavaScript's named groups, and one change: the
// content may be empty (`*`, not `+`). An empty block is metadata with nothing in it, as uv and pipx
// read it, not a block "never closed".
const BLOCK = /^# \/\/\/ (?<type>[a-zA-Z0-9-]+)$\s(?<content>(^#(| .*)$\s)*)^# \/\/\/$/gm;

/**
 * The script's metadata, or null when it has no `script` block. `where` names the script in errors.
 * Async: smol-toml is loaded only when there is a block to parse (core/packaging/toml.ts).
 */
export async function parseScriptMetadata(source: string, where: string): Promise<ScriptMetadata | null> {
  const text = source.replace(/\r\n?/g, '\n');
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const blocks = [...text.matchAll(BLOCK)].filter((m) => m.groups?.type === 'script');
  const fail = (line: number, why: string, hint?: string) =>
    new TpxError('bad-script-metadata', `${where}:${line}: ${why}`, {
      hint: hint ?? 'see https://peps.python.org/pep-0723/ for the format',
    });

  if (blocks.length > 1) {
    throw fail(
      lineAt(blocks[1]?.index ?? 0),
      `a second \`# /// script\` block (the first is on line ${lineAt(blocks[0]?.index ?? 0)})`,
      'a script may have only one metadata block: merge them',
    );
  }
  const block = blocks[0];
  if (!block) {
    const opening = /^# \/\/\/ script$/m.exec(text);
    if (opening)
      throw fail(
        lineAt(opening.index),
        'the `# /// script` block is never closed',
        'end it with a line `# ///`, and start every line inside with `#`',
      );
    return null;
  }
  const start = lineAt(block.index);
  const lines = (block.groups?.content ?? '').split('\n').slice(0, -1);
  const toml = lines.map((l) => (l.startsWith('# ') ? l.slice(2) : l.slice(1))).join('\n');
  // Line of the first content line that sets `key`, for errors about its value.
  const keyLine = (key: string) =>
    start +
    1 +
    Math.max(
      0,
      lines.findIndex((l) => new RegExp(`^#\\s*${key}\\s*=`).test(l)),
    );

  const { parse, TomlError } = await loadToml();
  let data: Record<string, unknown>;
  try {
    data = parse(toml) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw fail(start + err.line, `invalid TOML: ${err.message.split('\n')[0]}`);
    throw err;
  }

  const deps = data.dependencies ?? [];
  if (!Array.isArray(deps)) throw fail(keyLine('dependencies'), '`dependencies` must be a list of strings');
  const bad = deps.findIndex((d) => typeof d !== 'string' || d.trim() === '');
  if (bad >= 0) {
    throw fail(
      keyLine('dependencies'),
      `dependencies[${bad}] is ${JSON.stringify(deps[bad])}, not a requirement string`,
      'write each dependency as a string, e.g. dependencies = ["requests>=2", "rich"]',
    );
  }

  let requiresPython: ScriptMetadata['requiresPython'] = null;
  if (data['requires-python'] !== undefined) {
    const rp = data['requires-python'];
    const line = keyLine('requires-python');
    const set = typeof rp === 'string' && rp.trim() !== '' ? parseSpecifiers(rp) : null;
    if (!set)
      throw fail(line, `requires-python = ${JSON.stringify(rp)} is not a version specifier`, 'write it like requires-python = ">=3.10"');
    requiresPython = { text: rp as string, set, line };
  }
  return { dependencies: (deps as string[]).map((d) => d.trim()), requiresPython, line: start };
}
