// `--help` of tpx and of every command, pinned in files (__snapshots__/help/): help is what a user
// reads first, so a change to its wording shows up in review. The commands are read from the help
// itself, so a new command gets its file on its first run (vitest -u writes it; CI fails without it).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapPool } from '../../src/core/base/pool.js';
import { makeWorld, type World } from '../helpers/world.js';

const snapshots = join(import.meta.dirname, '__snapshots__', 'help');

let world: World;
beforeAll(async () => {
  world = await makeWorld({ packages: [] });
});
afterAll(async () => world?.dispose());

/** The commands a help text lists under "Commands:", but `help`. */
function subcommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  // A command's line starts two spaces in; a wrapped description, further.
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1] as string).filter((name) => name !== 'help');
}

/** `tpx …command --help` of `command` and of all its subcommands, by file name (tpx-cache-dir.txt). */
async function helpPages(command: string[]): Promise<Map<string, string>> {
  const r = await world.run([...command, '--help']);
  expect({ code: r.code, stderr: r.stderr }, command.join(' ')).toEqual({ code: 0, stderr: '' });
  const pages = new Map([[`${['tpx', ...command].join('-')}.txt`, r.stdout]]);
  for (const sub of await mapPool(subcommands(r.stdout), 4, (name) => helpPages([...command, name]))) {
    for (const [file, text] of sub) pages.set(file, text);
  }
  return pages;
}

describe('--help', () => {
  it('of tpx and of every command', async () => {
    const pages = await helpPages([]);
    expect(pages.size).toBeGreaterThan(30);
    for (const [file, text] of pages) await expect.soft(text).toMatchFileSnapshot(join(snapshots, file));
    // A command that is gone leaves no file behind.
    expect(readdirSync(snapshots).filter((file) => !pages.has(file))).toEqual([]);
  });
});
