/**
 * Links into tools: apps in the bin dir, man pages in the man dir (`manN/`), completion files in the
 * completions dir (`<shell>/`) — one mechanism for every kind (docs/architecture.md, "Links"). The
 * whole collision policy, for every target, checked before anything is touched:
 *   missing                          → create
 *   a link into this tool            → replace (keep, if identical)
 *   a link to nothing, no tool's     → replace, said so (as pipx: it cannot be anyone's app)
 *   a directory                      → refuse, even with --force (tpx never deletes what it did not make)
 *   anything else                    → refuse, unless --force
 * except that a dependency's link (--include-deps) in the way of anything but a link into this tool
 * is skipped with a warning, and the rest are linked (as pipx): the tool does not need it.
 * Ownership is "the link's target is inside tools/<key>/" (compared with a trailing separator);
 * links are only ever removed through the delete gate (gate.ts), which checks exactly that.
 * What a bin entry is — a symlink, or on Windows cmd-shim's three shims — is platform.ts's; here an
 * entry is its path in the bin dir, whatever files make it up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError, fromErrno } from '../base/errors.js';
import { entriesAt, linkOwner, linkOwners, removeToolLink } from '../base/gate.js';
import { lstatOrNull, readdirOrEmpty, uniqueSuffix } from '../base/fsx.js';
import { appFile, resourcePlace } from '../packaging/distinfo.js';
import { linkDirs } from '../base/paths.js';
import { entryTarget, writeEntry } from '../base/platform.js';
import type { RenderedEntry } from '../base/platform.js';
import type { Receipt } from './receipt.js';
import { venvBinDir } from '../python/venv.js';
import { withLock } from '../base/mutex.js';
import { readInstalled, toolPath } from './store.js';

/** What a link is for: an app, a man page, a shell completion file. */
export type LinkKind = 'app' | 'man' | 'completion';

/** A link a tool should have: where it goes, and what it points at — through the tool's stable path, so generations switch without relinking. */
export interface WantedLink {
  kind: LinkKind;
  /** The app's name, or the resource's path in the venv (`share/man/man1/black.1`). */
  name: string;
  link: string;
  target: string;
  /** The distribution it is of, when it is linked only as a dependency's (`--include-deps`): one in the way skips it. */
  dependency?: string;
}

export interface LinkPlan extends WantedLink {
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
function present(ctx: Context, link: string): { file: string; st: fs.Stats }[] {
  return entriesAt(ctx, link)
    .slot(link)
    .flatMap((file) => {
      const st = lstatOrNull(file);
      return st ? [{ file, st }] : [];
    });
}

/**
 * The link a man page or completion file (`rel`, its path in the venv) of tool `key` gets; null when
 * it gets none. A tool's suffix goes into a man page's name before its section (`black@22.1`, so
 * `man black@22` finds it); completion files complete the command they were written for, which a
 * suffixed tool does not have, so they are not linked for one.
 */
export function resourceLinkFor(ctx: Context, key: string, rel: string, suffix: string): { link: string; target: string } | null {
  const place = resourcePlace(rel);
  if (!place || (place.kind === 'completion' && suffix !== '')) return null;
  const root = place.kind === 'man' ? ctx.paths.man : ctx.paths.completions;
  const dot = place.file.indexOf('.', 1);
  const file = suffix === '' ? place.file : dot < 0 ? place.file + suffix : place.file.slice(0, dot) + suffix + place.file.slice(dot);
  return { link: path.join(root, place.dir, file), target: path.join(toolPath(ctx, key), ...rel.split('/')) };
}

/** Every link a tool with these apps and resources should have; those of `dependencies` (distribution names) are a dependency's. */
export function wantedLinks(
  ctx: Context,
  key: string,
  what: { apps: { name: string; dist?: string }[]; resources: { path: string; dist?: string }[] },
  suffix: string,
  dependencies: ReadonlySet<string> = new Set(),
): WantedLink[] {
  const of = (dist: string | undefined) => (dist !== undefined && dependencies.has(dist) ? { dependency: dist } : {});
  const apps = what.apps.map((a): WantedLink => ({ kind: 'app', name: a.name, ...linkFor(ctx, key, a.name, suffix), ...of(a.dist) }));
  const resources = what.resources.flatMap((r): WantedLink[] => {
    const at = ctx.platform.resourceLinks ? resourceLinkFor(ctx, key, r.path, suffix) : null;
    return at ? [{ kind: resourcePlace(r.path)?.kind === 'man' ? 'man' : 'completion', name: r.path, ...at, ...of(r.dist) }] : [];
  });
  return [...apps, ...resources];
}

/** The links a receipt says its tool has: none when it is not exposed (`tpx unexpose`). */
export function receiptLinks(ctx: Context, r: Pick<Receipt, 'key' | 'apps' | 'resources' | 'exposed' | 'request'>): WantedLink[] {
  return r.exposed ? wantedLinks(ctx, r.key, r, r.request.suffix) : [];
}

/** What a link is, for messages: `the app black`, `the man page black.1`. */
function describeLink(w: WantedLink): string {
  return w.kind === 'app' ? `the app ${w.name}` : `the ${w.kind === 'man' ? 'man page' : 'completion file'} ${path.basename(w.name)}`;
}

/**
 * Decides what to do in every slot `wanted` names, before anything is touched; refuses (nothing
 * changed) if one is taken. A dependency's link in the way is left out of the plan, with a warning.
 */
export async function planLinks(ctx: Context, key: string, wanted: WantedLink[], force: boolean): Promise<LinkPlan[]> {
  const plans: Omit<LinkPlan, 'entry'>[] = [];
  const conflicts: string[] = [];
  for (const w of wanted) {
    const { link, target } = w;
    const there = present(ctx, link);
    if (there.length === 0) {
      plans.push({ ...w, action: 'create' });
      continue;
    }
    const owner = linkOwner(ctx, link);
    const what = owner
      ? `${w.kind === 'app' ? 'an app' : 'a link'} of tpx tool ${owner}`
      : there.every((t) => t.st.isSymbolicLink())
        ? 'a link tpx did not make'
        : 'a file tpx did not make';
    const shown = `${there.length === 1 ? there[0]?.file : link} (${what})`;
    if (owner === key) {
      plans.push({ ...w, action: entryTarget(entriesAt(ctx, link), link) === target ? 'keep' : 'replace' });
    } else if (isDangling(ctx, there, owner)) {
      ctx.out.info(`note: replacing ${link}: it pointed at ${fs.readlinkSync(link)}, which does not exist`);
      plans.push({ ...w, action: 'overwrite' });
    } else if (w.dependency !== undefined && !force) {
      ctx.out.warn(`${describeLink(w)} (of the dependency ${w.dependency}) is not linked: ${shown} is in the way`);
    } else if (there.some((t) => t.st.isDirectory())) {
      throw new TpxError('link-conflict', `${link} is a directory, in the way of ${describeLink(w)}`, {
        hint: 'nothing was changed; tpx never replaces a directory, even with --force: move it away, or install with --suffix',
      });
    } else if (force) {
      plans.push({ ...w, action: 'overwrite' });
    } else {
      conflicts.push(shown);
    }
  }
  if (conflicts.length > 0) {
    throw new TpxError('link-conflict', `${conflicts.length === 1 ? 'a file is' : 'files are'} in the way: ${conflicts.join(', ')}`, {
      hint: 'nothing was changed; pass --force to replace them, or --suffix to install under other names',
    });
  }
  // Rendered now, before anything is touched: the transaction itself must be synchronous (interrupts).
  return Promise.all(
    plans.map(async (p) => ({ ...p, entry: p.action === 'keep' ? null : await entriesAt(ctx, p.link).render(ctx, p.target, p.link) })),
  );
}

/** A single symlink to nothing that is no installed tool's (a tool's own broken link is its doctor's business). */
function isDangling(ctx: Context, there: { file: string; st: fs.Stats }[], owner: string | null): boolean {
  const [only] = there;
  if (there.length !== 1 || !only?.st.isSymbolicLink() || fs.existsSync(only.file)) return false;
  if (owner === null) return true;
  try {
    return readInstalled(ctx, owner) === null;
  } catch {
    return false; // a broken tool: not ours to take its slot
  }
}

/**
 * Applies the plans as one transaction: every slot it replaces is moved aside first, and any failure
 * puts every slot back as it was. Returns `commit` (drop the backups) and `rollback`.
 */
export function applyLinks(ctx: Context, plans: LinkPlan[]): { commit: () => void; rollback: () => void } {
  const done: { link: string; files: string[]; backups: [string, string][] }[] = [];
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
      fs.mkdirSync(path.dirname(p.link), { recursive: true });
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
      done.push({ link: p.link, files: p.entry.files.map((f) => f.path), backups });
    }
  } catch (err) {
    rollback();
    unregister();
    const why = fromErrno(err)?.message ?? (err instanceof Error ? err.message : String(err));
    const dir = path.dirname(plans.find((p) => p.action !== 'keep' && !done.some((d) => d.link === p.link))?.link ?? ctx.paths.bin);
    throw new TpxError('link-failed', `could not link into ${dir}: ${why}`, {
      cause: err,
      hint: `nothing was changed; check that ${dir} is writable`,
    });
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

/** Removes those of `candidates` that are links in a link dir into tool `key` (the delete gate decides); returns them. */
export function removeOwnedLinks(ctx: Context, key: string, candidates: string[]): string[] {
  return [...new Set(candidates)].filter((link) => removeToolLink(ctx, link, key));
}

/** Every link into tool `key` in the link dirs, found by looking (a receipt may be lost or lie). */
export function scanOwnedLinks(ctx: Context, key: string): string[] {
  return linksByOwner(ctx).get(key) ?? [];
}

/** Every link into tools/ in the link dirs (bin, man, completions), by the key of the tool it points into (a bin entry some of whose files do: under each). */
export function linksByOwner(ctx: Context): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const dir of linkDirs(ctx.paths)) {
    const names = readdirOrEmpty(dir);
    for (const f of dir === ctx.paths.bin ? ctx.platform.bin.entries(names) : names) {
      const link = path.join(dir, f);
      for (const owner of linkOwners(ctx, link)) byOwner.set(owner, [...(byOwner.get(owner) ?? []), link]);
    }
  }
  return byOwner;
}

/** Removes every link into tool `key` except `keep` (its current links): what a killed upgrade left, or all of them. */
export function removeLinksExcept(ctx: Context, key: string, keep: string[]): string[] {
  return removeOwnedLinks(
    ctx,
    key,
    scanOwnedLinks(ctx, key).filter((l) => !keep.includes(l)),
  );
}

/**
 * Brings the link dirs in line with what a tool should have: links into the tool that are not
 * wanted are removed, and a wanted link whose slot is empty, or holds a link of this tool to
 * another target (one into the home this was before it moved: gate.movedInto), is made again (a
 * slot taken by anything else is left alone). For a tool found as it should be this changes nothing.
 */
export async function repairLinks(ctx: Context, key: string, wanted: WantedLink[]): Promise<{ removed: string[]; linked: string[] }> {
  const removed = removeLinksExcept(
    ctx,
    key,
    wanted.map((e) => e.link),
  );
  const linked: string[] = [];
  for (const { link, target } of wanted) {
    if (!fs.existsSync(toolPath(ctx, key))) continue;
    if (present(ctx, link).length > 0) {
      const astray = linkOwner(ctx, link) === key && entryTarget(entriesAt(ctx, link), link) !== target;
      if (!astray || !removeToolLink(ctx, link, key)) continue;
    }
    fs.mkdirSync(path.dirname(link), { recursive: true });
    writeEntry(await entriesAt(ctx, link).render(ctx, target, link));
    linked.push(link);
  }
  return { removed, linked };
}

/** What repairLinks did, as lines for the user. */
export function describeRepair(ctx: Context, key: string, r: { removed: string[]; linked: string[] }): string[] {
  return [
    ...r.removed.map((l) => `removed ${l}: it linked into ${key} but is not ${notOneOf(ctx, l)}`),
    ...r.linked.map((l) => `linked ${l} again`),
  ];
}

/** What a stray link into a tool is not: one of its apps (in the bin dir), or of its man pages and completion files. */
export function notOneOf(ctx: Context, link: string): string {
  return path.dirname(link) === ctx.paths.bin ? 'one of its apps' : 'one of its man pages or completion files';
}

/** repairLinks for an installed tool, under its lock, from its current receipt; says what it did. Never throws. */
export async function repairToolLinks(ctx: Context, key: string): Promise<string[]> {
  try {
    return await withLock(ctx, key, async () => {
      const r = readInstalled(ctx, key)?.receipt;
      const said = r ? describeRepair(ctx, key, await repairLinks(ctx, key, receiptLinks(ctx, r))) : [];
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
  return ctx.platform
    .pathDirs(ctx.env)
    .some((p) => want.some((w) => ctx.platform.samePath(w, p) || ctx.platform.samePath(w, safeRealpath(p))));
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
