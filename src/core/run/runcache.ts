/**
 * The `tpx run` cache: one environment per distinct request, reused until it goes unused for
 * RUN_TTL_MS. It is a tool store of its own, so it gets the same never-half-built guarantees
 * with the same code (store.ts, lock.ts):
 *
 *   <cache>/run/entries/<key>   symlink → ../envs/<gen>: switched with one rename when published
 *   <cache>/run/envs/<gen>/     a venv plus its receipt `tpx.json`, written last; `.tpx-building` while built
 *   <cache>/run/locks/          one lock per key while an entry is built
 *   <cache>/run/scripts/        scripts fetched from URLs
 *
 * A hit is decided from disk alone (a readlink, a small JSON read, two stats), so it spawns
 * nothing before the app. The receipt's mtime is the entry's last use: touched on every hit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { readTextOrNull, readdirOrEmpty, writeFileAtomic } from '../base/fsx.js';
import { makeTempDir, removeMine } from '../base/gate.js';
import { stripCredentials } from '../base/redact.js';
import { withLock } from '../base/mutex.js';
import { cacheDir } from '../base/paths.js';
import { RECEIPT_FILE } from '../store/receipt.js';
import { collectGarbage, commitGeneration, currentGeneration, envPath, newGeneration, removeTool, toolKeys } from '../store/store.js';
import { isUrl } from '../packaging/spec.js';
import type { RunFields } from '../request/fields.js';
import { venvPython } from '../python/venv.js';
import { appFile } from '../packaging/distinfo.js';
import { movedProblem } from '../store/status.js';

/** Unused this long, an entry is swept; built this long ago from an unpinned request, it is rebuilt. */
export const RUN_TTL_MS = 14 * 24 * 3600 * 1000;
// The same file name as a tool's receipt: the store's garbage collector takes its presence to mean "finished".
const RECEIPT = RECEIPT_FILE;
// 2: requests carry `source`; apps start Python with -E (venv.ts, isolateApps).
const SCHEMA = 2;
/** Expired entries are looked for at most this often, after the app has started. */
const SWEEP_EVERY_MS = 3600 * 1000;

/**
 * Everything that changes what a run environment contains; its hash is the cache key. The request
 * fields in it are those whose row in request/fields.ts has a `run` column: `spec`, `with`, and
 * RunFields (`python`, `indexUrl`, `pipArgs`), so a field given that column keys the cache.
 */
export type RunRequest = RunFields & {
  kind: 'app' | 'script';
  /** The package (app runs), as parseSpec normalised it. */
  spec: string | null;
  /** --with packages, and a script's dependencies, sorted. */
  with: string[];
  /** A script's requires-python. */
  requiresPython: string | null;
  /** A local project's build files' sizes and mtimes (runapp.ts, sourceStamp): a changed project is a new request. */
  source: string | null;
};

export interface RunApp {
  name: string;
  dist: string;
  /** Provided by the requested package itself (not a dependency or a --with package). */
  main: boolean;
}

export interface RunReceipt {
  schema: number;
  key: string;
  /** What the key was hashed from. */
  material: string;
  request: RunRequest;
  /** The requested package's name and version (app runs). */
  name: string | null;
  version: string | null;
  python: { executable: string; version: string };
  apps: RunApp[];
  /** Every requested version is pinned with ==: such an entry never goes stale, only unused. */
  pinned: boolean;
  builtAt: string;
}

export type RunEntry = { dir: string; receipt: RunReceipt };
/** `stale`: usable, but due for a rebuild (stale-while-revalidate: it runs, and is refreshed for the next run). */
export type Lookup =
  | ({ status: 'hit' } & RunEntry)
  | ({ status: 'stale'; why: string } & RunEntry)
  | { status: 'miss' }
  | { status: 'expired' | 'broken'; why: string };

/** A Context whose tool store is the run cache. */
function runStore(ctx: Context): Context {
  const root = runRoot(ctx);
  return {
    ...ctx,
    paths: { ...ctx.paths, tools: path.join(root, 'entries'), envs: path.join(root, 'envs'), locks: path.join(root, 'locks') },
  };
}

export function runRoot(ctx: Context): string {
  return path.join(ctx.paths.cache, 'run');
}

/** The cache key of a request, and the exact text it was hashed from (recorded, and compared on lookup). */
export interface RunKey {
  key: string;
  material: string;
}

export function runKey(ctx: Context, req: RunRequest): RunKey {
  // The default interpreter and pip's index variables change the environment as much as flags do.
  const env = ['TPX_DEFAULT_PYTHON', 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS'].map((k) => ctx.env[k] ?? null);
  // Without credentials: the material is written to the receipt, and a password does not change what gets installed.
  const material = stripCredentials(JSON.stringify({ schema: SCHEMA, ...req, with: [...req.with].sort(), env }));
  return { key: fnv1a64(material), material };
}

/**
 * FNV-1a, 64 bits. The key only has to spread requests over names: lookup() compares the recorded
 * material, so a collision costs a rebuild, never a wrong environment. (node:crypto's sha256 would
 * cost a cache hit ~2 ms just to load.)
 */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** What the cache holds for `key` (for the request hashed from `material`, when given), from disk alone. */
export function lookup(ctx: Context, key: string, material?: string, now = Date.now()): Lookup {
  const store = runStore(ctx);
  const gen = currentGeneration(store, key);
  if (gen === null) return { status: 'miss' };
  const dir = envPath(store, gen);
  const file = path.join(dir, RECEIPT);
  const text = readTextOrNull(file);
  if (text === null) return { status: 'broken', why: 'its receipt is missing' };
  let receipt: RunReceipt;
  try {
    receipt = JSON.parse(text) as RunReceipt;
  } catch {
    return { status: 'broken', why: 'its receipt is not valid JSON' };
  }
  if (receipt?.schema !== SCHEMA || receipt.key !== key || !Array.isArray(receipt.apps))
    return { status: 'broken', why: 'its receipt is of another version' };
  if (material !== undefined && receipt.material !== material) return { status: 'broken', why: 'it was built for another request' };
  if (now - fs.statSync(file).mtimeMs > RUN_TTL_MS) return { status: 'expired', why: 'unused for 14 days' };
  // The interpreter the venv was made from may have been removed or upgraded away.
  if (!fs.existsSync(venvPython(ctx, dir))) return { status: 'broken', why: `its Python (${receipt.python.executable}) is gone` };
  // The cache dir was moved: a venv cannot be, its apps start the python of the old place.
  if (
    movedProblem(
      ctx,
      dir,
      receipt.apps.map((a) => appFile(ctx, a.name)),
    )
  )
    return { status: 'broken', why: 'it was made where the cache dir was' };
  if (!receipt.pinned && now - Date.parse(receipt.builtAt) > RUN_TTL_MS)
    return { status: 'stale', why: 'built over 14 days ago from an unpinned spec', dir, receipt };
  return { status: 'hit', dir, receipt };
}

/** Marks an entry used now (its receipt's mtime). */
export function touch(entry: RunEntry): void {
  const now = new Date();
  fs.utimesSync(path.join(entry.dir, RECEIPT), now, now);
}

/** Fills the environment at `dir`; `ctx` is where its logs go. */
export type Build = (dir: string, ctx: Context) => Promise<Omit<RunReceipt, 'schema' | 'key' | 'material' | 'builtAt'>>;

/**
 * The entry for `key`: the published one, unless `refresh`; otherwise `build` fills a new
 * generation, whose receipt is written last and which is then published with one rename. Builds
 * of one key take turns (a lock), so a second concurrent run waits and uses the first's entry
 * instead of installing everything again. A failed or interrupted build is removed, never published.
 * `keepOld`: the replaced generation is left to the sweep (an app may be running from it: a
 * refresh in the background, `--prefetch`).
 */
export async function ensureEntry(
  ctx: Context,
  { key, material }: RunKey,
  opts: { refresh: boolean; keepOld?: boolean },
  build: Build,
): Promise<RunEntry & { built: boolean }> {
  const store = runStore(ctx);
  return withLock(store, key, async () => {
    if (!opts.refresh) {
      const found = lookup(ctx, key, material);
      if (found.status === 'hit') return { dir: found.dir, receipt: found.receipt, built: false };
    }
    cacheDir(ctx.paths.cache, runRoot(ctx));
    const gen = newGeneration(store);
    let published = false;
    try {
      const receipt = await finish(ctx, { key, material }, gen.dir, build);
      const replacing = currentGeneration(store, key) !== null;
      commitGeneration(store, key, gen.gen);
      published = true;
      gen.keep();
      // The replaced generation (refreshed, expired, stale) goes now rather than at the next sweep.
      if (replacing && !opts.keepOld) collectGarbage(store);
      return { dir: gen.dir, receipt, built: true };
    } finally {
      if (!published) gen.dispose();
    }
  });
}

/**
 * An environment that is never published (--no-cache): `dispose` removes it, and what was made to
 * hold it, so the run cache is left as it was. pip's log is kept in the environment and goes with
 * it, unless the build fails: then it is moved to the logs dir, which the error names. A killed build is
 * collected by the next sweep, like any unfinished generation.
 */
export async function buildThrowaway(ctx: Context, build: Build): Promise<RunEntry & { dispose: () => void }> {
  const made = [ctx.paths.cache, runRoot(ctx), runStore(ctx).paths.envs].filter((d) => !fs.existsSync(d));
  const gen = newGeneration(runStore(ctx));
  // pip's log goes in the environment (the interpreter probe cache is tpx's, not the run cache's).
  const once: Context = { ...ctx, paths: { ...ctx.paths, logs: path.join(gen.dir, '.tpx-logs') } };
  const dispose = () => {
    gen.dispose();
    // Deepest first; a directory something else was put in meanwhile stays.
    for (const d of made.reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty: something else uses it now
      }
    }
  };
  try {
    return { dir: gen.dir, receipt: await finish(once, { key: 'no-cache', material: '' }, gen.dir, build), dispose };
  } catch (err) {
    const kept = readdirOrEmpty(once.paths.logs).filter((f) => f.endsWith('.log'));
    for (const f of kept) fs.renameSync(path.join(once.paths.logs, f), path.join(cacheDir(ctx.paths.cache, ctx.paths.logs), f));
    dispose();
    throw err instanceof TpxError && err.hint && kept.length > 0
      ? err.rephrase({ hint: err.hint.split(once.paths.logs).join(ctx.paths.logs) })
      : err;
  }
}

async function finish(ctx: Context, k: RunKey, dir: string, build: Build): Promise<RunReceipt> {
  const receipt: RunReceipt = { schema: SCHEMA, ...k, ...(await build(dir, ctx)), builtAt: new Date().toISOString() };
  // tpx never writes a credential (docs/architecture.md, "Credentials"): the request's URLs are stored without.
  writeFileAtomic(path.join(dir, RECEIPT), `${stripCredentials(JSON.stringify(receipt, null, 2))}\n`, 0o600);
  return receipt;
}

/** How often a stale entry's refresh is started at most: a failing one (no network) is not retried on every run. */
const REVALIDATE_EVERY_MS = 3600 * 1000;

/**
 * Starts the refresh of a stale entry in the background (`start`, given the log file its output
 * goes to), unless one was started within the last hour; the log's mtime is that record. The log
 * is where a failed refresh is seen: never on the app's terminal. Returns the log, or null if not started.
 */
export function revalidate(ctx: Context, key: string, start: (log: string) => void): string | null {
  const log = path.join(ctx.paths.logs, `run-refresh-${key}.log`);
  try {
    if (Date.now() - fs.statSync(log).mtimeMs < REVALIDATE_EVERY_MS) return null;
  } catch {
    // never refreshed
  }
  try {
    cacheDir(ctx.paths.cache, ctx.paths.logs);
    start(log);
    return log;
  } catch (err) {
    ctx.out.warn(`could not start refreshing the cached environment: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

/**
 * Removes expired and broken entries, then every generation no entry points at (a refreshed
 * entry's old one, a killed build's), sparing builds of live processes; and fetched scripts
 * unused for the TTL. At most once per SWEEP_EVERY_MS unless `force`. Never throws.
 */
export function sweep(ctx: Context, opts: { force?: boolean; all?: boolean } = {}): number {
  const now = Date.now();
  const root = runRoot(ctx);
  const stamp = path.join(root, '.last-sweep');
  try {
    if (!opts.force && now - fs.statSync(stamp).mtimeMs < SWEEP_EVERY_MS) return 0;
  } catch {
    // never swept
  }
  let removed = 0;
  try {
    cacheDir(ctx.paths.cache, root);
    fs.writeFileSync(stamp, '');
    const store = runStore(ctx);
    for (const key of toolKeys(store)) {
      const found = lookup(ctx, key, undefined, now);
      if (opts.all || found.status === 'expired' || found.status === 'broken') {
        removeTool(store, key);
        removed++;
      }
    }
    collectGarbage(store);
    const scripts = path.join(root, 'scripts');
    for (const d of readdirOrEmpty(scripts)) {
      const p = path.join(scripts, d);
      if (opts.all || now - fs.statSync(p).mtimeMs > RUN_TTL_MS) removeMine(ctx, p);
    }
  } catch (err) {
    ctx.out.warn(`could not tidy the run cache: ${err instanceof Error ? err.message : String(err)}`);
  }
  return removed;
}

/**
 * Where a script read from a URL or a pipe (`tpx run <(…)`, which can be read only once) is kept for
 * Python to run: in the run cache by origin and content, so a changed script is a new file; with
 * `keep: false` (--no-cache) in a temp dir of its own, which `dispose` removes.
 */
export function saveScript(ctx: Context, origin: string, content: string, opts: { keep: boolean }): { file: string; dispose: () => void } {
  const base = (isUrl(origin) ? path.posix.basename(new URL(origin).pathname) : path.basename(origin)) || 'script.py';
  if (!opts.keep) {
    const dir = makeTempDir('script');
    const remove = () => removeMine(ctx, dir);
    const unregister = ctx.interrupts.register(remove);
    fs.writeFileSync(path.join(dir, base), content);
    return {
      file: path.join(dir, base),
      dispose: () => {
        unregister();
        remove();
      },
    };
  }
  cacheDir(ctx.paths.cache, runRoot(ctx));
  const file = path.join(runRoot(ctx), 'scripts', fnv1a64(`${origin}\0${content}`), base);
  if (readTextOrNull(file) !== content) writeFileAtomic(file, content);
  const now = new Date();
  fs.utimesSync(path.dirname(file), now, now);
  return { file, dispose: () => {} };
}
