import * as os from 'node:os';

/**
 * How many tools to work on at once by default: two per CPU, at most 8. Each job is mostly one pip
 * process, part CPU (starting Python, resolving, unpacking) and part waiting on the index; on a
 * loopback index one job per CPU left the CPUs a third idle (bench/upgrade.sh), and a real index
 * makes the waiting longer.
 */
export function defaultJobs(): number {
  return Math.max(2, Math.min(8, 2 * os.availableParallelism()));
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
