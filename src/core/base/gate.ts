/**
 * The delete gate: the one place that decides whether tpx may delete a path (docs/architecture.md,
 * "The delete gate"). tpx owns exactly:
 *   - anything strictly inside the data home (TPX_HOME),
 *   - anything strictly inside the cache (TPX_CACHE_DIR),
 *   - a temp dir of its own directly in the system temp dir (made by makeTempDir: `tpx-tmp-*`),
 *   - in a link dir (the bin dir, a man section, a completions shell dir: paths.linkDirs), a
 *     symlink (in the bin dir on Windows: a shim, platform.ts) that points into one tool's stable
 *     path tools/<key>/ — or, for a tool installed here, into `<X>/tools/<key>/` of a data home
 *     that is gone (movedInto): a link this home made before it was moved, which points at nothing.
 * Every recursive delete in src/ goes through removeMine, every bin link removal through
 * removeToolLink. A path derived from disk (a receipt, a symlink) that names anything else is
 * refused here even if a check before it was missed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { isInside, lstatOrNull, realpathOrNull } from './fsx.js';
import { linkDirs } from './paths.js';
import type { Paths } from './paths.js';
import { SYMLINK_ENTRIES } from './platform.js';
import type { BinEntries, OnPlatform } from './platform.js';

const TEMP_PREFIX = 'tpx-tmp-';

/** A fresh temp dir of tpx's own in the system temp dir (one removeMine may remove); `purpose` names it. */
export function makeTempDir(purpose: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${purpose}-`));
}

/** Runs `work` with a temp dir of tpx's own, removed afterwards and on an interrupt. */
export async function withTempDir<T>(ctx: Context, purpose: string, work: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = makeTempDir(purpose);
  const undo = ctx.interrupts.register(() => removeMine(ctx, tmp));
  try {
    return await work(tmp);
  } finally {
    undo();
    removeMine(ctx, tmp);
  }
}

/**
 * Whether `target` is strictly inside the data home or the cache — lexically, and again with the
 * symlinks of its parent directory resolved, so that `envs` replaced by a link to `/` does not
 * make `envs/usr` look like tpx's.
 */
export function isMine(paths: Paths, target: string): boolean {
  const abs = path.resolve(target);
  if (path.dirname(abs) === path.resolve(os.tmpdir()) && path.basename(abs).startsWith(TEMP_PREFIX)) return true;
  return [paths.home, paths.cache].some((root) => {
    if (abs === path.resolve(root) || !isInside(abs, root)) return false;
    const parent = realpathOrNull(path.dirname(abs));
    const realRoot = realpathOrNull(root);
    return parent !== null && realRoot !== null && isInside(parent, realRoot);
  });
}

/**
 * Deletes `target` — a directory with everything in it; a symlink itself, never what it points at —
 * if it is tpx's (isMine); refuses (not-mine) otherwise. A missing target is not an error.
 */
export function removeMine(ctx: Context, target: string): void {
  if (!lstatOrNull(target)) return;
  if (!isMine(ctx.paths, target)) {
    throw new TpxError(
      'not-mine',
      `refusing to delete ${target}: it is not inside tpx's directories (${ctx.paths.home}, ${ctx.paths.cache})`,
      {
        hint: 'tpx only deletes what it made; something on disk points outside them — `tpx doctor` shows what',
      },
    );
  }
  fs.rmSync(target, { recursive: true, force: true });
}

/** What bin entries are read with: the paths, and the platform that says what an entry is. */
type Bin = OnPlatform & { readonly paths: Paths };

/**
 * The key of the tool whose stable path tools/<key>/ the bin entry `link` points into; null for
 * anything else. An entry of several files (Windows' shims) is the tool's only if every one of its
 * files that is there points into it.
 */
export function linkOwner(ctx: Bin, link: string): string | null {
  const owners = new Set(presentFiles(ctx, link).map((f) => fileOwner(ctx, f)));
  const [only] = owners;
  return owners.size === 1 && only ? only : null;
}

/** Every tool some file of the bin entry `link` points into (a shim set someone changed a file of is still partly a tool's). */
export function linkOwners(ctx: Bin, link: string): string[] {
  return [...new Set(presentFiles(ctx, link).map((f) => fileOwner(ctx, f)))].filter((o): o is string => o !== null);
}

function presentFiles(ctx: Bin, link: string): string[] {
  return entriesAt(ctx, link)
    .slot(link)
    .filter((f) => lstatOrNull(f) !== null);
}

/** What the entries beside `link` are: the platform's bin entries in the bin dir, one symlink each in the man and completions dirs. */
export function entriesAt(ctx: Bin, link: string): BinEntries {
  return path.dirname(path.resolve(link)) === path.resolve(ctx.paths.bin) ? ctx.platform.bin : SYMLINK_ENTRIES;
}

/** The key of the tool one file of a bin entry points into (here, or in the home this one was before it moved); null for anything else. */
function fileOwner(ctx: Bin, file: string): string | null {
  const target = entriesAt(ctx, file).fileTarget(file);
  // Cheap first: a target that never names tools/ cannot lead into it (`tpx list` reads every bin entry).
  if (target === null || !target.includes(path.basename(ctx.paths.tools))) return null;
  if (!isInside(target, ctx.paths.tools)) return movedInto(ctx, target)?.key ?? null;
  if (path.resolve(target) === path.resolve(ctx.paths.tools)) return null;
  return path.relative(ctx.paths.tools, target).split(path.sep)[0] || null;
}

/**
 * Where a link target outside this home's tools/ leads, when it is a link tpx made before its data
 * home was moved (`mv ~/.local/share/tpx …; export TPX_HOME=…`): inside `<X>/tools/<key>/`, where
 * `<X>/tools/<key>` is gone and tool `key` is installed here. Such a link points at nothing, so
 * replacing or removing it loses nothing; a link into a home that is still there (a copy) is that
 * home's, never this one's.
 */
export function movedInto(ctx: Bin, target: string): { key: string; dir: string } | null {
  if (!path.isAbsolute(target)) return null;
  const parts = path.resolve(target).split(path.sep);
  const tools = path.basename(ctx.paths.tools);
  // The last `tools` with something below its key: the home's own path may hold a `tools` too.
  for (let i = parts.length - 3; i > 0; i--) {
    const key = parts[i + 1] ?? '';
    if (parts[i] !== tools || key === '') continue;
    const dir = parts.slice(0, i + 2).join(path.sep);
    if (lstatOrNull(path.join(ctx.paths.tools, key)) !== null && lstatOrNull(dir) === null) return { key, dir };
  }
  return null;
}

/** Whether `link` is directly in one of the link dirs (a recorded link path anywhere else is never touched). */
export function isInLinkDir(paths: Paths, link: string): boolean {
  const dir = path.dirname(path.resolve(link));
  return linkDirs(paths).some((d) => path.resolve(d) === dir);
}

/**
 * Removes the entry `link` if — and only if — it is directly in a link dir and points into
 * tools/<key>/: each of its files that does (a symlink, or one of the shims), never a file of
 * anyone else's that shares its name. Returns whether it removed any.
 */
export function removeToolLink(ctx: Context, link: string, key: string): boolean {
  if (!isInLinkDir(ctx.paths, link)) return false;
  const ours = presentFiles(ctx, link).filter((f) => fileOwner(ctx, f) === key);
  for (const f of ours) fs.unlinkSync(f);
  return ours.length > 0;
}

/**
 * Removes the data home or the cache dir itself — only exactly one of those two, and only when it
 * is empty (`tpx reset`, after everything in it that tpx made is gone): a file tpx did not make
 * keeps it. Returns whether it removed it.
 */
export function removeRootIfEmpty(ctx: Context, root: string): boolean {
  if (root !== ctx.paths.home && root !== ctx.paths.cache) {
    throw new TpxError('not-mine', `refusing to delete ${root}: it is neither tpx's data home nor its cache`);
  }
  try {
    fs.rmdirSync(root);
    return true;
  } catch {
    return false;
  }
}
