/**
 * pip's resolution, used again while nothing it read has changed (docs/architecture.md, "The wheel
 * store", resolutions). A dry run's answer depends only on what pip read — the index pages of every
 * project it looked at, the requirements and constraints files — and on what it was asked, where:
 * the job (jobKey), the interpreter, the pip, pip's configuration. tpx's runner reports a digest of
 * each thing read (pip/runner.ts, `TPX_SOURCES_REPORT`); the answer is kept under a key of the rest.
 * An install with the same key reads each source again, as pip would (the same URLs, pip's Accept
 * header); when every digest is the same, pip would answer the same, so its earlier answer is the
 * plan and no pip runs. Anything else — a page changed or unreadable, a file gone, a cooldown (its
 * cut-off moves with the clock), a wheel the store no longer has — and pip resolves as always.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../../base/context.js';
import { readdirOrEmpty, readTextOrNull, writeFileAtomic } from '../../base/fsx.js';
import { removeMine } from '../../base/gate.js';
import { cacheDir } from '../../base/paths.js';
import { pipConfigFiles } from '../../base/proc.js';
import { isValidDistName } from '../../packaging/names.js';
import { COOLDOWN_OPTION, pipOptions } from '../../request/pipoptions.js';
import type { Environment, InstallJob } from '../installer.js';
import { readEntry } from './entries.js';
import type { Planned } from './plan.js';
import { route } from './plan.js';

/** One source pip read: a page (sha256 null: pip found none there) or a requirements/constraints file. */
export interface Source {
  url: string;
  sha256: string | null;
}

/** What the runner writes (pip/runner.ts, `record_sources`). */
interface SourcesReport {
  usable: boolean;
  why?: string;
  pages: Source[];
  files: Source[];
}

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
/** The Accept header pip 23–26 sends for an index page (`collector._get_simple_response`). */
const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_PAGE_BYTES = 64 << 20;

function resolutionsDir(ctx: Context): string {
  return path.join(ctx.paths.cache, 'resolutions');
}

/**
 * The key of everything but the sources that decides a dry run's answer: the job (`jobKey`), the
 * interpreter, which pip (its runner's path names its version), and every pip configuration file's
 * content. null when the answer also depends on the clock (a cooldown).
 */
export async function resolutionKey(ctx: Context, env: Environment, job: InstallJob, key: string, runner: string): Promise<string | null> {
  if (job.lock || pipOptions(job.request, ctx.env).some((a) => a.startsWith(`${COOLDOWN_OPTION}=`))) return null;
  const home = ctx.env.HOME ?? os.homedir();
  const configs = [
    ...pipConfigFiles(ctx.env),
    // macOS's own places (pip's configuration.py), read there besides the XDG ones.
    '/Library/Application Support/pip/pip.conf',
    path.join(home, 'Library', 'Application Support', 'pip', 'pip.conf'),
  ].map((f) => [f, readTextOrNull(f)]);
  const facts = [key, env.py.executable, env.py.version, runner, configs];
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

/** The runner's report file for a dry run's sources, in the install's store temp dir. */
export function sourcesReport(tmp: string): string {
  return path.join(tmp, 'sources.json');
}

/**
 * Keeps the dry run's answer under `rkey` when the runner could vouch for every source it read and
 * every distribution is a wheel from an index with its sha256 (what the store installs exactly).
 */
export function keepResolution(ctx: Context, rkey: string, tmp: string, plan: Planned[]): void {
  let report: SourcesReport;
  try {
    report = JSON.parse(fs.readFileSync(sourcesReport(tmp), 'utf8')) as SourcesReport;
  } catch {
    return;
  }
  if (report.usable !== true || !Array.isArray(report.pages) || report.pages.length === 0) return;
  if (plan.some((p) => p.direct || !p.url || !p.sha256 || !route(p).store)) return;
  const kept: Resolution = {
    schema: SCHEMA,
    at: new Date().toISOString(),
    pages: report.pages,
    files: Array.isArray(report.files) ? report.files : [],
    plan: plan.map((p) => ({ name: p.name, version: p.version, requested: p.requested, url: p.url as string, sha256: p.sha256 as string })),
  };
  if (!validResolution(kept)) return;
  try {
    cacheDir(ctx.paths.cache, resolutionsDir(ctx));
    writeFileAtomic(path.join(resolutionsDir(ctx), `${rkey}.json`), JSON.stringify(kept));
  } catch {
    // a cache: an install never fails for want of it
  }
}

/**
 * The plan of the resolution kept under `rkey`, when every source reads as it did and the store
 * still holds every wheel; else null (pip then resolves). A file read back is checked like input.
 */
export async function reuseResolution(ctx: Context, rkey: string): Promise<{ plan: Planned[]; at: string; sources: number } | null> {
  const file = path.join(resolutionsDir(ctx), `${rkey}.json`);
  let kept: unknown;
  try {
    kept = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!validResolution(kept)) {
    removeMine(ctx, file);
    return null;
  }
  if (kept.plan.some((p) => !readEntry(ctx.paths, p.sha256))) return null;
  const sources = [...kept.pages, ...kept.files];
  const now = await Promise.all(sources.map((s) => digestOf(ctx, s.url).catch(() => undefined)));
  if (sources.some((s, i) => now[i] !== s.sha256)) return null;
  const plan = kept.plan.map((p) => ({ ...p, direct: false, built: false, downloadInfo: null }));
  return { plan, at: kept.at, sources: sources.length };
}

/** Removes the kept resolutions that can no longer be used (a wheel of theirs left the store, or unreadable); returns how many. */
export function pruneResolutions(ctx: Context): number {
  let removed = 0;
  for (const name of readdirOrEmpty(resolutionsDir(ctx)).filter((n) => n.endsWith('.json'))) {
    const file = path.join(resolutionsDir(ctx), name);
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

/** A resolution read back from disk, checked: known schema, sources with http(s)/file URLs, a plan of named index wheels by sha256. */
export function validResolution(r: unknown): r is Resolution {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Resolution;
  const source = (s: Source) =>
    typeof s === 'object' && s !== null && typedUrl(s.url) && (s.sha256 === null || (typeof s.sha256 === 'string' && HEX64.test(s.sha256)));
  return (
    x.schema === SCHEMA &&
    typeof x.at === 'string' &&
    Array.isArray(x.pages) &&
    x.pages.every(source) &&
    Array.isArray(x.files) &&
    x.files.every(source) &&
    Array.isArray(x.plan) &&
    x.plan.length > 0 &&
    x.plan.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        typeof p.name === 'string' &&
        isValidDistName(p.name) &&
        typeof p.version === 'string' &&
        /^[A-Za-z0-9.+!_-]{1,64}$/.test(p.version) &&
        typeof p.requested === 'boolean' &&
        typedUrl(p.url) &&
        typeof p.sha256 === 'string' &&
        HEX64.test(p.sha256),
    )
  );
}

function typedUrl(u: unknown): u is string {
  if (typeof u !== 'string') return false;
  try {
    const url = new URL(u);
    return ['http:', 'https:', 'file:'].includes(url.protocol) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/**
 * The sha256 of what pip would read at `url` now, null where it would find nothing (a missing file,
 * 404 or 410), as the runner computed it: a `file:` folder is read as its index.html, as pip does.
 * Any other failure rejects (the source cannot be vouched for).
 */
async function digestOf(ctx: Context, url: string): Promise<string | null> {
  const { createHash } = await import('node:crypto');
  const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  if (url.startsWith('file:')) {
    let file = fileURLToPath(url);
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = path.join(file, 'index.html');
    const body = fs.existsSync(file) ? fs.readFileSync(file) : null;
    return body ? hash(body) : null;
  }
  const { httpGet } = await import('../../base/http.js');
  const res = await httpGet(ctx.env, url, {
    maxBytes: MAX_PAGE_BYTES,
    headers: { accept: PIP_ACCEPT, 'cache-control': 'max-age=0' },
  });
  if (res.status === 404 || res.status === 410) return null;
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return hash(res.body);
}
