import type { Context } from '../core/context.js';
import { readlinkOrNull } from '../core/fsx.js';
import { binLinks } from '../core/links.js';
import { redact } from '../core/redact.js';
import { REPAIRS, ownerlessLinks, toolStatus } from '../core/status.js';
import type { ToolStatus } from '../core/status.js';
import { toolKeys } from '../core/store.js';
import type { Cli } from './cli-types.js';
import { findOutdated } from '../core/outdated.js';

/** Version of `tpx list --json` output; bumped on any incompatible change (README documents it). */
export const LIST_SCHEMA = 1;

export function register(cli: Cli): void {
  cli.program
    .command('list')
    .description('show installed tools with their versions, Python and apps (exit 1 if any is broken)')
    .option('--short', 'one line per tool: name and version')
    .option('--json', `machine-readable output (schema ${LIST_SCHEMA}, see README)`)
    .option('--outdated', 'only tools with a newer version on their index (asks the index, all tools at once)')
    .action((flags: { short?: boolean; json?: boolean; outdated?: boolean }) => cli.run((ctx) => (flags.outdated ? listOutdated(ctx, flags) : list(ctx, flags))));
}

/** Reads receipts and the bin dir only: never spawns Python. Exit 1 when a tool is broken or a link belongs to no tool. */
async function list(ctx: Context, flags: { short?: boolean; json?: boolean }): Promise<number> {
  const links = binLinks(ctx);
  const tools = toolKeys(ctx)
    .map((k) => toolStatus(ctx, k, links))
    .filter((t): t is ToolStatus => t !== null);
  const stray = ownerlessLinks(ctx, links);
  const broken = tools.some((t) => t.problems.length > 0) || stray.length > 0;
  if (flags.json) {
    ctx.out.result(JSON.stringify({ schema: LIST_SCHEMA, tools: tools.map(toJson), strayLinks: stray }, null, 2));
    return broken ? 1 : 0;
  }
  if (tools.length === 0) ctx.out.info(`no tools installed (in ${ctx.paths.home})`);
  else ctx.out.result(tools.map((t) => (flags.short ? short(t) : long(t))).join('\n'));
  if (stray.length > 0) {
    const lines = stray.map((l) => `    ${l} → ${readlinkOrNull(l) ?? '?'}`);
    ctx.out.result(['links into tpx that belong to no installed tool:', ...lines, '    fix: tpx doctor --fix'].join('\n'));
  }
  return broken ? 1 : 0;
}

/** `--outdated`: asks the index (one shared pip dry-run); exit 1 if a tool could not be checked. */
async function listOutdated(ctx: Context, flags: { json?: boolean }): Promise<number> {
  const { checked, outdated, problems } = await findOutdated(ctx, process.cwd());
  for (const p of problems) ctx.out.error(p);
  if (flags.json) ctx.out.result(JSON.stringify({ schema: 1, outdated }, null, 2));
  else if (outdated.length > 0) {
    ctx.out.result(outdated.map((r) => `${r.name} ${r.version} → ${r.latest ?? '? (installed from a path or URL; upgrade rebuilds it)'}${r.pinned ? ' [pinned]' : ''}`).join('\n'));
  } else if (problems.length === 0) ctx.out.info(checked ? `all ${checked} tools are at their latest version` : 'no tools installed');
  return problems.length > 0 ? 1 : 0;
}

function short(t: ToolStatus): string {
  return `${t.key} ${t.receipt?.version ?? '?'}${t.problems.length ? ' (broken)' : ''}`;
}

function long(t: ToolStatus): string {
  const r = t.receipt;
  const head = r ? `${t.key} ${r.version} (Python ${r.python.version})${r.pinned ? ' [pinned]' : ''}` : `${t.key} ?`;
  const lines = [t.problems.length ? `${head}  BROKEN` : head];
  for (const a of t.apps) lines.push(`    ${a.name}${a.problem ? `  (${a.problem})` : ''}`);
  // App link problems are shown on the app's line; the rest get a line each.
  for (const p of t.problems.filter((p) => !t.apps.some((a) => p.text.startsWith(`${a.name}: `)))) lines.push(`    ! ${p.text}`);
  // A rebuild fixes it all: the command everyone knows; anything else: doctor, which knows each repair.
  const fix = t.problems.every((p) => REPAIRS[p.kind] === 'reinstall') ? `tpx reinstall ${t.key}` : `tpx doctor --fix ${t.key}`;
  if (t.problems.length) lines.push(`    fix: ${fix}  (or: tpx uninstall ${t.key})`);
  return lines.join('\n');
}

function toJson(t: ToolStatus) {
  const r = t.receipt;
  return {
    name: t.key,
    package: r?.name ?? null,
    version: r?.version ?? null,
    // Receipts hold no credentials (receipt.ts); one written by an older tpx may.
    spec: r ? redact(r.request.spec) : null,
    suffix: r?.request.suffix ?? '',
    pinned: r?.pinned ?? false,
    python: r ? { version: r.python.version, executable: r.python.executable } : null,
    apps: t.apps.map((a) => ({ name: a.name, link: a.link, ok: a.problem === null, problem: a.problem })),
    injected: r?.request.injected.map((i) => redact(i.spec)) ?? [],
    ok: t.problems.length === 0,
    problems: t.problems.map((p) => p.text),
    installedAt: r?.installedAt ?? null,
    updatedAt: r?.updatedAt ?? null,
  };
}
