/**
 * `tpx sync` carried out: the file read and its locks checked, the steps sync.ts decides, then each
 * step that changes something run in a bounded pool, each commit under the tool's lock. A step never
 * throws: a failure is that tool's outcome, and the others go on.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { quiet } from '../base/context.js';
import { toTpxError } from '../base/errors.js';
import type { TpxError } from '../base/errors.js';
import { mapPool } from '../base/pool.js';
import { isNewer } from '../packaging/pep440.js';
import { installTool } from '../ops/install.js';
import { failedResult, linkChanges, toolResult } from '../ops/outcome.js';
import type { ToolResult } from '../ops/outcome.js';
import { expose, unexpose } from '../ops/expose.js';
import { setPinned } from '../ops/pin.js';
import { readyTool, rebuild } from '../ops/rebuild.js';
import { uninstallTool } from '../ops/uninstall.js';
import { lockEntries, missingApps, planSync } from './sync.js';
import type { Step } from './sync.js';
import { readToolFile } from './toolfile.js';
import type { Request } from '../request/request.js';

/** What sync will do: the file as the user should read its name, and one step per tool. */
export interface SyncPlan {
  /** The file, relative to the working directory when that is shorter. */
  shown: string;
  /** How many tools the file lists. */
  listed: number;
  steps: Step[];
  /** The steps that change something. */
  work: Step[];
  /** The lock file a tool is installed from (`pylock.<tool>.toml`), if it has one. */
  locks: Map<string, string>;
}

/** What happened to one tool, with its result-document entry; `lock`: the lock file it was built from. */
export type Synced = { key: string; result: ToolResult } & (
  | { kind: 'installed'; version: string; python: string; lock: string | null }
  | { kind: 'already'; version: string | null }
  | { kind: 'rebuilt'; from: string; to: string; why: string; lock: string | null }
  | { kind: 'pinned' | 'unpinned'; version: string }
  /** `pinned`: the pin it also changed, if it did. */
  | { kind: 'exposed' | 'unexposed'; version: string; pinned: boolean | null }
  | { kind: 'uninstalled'; version: string | null }
  | { kind: 'failed'; error: TpxError }
  /** Nothing to do: as the file says (`unchanged`), or not in it and left (`left`, without --prune). */
  | { kind: 'unchanged' | 'left'; version: string | null }
);

/** Reads the file and decides every step from disk; every lock is checked first: one that does not fit refuses the sync. */
export async function planSyncFile(ctx: Context, file: string, opts: { prune: boolean; overrides?: Partial<Request> }): Promise<SyncPlan> {
  const toolfile = await readToolFile(file, ctx.env, opts.overrides);
  const shown = path.relative(ctx.cwd, toolfile.file) || toolfile.file;
  const locks = await lockEntries(ctx, toolfile);
  const steps = planSync(ctx, toolfile, opts);
  return { shown, listed: toolfile.tools.length, steps, work: steps.filter((s) => s.kind !== 'keep' && s.kind !== 'extra'), locks };
}

/** Carries out the plan's work, `jobs` at a time, calling `onDone` as each tool finishes; returns every tool's outcome, in the plan's order. */
export async function applySync(ctx: Context, plan: SyncPlan, jobs: number, onDone: (d: Synced) => void): Promise<Synced[]> {
  const { work, steps } = plan;
  if (work.length > 0)
    ctx.out.info(
      `syncing ${work.length} of ${steps.length} tools with ${plan.shown}${work.length > 1 ? `, ${Math.min(jobs, work.length)} at a time` : ''}…`,
    );
  const quietly = work.length > 1 ? quiet(ctx) : ctx;
  const done = new Map<Step, Synced>();
  await mapPool(work, jobs, async (step) => {
    const d = await apply(quietly, ctx, step, plan.locks.get(step.key) ?? null);
    done.set(step, d);
    onDone(d);
  });
  return steps.map((s) => done.get(s) ?? idle(s));
}

/** Carries out one step (through `quietly` when several run at once; `ctx` for what stays quiet anyway). Never throws. */
async function apply(quietly: Context, ctx: Context, step: Step, lock: string | null): Promise<Synced> {
  const key = step.key;
  try {
    switch (step.kind) {
      case 'install': {
        const installedAt = new Date().toISOString();
        const o = await installTool(quietly, {
          request: step.entry.request,
          replace: step.replace,
          forceLinks: false,
          carry: { pinned: step.entry.pinned, installedAt, exposed: step.entry.exposed },
        });
        if (o.status === 'already')
          return { key, kind: 'already', version: o.version, result: toolResult(key, 'unchanged', { from: o.version, to: o.version }) };
        const r = o.receipt;
        const lacking = missingApps(
          step.entry,
          r.version,
          r.apps.map((a) => a.name),
        );
        if (lacking) throw lacking;
        const result = toolResult(key, 'installed', { to: r.version, apps: linkChanges([], r.apps) });
        return { key, kind: 'installed', version: r.version, python: r.python.version, lock, result };
      }
      case 'rebuild': {
        const t = readyTool(ctx, key, false);
        if ('status' in t) throw t.error;
        // The file decides whether it is pinned and exposed, also for the rebuilt one.
        const marks = { pinned: step.entry.pinned, exposed: step.entry.exposed };
        const r = await rebuild(quietly, { ...t, receipt: { ...t.receipt, ...marks } }, step.entry.request, {
          verb: 'syncing',
        });
        const to = r?.version ?? step.from;
        const lacking = missingApps(
          step.entry,
          to,
          (r?.apps ?? t.receipt.apps).map((a) => a.name),
        );
        if (lacking) throw lacking;
        const action = isNewer(to, step.from) ? 'upgraded' : isNewer(step.from, to) ? 'downgraded' : 'reinstalled';
        const result = toolResult(key, action, { from: step.from, to, apps: linkChanges(t.receipt.apps, r?.apps ?? t.receipt.apps) });
        return { key, kind: 'rebuilt', from: step.from, to, why: step.why, lock, result };
      }
      case 'pin': {
        const result = await setPinned(quiet(ctx), key, step.entry.pinned);
        return { key, kind: step.entry.pinned ? 'pinned' : 'unpinned', version: step.version, result };
      }
      case 'expose': {
        const quietCtx = quiet(ctx);
        const { result } = step.entry.exposed ? await expose(quietCtx, key, false) : await unexpose(quietCtx, key);
        if (step.pin) await setPinned(quietCtx, key, step.entry.pinned);
        const pinned = step.pin ? step.entry.pinned : null;
        return { key, kind: step.entry.exposed ? 'exposed' : 'unexposed', version: step.version, pinned, result };
      }
      case 'uninstall': {
        const { version, removed } = await uninstallTool(quiet(ctx), key);
        return {
          key,
          kind: 'uninstalled',
          version,
          result: toolResult(key, 'uninstalled', { from: version, apps: { linked: [], unlinked: removed } }),
        };
      }
      case 'broken':
        throw step.error;
      default:
        return idle(step);
    }
  } catch (err) {
    const error = toTpxError(err);
    return { key, kind: 'failed', error, result: failedResult(key, error, { from: 'from' in step ? step.from : null }) };
  }
}

/** A step with nothing to do: a tool as the file says, or one it does not list (left without --prune). */
function idle(step: Step): Synced {
  const version = 'version' in step ? step.version : null;
  const versions = { from: version, to: version };
  if (step.kind === 'extra') return { key: step.key, kind: 'left', version, result: toolResult(step.key, 'skipped', versions) };
  return { key: step.key, kind: 'unchanged', version, result: toolResult(step.key, 'unchanged', versions) };
}

/** `--dry-run --json`: each tool's entry says what would be done; `to` is null where only pip can tell. */
export function plannedResult(s: Step): ToolResult {
  const version = 'version' in s ? s.version : null;
  switch (s.kind) {
    case 'install':
      return toolResult(s.key, 'installed');
    case 'rebuild':
      return toolResult(s.key, 'reinstalled', { from: s.from });
    case 'pin':
      return toolResult(s.key, s.entry.pinned ? 'pinned' : 'unpinned', { from: version, to: version });
    case 'expose':
      return toolResult(s.key, s.entry.exposed ? 'exposed' : 'unexposed', { from: version, to: version });
    case 'uninstall':
      return toolResult(s.key, 'uninstalled', { from: version });
    case 'broken':
      return failedResult(s.key, s.error);
    default:
      return toolResult(s.key, s.kind === 'extra' ? 'skipped' : 'unchanged', { from: version, to: version });
  }
}
