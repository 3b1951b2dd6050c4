// tpx against pipx: same machine, same Python, same wheels on the same loopback index, each in its own
// empty home; runs alternate between the two, medians are compared. See bench/README.md.
//
//   npm run bench [-- --quick] [--only id,id] [--runs N] [--package NAME] [--wheels DIR] [--keep] [--write|--no-write]
//   npm run bench -- --real DIR [--toolbox a,b,c] [--plain-python PATH] [...]   (bench/real.ts)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWheels, repoRoot, tpxJs } from '../test/helpers/fixtures.js';
import { machineInfo, renderMarkdown, renderTerminal, writeResults, type Row } from './report.js';
import { DEFAULT_TOOLBOX, pipMismatch, readRealDir, realPythons, realScenarios } from './real.js';
import { scenarios, type BenchWorld, type Scenario } from './scenarios.js';
import {
  bootstrapWheelsFor,
  buildSynthetic,
  defaultPython,
  makeSide,
  prepareMachine,
  runIndexWorker,
  serveWheels,
  type PythonSetup,
  type Side,
  type SideName,
} from './world.js';

function options() {
  return parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      package: { type: 'string' },
      wheels: { type: 'string' },
      real: { type: 'string' },
      toolbox: { type: 'string' },
      'plain-python': { type: 'string' },
      keep: { type: 'boolean', default: false },
      write: { type: 'boolean' },
    },
    allowNegative: true,
  }).values;
}
type Options = ReturnType<typeof options>;

const runsFor = (s: Scenario, opts: Options): number => {
  // A size is measured once: it is the same every time.
  if (s.kind === 'disk') return 1;
  if (opts.runs) return Number(opts.runs);
  if (s.kind === 'startup') return opts.quick ? 7 : 21;
  if (s.kind === 'batch') return opts.quick ? 1 : 3;
  return opts.quick ? 2 : 5;
};

/** Wall time of one run (the commands one after the other), in seconds; throws with the output if one fails. */
function timeOnce(side: Side, steps: string[][]): number {
  const t0 = process.hrtime.bigint();
  for (const args of steps) {
    const [file, argv] = side.command(args);
    const r = spawnSync(file, argv, { env: side.env, cwd: side.env.HOME, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${side.name} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Does this tpx build have `command`? (Other commands land in parallel; the bench runs either way.)
 * Read from `tpx --help`: `tpx unknown --help` prints the program's help and exits 0.
 */
function tpxHas(command: string): boolean {
  const help = spawnSync(process.execPath, [tpxJs, '--help'], { encoding: 'utf8' }).stdout ?? '';
  return new RegExp(`^  ${command.replace(/[-]/g, '\\-')}[\\s|]`, 'm').test(help);
}

async function main(): Promise<void> {
  const opts = options();
  const realDir = opts.real;
  const machine = prepareMachine();
  // The real set: the interpreters (python3 on PATH, a pyenv shim here, and the one behind it) and DIR's tools.
  const pythons = realDir ? realPythons(opts['plain-python']) : undefined;
  const real = realDir ? readRealDir(realDir, opts.toolbox?.split(',') ?? DEFAULT_TOOLBOX) : undefined;
  const pkg = opts.package ?? (real ? 'black' : 'tpxdemo');
  const set = real ? realScenarios(real, pkg, pythons?.shim !== undefined) : scenarios;
  const loadAtStart = loadavg();
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'tpx-bench-')));
  console.error(`bench: working in ${root}`);
  try {
    // Wheels: the fixtures, generated filler, pip/setuptools/wheel for pipx's shared libs, and the user's.
    const fixtureWheels = join(root, 'fixture-wheels');
    buildWheels(fixtureWheels);
    const listTools = Array.from({ length: 30 }, (_, i) => ({ name: `benchtool-${String(i + 1).padStart(2, '0')}`, version: '1.0' }));
    const upgradeTools = Array.from({ length: 6 }, (_, i) => ({ name: `benchup-${i + 1}`, version: '1.0' }));
    const synthetic = buildSynthetic(
      root,
      [...listTools, ...upgradeTools, ...upgradeTools.map((t) => ({ ...t, version: '2.0' }))],
      join(root, 'synthetic-wheels'),
    );
    const wheelDir = realDir ?? opts.wheels;
    const userWheels = wheelDir
      ? readdirSync(wheelDir)
          .filter((f) => f.endsWith('.whl'))
          .map((f) => join(wheelDir, f))
      : [];
    const fixtures = readdirSync(fixtureWheels).map((f) => join(fixtureWheels, f));
    const bootstrap = pythons ? bootstrapWheelsFor([machine.python, pythons.plain.python]) : machine.bootstrapWheels;
    const index = await serveWheels(root, [...fixtures, ...synthetic, ...bootstrap, ...userWheels], { cacheableFiles: real !== undefined });
    const world: BenchWorld = { index, pkg, listTools, upgradeTools, real };
    const setups: Record<string, PythonSetup | undefined> = { default: defaultPython(machine), shim: pythons?.shim, plain: pythons?.plain };
    const sides = new Map<string, Side>();
    const sideFor = (name: SideName, python = 'default'): Side => {
      const py = setups[python];
      if (!py) throw new Error(`no ${python} interpreter on this machine`);
      const key = `${name}:${python}`;
      if (!sides.has(key)) sides.set(key, makeSide(name, root, machine, py, index));
      return sides.get(key) as Side;
    };

    const only = opts.only?.split(',');
    const rows: Row[] = [];
    for (const s of set) {
      if (only && !only.includes(s.id) && !s.id.startsWith('floor-node')) continue;
      const row: Row = {
        id: s.id,
        title: s.title,
        kind: s.kind,
        floor: s.sides[0] === 'floor',
        runs: runsFor(s, opts),
        samples: {},
        target: s.target,
        nodeFloor: s.nodeFloor,
        python: s.python,
        pipFloor: s.alongside !== undefined,
      };
      rows.push(row);
      if (s.needs && !tpxHas(s.needs)) {
        row.status = 'not available in this build';
        console.error(`bench: ${s.id}: tpx ${s.needs} is not available in this build`);
        continue;
      }
      try {
        measure(s, (name) => sideFor(name, s.python), world, row);
      } catch (err) {
        row.status = `failed: ${(err as Error).message.split('\n')[0] ?? ''}`;
        console.error(`bench: ${s.id} failed:\n${(err as Error).message}`);
      }
    }

    const notes = [...machine.notes];
    for (const python of ['shim', 'plain']) {
      const pair = ['tpx', 'pipx'].map((n) => sides.get(`${n}:${python}`)).filter((x): x is Side => x !== undefined);
      const mismatch = real && pair.length === 2 ? pipMismatch(pair) : undefined;
      if (mismatch) {
        notes.push(`${python} rows: ${mismatch}`);
        console.error(`bench: note: ${python} rows: ${mismatch}`);
      }
    }
    const info = machineInfo(machine, sideFor('floor'), {
      loadAtStart,
      pythons: pythons ? { shim: pythons.shim?.python, plain: pythons.plain.python } : undefined,
    });
    const markdown = renderMarkdown(rows, info, notes, { quick: opts.quick ?? false, real: real !== undefined });
    console.log(renderTerminal(rows, info));
    mkdirSync(join(repoRoot, 'bench', '.work'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench', '.work', real ? 'results-real.json' : 'results.json'), JSON.stringify({ info, rows }, null, 2));
    if (opts.write ?? !opts.quick) {
      writeResults(join(repoRoot, 'bench', 'RESULTS.md'), markdown, real ? 'real' : 'results');
      console.error('bench: wrote bench/RESULTS.md');
    }
    await index.close();
  } finally {
    if (opts.keep) console.error(`bench: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Setup once per side, then runs alternating between sides (tpx first on even runs, pipx first on odd).
 * Scenarios held to `node -e 0` time it in the same rotation, so a load change hits all three alike.
 */
function measure(s: Scenario, sideFor: (name: SideName) => Side, world: BenchWorld, row: Row): void {
  const contenders = s.sides.map((n) => {
    const side = sideFor(n);
    return { key: n as string, side, steps: () => s.steps?.(side, world) ?? [s.args(side, world)], prepare: s.prepare, verify: s.verify };
  });
  if (s.nodeFloor)
    contenders.push({
      key: 'node',
      side: sideFor('floor'),
      steps: () => [[process.execPath, '-e', '0']],
      prepare: undefined,
      verify: undefined,
    });
  for (const n of s.sides) s.setup?.(sideFor(n), world);
  const size = s.size;
  if (size) {
    console.error(`bench: ${s.id}: the size of ${s.sides.join(' / ')}`);
    for (const n of s.sides) row.samples[n] = [size(sideFor(n), world)];
    return;
  }
  const floor = s.alongside;
  if (floor) {
    const side = sideFor('floor');
    floor.setup?.(side, world);
    contenders.push({ key: 'pip', side, steps: () => [floor.args(side, world)], prepare: floor.prepare, verify: undefined });
  }
  const warmups = s.kind === 'startup' ? 2 : 0;
  console.error(
    `bench: ${s.id}: ${row.runs} runs${warmups ? ` (+${warmups} warm-up)` : ''} of ${contenders.map((c) => c.key).join(' / ')}`,
  );
  for (let i = -warmups; i < row.runs; i++) {
    const order = i % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      c.prepare?.(c.side, world);
      const t = timeOnce(c.side, c.steps());
      if (i === 0) c.verify?.(c.side, world);
      if (i >= 0) (row.samples[c.key] ??= []).push(t);
    }
  }
}

// The bundle is also the index server's worker thread (see serveWheels): it serves until terminated.
if (!(await runIndexWorker())) {
  await main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
