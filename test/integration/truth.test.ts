// Health that tells the truth, and advice that works (issue 20): a home damaged the way people and
// kills damage it — moved, a generation deleted by hand, a venv's python deleted, an upgrade killed
// -9 — and each time the test does what `tpx list` says (the `fix:` line, taken literally) until
// list, doctor and every app agree. Then text from packages and pip: nothing a terminal obeys
// reaches it. One world for the file, its tests in order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterAll(async () => world?.dispose());

describe('text from packages and pip', () => {
  it('reaches the terminal without control characters or escape sequences, with -v too', async () => {
    // A project whose build backend writes what a terminal would obey (a title, a screen clear,
    // colours, a line rewritten by a carriage return, a C1 CSI) and then fails: pip shows its output.
    const project = join(world.root, 'evilbuild');
    mkdirSync(project);
    writeFileSync(
      join(project, 'pyproject.toml'),
      '[project]\nname = "evilbuild"\nversion = "1.0"\n[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    );
    writeFileSync(
      join(project, 'backend.py'),
      [
        'import sys',
        'def get_requires_for_build_wheel(config_settings=None):',
        '    sys.stderr.write("\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mBUILD-SAYS-RED\\x1b[0m honest\\rLIE \\u009b31mC1 \\x00nul\\x08\\n")',
        '    raise SystemExit(1)',
        '',
      ].join('\n'),
    );
    for (const argv of [
      ['install', project],
      ['install', '-v', project],
    ]) {
      const r = await world.run(argv);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('BUILD-SAYS-RED');
      expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
  });
});
