/**
 * "What is the newest version of X?" for many tools at once, in as few index rounds as possible:
 * one `pip install --dry-run --ignore-installed --no-deps --report` per group of tools that share an
 * interpreter, index and pip arguments. pip answers for the user's own index, config, certs and proxies,
 * which querying the index from Node would not. `list --outdated`, `upgrade` and `upgrade-all` use it.
 */
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { toolKey } from '../../packaging/names.js';
import { redact } from '../../base/redact.js';
import { mapPool } from '../../base/pool.js';
import { choosePython } from '../../python/choose.js';
import type { Interpreter } from '../../python/python.js';
import { parseSpec, RECORDED } from '../../packaging/spec.js';
import { pipOptions } from '../../request/pipoptions.js';
import type { Latest, LatestQuery } from '../installer.js';
import { resolve } from './resolve.js';
import { indexProblem } from './hints.js';
import type { Request } from '../../request/request.js';

interface Batch {
  first: LatestQuery;
  specs: string[];
  names: Set<string>;
}

/** Distribution name → newest version, or why pip could not say. */
type Answer = Map<string, string> | TpxError;

/**
 * The newest version pip would install for each query (its dependencies are not resolved), in order.
 * `metadataFrom`: wheel entries pip may read metadata from (ResolveJob.metadataFrom).
 */
export async function latestVersions(ctx: Context, queries: LatestQuery[], jobs: number, metadataFrom?: string): Promise<Latest[]> {
  // Batches: same interpreter and pip options; at most one spec per distribution name (pip would merge them).
  const batches: Batch[] = [];
  const assigned = queries.map((q) => {
    const name = nameOf(q.spec);
    const same = (b: Batch) => batchKey(ctx, b.first) === batchKey(ctx, q);
    let batch = batches.find((b) => same(b) && (b.specs.includes(q.spec) || !b.names.has(name)));
    if (!batch) batches.push((batch = { first: q, specs: [], names: new Set() }));
    if (!batch.specs.includes(q.spec)) batch.specs.push(q.spec);
    batch.names.add(name);
    return batch;
  });
  const interpreters = new Map<string, Interpreter>();
  const answers = new Map<Batch, Answer>();
  await mapPool(batches, jobs, async (b) => answers.set(b, await check(ctx, interpreters, b.first, b.specs, metadataFrom)));
  // An index that cannot be reached fails every batch that uses it, and would fail each spec asked
  // alone as well: it is asked about once and becomes one error for all of them, nothing retried
  // (an offline upgrade-all fails fast and says so once).
  const failed = batches.filter((b) => answers.get(b) instanceof TpxError);
  const down = await unreachableIndexes(
    ctx,
    failed.map((b) => b.first.request),
  );
  for (const b of failed) {
    const error = down.get(indexOf(ctx, b.first.request));
    if (error) answers.set(b, error);
  }
  // A batch fails as a whole when one spec cannot be found: ask for each of its specs alone, so one
  // missing package never hides the answers for the others.
  const retry = failed
    .filter((b) => !down.has(indexOf(ctx, b.first.request)) && b.specs.length > 1)
    .flatMap((b) => b.specs.map((spec) => ({ b, spec })));
  const single = new Map<Batch, Map<string, Answer>>();
  await mapPool(retry, jobs, async ({ b, spec }) => {
    const answer = await check(ctx, interpreters, b.first, [spec], metadataFrom);
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

/** The index a request's pip run asks first, as far as tpx knows it (pip's own config may name another): '' when unknown. */
function indexOf(ctx: Context, request: Request): string {
  return request.indexUrl ?? ctx.env.PIP_INDEX_URL ?? '';
}

/** Of the indexes these requests use, the ones that cannot be reached now, each as the one error to give for it. */
async function unreachableIndexes(ctx: Context, requests: Request[]): Promise<Map<string, TpxError>> {
  const down = new Map<string, TpxError>();
  for (const url of new Set(requests.map((r) => indexOf(ctx, r)))) {
    const problem = await indexProblem(ctx.env, url || undefined);
    if (problem) down.set(url, new TpxError('index-unreachable', problem.what, { hint: problem.fix.replace(/^[:;] /, '') || undefined }));
  }
  return down;
}

/** Queries with equal keys can share a pip run. Their requests were checked when read (receipts, flags), so pipOptions does not throw here. */
function batchKey(ctx: Context, q: LatestQuery): string {
  return [q.interpreter, ...pipOptions(q.request, ctx.env)].join('\0');
}

function nameOf(spec: string): string {
  return toolKey(parseSpec(spec, RECORDED).name ?? spec);
}

async function check(
  ctx: Context,
  interpreters: Map<string, Interpreter>,
  q: LatestQuery,
  specs: string[],
  metadataFrom: string | undefined,
): Promise<Answer> {
  try {
    let py = interpreters.get(q.interpreter);
    if (!py) interpreters.set(q.interpreter, (py = await choosePython(ctx, { requested: q.interpreter })));
    const r = await resolve(ctx, {
      py,
      venv: q.venv,
      request: q.request,
      specs,
      deps: false,
      logName: 'check-latest',
      reuse: true,
      metadataFrom,
    });
    if (!r.ok) {
      return new TpxError('check-failed', `could not find the newest version of ${specs.map(redact).join(', ')}`, {
        details: r.failure.tail(6),
        hint: [r.failure.hint, r.failure.log].filter(Boolean).join('\n'),
      });
    }
    return new Map(r.dists.map((d) => [toolKey(d.name), d.version]));
  } catch (err) {
    return err instanceof TpxError ? err : new TpxError('check-failed', `could not check ${specs.map(redact).join(', ')}`, { cause: err });
  }
}
