import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { quiet } from '../core/base/context.js';
import { toTpxError } from '../core/base/errors.js';
import { installTool } from '../core/ops/install.js';
import { failedResult, linkChanges, toolResult } from '../core/ops/outcome.js';
import type { ToolAction, ToolResult } from '../core/ops/outcome.js';
import { isNewer } from '../core/packaging/pep440.js';
import { mapPool } from '../core/base/pool.js';
import { readyTool, rebuild } from '../core/ops/rebuild.js';
import { lockEntries, missingApps, planSync } from '../core/files/sync.js';
import type { Step } from '../core/files/sync.js';
import { readToolFile } from '../core/files/toolfile.js';
import { uninstallTool } from '../core/ops/uninstall.js';
import type { Cli } from './cli-types.js';
import { setPinned } from '../core/ops/pin.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { failureDetail, summaryTable, warnIfBinNotOnPath } from './shared/report.js';

interface Flags {
  prune?: boolean;
  dryRun?: boolean;
  jobs?: string;
}

export function register(cli: Cli): void {
  cli.program
    .command('sync')
    .description(
      'make the installed tools match a tpx.toml: install what is missing, rebuild what differs (--prune: uninstall what it does not list)',
    )
    .argument('[file]', 'the toolbox file', 'tpx.toml')
    .option('--prune', 'also uninstall tools the file does not list')
    .option('--dry-run', 'say what would change, and change nothing')
    .addOption(jobsOption())
    .addOption(jsonOption())
    .action((file: string, flags: Flags) => cli.change((ctx, results) => sync(ctx, results, file, flags)));
}

/** What happened to one tool: its result-document entry and its summary row. */
interface Done {
  result: ToolResult;
  row: [tool: string, result: string, detail: string];
}

async function sync(ctx: Context, results: Results, file: string, flags: Flags): Promise<number> {
  const jobs = jobsFrom(flags);
  const toolfile = await readToolFile(file, ctx.env);
  const shown = path.relative(ctx.cwd, toolfile.file) || toolfile.file;
  // Every lock is checked before anything is done: one that does not fit refuses the sync.
  const locks = await lockEntries(ctx, toolfile);
  const from = (key: string) => (locks.has(key) ? ` from ${locks.get(key)}` : '');
  const steps = planSync(ctx, toolfile, { prune: Boolean(flags.prune) });
  const work = steps.filter((s) => s.kind !== 'keep' && s.kind !== 'extra');
  const extras = steps.filter((s) => s.kind === 'extra').map((s) => s.key);
  if (flags.dryRun) {
    for (const s of steps) {
      ctx.out.info(planned(s, shown, from(s.key)));
      results.add(plannedResult(s));
    }
    return 0;
  }
  if (work.length === 0) {
    for (const s of steps) results.add(idle(s, shown).result);
    const n = toolfile.tools.length;
    ctx.out.info(`nothing to do: ${n === 1 ? 'the tool' : `all ${n} tools`} in ${shown} ${n === 1 ? 'is' : 'are'} installed as it says`);
    if (extras.length > 0) ctx.out.info(`not in ${shown}, left installed: ${extras.join(', ')} (\`tpx sync --prune\` uninstalls them)`);
    return 0;
  }
  ctx.out.info(
    `syncing ${work.length} of ${steps.length} tools with ${shown}${work.length > 1 ? `, ${Math.min(jobs, work.length)} at a time` : ''}…`,
  );
  const quietly = work.length > 1 ? quiet(ctx) : ctx;
  const done = new Map<Step, Done>();
  await mapPool(work, jobs, async (step) => {
    done.set(step, await apply(quietly, ctx, step, shown, from(step.key)));
  });
  const all = steps.map((s) => done.get(s) ?? idle(s, shown));
  for (const d of all) results.add(d.result);
  const count = new Map<string, number>();
  for (const d of all) count.set(d.row[1], (count.get(d.row[1]) ?? 0) + 1);
  summaryTable(
    ctx,
    [...count].map(([what, n]) => `${n} ${what.toLowerCase()}`),
    all.map((d) => d.row),
  );
  if (all.some((d) => d.result.action === 'installed')) warnIfBinNotOnPath(ctx);
  return all.some((d) => d.result.action === 'failed') ? 1 : 0;
}

/** Carries out one step, printing its line as it finishes (through `ctx`; `quietly` for the work itself). Never throws. */
async function apply(quietly: Context, ctx: Context, step: Step, shown: string, locked: string): Promise<Done> {
  const key = step.key;
  try {
    switch (step.kind) {
      case 'install': {
        const installedAt = new Date().toISOString();
        const o = await installTool(quietly, {
          request: step.entry.request,
          replace: step.replace,
          forceLinks: false,
          carry: { pinned: step.entry.pinned, installedAt },
        });
        if (o.status === 'already')
          return said(
            ctx,
            `${key} is already installed (${o.version ?? '?'})`,
            toolResult(key, 'unchanged', { from: o.version, to: o.version }),
            'unchanged',
            o.version ?? '',
          );
        const r = o.receipt;
        const lacking = missingApps(
          step.entry,
          r.version,
          r.apps.map((a) => a.name),
        );
        if (lacking) throw lacking;
        return said(
          ctx,
          `installed ${key} ${r.version} (Python ${r.python.version})${locked}`,
          toolResult(key, 'installed', { to: r.version, apps: linkChanges([], r.apps) }),
          'installed',
          r.version,
        );
      }
      case 'rebuild': {
        const t = readyTool(ctx, key, false);
        if ('status' in t) throw t.error;
        // The file decides whether it is pinned, also for the rebuilt one.
        const r = await rebuild(quietly, { ...t, receipt: { ...t.receipt, pinned: step.entry.pinned } }, step.entry.request, {
          verb: 'syncing',
        });
        const to = r?.version ?? step.from;
        const lacking = missingApps(
          step.entry,
          to,
          (r?.apps ?? t.receipt.apps).map((a) => a.name),
        );
        if (lacking) throw lacking;
        const action: ToolAction = isNewer(to, step.from) ? 'upgraded' : isNewer(step.from, to) ? 'downgraded' : 'reinstalled';
        const what = action === 'reinstalled' ? `${key} ${to} rebuilt` : `${key} ${step.from} → ${to}`;
        const result = toolResult(key, action, { from: step.from, to, apps: linkChanges(t.receipt.apps, r?.apps ?? t.receipt.apps) });
        return said(
          ctx,
          `${what}${locked} (${step.why})`,
          result,
          action === 'reinstalled' ? 'rebuilt' : action,
          `${action === 'reinstalled' ? to : `${step.from} → ${to}`}: ${step.why}`,
        );
      }
      case 'pin': {
        const result = await setPinned(quiet(ctx), key, step.entry.pinned);
        const what = step.entry.pinned ? `pinned ${key} at ${step.version}` : `unpinned ${key} (${step.version})`;
        return said(ctx, what, result, result.action, step.version);
      }
      case 'uninstall': {
        const { version, removed } = await uninstallTool(quiet(ctx), key);
        const result = toolResult(key, 'uninstalled', { from: version, apps: { linked: [], unlinked: removed } });
        return said(ctx, `uninstalled ${key}${version ? ` ${version}` : ''}: not in ${shown}`, result, 'uninstalled', `not in ${shown}`);
      }
      case 'broken':
        throw step.error;
      default:
        return idle(step, shown);
    }
  } catch (err) {
    const e = toTpxError(err);
    ctx.out.error(e.message.startsWith(`${key} `) ? e : e.rephrase({ message: `${key}: ${e.message}` }));
    return { result: failedResult(key, e, { from: 'from' in step ? step.from : null }), row: [key, 'FAILED', failureDetail(e)] };
  }
}

function said(ctx: Context, line: string, result: ToolResult, what: string, detail: string): Done {
  ctx.out.info(line);
  return { result, row: [result.name, what, detail] };
}

/** A step with nothing to do: a tool as the file says, or one it does not list (left without --prune). */
function idle(step: Step, shown: string): Done {
  const version = 'version' in step ? step.version : null;
  if (step.kind === 'extra')
    return {
      result: toolResult(step.key, 'skipped', { from: version, to: version }),
      row: [step.key, 'left', `not in ${shown}; --prune uninstalls it`],
    };
  return { result: toolResult(step.key, 'unchanged', { from: version, to: version }), row: [step.key, 'unchanged', version ?? ''] };
}

/** `--dry-run`: the line for what would be done. */
function planned(s: Step, shown: string, locked: string): string {
  switch (s.kind) {
    case 'install':
      return `would install ${s.key} (${s.entry.request.spec})${locked}${s.replace ? ', replacing it: its receipt cannot be read' : ''}`;
    case 'rebuild':
      return `would rebuild ${s.key} ${s.from}${locked}: ${s.why}`;
    case 'pin':
      return `would ${s.entry.pinned ? 'pin' : 'unpin'} ${s.key} (${s.version})`;
    case 'keep':
      return `${s.key} ${s.version} is as ${shown} says`;
    case 'uninstall':
      return `would uninstall ${s.key}${s.version ? ` ${s.version}` : ''}: not in ${shown}`;
    case 'extra':
      return `${s.key} is not in ${shown}: left installed (--prune uninstalls it)`;
    case 'broken':
      return `cannot sync ${s.key}: ${s.error.message}`;
  }
}

/** `--dry-run --json`: each tool's entry says what would be done; `to` is null where only pip can tell. */
function plannedResult(s: Step): ToolResult {
  const version = 'version' in s ? s.version : null;
  switch (s.kind) {
    case 'install':
      return toolResult(s.key, 'installed');
    case 'rebuild':
      return toolResult(s.key, 'reinstalled', { from: s.from });
    case 'pin':
      return toolResult(s.key, s.entry.pinned ? 'pinned' : 'unpinned', { from: version, to: version });
    case 'uninstall':
      return toolResult(s.key, 'uninstalled', { from: version });
    case 'broken':
      return failedResult(s.key, s.error);
    default:
      return toolResult(s.key, s.kind === 'extra' ? 'skipped' : 'unchanged', { from: version, to: version });
  }
}
