/**
 * The bin dir. The whole collision policy, for every target, checked before anything is touched:
 *   missing                          → create
 *   a link into this tool            → replace (keep, if identical)
 *   a directory                      → refuse, even with --force (tpx never deletes what it did not make)
 *   anything else                    → refuse, unless --force
 * Ownership is "the link's target is inside tools/<key>/" (compared with a trailing separator);
 * links are only ever removed through the delete gate (gate.ts), which checks exactly that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError, fromErrno } from './errors.js';
import { linkOwner, removeToolLink } from './gate.js';
import { lstatOrNull, readdirOrEmpty, readlinkOrNull, uniqueSuffix } from './fsx.js';
import { appFile } from './distinfo.js';
import type { LinkedApp } from './receipt.js';
import { venvBinDir } from './venv.js';
import { withLock } from './lock.js';
import { readInstalled, toolPath } from './store.js';

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
    const owner = st.isSymbolicLink() ? linkOwner(ctx.paths, link) : null;
    if (owner === key) {
      plans.push({ name: app, link, target, action: readlinkOrNull(link) === target ? 'keep' : 'replace' });
    } else if (st.isDirectory()) {
      throw new TpxError('link-conflict', `${link} is a directory, in the way of the app ${app}`, {
        hint: 'nothing was changed; tpx never replaces a directory, even with --force: move it away, or install with --suffix',
      });
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
    const why = fromErrno(err)?.message ?? (err instanceof Error ? err.message : String(err));
    throw new TpxError('link-failed', `could not link into ${ctx.paths.bin}: ${why}`, { cause: err, hint: 'nothing was changed; check that the bin dir is writable' });
  }
  return {
    commit: () => {
      unregister();
      // After the switch: a backup that cannot go (something replaced it meanwhile) is said, never fatal.
      for (const { backup } of done) {
        try {
          if (backup) fs.unlinkSync(backup);
        } catch {
          ctx.out.warn(`could not remove ${backup}, the file the link replaced; remove it yourself`);
        }
      }
    },
    rollback: () => {
      unregister();
      rollback();
    },
  };
}

/** Removes those of `candidates` that are links in the bin dir into tool `key` (the delete gate decides); returns them. */
export function removeOwnedLinks(ctx: Context, key: string, candidates: string[]): string[] {
  return [...new Set(candidates)].filter((link) => removeToolLink(ctx, link, key));
}

/** Every entry of the bin dir that links into tool `key`, found by looking (a receipt may be lost or lie). */
export function scanOwnedLinks(ctx: Context, key: string): string[] {
  return binLinks(ctx).get(key) ?? [];
}

/** Every link in the bin dir into tools/, by the key of the tool it points into. */
export function binLinks(ctx: Context): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const f of readdirOrEmpty(ctx.paths.bin)) {
    const link = path.join(ctx.paths.bin, f);
    const owner = linkOwner(ctx.paths, link);
    if (owner !== null) byOwner.set(owner, [...(byOwner.get(owner) ?? []), link]);
  }
  return byOwner;
}

/** Removes every link in the bin dir into tool `key` except `keep` (its current apps' links): what a killed upgrade left. */
export function removeLinksExcept(ctx: Context, key: string, keep: string[]): string[] {
  return removeOwnedLinks(ctx, key, scanOwnedLinks(ctx, key).filter((l) => !keep.includes(l)));
}

/**
 * Brings the bin dir in line with a tool's receipt: links into the tool that are not its apps'
 * are removed, and an app whose slot is empty is linked again (a slot taken by anything else is
 * left alone). For a tool found as it should be this changes nothing.
 */
export function repairLinks(ctx: Context, key: string, apps: LinkedApp[], suffix: string): { removed: string[]; linked: string[] } {
  const expected = apps.map((a) => linkFor(ctx, key, a.name, suffix));
  const removed = removeLinksExcept(ctx, key, expected.map((e) => e.link));
  const linked: string[] = [];
  for (const { link, target } of expected) {
    if (lstatOrNull(link) || !fs.existsSync(toolPath(ctx, key))) continue;
    fs.mkdirSync(ctx.paths.bin, { recursive: true });
    fs.symlinkSync(target, link);
    linked.push(link);
  }
  return { removed, linked };
}

/** What repairLinks did, as lines for the user. */
export function describeRepair(key: string, r: { removed: string[]; linked: string[] }): string[] {
  return [...r.removed.map((l) => `removed ${l}: it linked into ${key} but is not one of its apps`), ...r.linked.map((l) => `linked ${l} again`)];
}

/** repairLinks for an installed tool, under its lock, from its current receipt; says what it did. Never throws. */
export async function repairToolLinks(ctx: Context, key: string): Promise<string[]> {
  try {
    return await withLock(ctx, key, async () => {
      const r = readInstalled(ctx, key)?.receipt;
      const said = r ? describeRepair(key, repairLinks(ctx, key, r.apps, r.request.suffix)) : [];
      for (const line of said) ctx.out.info(line);
      return said;
    });
  } catch {
    // the tool is broken or the bin dir unwritable: `tpx list` and `tpx doctor` say so
    return [];
  }
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
