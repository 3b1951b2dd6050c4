// The wheel store's differential test, shared by the fixture test (test/integration/store.test.ts)
// and the real-wheel one outside `npm test` (test/real/store-real.test.ts): a venv the store made and
// one pip made at the same path, compared file by file (test/helpers/compare_venvs.py says what may
// differ) and by what a user sees of them.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';
import type { RunResult, World } from './world.js';

export const site = (venv: string) => join(venv, 'lib', readdirSync(join(venv, 'lib'))[0] as string, 'site-packages');

export interface VenvDiff {
  onlyPip: string[];
  onlyStore: string[];
  differ: string[];
  allowed: Record<string, number>;
}

export const compareVenvs = (pipVenv: string, storeVenv: string): VenvDiff =>
  JSON.parse(execFileSync('python3', [join(repoRoot, 'test', 'helpers', 'compare_venvs.py'), pipVenv, storeVenv], { encoding: 'utf8' }));

/** What importlib.metadata finds: every dist with its version and entry points. */
const METADATA = `
import importlib.metadata as m, json
print(json.dumps(sorted((d.metadata["Name"], d.version, sorted((e.group, e.name, e.value) for e in d.entry_points)) for d in m.distributions())))
`;

/** What a user (and importlib) sees of a venv: its dists and entry points, and what each app in bin/ prints run with `args`. */
export interface Seen {
  metadata: string;
  apps: Record<string, string>;
}

export async function look(world: World, venv: string, args: string[] = [], timeoutMs?: number): Promise<Seen> {
  const seen: Seen = { metadata: (await world.exec(join(venv, 'bin', 'python'), ['-c', METADATA])).stdout, apps: {} };
  for (const app of readdirSync(join(venv, 'bin')).filter((a) => !/^(python|activate|Activate)/.test(a))) {
    const r = await world.exec(join(venv, 'bin', app), args, timeoutMs ? { timeoutMs } : {});
    seen.apps[app] = `${r.code} ${r.stdout}`;
  }
  return seen;
}

/** pip alone (the world's shared pip) installs `specs` into a new venv at `venv`. */
export async function pipInstallAt(world: World, venv: string, specs: string[]): Promise<RunResult> {
  const shared = join(world.tpxHome, 'shared', readdirSync(join(world.tpxHome, 'shared')).find((d) => d.startsWith('pip-')) as string);
  const made = await world.exec(world.env.TPX_DEFAULT_PYTHON as string, ['-m', 'venv', '--without-pip', venv]);
  if (made.code !== 0) return made;
  return world.exec(join(venv, 'bin', 'python'), [join(shared, 'pip', '__pip-runner__.py'), 'install', '--no-input', ...specs], {
    timeoutMs: 300_000,
  });
}
