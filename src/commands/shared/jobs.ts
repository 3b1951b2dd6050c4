import { Option } from 'commander';
import { usageError } from '../../core/base/errors.js';
import { defaultJobs } from '../../core/base/pool.js';

export function jobsOption(): Option {
  // Not the number for this machine: the help text is also the man page, built once for every machine.
  return new Option('-j, --jobs <n>', 'how many tools to work on at once (default: two per CPU, at most 8)');
}

export function jobsFrom(flags: { jobs?: string }): number {
  if (flags.jobs === undefined) return defaultJobs();
  const n = Number(flags.jobs);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--jobs must be a whole number ≥ 1, not ${JSON.stringify(flags.jobs)}`);
  return n;
}
