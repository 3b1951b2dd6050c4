/**
 * Writing PEP 751 lock files: `tpx lock` (every tool of a tpx.toml, resolved afresh, beside the file)
 * and `tpx export --format pylock` (every installed tool, from what is installed). locking.ts says
 * where each file and hash comes from; here each lock is written atomically, one tool's failure
 * never stopping the others. `tpx lock` writes the locks it made together: all of them or, when one
 * cannot be replaced, none.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { quiet } from '../base/context.js';
import { TpxError, fromErrno, toTpxError } from '../base/errors.js';
import { lstatOrNull, readTextOrNull, readdirOrEmpty, writeAllOrNone, writeFileAtomic } from '../base/fsx.js';
import { mapPool } from '../base/pool.js';
import { lockFileName, renderPylock } from '../packaging/pylock.js';
import type { Pylock } from '../packaging/pylock.js';
import { requireInstalled, toolKeys } from '../store/store.js';
import { installedLock, lockRequest } from './locking.js';
import { readToolFile } from './toolfile.js';
import type { Request } from '../request/request.js';

/** One tool's lock as written (`file`: its path; `notes`: where its files and hashes came from), or why it was not. */
export type Written = { key: string } & ({ file: string; lock: Pylock; notes: string[] } | { error: TpxError });

/**
 * `tpx lock`: each tool of the tpx.toml `file` locked to `pylock.<tool>.toml` beside it, `jobs` at a
 * time, `onWritten` as each is done. Returns the file read and how many tools failed.
 */
export async function lockToolFile(
  ctx: Context,
  file: string,
  jobs: number,
  onWritten: (w: Written) => void,
  overrides: Partial<Request> = {},
): Promise<{ file: string; tools: number; failed: number }> {
  const toolfile = await readToolFile(file, ctx.env, overrides);
  const dir = path.dirname(toolfile.file);
  let failed = 0;
  const made = new Map<string, { file: string; lock: Pylock; text: string }>();
  await mapPool(toolfile.tools, jobs, async (entry) => {
    try {
      const lock = await lockRequest(toolfile.tools.length > 1 ? quiet(ctx) : ctx, entry.key, entry.request, dir);
      made.set(entry.key, { file: path.join(dir, lockFileName(entry.key)), lock, text: await renderPylock(lock) });
    } catch (err) {
      failed++;
      onWritten({ key: entry.key, error: toTpxError(err) });
    }
  });
  // The locks made are written together: one that cannot be replaced leaves every other as it was.
  const written = toolfile.tools.flatMap((t) => {
    const m = made.get(t.key);
    return m ? [{ key: t.key, ...m }] : [];
  });
  replaceLocks(written);
  for (const w of written) onWritten({ key: w.key, file: w.file, lock: w.lock, notes: [] });
  // A lock of a tool the file no longer lists is the user's file: named, never deleted.
  const show = (f: string) => path.relative(ctx.cwd, f) || f;
  const keys = new Set(toolfile.tools.map((t) => lockFileName(t.key)));
  for (const name of readdirOrEmpty(dir).filter((f) => /^pylock\.[^.]+\.toml$/.test(f) && !keys.has(f))) {
    if (/^\[tool\.tpx\]$/m.test(readTextOrNull(path.join(dir, name)) ?? ''))
      ctx.out.warn(`${show(path.join(dir, name))} locks a tool ${show(toolfile.file)} no longer lists: remove it`);
  }
  return { file: toolfile.file, tools: toolfile.tools.length, failed };
}

/** Writes the lock files all or none; a directory where one goes is refused before any is written. */
function replaceLocks(locks: { file: string; text: string }[]): void {
  const cannot = (file: string, why: string, cause?: unknown) =>
    new TpxError('unwritable', `cannot write ${file}: ${why}`, {
      cause,
      hint: 'no lock was changed; move it away, then run `tpx lock` again',
    });
  const dir = locks.find((l) => lstatOrNull(l.file)?.isDirectory());
  if (dir) throw cannot(dir.file, 'it is a directory');
  writeAllOrNone(locks, (file, err) => fromErrno(err)?.rephrase({ hint: 'no lock was changed' }) ?? cannot(file, errorText(err), err));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `tpx export --format pylock`: each installed tool's lock, made from what is installed, written into `dir`. */
export async function exportLocks(ctx: Context, dir: string, onWritten: (w: Written) => void): Promise<void> {
  for (const key of toolKeys(ctx)) {
    try {
      const inst = requireInstalled(ctx, key);
      const { lock, notes } = await installedLock(ctx, inst, dir);
      const file = path.join(dir, lockFileName(key));
      writeFileAtomic(file, await renderPylock(lock));
      onWritten({ key, file, lock, notes });
    } catch (err) {
      onWritten({ key, error: toTpxError(err) });
    }
  }
}
