/** How commands that work on several tools report: one line per finished tool, then a summary table. */
import type { Context } from '../../core/base/context.js';
import { isOnPath } from '../../core/store/links.js';
import { resourcePlace } from '../../core/packaging/distinfo.js';
import type { Outcome } from '../../core/ops/outcome.js';
import type { Receipt } from '../../core/store/receipt.js';
import { pathAdvice } from '../../core/shell/shellpath.js';
import { manDirsFor, manLooksIn } from '../../core/shell/manpath.js';

/** After linking apps: if the bin dir is not on PATH, name `tpx ensurepath` and the line for the user's own shell. */
export function warnIfBinNotOnPath(ctx: Context): void {
  if (isOnPath(ctx, ctx.paths.bin)) return;
  ctx.out.warn(`${ctx.paths.bin} is not on your PATH, so the apps above cannot be run by name.`);
  const advice = pathAdvice(ctx);
  ctx.out.info(`hint: ${advice.text}\nhint:   ${advice.line}`);
}

/** After linking man pages: if `man` does not look in the man dir (core/shell/manpath.ts), say so and how to make it. */
export function warnIfManNotSearched(ctx: Context, linked: Pick<Receipt, 'resources'>[]): void {
  const dir = ctx.paths.man;
  if (!linked.some((r) => r.resources.some((x) => resourcePlace(x.path)?.kind === 'man'))) return;
  if (manLooksIn(dir, ctx.env, ctx.platform)) return;
  ctx.out.warn(`\`man\` does not look in ${dir}, so it will not find the man pages above.`);
  // The default man dir is the bin dir's ../share/man: putting the bin dir on PATH is the fix for both.
  const viaBin = !isOnPath(ctx, ctx.paths.bin) && manDirsFor(ctx.paths.bin).some((d) => ctx.platform.samePath(d, dir));
  const first = viaBin
    ? `once ${ctx.paths.bin} is on your PATH (\`tpx ensurepath\`), man looks there too; or add it to MANPATH in your shell's startup file:`
    : "add it to MANPATH in your shell's startup file (with MANPATH unset, the leading : keeps man's own places):";
  ctx.out.info(`hint: ${first}\nhint:   export MANPATH="$MANPATH:${dir}"`);
}

/** A tool's linked man pages and completion files in one line (`man pages: black(1); completions: bash, zsh`); null when it has none. */
export function resourceLine(r: Pick<Receipt, 'resources'>): string | null {
  const pages = r.resources.flatMap((x) => {
    const place = resourcePlace(x.path);
    return place?.kind === 'man' ? [`${place.file.replace(/\.gz$/, '').replace(/\.[^.]+$/, '')}(${place.dir.slice(3)})`] : [];
  });
  const shells = [
    ...new Set(r.resources.flatMap((x) => (resourcePlace(x.path)?.kind === 'completion' ? [resourcePlace(x.path)?.dir as string] : []))),
  ].sort();
  const parts = [
    ...(pages.length ? [`man page${pages.length > 1 ? 's' : ''}: ${pages.join(', ')}`] : []),
    ...(shells.length ? [`completions: ${shells.join(', ')}`] : []),
  ];
  return parts.length ? parts.join('; ') : null;
}

/**
 * Prints each finished tool as printOutcome does, but an error several tools share (one index that
 * cannot be reached, say) in full only the first time: after that, one line naming that tool.
 */
export function outcomePrinter(ctx: Context): (o: Outcome) => void {
  const first = new Map<string, string>();
  return (o) => {
    const same = o.status === 'failed' ? first.get(errorText(o.error)) : undefined;
    if (same !== undefined) return void ctx.out.info(`${o.key} failed too: the same error as ${same}`);
    if (o.status === 'failed') first.set(errorText(o.error), o.key);
    printOutcome(ctx, o);
  };
}

const errorText = (e: { message: string; hint?: string }) => `${e.message}\n${e.hint ?? ''}`;

/** One finished tool, as one line (a failure: the error, its details and hint). */
export function printOutcome(ctx: Context, o: Outcome): void {
  const message = (m: string) => (m.startsWith(`${o.key} `) || m.startsWith(`${o.key}'`) ? m : `${o.key}: ${m}`);
  if (o.status === 'failed') return void ctx.out.error(o.error.rephrase({ message: message(o.error.message) }));
  ctx.out.info(describe(o));
  if (o.status === 'upgraded') for (const n of o.notes) ctx.out.info(`  note: ${n}`);
}

function describe(o: Outcome): string {
  switch (o.status) {
    case 'upgraded':
      return o.from === o.to ? `${o.key} ${o.to} rebuilt (same version; its source or packages changed)` : `${o.key} ${o.from} → ${o.to}`;
    case 'latest':
      return o.spec
        ? `${o.key} ${o.version} already matches ${o.spec}: nothing changed`
        : `${o.key} is already at the latest version (${o.version})`;
    case 'reinstalled':
      return `reinstalled ${o.key} ${o.version} (Python ${o.python})`;
    case 'installed':
      return `installed ${o.key} ${o.version} (Python ${o.python})`;
    case 'skipped':
      return o.line ?? `${o.key} skipped: ${o.reason}`;
    case 'failed':
      return `${o.key} failed: ${o.error.message}`;
  }
}

/** The table at the end of upgrade-all / reinstall-all / install of several tools, on stderr. */
export function summarize(ctx: Context, outcomes: Outcome[]): void {
  // An error several tools share is spelled out in the first row that has it.
  const first = new Map<string, string>();
  const failure = (key: string, error: { message: string; hint?: string }) => {
    const same = first.get(errorText(error));
    if (same === undefined) first.set(errorText(error), key);
    return same === undefined ? failureDetail(error) : `the same error as ${same}`;
  };
  const cell = (o: Outcome): [string, string] => {
    if (o.status === 'upgraded') return ['upgraded', o.from === o.to ? `${o.to} (rebuilt)` : `${o.from} → ${o.to}`];
    if (o.status === 'latest') return ['latest', o.version];
    if (o.status === 'reinstalled') return ['reinstalled', `${o.version} (Python ${o.python})`];
    if (o.status === 'installed') return ['installed', `${o.version} (Python ${o.python})`];
    if (o.status === 'skipped') return ['skipped', o.reason];
    return ['FAILED', failure(o.key, o.error)];
  };
  const count = (s: Outcome['status']) => outcomes.filter((o) => o.status === s).length;
  const totals = (['installed', 'upgraded', 'reinstalled', 'latest', 'skipped', 'failed'] as const)
    .filter((s) => count(s) > 0)
    .map((s) => `${count(s)} ${s === 'latest' ? 'already latest' : s}`);
  summaryTable(
    ctx,
    totals,
    outcomes.map((o) => [o.key, ...cell(o)]),
  );
}

/** A failure in one cell: its message and the first line of its hint. */
export function failureDetail(error: { message: string; hint?: string }): string {
  return `${error.message}${error.hint ? `; ${error.hint.split('\n')[0]}` : ''}`;
}

/** The summary of a command that worked on several tools: the totals, then one row per tool (tool, result, detail). */
export function summaryTable(ctx: Context, totals: string[], rows: [tool: string, result: string, detail: string][]): void {
  if (rows.length === 0) return;
  const width = Math.max(4, ...rows.map(([tool]) => tool.length));
  const lines = rows.map(([tool, what, detail]) => `  ${tool.padEnd(width)}  ${what.padEnd(11)}  ${detail}`);
  ctx.out.info(['', `summary: ${totals.join(', ')}`, `  ${'tool'.padEnd(width)}  ${'result'.padEnd(11)}  detail`, ...lines].join('\n'));
}
