/**
 * The bin dir. The whole collision policy, for every target, checked before anything is touched:
 *   missing                          → create
 *   a link into this tool            → replace (keep, if identical)
 *   anything else                    → refuse, unless --force
 * Ownership is "the link's target is inside tools/<key>/" (compared with a trailing separator).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { isInside, lstatOrNull, readdirOrEmpty, readlinkOrNull, uniqueSuffix } from './fsx.js';
import { appFile } from './distinfo.js';
import { venvBinDir } from './venv.js';
import { toolPath } from './store.js';

export interface LinkPlan {
  name: string;
  /** Path in the user's bin dir. */
  link: string;
  /** What it points at: through the tool's stable path, so generations switch without relinking. */
  target: string;
  action: 'create' | 'keep' | 'replace' | 'overwrite';
}

/** The link an app of tool `key` gets, and what it points at. */
export function linkFor(ctx: Context, key: string, app: string, suffix: string): { link: string; target: string } {
  return {
    link: path.join(ctx.paths.bin, appFile(app + suffix)),
    target: path.join(venvBinDir(toolPath(ctx, key)), appFile(app)),
  };
}

/** Which tpx tool a bin entry belongs to, if it is a link into tools/. */
export function linkOwner(ctx: Context, linkPath: string): string | null {
  const target = readlinkOrNull(linkPath);
  if (target === null) return null;
  const abs = path.resolve(path.dirname(linkPath), target);
  if (!isInside(abs, ctx.paths.tools)) return null;
  return path.relative(ctx.paths.tools, abs).split(path.sep)[0] ?? null;
}

export function planLinks(ctx: Context, key: string, apps: string[], suffix: string, force: boolean): LinkPlan[] {
  const plans: LinkPlan[] = [];
  const conflicts: string[] = [];
  for (const app of apps) {
    const { link, target } = linkFor(ctx, key, app, suffix);
    const st = lstatOrNull(link);
    if (!st) {
      plans.push({ name: app, link, target, action: 'create' });
      continue;
    }
    const owner = st.isSymbolicLink() ? linkOwner(ctx, link) : null;
    if (owner === key) {
      plans.push({ name: app, link, target, action: readlinkOrNull(link) === target ? 'keep' : 'replace' });
    } else if (force) {
      plans.push({ name: app, link, target, action: 'overwrite' });
    } else {
      conflicts.push(owner ? `${link} (an app of tpx tool ${owner})` : `${link} (${st.isSymbolicLink() ? 'a link tpx did not make' : 'a file tpx did not make'})`);
    }
  }
  if (conflicts.length > 0) {
    throw new TpxError('link-conflict', `${conflicts.length === 1 ? 'a file is' : 'files are'} in the way: ${conflicts.join(', ')}`, {
      hint: 'nothing was changed; pass --force to replace them, or --suffix to install under other names',
    });
  }
  return plans;
}

/**
 * Applies the plans as one transaction: every slot it replaces is moved aside first, and any failure
 * puts every slot back as it was. Returns `commit` (drop the backups) and `rollback`.
 */
export function applyLinks(ctx: Context, plans: LinkPlan[]): { commit: () => void; rollback: () => void } {
  fs.mkdirSync(ctx.paths.bin, { recursive: true });
  const done: { link: string; backup: string | null }[] = [];
  const rollback = () => {
    for (const { link, backup } of done.reverse()) {
      fs.rmSync(link, { force: true });
      if (backup) fs.renameSync(backup, link);
    }
    done.length = 0;
  };
  const unregister = ctx.interrupts.register(rollback);
  try {
    for (const p of plans) {
      if (p.action === 'keep') continue;
      let backup: string | null = null;
      if (p.action !== 'create') {
        backup = `${p.link}.tpx-old-${uniqueSuffix()}`;
        fs.renameSync(p.link, backup);
      }
      try {
        // symlink() never replaces: if something appeared in the slot since planning, this fails (EEXIST) instead of clobbering it.
        fs.symlinkSync(p.target, p.link);
      } catch (err) {
        if (backup) fs.renameSync(backup, p.link);
        throw err;
      }
      done.push({ link: p.link, backup });
    }
  } catch (err) {
    rollback();
    unregister();
    throw new TpxError('link-failed', `could not link into ${ctx.paths.bin}`, { cause: err, hint: 'nothing was changed; check that the bin dir is writable' });
  }
  return {
    commit: () => {
      unregister();
      for (const { backup } of done) if (backup) fs.rmSync(backup, { force: true });
    },
    rollback: () => {
      unregister();
      rollback();
    },
  };
}

/** Removes the links that still point into tool `key`; returns the removed paths. */
export function removeOwnedLinks(ctx: Context, key: string, candidates: string[]): string[] {
  const removed: string[] = [];
  for (const link of new Set(candidates)) {
    if (linkOwner(ctx, link) === key) {
      fs.rmSync(link, { force: true });
      removed.push(link);
    }
  }
  return removed;
}

/** Every entry of the bin dir that links into tool `key` (used when a receipt is lost). */
export function scanOwnedLinks(ctx: Context, key: string): string[] {
  return readdirOrEmpty(ctx.paths.bin)
    .map((f) => path.join(ctx.paths.bin, f))
    .filter((p) => linkOwner(ctx, p) === key);
}

/** Whether `dir` is on PATH (as given, or after resolving symlinks). */
export function isOnPath(env: NodeJS.ProcessEnv, dir: string): boolean {
  const want = [path.resolve(dir), safeRealpath(dir)];
  return (env.PATH ?? '').split(path.delimiter).some((p) => p !== '' && (want.includes(path.resolve(p)) || want.includes(safeRealpath(p))));
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
