/**
 * What a dry run read, and whether it reads the same now (docs/architecture.md, "The wheel store",
 * resolutions). pip's answer to a dry run depends only on what it read — the index page of every
 * project it looked at, the requirements and constraints files — and on what it was asked, where:
 * its arguments, the interpreter, the pip, pip's configuration. tpx's runner reports a digest of each
 * source (runner.ts, `TPX_SOURCES_REPORT`); an answer is kept under a key of the rest (`answerKey`),
 * and used again when every source reads as it did (`sourcesUnchanged`): pip would read the same and
 * answer the same. The wheel store keeps whole resolutions (store/resolutions.ts), the version check
 * the newest versions (resolve.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../../base/context.js';
import { readTextOrNull, writeFileAtomic } from '../../base/fsx.js';
import { cacheDir } from '../../base/paths.js';
import { mapPool } from '../../base/pool.js';
import { pipConfigFiles } from '../../base/proc.js';
import { isValidDistName } from '../../packaging/names.js';
import { COOLDOWN_OPTION } from '../../request/pipoptions.js';

/** One source pip read: a page (sha256 null: pip found none there) or a requirements/constraints file. */
export interface Source {
  url: string;
  sha256: string | null;
}

export interface Sources {
  pages: Source[];
  files: Source[];
}

/** Where kept answers live in the cache: whole resolutions (the store's), newest versions (the version check). */
export type Kept = 'resolutions' | 'versions';

/** The Accept header pip 23–26 sends for an index page (`collector._get_simple_response`). */
const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
export const HEX64 = /^[0-9a-f]{64}$/;
const MAX_PAGE_BYTES = 64 << 20;

/** Whether pip's answer to `args` depends on the clock: a cooldown's cut-off moves, so it is never kept. */
export function dependsOnClock(args: string[]): boolean {
  return args.some((a) => a.startsWith(`${COOLDOWN_OPTION}=`));
}

/** pip's own variables (`PIP_INDEX_URL`, …) as `K=V`, sorted: part of what decides any pip run's answer. */
export function pipVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((k) => k.startsWith('PIP_'))
    .sort()
    .map((k) => `${k}=${env[k]}`);
}

/** The key of `facts` (what pip was asked, where) together with pip's variables and every pip configuration file's content. */
export async function answerKey(ctx: Context, facts: unknown[]): Promise<string> {
  const pipEnv = pipVariables(ctx.env);
  const home = ctx.env.HOME ?? os.homedir();
  const configs = [
    ...pipConfigFiles(ctx.env),
    // macOS's own places (pip's configuration.py), read there besides the XDG ones.
    '/Library/Application Support/pip/pip.conf',
    path.join(home, 'Library', 'Application Support', 'pip', 'pip.conf'),
  ].map((f) => [f, readTextOrNull(f)]);
  const { createHash } = await import('node:crypto');
  return createHash('sha256')
    .update(JSON.stringify([...facts, pipEnv, configs]))
    .digest('hex');
}

/** The runner's report of a dry run's sources, in the run's temp dir. */
export function sourcesReport(tmp: string): string {
  return path.join(tmp, 'sources.json');
}

/** The sources the runner vouched for, or null (it could not, or wrote nothing). */
export function readSources(tmp: string): Sources | null {
  let report: { usable?: unknown; pages?: unknown; files?: unknown };
  try {
    report = JSON.parse(fs.readFileSync(sourcesReport(tmp), 'utf8'));
  } catch {
    return null;
  }
  const sources = { pages: report.pages, files: report.files ?? [] };
  return report.usable === true && validSources(sources) && sources.pages.length > 0 ? sources : null;
}

export function keptDir(ctx: Context, kind: Kept): string {
  return path.join(ctx.paths.cache, kind);
}

/** Keeps `answer` (with its sources) under `key`; a cache: nothing fails for want of it. */
export function keepAnswer(ctx: Context, kind: Kept, key: string, answer: object): void {
  try {
    cacheDir(ctx.paths.cache, keptDir(ctx, kind));
    writeFileAtomic(path.join(keptDir(ctx, kind), `${key}.json`), JSON.stringify(answer));
  } catch {
    // not kept
  }
}

/** The answer kept under `key`, parsed but not yet checked (the caller validates it), or null. */
export function readAnswer(ctx: Context, kind: Kept, key: string): { file: string; kept: unknown } | null {
  const file = path.join(keptDir(ctx, kind), `${key}.json`);
  try {
    return { file, kept: JSON.parse(fs.readFileSync(file, 'utf8')) };
  } catch {
    return null;
  }
}

/** Sources read back from disk, checked: http(s) or file URLs without credentials, each with a sha256 or null. */
export function validSources(x: unknown): x is Sources {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Sources;
  const one = (v: Source) =>
    typeof v === 'object' && v !== null && plainUrl(v.url) && (v.sha256 === null || (typeof v.sha256 === 'string' && HEX64.test(v.sha256)));
  return Array.isArray(s.pages) && s.pages.every(one) && Array.isArray(s.files) && s.files.every(one);
}

/** A kept answer's distribution read back from disk: an object with a valid name and a plain version. */
export function namedVersion(d: unknown): d is { name: string; version: string } {
  if (typeof d !== 'object' || d === null) return false;
  const { name, version } = d as { name: unknown; version: unknown };
  return typeof name === 'string' && isValidDistName(name) && typeof version === 'string' && /^[A-Za-z0-9.+!_-]{1,64}$/.test(version);
}

/** An http(s) or file URL without credentials. */
export function plainUrl(u: unknown): u is string {
  if (typeof u !== 'string') return false;
  try {
    const url = new URL(u);
    return ['http:', 'https:', 'file:'].includes(url.protocol) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/**
 * Whether every source reads now as it did, six at a time (a browser's connections per host: a
 * small server's listen backlog drops more at once, and a dropped SYN costs a second); any that
 * cannot be read makes it false.
 */
export async function sourcesUnchanged(ctx: Context, sources: Sources): Promise<boolean> {
  return (await eachUnchanged(ctx, [sources]))[0] === true;
}

/** sourcesUnchanged for several answers at once: a URL several of them read is read once. */
export async function eachUnchanged(ctx: Context, many: Sources[]): Promise<boolean[]> {
  const all = (s: Sources) => [...s.pages, ...s.files];
  const urls = [...new Set(many.flatMap((s) => all(s).map((x) => x.url)))];
  const now = await mapPool(urls, 6, (url) => digestOf(ctx, url).catch(() => undefined));
  const read = new Map(urls.map((url, i) => [url, now[i]]));
  return many.map((s) => all(s).every((x) => read.get(x.url) === x.sha256));
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
