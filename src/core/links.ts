/**
 * The bin dir. The whole collision policy, for every target, checked before anything is touched:
 *   missing                          → create
 *   a link into this tool            → replace (keep, if identical)
 *   a directory                      → refuse, even with --force (tpx never deletes what it did not make)
 *   anything else                    → refuse, unless --force
 * Ownership is "the link's target is inside tools/<key>/" (compared with a trailing separator);
 * links are only ever removed through the delete gate (gate.ts), which checks exactly that.
 * What a bin entry is — a symlink, or on Windows cmd-shim's three shims — is platform.ts's; here an
 * entry is its path in the bin dir, whatever files make it up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError, fromErrno } from './errors.js';
import { linkOwner, linkOwners, removeToolLink } from './gate.js';
import { lstatOrNull, readdirOrEmpty, uniqueSuffix } from './fsx.js';
import { appFile } from './distinfo.js';
import { entryTarget, writeEntry } from './platform.js';
import type { OnPlatform, RenderedEntry } from './platform.js';
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
  /** The files to write (for every action but keep). */
  entry: RenderedEntry | null;
}

/** The link an app of tool `key` gets, and what it points at. */
export function linkFor(ctx: Context, key: string, app: string, suffix: string): { link: string; target: string } {
  return {
    link: path.join(ctx.paths.bin, app + suffix),
    target: path.join(venvBinDir(ctx, toolPath(ctx, key)), appFile(ctx, app)),
  };
}

/** The files of the entry's slot that are there. */
function present(on: OnPlatform, link: string): { file: string; st: fs.Stats }[] {
  return on.platform.bin.slot(link).flatMap((file) => {
    const st = lstatOrNull(file);
    return st ? [{ file, st }] : [];
  });
}

export async function planLinks(ctx: Context, key: string, apps: string[], suffix: string, force: boolean): Promise<LinkPlan[]> {
  const plans: Omit<LinkPlan, 'entry'>[] = [];
  const conflicts: string[] = [];
  for (const app of apps) {
    const { link, target } = linkFor(ctx, key, app, suffix);
    const there = present(ctx, link);
    if (there.length === 0) {
      plans.push({ name: app, link, target, action: 'create' });
      continue;
    }
    const owner = linkOwner(ctx, link);
    if (owner === key) {
      plans.push({ name: app, link, target, action: entryTarget(ctx.platform, link) === target ? 'keep' : 'replace' });
    } else if (there.some((t) => t.st.isDirectory())) {
      throw new TpxError('link-conflict', `${link} is a directory, in the way of the app ${app}`, {
        hint: 'nothing was changed; tpx never replaces a directory, even with --force: move it away, or install with --suffix',
      });
    } else if (force) {
      plans.push({ name: app, link, target, action: 'overwrite' });
    } else {
      const what = owner ? `an app of tpx tool ${owner}` : there.every((t) => t.st.isSymbolicLink()) ? 'a link tpx did not make' : 'a file tpx did not make';
      conflicts.push(`${there.length === 1 ? there[0]?.file : link} (${what})`);
    }
  }
  if (conflicts.length > 0) {
    throw new TpxError('link-conflict', `${conflicts.length === 1 ? 'a file is' : 'files are'} in the way: ${conflicts.join(', ')}`, {
      hint: 'nothing was changed; pass --force to replace them, or --suffix to install under other names',
    });
  }
  // Rendered now, before anything is touched: the transaction itself must be synchronous (interrupts).
  return Promise.all(plans.map(async (p) => ({ ...p, entry: p.action === 'keep' ? null : await ctx.platform.bin.render(ctx, p.target, p.link) })));
}

/**
 * Applies the plans as one transaction: every slot it replaces is moved aside first, and any failure
 * puts every slot back as it was. Returns `commit` (drop the backups) and `rollback`.
 */
export function applyLinks(ctx: Context, plans: LinkPlan[]): { commit: () => void; rollback: () => void } {
  fs.mkdirSync(ctx.paths.bin, { recursive: true });
  const done: { files: string[]; backups: [string, string][] }[] = [];
  const putBack = (backups: [string, string][]) => backups.forEach(([file, backup]) => fs.renameSync(backup, file));
  const rollback = () => {
    for (const { files, backups } of done.reverse()) {
      for (const f of files) fs.rmSync(f, { force: true });
      putBack(backups);
    }
    done.length = 0;
  };
  const unregister = ctx.interrupts.register(rollback);
  try {
    for (const p of plans) {
      if (p.action === 'keep' || !p.entry) continue;
      // Every file in the slot (one link; or shims, and an .exe in their way) is moved aside, not deleted.
      const backups: [string, string][] = [];
      try {
        if (p.action !== 'create') {
          for (const { file } of present(ctx, p.link)) {
            const backup = `${file}.tpx-old-${uniqueSuffix()}`;
            fs.renameSync(file, backup);
            backups.push([file, backup]);
          }
        }
        // Never replaces: if something appeared in the slot since planning, this fails (EEXIST) instead of clobbering it.
        writeEntry(p.entry);
      } catch (err) {
        putBack(backups.reverse());
        throw err;
      }
      done.push({ files: p.entry.files.map((f) => f.path), backups });
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
      for (const [, backup] of done.flatMap((d) => d.backups)) {
        try {
          fs.unlinkSync(backup);
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

/** Every link in the bin dir into tools/, by the key of the tool it points into (an entry some of whose files do: under each). */
export function binLinks(ctx: Context): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const f of ctx.platform.bin.entries(readdirOrEmpty(ctx.paths.bin))) {
    const link = path.join(ctx.paths.bin, f);
    for (const owner of linkOwners(ctx, link)) byOwner.set(owner, [...(byOwner.get(owner) ?? []), link]);
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
export async function repairLinks(ctx: Context, key: string, apps: LinkedApp[], suffix: string): Promise<{ removed: string[]; linked: string[] }> {
  const expected = apps.map((a) => linkFor(ctx, key, a.name, suffix));
  const removed = removeLinksExcept(ctx, key, expected.map((e) => e.link));
  const linked: string[] = [];
  for (const { link, target } of expected) {
    if (present(ctx, link).length > 0 || !fs.existsSync(toolPath(ctx, key))) continue;
    fs.mkdirSync(ctx.paths.bin, { recursive: true });
    writeEntry(await ctx.platform.bin.render(ctx, target, link));
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
      const said = r ? describeRepair(key, await repairLinks(ctx, key, r.apps, r.request.suffix)) : [];
      for (const line of said) ctx.out.info(line);
      return said;
    });
  } catch {
    // the tool is broken or the bin dir unwritable: `tpx list` and `tpx doctor` say so
    return [];
  }
}


/** Whether `dir` is on PATH (as given, or after resolving symlinks), compared as the OS compares paths. */
export function isOnPath(ctx: Pick<Context, 'env' | 'platform'>, dir: string): boolean {
  const want = [dir, safeRealpath(dir)];
  return ctx.platform.pathDirs(ctx.env).some((p) => want.some((w) => ctx.platform.samePath(w, p) || ctx.platform.samePath(w, safeRealpath(p))));
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
