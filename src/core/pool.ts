import * as os from 'node:os';

/** How many tools to work on at once by default: pip is part CPU, part waiting on the index. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/**
 * Runs `work` over `items` with at most `jobs` running at once; results come back in input order.
 * `work` must not throw: callers turn every failure into an outcome, so one never stops the others.
 */
export async function mapPool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}
