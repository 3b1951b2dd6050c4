import { Option } from 'commander';
import type { Context } from '../core/base/context.js';
import { readlinkOrNull } from '../core/base/fsx.js';
import { redact } from '../core/base/redact.js';
import { dependencyApps, injectedOwner, listTools } from '../core/ops/list.js';
import { toolFix } from '../core/ops/doctor.js';
import type { ToolStatus } from '../core/store/status.js';
import type { Receipt } from '../core/store/receipt.js';
import type { Cli } from './cli-types.js';
import { resourceLine } from './shared/report.js';
import { findOutdated } from '../core/ops/outdated.js';
import type { OutdatedTool } from '../core/ops/outdated.js';
import { isNewer } from '../core/packaging/pep440.js';

/** Version of `tpx list --json` output; bumped on any incompatible change (README documents it). */
export const LIST_SCHEMA = 1;

export function register(cli: Cli): void {
  cli.program
    .command('list')
    .description('show installed tools with their versions, Python and apps (exit 1 if any is broken)')
    // What pipx refuses is a usage error here too: `--short` is not JSON, and `--outdated` (the index's
    // answer, pinned tools marked) is another list than `--pinned` (from the receipts).
    .addOption(new Option('--short', 'one line per tool: name and version').conflicts('json'))
    .option('--json', `machine-readable output (schema ${LIST_SCHEMA}, see README)`)
    .option('--outdated', 'only tools with a newer version on their index (asks the index, all tools at once)')
    .addOption(new Option('--pinned', 'only pinned tools (and tools with pinned injected packages)').conflicts('outdated'))
    .option(
      '--include-injected',
      'also show the packages injected into each tool, and their linked apps (with --outdated: those with a newer version)',
    )
    .argument('[name...]', 'only these tools (exit 1 naming any that is not installed)')
    .action((names: string[], flags: ListFlags) =>
      cli.run((ctx) => (flags.outdated ? listOutdated(ctx, names, flags) : list(ctx, names, flags))),
    );
}

interface ListFlags {
  short?: boolean;
  json?: boolean;
  outdated?: boolean;
  pinned?: boolean;
  includeInjected?: boolean;
}

/** Reads receipts and the bin dir only: never spawns Python. Exit 1 when a tool is broken or a link belongs to no tool. */
async function list(ctx: Context, names: string[], flags: ListFlags): Promise<number> {
  const { tools, missing: notFound, stray } = await listTools(ctx, names, { pinned: Boolean(flags.pinned) });
  const missing = notFound.map((m) => m.key);
  const broken = tools.some((t) => t.problems.length > 0) || stray.length > 0 || missing.length > 0;
  for (const m of notFound) ctx.out.error(m.error);
  if (flags.json) {
    ctx.out.result(
      JSON.stringify(
        {
          schema: LIST_SCHEMA,
          tools: tools.map((t) => toJson(ctx, t)),
          strayLinks: stray,
          ...(missing.length > 0 ? { notInstalled: missing } : {}),
        },
        null,
        2,
      ),
    );
    return broken ? 1 : 0;
  }
  if (tools.length === 0 && missing.length === 0)
    ctx.out.info(flags.pinned ? 'no pinned tools' : `no tools installed (in ${ctx.paths.home})`);
  else if (tools.length > 0)
    ctx.out.result(tools.map((t) => (flags.short ? short(t) : long(ctx, t, Boolean(flags.includeInjected)))).join('\n'));
  if (stray.length > 0) {
    const lines = stray.map((l) => `    ${l} → ${readlinkOrNull(l) ?? '?'}`);
    ctx.out.result(['links into tpx that belong to no installed tool:', ...lines, '    fix: tpx doctor --fix'].join('\n'));
  }
  return broken ? 1 : 0;
}

/**
 * `--outdated`: asks the index (one shared pip dry-run), for NAMEs only when given; with
 * `--include-injected`, injected packages too (what `upgrade --include-injected` would move).
 * Exit 1 if a tool could not be checked or is not installed.
 */
async function listOutdated(ctx: Context, names: string[], flags: ListFlags): Promise<number> {
  const { checked, outdated, problems } = await findOutdated(ctx, names, { includeInjected: Boolean(flags.includeInjected) });
  for (const p of problems) ctx.out.error(p);
  if (flags.json) ctx.out.result(JSON.stringify({ schema: 1, outdated }, null, 2));
  else if (outdated.length > 0) ctx.out.result(outdated.map(outdatedLines).join('\n'));
  else if (problems.length === 0)
    ctx.out.info(
      checked.length === 0
        ? 'no tools installed'
        : checked.length === 1
          ? `${checked[0]} is at its latest version`
          : `all ${checked.length} tools are at their latest version`,
    );
  return problems.length > 0 ? 1 : 0;
}

/** `black 24.1.0 → 26.5.1`, then a line per injected package with a newer version. */
function outdatedLines(r: OutdatedTool): string {
  const own =
    r.latest === null ? ' → ? (installed from a path or URL; upgrade rebuilds it)' : isNewer(r.latest, r.version) ? ` → ${r.latest}` : '';
  const injected = r.injected.map((i) => `    injected ${i.name} ${i.version ?? '?'} → ${i.latest}`);
  return [`${r.name} ${r.version}${own}${r.pinned ? ' [pinned]' : ''}`, ...injected].join('\n');
}

function short(t: ToolStatus): string {
  return `${t.key} ${t.receipt?.version ?? '?'}${t.problems.length ? ' (broken)' : ''}`;
}

/** What a tool is beside its version: `[pinned]`, `[editable]`, `[script]`, `[not exposed]`, `[cooldown 7d]`. */
function marks(r: Receipt): string {
  const cooldown = r.request.cooldown && r.request.cooldown !== '0' ? `cooldown ${r.request.cooldown}` : null;
  const all = [r.pinned && 'pinned', r.request.kind !== 'package' && r.request.kind, !r.exposed && 'not exposed', cooldown].filter(
    (m): m is string => Boolean(m),
  );
  return all.map((m) => ` [${m}]`).join('');
}

function long(ctx: Context, t: ToolStatus, withInjected: boolean): string {
  const r = t.receipt;
  const head = r ? `${t.key} ${r.version} (Python ${r.python.version})${marks(r)}` : `${t.key} ?`;
  const lines = [t.problems.length ? `${head}  BROKEN` : head];
  // With --include-injected, an injected package's apps (its dependencies' with inject --include-deps) are shown under it.
  const from = (name: string) => (r ? injectedOwner(r, r.apps.find((x) => x.name === name)?.dist ?? '') : null);
  // An app is shown as the command on PATH: with the tool's --suffix (`black@22`).
  const app = (a: ToolStatus['apps'][number]) => `${a.name}${r?.request.suffix ?? ''}${a.problem ? `  (${a.problem})` : ''}`;
  for (const a of withInjected ? t.apps.filter((a) => from(a.name) === null) : t.apps) lines.push(`    ${app(a)}`);
  if (r && withInjected) {
    for (const i of r.request.injected) {
      lines.push(
        `    injected: ${i.name || redact(i.spec)}${i.name && i.spec !== i.name ? ` (${redact(i.spec)})` : ''}${i.pinned ? ' [pinned]' : ''}`,
      );
      for (const a of t.apps.filter((a) => from(a.name) === i.name)) lines.push(`        ${app(a)}`);
    }
  }
  const resources = r?.exposed ? resourceLine(r) : null;
  if (resources) lines.push(`    ${resources}`);
  // App link problems are shown on the app's line; the rest get a line each.
  for (const p of t.problems.filter((p) => !t.apps.some((a) => p.text.startsWith(`${a.name}: `)))) lines.push(`    ! ${p.text}`);
  // The command doctor names too (a line of advice is followed as written: it must work).
  if (t.problems.length) {
    const fix = toolFix(ctx, t);
    lines.push(`    fix: ${fix}${fix.includes('tpx uninstall') ? '' : `  (or: tpx uninstall ${t.key})`}`);
  }
  return lines.join('\n');
}

function toJson(ctx: Context, t: ToolStatus) {
  const r = t.receipt;
  return {
    name: t.key,
    package: r?.name ?? null,
    version: r?.version ?? null,
    // Receipts hold no credentials (receipt.ts); one written by an older tpx may.
    spec: r ? redact(r.request.spec) : null,
    suffix: r?.request.suffix ?? '',
    pinned: r?.pinned ?? false,
    cooldown: r?.request.cooldown ?? null,
    kind: r?.request.kind ?? null,
    exposed: r?.exposed ?? true,
    python: r ? { version: r.python.version, executable: r.python.executable } : null,
    apps: t.apps.map((a) => ({ name: a.name, link: a.link, ok: a.problem === null, problem: a.problem })),
    dependencyApps: dependencyApps(ctx, t),
    injected: r?.request.injected.map((i) => redact(i.spec)) ?? [],
    injectedPackages:
      r?.request.injected.map((i) => ({
        name: i.name,
        spec: redact(i.spec),
        pinned: i.pinned,
        apps: r.apps.filter((a) => injectedOwner(r, a.dist) === i.name).map((a) => a.name),
      })) ?? [],
    ok: t.problems.length === 0,
    problems: t.problems.map((p) => p.text),
    installedAt: r?.installedAt ?? null,
    updatedAt: r?.updatedAt ?? null,
  };
}
