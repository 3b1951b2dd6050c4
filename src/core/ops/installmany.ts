/**
 * Installing several tools in one command (`install A B C`, `install-all`): the builds run in
 * parallel, `jobs` at a time (core/base/pool.ts); once all are built, the bin-dir links every tool wants
 * are checked against each other before anything is linked; then the tools are committed one by
 * one, in name order, each reported as it lands. One failure never stops the others; the outcomes
 * come back sorted by name (the command prints the summary table).
 */
import type { Context, Place } from '../base/context.js';
import { quiet } from '../base/context.js';
import type { Progress } from '../base/context.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { toolKey } from '../packaging/names.js';
import { parseSpec } from '../packaging/spec.js';
import type { Request } from '../request/request.js';
import { installTool, prepareInstall, withRecordedLock } from './install.js';
import type { InstallOptions, InstallOutcome, Prepared } from './install.js';
import type { Outcome } from './outcome.js';
import { mapPool } from '../base/pool.js';

export interface ManyItem {
  /** What the user asked for (a spec, a tool name): names a failure before the tool's key is known. */
  label: string;
  /** Builds the tool (install.ts `prepareInstall`), with output made safe for parallel work. */
  prepare: (ctx: Context) => Promise<InstallOutcome | Prepared>;
}

/** Installs every item; `report` is called as each one lands; returns the outcomes, sorted by name. */
export async function installMany(ctx: Context, items: ManyItem[], jobs: number, report: (o: InstallOutcome) => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  // Errors of an install name what failed already (the spec pip could not install, the tool in the way).
  const fail = (key: string, err: unknown) => {
    const error = toTpxError(err);
    ctx.out.error(error);
    outcomes.push({ key, status: 'failed', error });
  };
  const done = (o: InstallOutcome) => {
    report(o);
    outcomes.push(outcomeOf(o));
  };

  const built = await ctx.out.task(`building ${items.length} tools, ${Math.min(jobs, items.length)} at a time`, (progress) =>
    buildAll(ctx, items, jobs, progress, { done, fail }),
  );
  const ready = built.filter((b): b is Prepared => b !== null).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  // Two requested tools wanting one bin entry: the first by name keeps it, the other is not installed.
  const claimed = new Map<string, string>();
  const refused = new Set<Prepared>();
  for (const p of ready) {
    const taken = p.links.filter((l) => claimed.has(l) && claimed.get(l) !== p.key);
    if (taken.length > 0) {
      refused.add(p);
      p.dispose();
      fail(
        p.key,
        new TpxError(
          'link-conflict',
          `${p.key} was not installed: ${taken.map((l) => `${l} is also an app of ${claimed.get(l)}`).join(', ')}, in the same command`,
          {
            hint: `install ${p.key} on its own, with --suffix for other app names`,
          },
        ),
      );
      continue;
    }
    for (const l of p.links) claimed.set(l, p.key);
  }

  for (const p of ready) {
    if (refused.has(p)) continue;
    try {
      done(await p.commit());
    } catch (err) {
      fail(p.key, err);
    }
  }
  outcomes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return outcomes;
}

/**
 * The builds, `jobs` at a time, each said as it starts (a log's line; a terminal's spinner names
 * every build under way) and as it ends (a line), so many tools are never a long silence.
 */
async function buildAll(
  ctx: Context,
  items: ManyItem[],
  jobs: number,
  progress: Progress,
  on: { done: (o: InstallOutcome) => void; fail: (label: string, err: unknown) => void },
): Promise<(Prepared | null)[]> {
  const running: string[] = [];
  let ended = 0;
  const show = () => progress.status(`building ${running.join(', ')} (${ended} of ${items.length} done)`);
  return mapPool(items, jobs, async (item) => {
    running.push(item.label);
    progress.note(`building ${item.label}…`);
    show();
    try {
      const r = await item.prepare(quiet(ctx));
      if ('status' in r) on.done(r);
      else ctx.out.info(`built ${r.key} ${r.version} (${ended + 1} of ${items.length})`);
      return 'status' in r ? null : r;
    } catch (err) {
      on.fail(item.label, err);
      return null;
    } finally {
      running.splice(running.indexOf(item.label), 1);
      ended++;
      show();
    }
  });
}

/**
 * `tpx install SPEC…`: one request is installed as installTool does, with its progress shown; several
 * are built in parallel and linked after a check across all of them (installMany). A failure is
 * printed and becomes the tool's failed outcome; `report` gets every install that landed.
 */
export async function installRequests(
  ctx: Context,
  requests: Request[],
  opts: Pick<InstallOptions, 'replace' | 'forceLinks'>,
  jobs: number,
  report: (o: InstallOutcome) => void,
): Promise<Outcome[]> {
  // `install --force` of a tool installed from a lock installs that lock again (as pipx).
  const options = (request: Request) => ({ request: opts.replace ? withRecordedLock(ctx, request) : request, ...opts });
  if (requests.length > 1) {
    const items = requests.map((request) => ({
      label: nameOf(request, ctx),
      prepare: (c: Context) => prepareInstall(c, options(request)),
    }));
    return installMany(ctx, items, jobs, report);
  }
  const request = requests[0] as Request;
  try {
    const outcome = await installTool(ctx, options(request));
    report(outcome);
    return [outcomeOf(outcome)];
  } catch (err) {
    ctx.out.error(err);
    return [{ key: nameOf(request, ctx), status: 'failed', error: toTpxError(err) }];
  }
}

/** An install as a multi-tool command's outcome: "already installed" is a skip. */
function outcomeOf(o: InstallOutcome): Outcome {
  if (o.status === 'already') return { key: o.key, status: 'skipped', reason: `already installed${o.version ? ` (${o.version})` : ''}` };
  return { key: o.receipt.key, status: 'installed', version: o.receipt.version, python: o.receipt.python.version };
}

/** The tool a request is for, as far as it is known before pip ran: its key, else the spec as given. */
function nameOf(request: Request, at: Place): string {
  try {
    const name = parseSpec(request.spec, at).name;
    return name ? toolKey(name, request.suffix) : request.spec;
  } catch {
    return request.spec;
  }
}
