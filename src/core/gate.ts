/**
 * The delete gate: the one place that decides whether tpx may delete a path (docs/architecture.md,
 * "The delete gate"). tpx owns exactly:
 *   - anything strictly inside the data home (TPX_HOME),
 *   - anything strictly inside the cache (TPX_CACHE_DIR),
 *   - a temp dir of its own directly in the system temp dir (made by makeTempDir: `tpx-tmp-*`),
 *   - in a link dir (the bin dir, a man section, a completions shell dir: paths.linkDirs), a
 *     symlink that points into one tool's stable path tools/<key>/.
 * Every recursive delete in src/ goes through removeMine, every bin link removal through
 * removeToolLink. A path derived from disk (a receipt, a symlink) that names anything else is
 * refused here even if a check before it was missed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { isInside, lstatOrNull, readlinkOrNull, realpathOrNull } from './fsx.js';
import { linkDirs } from './paths.js';
import type { Paths } from './paths.js';

const TEMP_PREFIX = 'tpx-tmp-';

/** A fresh temp dir of tpx's own in the system temp dir (one removeMine may remove); `purpose` names it. */
export function makeTempDir(purpose: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${purpose}-`));
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
    throw new TpxError('not-mine', `refusing to delete ${target}: it is not inside tpx's directories (${ctx.paths.home}, ${ctx.paths.cache})`, {
      hint: 'tpx only deletes what it made; something on disk points outside them — `tpx doctor` shows what',
    });
  }
  fs.rmSync(target, { recursive: true, force: true });
}

/** The key of the tool whose stable path tools/<key>/ the bin entry `link` points into; null for anything else. */
export function linkOwner(paths: Paths, link: string): string | null {
  const target = readlinkOrNull(link);
  // Cheap first: a target that never names tools/ cannot lead into it (`tpx list` reads every bin entry).
  if (target === null || !target.includes(path.basename(paths.tools))) return null;
  const abs = path.resolve(path.dirname(link), target);
  if (!isInside(abs, paths.tools) || abs === path.resolve(paths.tools)) return null;
  return path.relative(paths.tools, abs).split(path.sep)[0] || null;
}

/** Whether `link` is directly in one of the link dirs (a recorded link path anywhere else is never touched). */
export function isInLinkDir(paths: Paths, link: string): boolean {
  const dir = path.dirname(path.resolve(link));
  return linkDirs(paths).some((d) => path.resolve(d) === dir);
}

/**
 * Removes the entry `link` if — and only if — it is a symlink directly in a link dir (the bin dir,
 * a man section, a completions shell dir) that points into tools/<key>/. Returns whether it removed it.
 */
export function removeToolLink(ctx: Context, link: string, key: string): boolean {
  if (!isInLinkDir(ctx.paths, link) || linkOwner(ctx.paths, link) !== key) return false;
  fs.unlinkSync(link);
  return true;
}
