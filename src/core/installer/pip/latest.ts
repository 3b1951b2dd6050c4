/**
 * "What is the newest version of X?" for many tools at once, in as few index rounds as possible:
 * one `pip install --dry-run --ignore-installed --no-deps --report` per group of tools that share an
 * interpreter, index and pip arguments. pip answers for the user's own index, config, certs and proxies,
 * which querying the index from Node would not. `list --outdated`, `upgrade` and `upgrade-all` use it.
 */
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { toolKey } from '../../packaging/names.js';
import { makeTempDir, removeMine } from '../../base/gate.js';
import { readInstallReport, runPip } from './pip.js';
import { logHint } from '../../base/proc.js';
import { hintFromPipOutput, pipTail } from './hints.js';
import { redact } from '../../base/redact.js';
import { ensureSharedPip } from './shared.js';
import { mapPool } from '../../base/pool.js';
import { findInterpreter } from '../../python/python.js';
import type { Interpreter } from '../../python/python.js';
import { parseSpec, RECORDED } from '../../packaging/spec.js';
import { venvPython } from '../../python/venv.js';

export interface Query {
  /** A requirement (`black`, `black[d]<23`); paths and URLs have no "newest version". */
  spec: string;
  /** A venv of the right interpreter to run pip in; with --ignore-installed its contents do not matter. */
  venv: string;
  /** That venv's base interpreter (it serves the shared pip). */
  interpreter: string;
  indexUrl: string | null;
  pipArgs: string[];
}

export type Latest = { version: string } | { error: TpxError };

interface Batch {
  first: Query;
  specs: string[];
  names: Set<string>;
}

/** Distribution name → newest version, or why pip could not say. */
type Answer = Map<string, string> | TpxError;

/** The newest version pip would install for each query (its dependencies are not resolved), in order. */
export async function latestVersions(ctx: Context, queries: Query[], jobs: number): Promise<Latest[]> {
  // Batches: same interpreter, index and pip args; at most one spec per distribution name (pip would merge them).
  const batches: Batch[] = [];
  const assigned = queries.map((q) => {
    const name = nameOf(q.spec);
    const same = (b: Batch) =>
      b.first.interpreter === q.interpreter && b.first.indexUrl === q.indexUrl && b.first.pipArgs.join('\0') === q.pipArgs.join('\0');
    let batch = batches.find((b) => same(b) && (b.specs.includes(q.spec) || !b.names.has(name)));
    if (!batch) batches.push((batch = { first: q, specs: [], names: new Set() }));
    if (!batch.specs.includes(q.spec)) batch.specs.push(q.spec);
    batch.names.add(name);
    return batch;
  });
  const interpreters = new Map<string, Interpreter>();
  const answers = new Map<Batch, Answer>();
  await mapPool(batches, jobs, async (b) => answers.set(b, await check(ctx, interpreters, b.first, b.specs)));
  // A batch fails as a whole when one spec cannot be found: ask for each of its specs alone, so one
  // missing package never hides the answers for the others.
  const retry = batches
    .filter((b) => answers.get(b) instanceof TpxError && b.specs.length > 1)
    .flatMap((b) => b.specs.map((spec) => ({ b, spec })));
  const single = new Map<Batch, Map<string, Answer>>();
  await mapPool(retry, jobs, async ({ b, spec }) => {
    const answer = await check(ctx, interpreters, b.first, [spec]);
    single.set(b, (single.get(b) ?? new Map<string, Answer>()).set(spec, answer));
  });
  return queries.map((q, i) => {
    const b = assigned[i] as Batch;
    const answer = single.get(b)?.get(q.spec) ?? (answers.get(b) as Answer);
    if (answer instanceof TpxError) return { error: answer };
    const version = answer.get(nameOf(q.spec));
    return version ? { version } : { error: new TpxError('check-failed', `pip did not report a version for ${redact(q.spec)}`) };
  });
}

function nameOf(spec: string): string {
  return toolKey(parseSpec(spec, RECORDED).name ?? spec);
}

async function check(ctx: Context, interpreters: Map<string, Interpreter>, q: Query, specs: string[]): Promise<Answer> {
  const tmp = makeTempDir('check');
  try {
    let py = interpreters.get(q.interpreter);
    if (!py) interpreters.set(q.interpreter, (py = findInterpreter(ctx, q.interpreter)));
    const runner = ensureSharedPip(ctx, py);
    const report = path.join(tmp, 'report.json');
    const args = ['install', '--dry-run', '--ignore-installed', '--no-deps', '--no-input', '--progress-bar', 'off', '--report', report];
    if (q.indexUrl) args.push('--index-url', q.indexUrl);
    const pip = await runPip(ctx, runner, venvPython(ctx, q.venv), [...args, ...q.pipArgs, ...specs], 'check-latest');
    if (pip.code !== 0) {
      return new TpxError('check-failed', `could not find the newest version of ${specs.map(redact).join(', ')}`, {
        details: pipTail(pip.output, 6),
        hint: [hintFromPipOutput(pip.output), logHint(ctx, pip)].filter(Boolean).join('\n'),
      });
    }
    return new Map(readInstallReport(report).install.map((i) => [toolKey(i.metadata.name), i.metadata.version]));
  } catch (err) {
    return err instanceof TpxError ? err : new TpxError('check-failed', `could not check ${specs.map(redact).join(', ')}`, { cause: err });
  } finally {
    removeMine(ctx, tmp);
  }
}
