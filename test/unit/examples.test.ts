// Help texts: every command shows examples (from commands/shared/examples.ts), and none is stale.
import { describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { EXAMPLES, commandPath } from '../../src/commands/shared/examples.js';

vi.stubGlobal('TPX_VERSION', '0.0.0-test'); // defined by the bundler in a build
const { buildProgram } = await import('../../src/cli.js');

function all(c: Command): Command[] {
  return [c, ...c.commands.flatMap(all)];
}

describe('help texts', () => {
  const program = buildProgram(async () => {});

  it('every command has one or two examples, shown in its --help', () => {
    const paths = all(program).map(commandPath);
    expect(Object.keys(EXAMPLES).sort()).toEqual([...paths].sort());
    for (const c of all(program)) {
      const examples = EXAMPLES[commandPath(c)] ?? [];
      expect(examples.length, commandPath(c)).toBeGreaterThanOrEqual(1);
      expect(examples.length, commandPath(c)).toBeLessThanOrEqual(2);
      expect(help(c), commandPath(c)).toContain(`$ ${examples[0]?.[0]}`);
    }
  });

  it('no option of `tpx run` claims to be recorded: run records nothing', () => {
    const run = program.commands.find((c) => c.name() === 'run') as Command;
    const install = program.commands.find((c) => c.name() === 'install') as Command;
    expect(run.options.map((o) => o.description).join('\n')).not.toMatch(/record/);
    expect(install.options.find((o) => o.long === '--index-url')?.description).toContain('recorded');
  });
});

/** The text commander adds after the built-in help (addHelpText), as `--help` prints it. */
function help(c: Command): string {
  let out = '';
  c.configureOutput({ writeOut: (s) => (out += s) });
  c.outputHelp();
  return out;
}
