// What the benchmark measures. Each scenario builds its starting state once (setup, untimed), resets
// to it before every timed run (prepare, untimed), and times one command. tpx and pipx run the same
// command line on the same index; `floor` scenarios time the things neither tool can beat.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RealSet } from './real.js';
import type { IndexWorld, Side, SideName, Synthetic } from './world.js';
import { mustRun, resetState, restore, runSide, snapshot, wheelName } from './world.js';

export interface BenchWorld {
  index: IndexWorld;
  /** What the install/uninstall scenarios install (default tpxdemo, or black with --real; --package). */
  pkg: string;
  listTools: Synthetic[];
  /** Version 1.0 of each; the matching 2.0 is hidden during setup so they are outdated. */
  upgradeTools: Synthetic[];
  /** The real-package set's tools (bench/real.ts); absent in the fixture set. */
  real?: RealSet;
}

export interface Scenario {
  id: string;
  title: string;
  /**
   * startup: many runs; pip: bound by pip, fewer runs; batch: many pip runs in one, fewest runs;
   * disk: no command is timed, `size` is measured once after setup (MB, in the seconds' place).
   */
  kind: 'startup' | 'pip' | 'batch' | 'disk';
  sides: SideName[];
  /** Which interpreter the sides use (bench/real.ts); the fixture set's default when absent. */
  python?: 'shim' | 'plain';
  /** pip alone doing the same install, timed in the same rotation (a `floor` scenario); tpx must beat it. */
  alongside?: Scenario;
  /** The tpx command this needs; without it the row says "not available in this build". */
  needs?: string;
  /** Highest acceptable tpx/pipx median ratio. */
  target?: number;
  /** Also must be within 1.3x of `node -e 0`. */
  nodeFloor?: boolean;
  setup?(side: Side, w: BenchWorld): void;
  prepare?(side: Side, w: BenchWorld): void;
  args(side: Side, w: BenchWorld): string[];
  /** When set, the timed run is these commands one after the other (pipx installs one tool per command). */
  steps?(side: Side, w: BenchWorld): string[][];
  /** Checked after the first timed run: the command really did its job. */
  verify?(side: Side, w: BenchWorld): void;
  /** A disk row: what it measures, in MB. */
  size?(side: Side, w: BenchWorld): number;
}

const TPXDEMO_NEW = ['tpxdemo-2.0-py3-none-any.whl', 'tpxdemo-3.0-py3-none-any.whl'];

/** A home with the shared pip bootstrapped and one tool (helperlib) installed. */
export function ensureWarm(side: Side): void {
  if (existsSync(join(side.root, 'snap-warm'))) return;
  resetState(side);
  runSide(side, ['install', 'helperlib']);
  snapshot(side, 'warm');
}

/** Installs every spec, one command per spec for pipx 1.1 (it takes one package per install). */
export function installAll(side: Side, specs: string[]): void {
  if (side.name === 'tpx') runSide(side, ['install', ...specs]);
  else for (const s of specs) runSide(side, ['install', s]);
}

export function expectAppSays(side: Side, app: string, text: string): void {
  const out = mustRun(join(side.bin, app), ['--version'], side.env);
  if (!out.includes(text))
    throw new Error(`${side.name}: after the timed command, ${app} --version says ${JSON.stringify(out.trim())}, expected ${text}`);
}

export function upgradeSetup(side: Side, w: BenchWorld, name: string, specs: string[], hidden: string[]): void {
  w.index.hide(hidden);
  try {
    ensureWarm(side);
    restore(side, 'warm');
    installAll(side, specs);
    snapshot(side, name);
  } finally {
    w.index.show(hidden);
  }
}

/**
 * pip alone installing the package into a venv made (untimed) with the interpreter's own pip.
 * `warmCache`: install it once untimed first, so pip's cache holds what it downloads.
 */
export function pipFloor(id: string, python?: Scenario['python'], opts: { warmCache?: boolean } = {}): Scenario {
  return {
    id,
    title: 'pip alone: `python -m pip install PKG` into an existing venv',
    kind: 'pip',
    sides: ['floor'],
    python,
    setup(side, w) {
      resetState(side);
      mustRun(side.python, ['-m', 'venv', join(side.state, 'venv')], side.env);
      snapshot(side, 'venv');
      if (opts.warmCache) mustRun(join(side.state, 'venv', 'bin', 'python'), ['-m', 'pip', 'install', '-q', w.pkg], side.env);
    },
    prepare: (side) => restore(side, 'venv'),
    args: (side, w) => [join(side.state, 'venv', 'bin', 'python'), '-m', 'pip', 'install', '-q', w.pkg],
  };
}

export const scenarios: Scenario[] = [
  { id: 'floor-node', title: '`node -e 0`', kind: 'startup', sides: ['floor'], args: () => [process.execPath, '-e', '0'] },
  { id: 'floor-python', title: '`python3 -c pass`', kind: 'startup', sides: ['floor'], args: (side) => [side.python, '-c', 'pass'] },
  pipFloor('floor-pip'),
  { id: 'version', title: '`--version`', kind: 'startup', sides: ['tpx', 'pipx'], target: 0.5, nodeFloor: true, args: () => ['--version'] },
  {
    id: 'install-cold',
    title: 'install, empty home (shared pip bootstrap included)',
    kind: 'pip',
    sides: ['tpx', 'pipx'],
    target: 0.3,
    prepare: (side) => resetState(side, { pipCache: true }),
    args: (_s, w) => ['install', w.pkg],
  },
  {
    id: 'install-warm',
    title: 'install, warm home',
    kind: 'pip',
    sides: ['tpx', 'pipx'],
    target: 0.8,
    setup: ensureWarm,
    prepare: (side) => restore(side, 'warm'),
    args: (_s, w) => ['install', w.pkg],
  },
  {
    id: 'list-2',
    title: '`list`, 2 tools',
    kind: 'startup',
    sides: ['tpx', 'pipx'],
    setup(side, w) {
      ensureWarm(side);
      restore(side, 'warm');
      runSide(side, ['install', w.pkg]);
    },
    args: () => ['list'],
  },
  {
    id: 'list-30',
    title: '`list`, 30 tools',
    kind: 'startup',
    sides: ['tpx', 'pipx'],
    target: 0.5,
    nodeFloor: true,
    setup(side, w) {
      resetState(side);
      installAll(
        side,
        w.listTools.map((t) => t.name),
      );
    },
    args: () => ['list'],
  },
  {
    id: 'upgrade',
    title: 'upgrade one tool (tpxdemo 1.0 → 3.0)',
    kind: 'pip',
    sides: ['tpx', 'pipx'],
    needs: 'upgrade',
    target: 0.8,
    setup: (side, w) => upgradeSetup(side, w, 'upgrade', ['tpxdemo'], TPXDEMO_NEW),
    prepare: (side) => restore(side, 'upgrade'),
    args: () => ['upgrade', 'tpxdemo'],
    verify: (side) => expectAppSays(side, 'tpxdemo', '3.0'),
  },
  {
    id: 'upgrade-all',
    title: '`upgrade-all`, 6 outdated tools',
    kind: 'pip',
    sides: ['tpx', 'pipx'],
    needs: 'upgrade-all',
    target: 0.5,
    setup(side, w) {
      const newer = w.upgradeTools.map((t) => wheelName({ ...t, version: '2.0' }));
      upgradeSetup(
        side,
        w,
        'upgrade-all',
        w.upgradeTools.map((t) => t.name),
        newer,
      );
    },
    prepare: (side) => restore(side, 'upgrade-all'),
    args: () => ['upgrade-all'],
    verify: (side, w) => w.upgradeTools.forEach((t) => expectAppSays(side, t.name, '2.0')),
  },
  {
    id: 'run-miss',
    title: '`run tpxdemo --version`, cache miss',
    kind: 'pip',
    sides: ['tpx', 'pipx'],
    needs: 'run',
    setup: ensureWarm,
    prepare: (side) => restore(side, 'warm'),
    args: () => ['run', 'tpxdemo', '--version'],
  },
  {
    id: 'run-hit',
    title: '`run tpxdemo --version`, cache hit',
    kind: 'startup',
    sides: ['tpx', 'pipx'],
    needs: 'run',
    target: 0.5,
    nodeFloor: true,
    setup(side) {
      ensureWarm(side);
      restore(side, 'warm');
      runSide(side, ['run', 'tpxdemo', '--version']);
    },
    args: () => ['run', 'tpxdemo', '--version'],
  },
  {
    id: 'uninstall',
    title: 'uninstall',
    kind: 'startup',
    sides: ['tpx', 'pipx'],
    target: 0.5,
    nodeFloor: true,
    setup(side, w) {
      ensureWarm(side);
      restore(side, 'warm');
      runSide(side, ['install', w.pkg]);
      snapshot(side, 'installed');
    },
    prepare: (side) => restore(side, 'installed'),
    args: (_s, w) => ['uninstall', w.pkg],
  },
];
