/**
 * `tpx cache` and `tpx cache prune`: the caches a user may look at and trim — the `tpx run`
 * environments and the wheel store (installer/store/entries.ts). The store is in the data home, so
 * that its files can be hard-linked into generations, but it is a cache all the same: anything no
 * generation uses can go, and comes back from the index when needed.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { diskUsage, entryProblem, isAbandoned, listEntries, pruneStore, readBytecode, wheelEntry } from '../installer/store/entries.js';
import { pruneResolutions } from '../installer/store/resolutions.js';
import { runRoot } from '../run/runcache.js';
import type { Finding } from './doctor.js';

export interface CacheSummary {
  run: { dir: string; bytes: number };
  store: { dir: string; wheels: number; bytecode: number; bytes: number };
}

/** Sizes on disk, each file counted once however many venvs link to it. */
export function cacheSummary(ctx: Context): CacheSummary {
  const { wheels, bytecode } = listEntries(ctx.paths);
  // The store first: a run environment's files linked from it are counted there, once.
  const seen = new Set<string>();
  const store = diskUsage(ctx.paths.store, seen).bytes;
  return {
    run: { dir: runRoot(ctx), bytes: diskUsage(runRoot(ctx), seen).bytes },
    store: { dir: ctx.paths.store, wheels: wheels.length, bytecode: bytecode.length, bytes: store },
  };
}

/** Removes the store entries no generation (a tool's or a `tpx run` environment's) uses; what was removed and the bytes freed. */
export function pruneCache(ctx: Context): { removed: string[]; bytes: number } {
  const before = diskUsage(ctx.paths.store).bytes;
  const removed = pruneStore(ctx, [ctx.paths.envs, path.join(runRoot(ctx), 'envs')]);
  // A kept resolution naming a wheel that is gone can never be used again.
  pruneResolutions(ctx);
  return { removed, bytes: before - diskUsage(ctx.paths.store).bytes };
}

/** `tpx doctor`'s part about the store: a damaged entry, one whose bytecode record is unreadable, a killed tpx's temp dir. */
/**
 * The wheel entries among `shas` whose files no longer match their RECORD (a file edited in place
 * through a hard link changes the entry too): removed by `--fix`, so a rebuild unpacks the wheel again.
 */
export async function damagedEntries(ctx: Context, shas: string[]): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const w of shas) {
    const problem = await entryProblem(ctx.paths, w);
    if (!problem) continue;
    const dir = wheelEntry(ctx.paths, w);
    found.push({
      tool: null,
      problem: `the wheel store's entry ${dir} is damaged: ${problem} (tools linked to it may be too: \`tpx reinstall --all\` after the fix)`,
      repair: { kind: 'remove', path: dir },
      command: `rm -r ${dir}`,
    });
  }
  return found;
}

export async function storeFindings(ctx: Context): Promise<Finding[]> {
  const { wheels, bytecode, temps } = listEntries(ctx.paths);
  const found = await damagedEntries(ctx, wheels);
  for (const b of bytecode) {
    const [sha, tag] = [b.slice(0, 64), b.slice(65)];
    if (readBytecode(ctx.paths, sha, tag)) continue;
    const dir = path.join(ctx.paths.store, 'bytecode', b);
    found.push({
      tool: null,
      problem: `the wheel store's entry ${dir} has no readable record`,
      repair: { kind: 'remove', path: dir },
      command: `rm -r ${dir}`,
    });
  }
  for (const t of temps) {
    const dir = path.join(ctx.paths.store, 'tmp', t);
    if (!isAbandoned(dir)) continue;
    found.push({
      tool: null,
      problem: `${dir} is a store entry a killed tpx left half-made`,
      repair: { kind: 'remove', path: dir },
      command: `rm -r ${dir}`,
    });
  }
  return found;
}
