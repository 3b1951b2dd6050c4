/**
 * The wheel store's dry runs, used again while nothing pip read has changed (docs/architecture.md,
 * "The wheel store", resolutions; pip/sources.ts says why that is exact). An install into an empty
 * venv that went wholly through the store keeps pip's plan under a key of the job, the interpreter,
 * the pip and pip's configuration; the next install with that key takes the plan again, with no pip,
 * when every source reads as it did and the store still holds every wheel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { readdirOrEmpty } from '../../base/fsx.js';
import { removeMine } from '../../base/gate.js';
import { pipOptions } from '../../request/pipoptions.js';
import type { Environment, InstallJob } from '../installer.js';
import type { Source } from '../pip/sources.js';
import {
  answerKey,
  dependsOnClock,
  HEX64,
  keepAnswer,
  namedVersion,
  keptDir,
  plainUrl,
  readAnswer,
  readSources,
  sourcesUnchanged,
  validSources,
} from '../pip/sources.js';
import { readEntry } from './entries.js';
import type { Planned } from './plan.js';
import { route } from './plan.js';

/** A kept resolution: what pip planned, and everything it read to plan it. */
export interface Resolution {
  schema: 1;
  /** When pip resolved it (ISO time), for `-v`. */
  at: string;
  pages: Source[];
  files: Source[];
  plan: { name: string; version: string; requested: boolean; url: string; sha256: string }[];
}

const SCHEMA = 1;

/**
 * The key of everything but the sources that decides the job's dry run: the job (`jobKey`), the
 * interpreter, which pip (its runner's path names its version), pip's configuration. null when the
 * answer depends on the clock too (a cooldown).
 */
export async function resolutionKey(ctx: Context, env: Environment, job: InstallJob, key: string, runner: string): Promise<string | null> {
  if (job.lock || dependsOnClock(pipOptions(job.request, ctx.env))) return null;
  return answerKey(ctx, ['store', key, env.py.executable, env.py.version, runner]);
}

/**
 * Keeps the dry run's plan under `rkey` when the runner vouched for every source it read and every
 * distribution is a wheel from an index with its sha256 (what the store installs exactly).
 */
export function keepResolution(ctx: Context, rkey: string, tmp: string, plan: Planned[]): void {
  const sources = readSources(tmp);
  if (!sources || plan.some((p) => p.direct || !p.url || !p.sha256 || !route(p).store)) return;
  const kept: Resolution = {
    schema: SCHEMA,
    at: new Date().toISOString(),
    ...sources,
    plan: plan.map((p) => ({ name: p.name, version: p.version, requested: p.requested, url: p.url as string, sha256: p.sha256 as string })),
  };
  if (validResolution(kept)) keepAnswer(ctx, 'resolutions', rkey, kept);
}

/**
 * The plan kept under `rkey`, when every source reads as it did and the store still holds every
 * wheel; else null (pip then resolves).
 */
export async function reuseResolution(ctx: Context, rkey: string): Promise<{ plan: Planned[]; at: string; sources: number } | null> {
  const kept = keptResolutionInStore(ctx, rkey);
  if (!kept || !(await sourcesUnchanged(ctx, kept))) return null;
  const plan = kept.plan.map((p) => ({ ...p, direct: false, built: false, downloadInfo: null }));
  return { plan, at: kept.at, sources: kept.pages.length + kept.files.length };
}

/** The resolution kept under `rkey`, when the store still holds every wheel of it (checked as keptResolution reads it). */
function keptResolutionInStore(ctx: Context, rkey: string): Resolution | null {
  const kept = keptResolution(ctx, rkey);
  return kept?.plan.every((p) => readEntry(ctx.paths, p.sha256)) ? kept : null;
}

/**
 * The resolution kept under `rkey`, checked; its sources are not read again here (reuseResolution,
 * or the caller), nor its wheels looked for in the store. A bad file is removed.
 */
export function keptResolution(ctx: Context, rkey: string): Resolution | null {
  const read = readAnswer(ctx, 'resolutions', rkey);
  if (!read) return null;
  const { file, kept } = read;
  if (validResolution(kept)) return kept;
  removeMine(ctx, file);
  return null;
}

/** Removes the kept resolutions that can no longer be used (a wheel of theirs left the store, or unreadable); returns how many. */
export function pruneResolutions(ctx: Context): number {
  let removed = 0;
  const dir = keptDir(ctx, 'resolutions');
  for (const name of readdirOrEmpty(dir).filter((n) => n.endsWith('.json'))) {
    const file = path.join(dir, name);
    let kept: unknown = null;
    try {
      kept = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      // unreadable: removed below
    }
    if (validResolution(kept) && kept.plan.every((p) => readEntry(ctx.paths, p.sha256))) continue;
    removeMine(ctx, file);
    removed++;
  }
  return removed;
}

/** A resolution read back from disk, checked: known schema, valid sources, a plan of named index wheels by sha256. */
export function validResolution(r: unknown): r is Resolution {
  if (typeof r !== 'object' || r === null || !validSources(r)) return false;
  const x = r as Resolution;
  return (
    x.schema === SCHEMA &&
    typeof x.at === 'string' &&
    Array.isArray(x.plan) &&
    x.plan.length > 0 &&
    x.plan.every(
      (p) => namedVersion(p) && typeof p.requested === 'boolean' && plainUrl(p.url) && typeof p.sha256 === 'string' && HEX64.test(p.sha256),
    )
  );
}
