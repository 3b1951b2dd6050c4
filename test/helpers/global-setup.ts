// vitest globalSetup: runs once per `vitest run`, before any test file; what it returns runs after the last.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWheels, tpxJs, wheelsDir } from './fixtures.js';
import { linkTree, makeWorld, SHARED_PIP_SEED } from './world.js';

export default async function setup(): Promise<() => void> {
  // Incremental: only fixtures changed since their wheel was built are rebuilt.
  buildWheels(wheelsDir);

  // Only warn: the harness's own tests don't need the CLI, and world.run() throws a
  // clear "run npm run build" error for every test that does.
  if (!existsSync(tpxJs)) {
    console.warn(
      `\n[tpx tests] ${tpxJs} does not exist: tests that run tpx will fail. Build it with \`npm run build\` (\`npm test\` does).\n`,
    );
  }
  const dir = ownTempDir();
  const seed = existsSync(tpxJs) ? await sharedPipSeed(join(dir, 'shared-pip')) : null;
  if (seed) process.env[SHARED_PIP_SEED] = seed;
  const check = checkNothingLeft(dir);
  return () => {
    if (seed) rmSync(seed, { recursive: true, force: true });
    check();
  };
}

/**
 * The shared pip every world starts with (world.ts, `fresh`), made by tpx itself: the `shared/` dir
 * of a first install, in a world of its own. The workers, started after this, inherit its path.
 */
async function sharedPipSeed(dest: string): Promise<string | null> {
  const world = await makeWorld({ fresh: true, packages: ['tpxdemo-1.0'] });
  try {
    const r = await world.run(['install', 'tpxdemo']);
    if (r.code !== 0) {
      console.warn(`\n[tpx tests] the first install failed, so every world bootstraps pip itself:\n${r.stderr}`);
      return null;
    }
    linkTree(join(world.tpxHome, 'shared'), dest);
    return dest;
  } finally {
    await world.dispose();
  }
}

/**
 * Gives this run a temp dir of its own: the test workers, started after this, inherit TMPDIR, so
 * everything a test makes with tmpdir() (temp.ts's dirs, the worlds of world.ts) lands there, and
 * what is left at the end is this run's own, whatever other runs on the machine leave in /tmp.
 */
function ownTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tpx-suite-'));
  // Others may pass through (not list) to a world a test opened to them: global-reset.test.ts runs
  // tpx as another user.
  chmodSync(dir, 0o711);
  process.env.TMPDIR = dir;
  return dir;
}

/**
 * The teardown: fails the run if a test left anything in the run's temp dir (a test that makes a
 * temp dir must remove it: test/helpers/temp.ts), then removes it. vitest only logs an error thrown
 * here, and exits 0, so the exit code is set as well.
 */
function checkNothingLeft(dir: string): () => void {
  return () => {
    const left = readdirSync(dir).sort();
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    process.exitCode = 1;
    throw new Error(
      `tests left ${left.length} entries in the temp dir (make them with tempDir() from test/helpers/temp.ts): ${left.join(', ')}`,
    );
  };
}
