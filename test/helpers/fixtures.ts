// Where things live, which fixtures exist, and which Python the tests use.
// Everything is resolved relative to this file so the suite runs from any cwd/checkout.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareVersions } from '../../src/core/packaging/pep440.js';

export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const fixturesDir: string = join(repoRoot, 'fixtures');
/** Built once per test run by global-setup (gitignored). */
export const wheelsDir: string = join(repoRoot, 'test', '.cache', 'wheels');
export const tpxJs: string = join(repoRoot, 'dist', 'tpx.js');
const builderScript = join(repoRoot, 'test', 'helpers', 'build_wheels.py');

export interface Fixture {
  /** Folder name under fixtures/, e.g. "tpxdemo-1.0". */
  id: string;
  name: string;
  version: string;
  /** File name of its wheel in wheelsDir, e.g. "clash_a-1.0-py3-none-any.whl". */
  wheel: string;
  /** The member whose RECORD hash build_wheels.py makes wrong on purpose (fixture.json's `bad_record`), or null. */
  badRecord: string | null;
}

let pythonCache: string | undefined;

/**
 * The real interpreter behind `python3` (sys.executable), never a pyenv shim: a shim
 * re-reads ~/.pyenv and .python-version, which the worlds' fake HOME would break.
 */
export function realPython(): string {
  if (pythonCache === undefined) {
    const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const exe = r.stdout?.trim();
    if (r.status !== 0 || !exe) {
      throw new Error(`cannot find python3 on PATH: ${r.error?.message ?? r.stderr}`);
    }
    pythonCache = exe;
  }
  return pythonCache;
}

let fixturesCache: Fixture[] | undefined;

/** Every fixture folder (one with a fixture.json), sorted by id. */
export function listFixtures(): Fixture[] {
  if (fixturesCache === undefined) {
    fixturesCache = readdirSync(fixturesDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(fixturesDir, d.name, 'fixture.json')))
      .map((d) => {
        const spec = JSON.parse(readFileSync(join(fixturesDir, d.name, 'fixture.json'), 'utf8')) as {
          name: string;
          version: string;
          bad_record?: string;
        };
        // Same escaping as build_wheels.py's dist_stem().
        const stem = `${spec.name.replace(/[-_.]+/g, '_').toLowerCase()}-${spec.version.replace(/-/g, '_')}`;
        return {
          id: d.name,
          name: spec.name,
          version: spec.version,
          wheel: `${stem}-py3-none-any.whl`,
          badRecord: spec.bad_record ?? null,
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }
  return fixturesCache;
}

export function fixture(id: string): Fixture {
  const found = listFixtures().find((f) => f.id === id);
  if (!found) {
    const known = listFixtures()
      .map((f) => f.id)
      .join(', ');
    throw new Error(`unknown fixture "${id}" (known: ${known})`);
  }
  return found;
}

/**
 * What a fresh world's index serves: the lowest version of every distribution, so
 * later versions can be published mid-test to make upgrades appear.
 */
export function defaultFixtureIds(): string[] {
  const lowest = new Map<string, Fixture>();
  for (const f of listFixtures()) {
    const seen = lowest.get(f.name);
    if (!seen || (compareVersions(f.version, seen.version) ?? 0) < 0) lowest.set(f.name, f);
  }
  return [...lowest.values()].map((f) => f.id).sort();
}

/** Runs build_wheels.py; returns its stdout. Throws with its stderr on failure. */
export function buildWheels(outDir: string = wheelsDir, fromDir: string = fixturesDir): string {
  const r = spawnSync(realPython(), [builderScript, fromDir, outDir], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`build_wheels.py failed (${r.status ?? r.signal}):\n${r.stderr}${r.error?.message ?? ''}`);
  }
  return r.stdout;
}

/**
 * A real interpreter of Python ≥ 3.`minor` other than realPython() (pyenv's versions, /usr/bin,
 * /usr/local/bin), for `newpython` (requires-python >=3.12). Throws, naming what it looked for, when
 * the machine has none: the tests that need one cannot pass without it.
 */
export function newerPython(minor: number): { executable: string; version: string } {
  const pyenv = process.env.PYENV_ROOT || join(process.env.HOME ?? '/root', '.pyenv');
  const candidates = [
    ...(existsSync(join(pyenv, 'versions'))
      ? readdirSync(join(pyenv, 'versions')).map((v) => join(pyenv, 'versions', v, 'bin', 'python3'))
      : []),
    ...['/usr/bin', '/usr/local/bin'].flatMap((d) => Array.from({ length: 10 }, (_, i) => join(d, `python3.${minor + i}`))),
  ];
  for (const exe of candidates.filter((c) => existsSync(c))) {
    const r = spawnSync(exe, ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
    const [executable, version] = (r.stdout ?? '').trim().split('\n');
    if (r.status === 0 && executable && version && Number(version.split('.')[1]) >= minor && executable !== realPython())
      return { executable, version };
  }
  throw new Error(`these tests need a Python 3.${minor} or newer besides ${realPython()}; looked at: ${candidates.join(', ')}`);
}
