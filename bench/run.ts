// tpx against pipx: same machine, same Python, same wheels on the same loopback index, each in its own
// empty home; runs alternate between the two, medians are compared. See bench/README.md.
//
//   npm run bench [-- --quick] [--only id,id] [--runs N] [--package NAME] [--wheels DIR] [--keep] [--write|--no-write]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWheels, repoRoot, tpxJs } from '../test/helpers/fixtures.js';
import { machineInfo, renderMarkdown, renderTerminal, writeResults, type Row } from './report.js';
import { scenarios, type BenchWorld, type Scenario } from './scenarios.js';
import { buildSynthetic, makeSide, prepareMachine, runIndexWorker, serveWheels, type Side, type SideName } from './world.js';

function options() {
  return parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    package: { type: 'string', default: 'tpxdemo' },
    wheels: { type: 'string' },
    keep: { type: 'boolean', default: false },
    write: { type: 'boolean' },
  },
  allowNegative: true,
  }).values;
}
type Options = ReturnType<typeof options>;

const runsFor = (s: Scenario, opts: Options): number => {
  if (opts.runs) return Number(opts.runs);
  if (s.kind === 'startup') return opts.quick ? 7 : 21;
  return opts.quick ? 2 : 5;
};

/** Wall time of one run, in seconds; throws with the output if it fails. */
function timeOnce(side: Side, args: string[]): number {
  const [file, argv] = side.command(args);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { env: side.env, cwd: side.env.HOME, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${side.name} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`);
  return seconds;
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
  const machine = prepareMachine();
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'tpx-bench-')));
  console.error(`bench: working in ${root}`);
  try {
    // Wheels: the fixtures, generated filler, pip/setuptools/wheel for pipx's shared libs, and the user's.
    const fixtureWheels = join(root, 'fixture-wheels');
    buildWheels(fixtureWheels);
    const listTools = Array.from({ length: 30 }, (_, i) => ({ name: `benchtool-${String(i + 1).padStart(2, '0')}`, version: '1.0' }));
    const upgradeTools = Array.from({ length: 6 }, (_, i) => ({ name: `benchup-${i + 1}`, version: '1.0' }));
    const synthetic = buildSynthetic(root, [...listTools, ...upgradeTools, ...upgradeTools.map((t) => ({ ...t, version: '2.0' }))], join(root, 'synthetic-wheels'));
    const userWheels = opts.wheels ? readdirSync(opts.wheels).filter((f) => f.endsWith('.whl')).map((f) => join(opts.wheels ?? '', f)) : [];
    const fixtures = readdirSync(fixtureWheels).map((f) => join(fixtureWheels, f));
    const index = await serveWheels(root, [...fixtures, ...synthetic, ...machine.bootstrapWheels, ...userWheels]);
    const world: BenchWorld = { index, pkg: opts.package ?? 'tpxdemo', python: machine.python, listTools, upgradeTools };
    const sides: Record<SideName, Side> = {
      tpx: makeSide('tpx', root, machine, index.url),
      pipx: makeSide('pipx', root, machine, index.url),
      floor: makeSide('floor', root, machine, index.url),
    };

    const only = opts.only?.split(',');
    const rows: Row[] = [];
    for (const s of scenarios) {
      if (only && !only.includes(s.id) && !s.id.startsWith('floor-node')) continue;
      const row: Row = { id: s.id, title: s.title, kind: s.kind, floor: s.sides[0] === 'floor', runs: runsFor(s, opts), samples: {}, target: s.target, nodeFloor: s.nodeFloor };
      rows.push(row);
      if (s.needs && !tpxHas(s.needs)) {
        row.status = 'not available in this build';
        console.error(`bench: ${s.id}: tpx ${s.needs} is not available in this build`);
        continue;
      }
      try {
        measure(s, sides, world, row);
      } catch (err) {
        row.status = `failed: ${(err as Error).message.split('\n')[0] ?? ''}`;
        console.error(`bench: ${s.id} failed:\n${(err as Error).message}`);
      }
    }

    const info = machineInfo(machine, sides.floor);
    const markdown = renderMarkdown(rows, info, machine.notes, { quick: opts.quick ?? false });
    console.log(renderTerminal(rows, info));
    mkdirSync(join(repoRoot, 'bench', '.work'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench', '.work', 'results.json'), JSON.stringify({ info, rows }, null, 2));
    if (opts.write ?? !opts.quick) {
      writeResults(join(repoRoot, 'bench', 'RESULTS.md'), markdown);
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
function measure(s: Scenario, sides: Record<SideName, Side>, world: BenchWorld, row: Row): void {
  const contenders = s.sides.map((n) => ({ key: n as string, side: sides[n], args: () => s.args(sides[n], world), prepare: s.prepare, verify: s.verify }));
  if (s.nodeFloor) contenders.push({ key: 'node', side: sides.floor, args: () => [process.execPath, '-e', '0'], prepare: undefined, verify: undefined });
  for (const n of s.sides) s.setup?.(sides[n], world);
  const warmups = s.kind === 'startup' ? 2 : 0;
  console.error(`bench: ${s.id}: ${row.runs} runs${warmups ? ` (+${warmups} warm-up)` : ''} of ${contenders.map((c) => c.key).join(' / ')}`);
  for (let i = -warmups; i < row.runs; i++) {
    const order = i % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      c.prepare?.(c.side, world);
      const t = timeOnce(c.side, c.args());
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
