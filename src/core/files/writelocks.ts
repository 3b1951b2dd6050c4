/**
 * Writing PEP 751 lock files: `tpx lock` (every tool of a tpx.toml, resolved afresh, beside the file)
 * and `tpx export --format pylock` (every installed tool, from what is installed). locking.ts says
 * where each file and hash comes from; here each lock is written atomically, one tool's failure
 * never stopping the others.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { quiet } from '../base/context.js';
import { toTpxError } from '../base/errors.js';
import type { TpxError } from '../base/errors.js';
import { readTextOrNull, readdirOrEmpty, writeFileAtomic } from '../base/fsx.js';
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
  await mapPool(toolfile.tools, jobs, async (entry) => {
    try {
      const lock = await lockRequest(toolfile.tools.length > 1 ? quiet(ctx) : ctx, entry.key, entry.request, dir);
      const target = path.join(dir, lockFileName(entry.key));
      writeFileAtomic(target, await renderPylock(lock));
      onWritten({ key: entry.key, file: target, lock, notes: [] });
    } catch (err) {
      failed++;
      onWritten({ key: entry.key, error: toTpxError(err) });
    }
  });
  // A lock of a tool the file no longer lists is the user's file: named, never deleted.
  const show = (f: string) => path.relative(ctx.cwd, f) || f;
  const keys = new Set(toolfile.tools.map((t) => lockFileName(t.key)));
  for (const name of readdirOrEmpty(dir).filter((f) => /^pylock\.[^.]+\.toml$/.test(f) && !keys.has(f))) {
    if (/^\[tool\.tpx\]$/m.test(readTextOrNull(path.join(dir, name)) ?? ''))
      ctx.out.warn(`${show(path.join(dir, name))} locks a tool ${show(toolfile.file)} no longer lists: remove it`);
  }
  return { file: toolfile.file, tools: toolfile.tools.length, failed };
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
