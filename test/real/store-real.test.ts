// The wheel store's differential test over real wheels (docs/architecture.md, "The wheel store"):
// the comparison test/integration/store.test.ts makes over the fixtures, for each tool of the
// bench's real set. Outside `npm test` (vitest.config.ts leaves test/real/ out) because the wheels
// are not in the repo; run it with
//
//   TPX_REAL_WHEELS=/path/to/wheels npm run test:real
//
// DIR is filled as bench/README.md ("Filling DIR") says; `TPX_REAL_TOOLS=black,ruff` picks tools.
import { copyFileSync, existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVenvs, look, pipInstallAt, site } from '../helpers/storediff.js';
import { makeWorld, type World } from '../helpers/world.js';

const DIR = process.env.TPX_REAL_WHEELS ?? '';
const TOOLS = (process.env.TPX_REAL_TOOLS ?? 'black,ruff,isort,flake8,mypy,pylint,pytest,coverage,pre-commit,yt-dlp,ipython').split(',');

/** The files a dist's RECORD names, as paths from site-packages. */
function recorded(siteDir: string, tool: string): string[] {
  const norm = (n: string) => n.replace(/[-_.]+/g, '_').toLowerCase();
  const info = readdirSync(siteDir).find((d) => d.endsWith('.dist-info') && norm(d.split('-')[0] as string) === norm(tool)) as string;
  return readFileSync(join(siteDir, info, 'RECORD'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((row) => (row.startsWith('"') ? (row.slice(1).split('",')[0] as string) : (row.split(',')[0] as string)));
}

describe.runIf(DIR)(`the wheel store against pip, real wheels from ${DIR || '$TPX_REAL_WHEELS (unset: skipped)'}`, () => {
  let world: World;
  beforeAll(async () => {
    world = await makeWorld({ packages: [] });
    // Big wheels on a loaded machine: the index hashes each once, on pip's first look.
    world.env.PIP_TIMEOUT = '120';
    for (const w of readdirSync(DIR).filter((f) => f.endsWith('.whl'))) copyFileSync(join(DIR, w), join(world.indexDir, w));
  });
  afterAll(async () => world?.dispose());

  it.each(TOOLS)(
    '%s: the same files as pip, every dist from the store; pip check, list, show -f, uninstall; every app',
    async (tool) => {
      const r = await world.run(['install', tool, '-v'], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      const routes = r.stderr.split('\n').filter((l) => /^\S+ \S+: (from the store|pip \()/.test(l));
      expect(routes.length, r.stderr).toBeGreaterThan(0);
      expect(routes.filter((l) => !l.endsWith(': from the store'))).toEqual([]);
      const gen = realpathSync(join(world.tpxHome, 'tools', tool));
      const storeSeen = await look(world, gen, ['--help'], 120_000);

      expect((await world.run(['runpip', tool, 'check'])).code).toBe(0);
      const list = await world.run(['runpip', tool, 'list', '--format', 'json']);
      expect((JSON.parse(list.stdout) as unknown[]).length).toBe(routes.length);
      const show = await world.run(['runpip', tool, 'show', '-f', tool]);
      expect(show.code, show.stderr).toBe(0);
      const snapshot = join(world.root, `${tool}-store`);
      const pipSide = join(world.root, `${tool}-pip`);
      expect((await world.exec('cp', ['-a', gen, snapshot])).code).toBe(0);
      // pip uninstall reads RECORD: every file of the distribution goes.
      const files = recorded(site(gen), tool);
      const un = await world.run(['runpip', tool, 'uninstall', '-y', tool]);
      expect(un.code, un.stderr).toBe(0);
      expect(files.filter((f) => existsSync(join(site(gen), f)))).toEqual([]);

      // pip alone, into a venv at the very same path; then the store's venv back there to compare.
      expect((await world.run(['uninstall', tool])).code).toBe(0);
      const pip = await pipInstallAt(world, gen, [tool]);
      expect(pip.code, pip.stderr).toBe(0);
      const pipSeen = await look(world, gen, ['--help'], 120_000);
      renameSync(gen, pipSide);
      renameSync(snapshot, gen);
      const diff = compareVenvs(pipSide, gen);
      expect({ onlyPip: diff.onlyPip, onlyStore: diff.onlyStore, differ: diff.differ }).toEqual({ onlyPip: [], onlyStore: [], differ: [] });
      expect(diff.allowed.INSTALLER).toBe(routes.length);
      expect(storeSeen.metadata).toBe(pipSeen.metadata);
      expect(storeSeen.apps).toEqual(pipSeen.apps);
      rmSync(gen, { recursive: true, force: true });
      rmSync(pipSide, { recursive: true, force: true });
    },
    900_000,
  );
});
