/**
 * Installing several tools in one command (`install A B C`, `install-all`): the builds run in
 * parallel, `jobs` at a time (core/base/pool.ts); once all are built, the bin-dir links every tool wants
 * are checked against each other before anything is linked; then the tools are committed one by
 * one, in name order, each printing its line as it lands. One failure never stops the others; a
 * summary table ends the run, sorted by name.
 */
import type { Context } from '../../core/base/context.js';
import { TpxError, toTpxError } from '../../core/base/errors.js';
import type { InstallOutcome, Prepared } from '../../core/ops/install.js';
import type { Outcome } from '../../core/ops/outcome.js';
import { mapPool } from '../../core/base/pool.js';
import { quiet, summarize } from './report.js';

export interface ManyItem {
  /** What the user asked for (a spec, a tool name): names a failure before the tool's key is known. */
  label: string;
  /** Builds the tool (core/ops/install.ts `prepareInstall`), with output made safe for parallel work. */
  prepare: (ctx: Context) => Promise<InstallOutcome | Prepared>;
}

/** Installs every item; returns the outcomes (sorted by name) after printing each one as `report` says and the summary. */
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
    if (o.status === 'already')
      outcomes.push({ key: o.key, status: 'skipped', reason: `already installed${o.version ? ` (${o.version})` : ''}` });
    else outcomes.push({ key: o.receipt.key, status: 'installed', version: o.receipt.version, python: o.receipt.python.version });
  };

  const built = await mapPool(items, jobs, async (item) => {
    try {
      const r = await item.prepare(quiet(ctx));
      if ('status' in r) done(r);
      return 'status' in r ? null : r;
    } catch (err) {
      fail(item.label, err);
      return null;
    }
  });
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
  if (outcomes.length > 1) summarize(ctx, outcomes);
  return outcomes;
}
