// The real-package scenario set, `npm run bench -- --real DIR`: wheels a user fetched with
// `pip download` (bench/README.md says how), served by the same loopback index as the fixtures, timed
// with a pyenv shim as the default Python and with the plain interpreter behind it.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureWarm, expectAppSays, installAll, pipFloor, upgradeSetup, type BenchWorld, type Scenario } from './scenarios.js';
import { mustRun, resetState, restore, runSide, snapshot, type PythonSetup, type Side } from './world.js';

/** The toolbox the issue names; `--toolbox a,b,c` picks another. */
export const DEFAULT_TOOLBOX = ['black', 'ruff', 'isort', 'flake8', 'mypy', 'pylint', 'pytest', 'coverage', 'pre-commit', 'yt-dlp'];

/** A toolbox tool DIR holds in two versions: installed at `old` for the upgrade-all row. */
export interface Outdated {
  name: string;
  old: string;
  latest: string;
  /** The wheel files of `latest`, hidden from the index while the old toolbox is installed. */
  latestFiles: string[];
}

export interface RealSet {
  toolbox: string[];
  outdated: Outdated[];
}

const normalize = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** What DIR offers for each toolbox tool; throws, naming the `pip download` to run, when one is missing. */
export function readRealDir(dir: string, toolbox: string[]): RealSet {
  const versions = new Map<string, Map<string, string[]>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.whl'))) {
    const [name = '', version = ''] = file.split('-');
    const byVersion = versions.get(normalize(name)) ?? new Map<string, string[]>();
    byVersion.set(version, [...(byVersion.get(version) ?? []), file]);
    versions.set(normalize(name), byVersion);
  }
  const missing = toolbox.filter((t) => !versions.has(normalize(t)));
  if (missing.length > 0) {
    throw new Error(
      `${dir} has no wheel of ${missing.join(', ')}: run \`pip download --only-binary :all: --dest ${dir} ${missing.join(' ')}\` (bench/README.md)`,
    );
  }
  const outdated: Outdated[] = [];
  for (const name of toolbox) {
    const byVersion = versions.get(normalize(name)) ?? new Map<string, string[]>();
    const sorted = [...byVersion.keys()].sort(compareVersions);
    const latest = sorted.at(-1);
    const old = sorted.at(-2);
    if (latest && old) outdated.push({ name, old, latest, latestFiles: byVersion.get(latest) ?? [] });
  }
  return { toolbox, outdated };
}

const PYENV_EXPORT = /^export PYENV_ROOT="([^"]+)"/m;

/**
 * The interpreters of the real set, from the caller's PATH: `python3`, which is a pyenv shim on a
 * pyenv machine (then the "shim" sides run it), and the executable behind it ("plain"; or
 * `--plain-python`). pyenv picks the version from PYENV_VERSION, `.python-version` files from the
 * working directory up, then $PYENV_ROOT/version: the sides run in their own HOME, so it is the
 * global version, as for a user outside any project.
 */
export function realPythons(plainOverride: string | undefined): { shim?: PythonSetup; plain: PythonSetup } {
  const found = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('no python3 on PATH');
  const text = readFileSync(found, 'latin1').slice(0, 4096);
  const isShim = text.startsWith('#!') && text.includes('pyenv');
  let shim: PythonSetup | undefined;
  if (isShim) {
    const pyenvRoot = process.env.PYENV_ROOT ?? PYENV_EXPORT.exec(text)?.[1] ?? dirname(dirname(found));
    shim = { key: 'shim', python: found, viaPath: true, pathDirs: [dirname(found)], env: { PYENV_ROOT: pyenvRoot } };
  }
  let plain = plainOverride;
  if (!plain) {
    // Ask the shim from an empty directory with the sides' environment, so pyenv picks what the sides get.
    const cwd = mkdtempSync(join(tmpdir(), 'tpx-bench-py-'));
    try {
      const env = { PATH: [dirname(found), '/usr/bin', '/bin'].join(':'), HOME: cwd, ...(shim?.env ?? {}) };
      plain = mustRun(found, ['-c', 'import sys; print(sys.executable)'], env).trim();
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  return { shim, plain: { key: 'plain', python: plain, viaPath: false, pathDirs: [dirname(plain)], env: {} } };
}

function realOf(w: BenchWorld): RealSet {
  if (!w.real) throw new Error('the real-package scenarios need --real DIR');
  return w.real;
}

/** tpx gets every tool in one command, pipx 1.1 one command per tool (it takes one package per install). */
function toolboxSteps(side: Side, w: BenchWorld): string[][] {
  const { toolbox } = realOf(w);
  return side.name === 'tpx' ? [['install', ...toolbox]] : toolbox.map((t) => ['install', t]);
}

/** Each tool's package is listed by the tool's own `list` (an app of the same name is not guaranteed). */
function expectListed(side: Side, names: string[]): void {
  const listed = normalize(runSide(side, ['list']));
  const absent = names.filter((n) => !new RegExp(`(^|[\\s/])${normalize(n).replace(/[.]/g, '\\.')}([\\s@]|$)`, 'm').test(listed));
  if (absent.length > 0) throw new Error(`${side.name}: after the timed command, list does not show ${absent.join(', ')}`);
}

/** The app's venv runs the interpreter the side's default Python resolves to (a shim: what pyenv picks). */
function expectPython(side: Side, app: string): void {
  const want = realpathSync(mustRun(side.python, ['-c', 'import sys; print(sys.executable)'], side.env).trim());
  const got = realpathSync(join(dirname(realpathSync(join(side.bin, app))), 'python'));
  if (got !== want) throw new Error(`${side.name}: ${app} runs on ${got}, not on ${want} (what ${side.python} is)`);
}

/**
 * ensureWarm, plus a warm pip cache: the package and the toolbox installed once (untimed), so pip's
 * HTTP cache holds every wheel the rows download (serveWheels makes them cacheable). The cache lives
 * outside the snapshots, so every later restore keeps it.
 */
function warmHome(side: Side, w: BenchWorld): void {
  ensureWarm(side);
  const marker = join(side.root, 'pip-cache-warm');
  if (existsSync(marker)) return;
  restore(side, 'warm');
  const tools = [...new Set([w.pkg, ...realOf(w).toolbox])];
  installAll(side, tools);
  if (side.name === 'tpx') {
    // tpx's own cache, the wheel store, is warm too: the tools go, the store entries stay.
    runSide(side, ['uninstall', ...tools]);
    snapshot(side, 'warm');
  } else restore(side, 'warm');
  writeFileSync(marker, '');
}

const exportFile = (side: Side) => join(side.root, 'toolbox.json');

/** What `du -s` says of `dir`, in MB: allocated blocks, each file once however many hard links it has. */
export function diskUsage(dir: string): number {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    bytes += st.blocks * 512;
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
  return bytes / 1e6;
}

/**
 * The rows. The toolbox rows use the default Python as a user of the machine has it: `python3` on
 * PATH, the shim on a pyenv machine.
 */
export function realScenarios(real: RealSet, pkg: string, hasShim: boolean): Scenario[] {
  const upgradeAllNone = (again: boolean): Scenario => ({
    id: again ? 'real-upgrade-all-again' : 'real-upgrade-all-none',
    title: `\`upgrade-all\` of the ${n} tools, nothing newer${again ? ', after an earlier upgrade-all' : ''}`,
    kind: 'batch',
    sides: ['tpx', 'pipx'],
    python: tb,
    needs: 'upgrade-all',
    target: 0.2,
    setup(side, w) {
      warmHome(side, w);
      restore(side, 'warm');
      installAll(side, realOf(w).toolbox);
      if (again) runSide(side, ['upgrade-all']);
      snapshot(side, again ? 'toolbox-real-again' : 'toolbox-real');
    },
    prepare: (side) => restore(side, again ? 'toolbox-real-again' : 'toolbox-real'),
    args: () => ['upgrade-all'],
    verify: (side, w) => expectListed(side, realOf(w).toolbox),
  });
  const warmInstall = (python: 'shim' | 'plain', title: string, extra: Partial<Scenario>): Scenario => ({
    id: `real-install-${python}`,
    title,
    kind: 'pip',
    sides: ['tpx', 'pipx'],
    python,
    target: 0.8,
    setup: warmHome,
    prepare: (side) => restore(side, 'warm'),
    args: (_s, w) => ['install', w.pkg],
    verify(side, w) {
      expectListed(side, [w.pkg]);
      expectPython(side, w.pkg);
    },
    ...extra,
  });
  const tb = hasShim ? 'shim' : 'plain';
  const n = real.toolbox.length;
  const outdated = real.outdated.map((o) => `${o.name} ${o.old} → ${o.latest}`).join(', ');
  return [
    ...(hasShim ? [warmInstall('shim', `install ${pkg}, warm home, default Python a pyenv shim`, {})] : []),
    warmInstall('plain', `install ${pkg}, warm home, plain interpreter`, {
      alongside: pipFloor('real-floor-pip', 'plain', { warmCache: true }),
    }),
    {
      id: 'real-toolbox',
      title: `${n} tools on a warm home: one \`tpx install A B …\` / pipx one by one`,
      kind: 'batch',
      sides: ['tpx', 'pipx'],
      python: tb,
      target: 0.5,
      setup: warmHome,
      prepare: (side) => restore(side, 'warm'),
      args: () => [],
      steps: toolboxSteps,
      verify(side, w) {
        expectListed(side, realOf(w).toolbox);
        expectPython(side, realOf(w).toolbox[0] ?? '');
      },
    },
    {
      id: 'real-install-all',
      title: `${n} tools on a warm home: \`tpx install-all FILE\` (from \`tpx export\`) / pipx one by one`,
      kind: 'batch',
      sides: ['tpx', 'pipx'],
      python: tb,
      needs: 'install-all',
      target: 0.5,
      setup(side, w) {
        warmHome(side, w);
        if (side.name !== 'tpx') return;
        restore(side, 'warm');
        installAll(side, realOf(w).toolbox);
        writeFileSync(exportFile(side), runSide(side, ['export']));
      },
      prepare: (side) => restore(side, 'warm'),
      args: () => [],
      steps: (side, w) => (side.name === 'tpx' ? [['install-all', exportFile(side)]] : toolboxSteps(side, w)),
      verify(side, w) {
        expectListed(side, realOf(w).toolbox);
        expectPython(side, realOf(w).toolbox[0] ?? '');
      },
    },
    {
      id: 'real-reinstall',
      title: `reinstall ${pkg} (tpx: the recorded files, no resolver)`,
      kind: 'pip',
      sides: ['tpx', 'pipx'],
      python: 'plain',
      target: 0.1,
      setup(side, w) {
        warmHome(side, w);
        restore(side, 'warm');
        runSide(side, ['install', w.pkg]);
        snapshot(side, 'installed-real');
      },
      prepare: (side) => restore(side, 'installed-real'),
      args: (_s, w) => ['reinstall', w.pkg],
      verify: (side, w) => expectPython(side, w.pkg),
    },
    {
      id: 'real-run-miss',
      title: `\`run ${pkg} --version\`, cache miss, warm home`,
      kind: 'pip',
      sides: ['tpx', 'pipx'],
      python: 'plain',
      needs: 'run',
      target: 0.3,
      setup: warmHome,
      prepare: (side) => restore(side, 'warm'),
      args: (_s, w) => ['run', w.pkg, '--version'],
    },
    {
      id: 'real-disk',
      title: `disk: the data home of a new home with the ${n} tools (\`du\`, hard links once)`,
      kind: 'disk',
      sides: ['tpx', 'pipx'],
      python: tb,
      target: 0.6,
      setup(side, w) {
        warmHome(side, w);
        resetState(side);
        installAll(side, realOf(w).toolbox);
        expectListed(side, realOf(w).toolbox);
      },
      args: () => [],
      // tpx's data home holds its wheel store, the venvs and the shared pip; pipx's its venvs and shared libs.
      size: (side) => diskUsage((side.name === 'tpx' ? side.env.TPX_HOME : side.env.PIPX_HOME) as string),
    },
    upgradeAllNone(false),
    // The daily case: upgrade-all ran before (yesterday) and nothing was released since. tpx keeps
    // the version check's answer and reads the index pages again itself (docs/architecture.md,
    // "The wheel store"); both sides run the same upgrade-all once, untimed, before the snapshot.
    upgradeAllNone(true),
    {
      id: 'real-upgrade-all',
      title: `\`upgrade-all\` of the ${n} tools, ${real.outdated.length} outdated (${outdated})`,
      kind: 'batch',
      sides: ['tpx', 'pipx'],
      python: tb,
      needs: 'upgrade-all',
      target: 0.5,
      setup(side, w) {
        const { toolbox: tools, outdated } = realOf(w);
        if (outdated.length === 0) throw new Error('DIR holds no toolbox tool in two versions: add older ones (bench/README.md)');
        warmHome(side, w);
        upgradeSetup(
          side,
          w,
          'upgrade-all-real',
          tools,
          outdated.flatMap((o) => o.latestFiles),
        );
      },
      prepare: (side) => restore(side, 'upgrade-all-real'),
      args: () => ['upgrade-all'],
      verify: (side, w) => realOf(w).outdated.forEach((o) => expectAppSays(side, o.name, o.latest)),
    },
  ];
}

/** The pip versions a side's tool runs: tpx's shared pip, pipx's shared libraries. */
export function pipVersions(side: Side): string[] {
  const list = (dir: string, re: RegExp) => {
    try {
      return readdirSync(dir).flatMap((f) => re.exec(f)?.[1] ?? []);
    } catch {
      return [];
    }
  };
  if (side.name === 'tpx') return list(join(side.state, 'tpx', 'shared'), /^pip-(.+)$/);
  if (side.name !== 'pipx') return [];
  const lib = join(side.state, 'pipx', 'shared', 'lib');
  return list(lib, /^(python.*)$/).flatMap((py) => list(join(lib, py, 'site-packages'), /^pip-(.+)\.dist-info$/));
}

/**
 * A note when tpx and pipx ran different pips on the same interpreter (a newer pip in DIR: pipx
 * upgrades its shared libraries to the newest pip on the index, tpx uses the interpreter's own).
 */
export function pipMismatch(sides: Side[]): string | undefined {
  const seen = sides.map((s) => `${s.name} ${pipVersions(s).join('/') || '?'}`);
  const versions = new Set(sides.map((s) => pipVersions(s).join('/')));
  return versions.size > 1
    ? `the tools ran different pips (${seen.join(', ')}): remove pip wheels from DIR for a same-pip comparison`
    : undefined;
}
