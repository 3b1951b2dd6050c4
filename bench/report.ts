// Medians, ratios and target checks, rendered for the terminal and for bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot, tpxJs } from '../test/helpers/fixtures.js';
import type { Machine, Side } from './world.js';

/** Within this factor of `node -e 0` counts as "as fast as Node allows". */
export const NODE_FLOOR_FACTOR = 1.3;

export interface Row {
  id: string;
  title: string;
  kind: 'startup' | 'pip' | 'batch' | 'disk';
  floor: boolean;
  runs: number;
  /** Wall times in seconds by contender: tpx, pipx, floor, and node (`node -e 0` timed alongside); MB for a disk row. */
  samples: Record<string, number[] | undefined>;
  target?: number;
  nodeFloor?: boolean;
  /** Set when the row was not measured: "not available in this build" or "failed: …". */
  status?: string;
  /** The real set's interpreter for this row ('shim' or 'plain'). */
  python?: string;
  /** pip alone was timed in the same rotation (samples.pip); tpx must beat its median. */
  pipFloor?: boolean;
}

export interface Info {
  date: string;
  machine: string;
  load: string;
  loadAtStart: string;
  versions: Record<string, string>;
}

export function median(xs: number[] | undefined): number | undefined {
  if (!xs?.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function out(file: string, args: string[], env?: Record<string, string>): string {
  const r = spawnSync(file, args, { encoding: 'utf8', env: env ?? process.env, cwd: repoRoot });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

/** The real set's interpreters: the pyenv shim (if python3 on PATH is one) and the plain executable. */
export interface RealPythons {
  shim?: string;
  plain: string;
}

export function machineInfo(machine: Machine, floor: Side, extra: { loadAtStart: number[]; pythons?: RealPythons }): Info {
  const cpu = cpus();
  const os =
    /^PRETTY_NAME="?([^"\n]*)/m.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? process.platform;
  const dirty = out('git', ['status', '--porcelain', '--', 'src', 'scripts', 'package.json']) ? ', uncommitted changes' : '';
  const pipWheel = machine.bootstrapWheels.map((w) => basename(w)).find((w) => w.startsWith('pip-')) ?? '?';
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const common = {
    tpx: `${out(process.execPath, [tpxJs, '--version'])} (${out('git', ['rev-parse', '--short', 'HEAD'])}${dirty})`,
    pipx: `${out(machine.pipx, ['--version'], floor.env)} (${machine.pipx}, Debian package, runs on ${machine.python})`,
    node: process.version,
  };
  const py = extra.pythons;
  const pythons: Record<string, string> = py
    ? {
        ...(py.shim
          ? {
              'python, shim rows': `\`python3\` on PATH = ${py.shim} (a pyenv shim, PYENV_ROOT set) → ${out(py.shim, ['-V'], floor.env)}; tpx finds it on PATH, pipx gets PIPX_DEFAULT_PYTHON`,
            }
          : {}),
        'python, plain rows': `${py.plain} (${out(py.plain, ['-V'])}; TPX_DEFAULT_PYTHON / PIPX_DEFAULT_PYTHON)`,
        pip: `pip ${out(py.plain, ['-I', '-c', 'import ensurepip; print(ensurepip.version())'])} (bundled with that interpreter: tpx's shared pip; pipx's shared libs upgrade to it from the index; the pip floor's venv)`,
      }
    : {
        python: `${out(machine.python, ['-V'])} (${machine.python}, used by both)`,
        pip: `${pipWheel.replace(/-py3.*$/, '')} (the interpreter's bundled wheel: tpx's shared pip, pipx's shared libs, the pip floor)`,
      };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os}, Linux ${release()}`,
    load: load(loadavg()),
    loadAtStart: load(extra.loadAtStart),
    versions: { ...common, ...pythons },
  };
}

interface Evaluated {
  tpx?: number;
  pipx?: number;
  ratio?: number;
  nodeRatio?: number;
  verdict: string;
}

function evaluate(row: Row, nodeMedian: number | undefined): Evaluated {
  const floorMedian = row.pipFloor ? median(row.samples.pip) : undefined;
  const tpx = median(row.samples.tpx);
  const pipx = median(row.samples.pipx);
  const ratio = tpx !== undefined && pipx !== undefined ? tpx / pipx : undefined;
  // Prefer `node -e 0` timed in the same rotation as this row over the floor row measured earlier.
  const node = median(row.samples.node) ?? (row.kind === 'startup' ? nodeMedian : undefined);
  const nodeRatio = tpx !== undefined && node ? tpx / node : undefined;
  let verdict = row.status ?? '';
  if (!row.status && row.target !== undefined && ratio !== undefined) {
    const missed = [
      ratio > row.target ? `ratio > ${row.target}` : '',
      row.nodeFloor && nodeRatio !== undefined && nodeRatio > NODE_FLOOR_FACTOR ? `> ${NODE_FLOOR_FACTOR}× node` : '',
      floorMedian !== undefined && tpx !== undefined && tpx >= floorMedian ? 'not below pip alone' : '',
    ].filter(Boolean);
    verdict = missed.length ? `MISSED (${missed.join(', ')})` : 'met';
  } else if (!row.status) {
    verdict = 'no target';
  }
  return { tpx, pipx, ratio, nodeRatio, verdict };
}

const sec = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(3)} s`);
/** A row's tpx and pipx figures: seconds, or MB for a disk row. */
const figure = (r: Row) => (r.kind === 'disk' ? (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(1)} MB`) : sec);
const num = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));
const targetText = (r: Row) =>
  r.target === undefined ? '–' : `≤ ${r.target}${r.nodeFloor ? `, ≤ ${NODE_FLOOR_FACTOR}× node` : ''}${r.pipFloor ? ', < pip alone' : ''}`;

function nodeMedianOf(rows: Row[]): number | undefined {
  return median(rows.find((r) => r.id === 'floor-node')?.samples.floor);
}

const PYTHON_LABEL: Record<string, string> = { shim: 'pyenv shim', plain: 'plain' };

export function renderMarkdown(rows: Row[], info: Info, notes: string[], opts: { quick: boolean; real: boolean }): string {
  if (opts.real) return renderRealMarkdown(rows, info, notes, opts);
  const node = nodeMedianOf(rows);
  const lines = [
    `Run on ${info.date}${opts.quick ? ' (--quick: fewer runs)' : ''}.`,
    '',
    `- Machine: ${info.machine}; load average at the start: ${info.loadAtStart}, at the end: ${info.load}`,
    ...Object.entries(info.versions).map(([k, v]) => `- ${k}: ${v}`),
    ...notes.map((n) => `- Note: ${n}`),
    '',
    '| Scenario | Runs | tpx (median) | pipx (median) | tpx/pipx | Target | `node -e 0` (same rotation) | tpx ÷ node | Result |',
    '|---|--:|--:|--:|--:|---|--:|--:|---|',
  ];
  for (const r of rows.filter((r) => !r.floor)) {
    const e = evaluate(r, node);
    lines.push(
      `| ${r.title} | ${r.runs} | ${sec(e.tpx)} | ${sec(e.pipx)} | ${num(e.ratio)} | ${targetText(r)} | ${sec(median(r.samples.node))} | ${num(e.nodeRatio)} | ${e.verdict} |`,
    );
  }
  lines.push('', 'Floors (what neither tool can beat):', '', '| Floor | Runs | Median |', '|---|--:|--:|');
  for (const r of rows.filter((r) => r.floor)) lines.push(`| ${r.title} | ${r.runs} | ${r.status ?? sec(median(r.samples.floor))} |`);
  return lines.join('\n');
}

/** The real set's block: which Python each row used instead of the node columns. */
function renderRealMarkdown(rows: Row[], info: Info, notes: string[], opts: { quick: boolean }): string {
  const lines = [
    `Run on ${info.date}${opts.quick ? ' (--quick: fewer runs)' : ''} with \`npm run bench -- --real DIR\`.`,
    '',
    `- Machine: ${info.machine}; load average at the start: ${info.loadAtStart}, at the end: ${info.load}`,
    ...Object.entries(info.versions).map(([k, v]) => `- ${k}: ${v}`),
    ...notes.map((n) => `- Note: ${n}`),
    '',
    '| Scenario | Python | Runs | tpx (median) | pipx (median) | tpx/pipx | Target | pip alone (same rotation) | Result |',
    '|---|---|--:|--:|--:|--:|---|--:|---|',
  ];
  for (const r of rows) {
    const e = evaluate(r, undefined);
    lines.push(
      `| ${r.title} | ${PYTHON_LABEL[r.python ?? ''] ?? '–'} | ${r.runs} | ${figure(r)(e.tpx)} | ${figure(r)(e.pipx)} | ${num(e.ratio)} | ${targetText(r)} | ${sec(median(r.samples.pip))} | ${e.verdict} |`,
    );
  }
  lines.push(
    '',
    '"pip alone": `python -m pip install PKG` into an existing venv of the same interpreter (made by its `venv`, so the same pip), timed in the same rotation as tpx and pipx.',
  );
  return lines.join('\n');
}

export function renderTerminal(rows: Row[], info: Info): string {
  const node = nodeMedianOf(rows);
  const table = [['scenario', 'runs', 'tpx', 'pipx', 'tpx/pipx', 'target', '÷node', 'pip alone', 'result']];
  for (const r of rows) {
    const e = r.floor ? { tpx: median(r.samples.floor), verdict: r.status ?? 'floor' } : evaluate(r, node);
    const ev = e as Evaluated;
    table.push([
      r.id,
      String(r.runs),
      figure(r)(ev.tpx),
      figure(r)(ev.pipx),
      num(ev.ratio),
      targetText(r),
      num(ev.nodeRatio),
      sec(median(r.samples.pip)),
      ev.verdict,
    ]);
  }
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  const text = table.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return [`${info.date}  ${info.machine}`, ...Object.entries(info.versions).map(([k, v]) => `${k}: ${v}`), '', ...text].join('\n');
}

const MARKERS = {
  results: ['<!-- bench:results:start (written by `npm run bench`) -->', '<!-- bench:results:end -->'],
  real: ['<!-- bench:real:start (written by `npm run bench -- --real DIR`) -->', '<!-- bench:real:end -->'],
} as const;

/** Replaces one generated block of RESULTS.md (the fixture set's or the real set's), keeping the hand-written notes around it. */
export function writeResults(file: string, markdown: string, which: keyof typeof MARKERS): void {
  const [START, END] = MARKERS[which];
  const block = `${START}\n${markdown}\n${END}`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmark results: tpx vs pipx\n\n${START}\n${END}\n`;
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  const next = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + END.length) : `${old.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  // `npm run lint` checks Markdown too: align the tables the way Biome would, so the file stays clean.
  spawnSync(process.execPath, [join(repoRoot, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'format', '--write', file], {
    stdio: 'ignore',
  });
}
