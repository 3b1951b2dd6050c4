import type { Context } from '../core/base/context.js';
import { applySync, planSyncFile, plannedResult } from '../core/files/syncapply.js';
import type { SyncPlan, Synced } from '../core/files/syncapply.js';
import type { Step } from '../core/files/sync.js';
import type { Cli } from './cli-types.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { failureDetail, summaryTable, warnIfBinNotOnPath } from './shared/report.js';
import { cooldownFlag, cooldownOption } from './shared/request.js';

interface Flags {
  prune?: boolean;
  dryRun?: boolean;
  jobs?: string;
  cooldown?: string;
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
    .addOption(cooldownOption(' for every tool, over the file’s'))
    .addOption(jobsOption())
    .addOption(jsonOption())
    .action((file: string, flags: Flags) => cli.change((ctx, results) => sync(ctx, results, file, flags)));
}

async function sync(ctx: Context, results: Results, file: string, flags: Flags): Promise<number> {
  const jobs = jobsFrom(flags);
  const cooldown = cooldownFlag(flags.cooldown);
  const plan = await planSyncFile(ctx, file, { prune: Boolean(flags.prune), overrides: cooldown === undefined ? {} : { cooldown } });
  const { shown, steps } = plan;
  if (flags.dryRun) {
    for (const s of steps) {
      ctx.out.info(planned(s, shown, from(plan, s.key)));
      results.add(plannedResult(s));
    }
    return 0;
  }
  const all = await applySync(ctx, plan, jobs, (d) => said(ctx, d, plan));
  for (const d of all) results.add(d.result);
  if (plan.work.length === 0) {
    const n = plan.listed;
    const extras = all.filter((d) => d.kind === 'left').map((d) => d.key);
    ctx.out.info(`nothing to do: ${n === 1 ? 'the tool' : `all ${n} tools`} in ${shown} ${n === 1 ? 'is' : 'are'} installed as it says`);
    if (extras.length > 0) ctx.out.info(`not in ${shown}, left installed: ${extras.join(', ')} (\`tpx sync --prune\` uninstalls them)`);
    return 0;
  }
  const rows = all.map((d) => row(d, shown));
  const count = new Map<string, number>();
  for (const r of rows) count.set(r[1], (count.get(r[1]) ?? 0) + 1);
  summaryTable(
    ctx,
    [...count].map(([what, n]) => `${n} ${what.toLowerCase()}`),
    rows,
  );
  if (all.some((d) => d.result.action === 'installed')) warnIfBinNotOnPath(ctx);
  return all.some((d) => d.result.action === 'failed') ? 1 : 0;
}

const from = (plan: SyncPlan, key: string) => (plan.locks.has(key) ? ` from ${plan.locks.get(key)}` : '');

/** One finished tool's line, printed as it finishes. */
function said(ctx: Context, d: Synced, plan: SyncPlan): void {
  const { key } = d;
  switch (d.kind) {
    case 'installed':
      return ctx.out.info(`installed ${key} ${d.version} (Python ${d.python})${from(plan, key)}`);
    case 'already':
      return ctx.out.info(`${key} is already installed (${d.version ?? '?'})`);
    case 'rebuilt': {
      const what = d.result.action === 'reinstalled' ? `${key} ${d.to} rebuilt` : `${key} ${d.from} → ${d.to}`;
      return ctx.out.info(`${what}${from(plan, key)} (${d.why})`);
    }
    case 'pinned':
      return ctx.out.info(`pinned ${key} at ${d.version}`);
    case 'unpinned':
      return ctx.out.info(`unpinned ${key} (${d.version})`);
    case 'exposed':
    case 'unexposed': {
      const pin = d.pinned === null ? '' : d.pinned ? ', and pinned it' : ', and unpinned it';
      return ctx.out.info(`${d.kind} ${key} (${d.version})${pin}`);
    }
    case 'uninstalled':
      return ctx.out.info(`uninstalled ${key}${d.version ? ` ${d.version}` : ''}: not in ${plan.shown}`);
    case 'failed':
      return void ctx.out.error(
        d.error.message.startsWith(`${key} `) ? d.error : d.error.rephrase({ message: `${key}: ${d.error.message}` }),
      );
  }
}

/** A tool's row in the summary table: tool, result, detail. */
function row(d: Synced, shown: string): [tool: string, result: string, detail: string] {
  const cells = (what: string, detail: string): [string, string, string] => [d.result.name, what, detail];
  switch (d.kind) {
    case 'installed':
      return cells('installed', d.version);
    case 'rebuilt': {
      const action = d.result.action;
      return cells(action === 'reinstalled' ? 'rebuilt' : action, `${action === 'reinstalled' ? d.to : `${d.from} → ${d.to}`}: ${d.why}`);
    }
    case 'pinned':
    case 'unpinned':
    case 'exposed':
    case 'unexposed':
      return cells(d.result.action, d.version);
    case 'uninstalled':
      return cells('uninstalled', `not in ${shown}`);
    case 'failed':
      return cells('FAILED', failureDetail(d.error));
    case 'left':
      return cells('left', `not in ${shown}; --prune uninstalls it`);
    default:
      return cells('unchanged', d.version ?? '');
  }
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
    case 'expose':
      return `would ${s.entry.exposed ? 'expose' : 'unexpose'} ${s.key} (${s.version})${s.pin ? `, and ${s.entry.pinned ? 'pin' : 'unpin'} it` : ''}`;
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
