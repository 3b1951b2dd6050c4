/**
 * The tool store: stable paths (tools/<key>) and their generations (envs/<gen>). See paths.ts for
 * the layout and docs/architecture.md ("Generations and the commit point") for why.
 *
 * Nothing read back from disk is trusted before it names a path (docs/architecture.md, "Trust
 * nothing on disk"): tools/<key> counts as installed only when it is a symlink whose target is
 * exactly `../envs/<gen>`, `<gen>` a name newGeneration makes and a directory directly under envs/.
 * Anything else there is a broken tool, reported with its fix; nothing is ever read, written or
 * deleted through it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { removeMine } from '../base/gate.js';
import { lstatOrNull, randomHex, readTextOrNull, readdirOrEmpty, readlinkOrNull } from '../base/fsx.js';
import { isOwnerGone, isStaleLock, lockDir, writeOwnerRecord } from '../base/mutex.js';
import { closeNames, isToolKey } from '../packaging/names.js';
import { ASIDE, asideOf } from '../base/platform.js';
import { isGenerationName, loadReceipt, receiptPath } from './receipt.js';
import type { Receipt } from './receipt.js';

/** Present while a generation is being built; holds the builder's owner record (lock.ts). Removed once committed. */
const BUILDING = '.tpx-building';

export function toolPath(ctx: Context, key: string): string {
  return path.join(ctx.paths.tools, key);
}

export function envPath(ctx: Context, gen: string): string {
  return path.join(ctx.paths.envs, gen);
}

/**
 * Installed tool keys: every entry of tools/ named as toolKey names one (or moved aside by a
 * Windows switch, readEntry). Other names there (the temp link of an interrupted switch, anything
 * else) are not tools; `tpx doctor` reports them.
 */
export function toolKeys(ctx: Context): string[] {
  const names = readdirOrEmpty(ctx.paths.tools).map((n) => (n.endsWith(ASIDE) ? n.slice(0, -ASIDE.length) : n));
  return [...new Set(names)].filter(isToolKey).sort();
}

/** What tools/<key> is: nothing, a link to a generation, or anything else (broken, with why). */
export type Entry = { state: 'none' } | { state: 'ok'; gen: string } | { state: 'broken'; problem: string };

/**
 * Reads tools/<key> without following it. A Windows switch (platform.junctionSwitch) has a moment
 * between two renames where tools/<key> is moved aside: found so by a tpx that was killed there, it
 * is renamed back; found so while another live tpx holds the tool's lock (it is switching now), the
 * aside is read, as the generation that is still the committed one.
 */
export function readEntry(ctx: Context, key: string, recover = true): Entry {
  const link = toolPath(ctx, key);
  const st = lstatOrNull(link);
  if (!st) {
    const aside = asideOf(link);
    const asideSt = recover ? lstatOrNull(aside) : null;
    if (!asideSt) return { state: 'none' };
    if (isLockedByAnother(ctx, key)) return readLink(ctx, key, aside, asideSt);
    try {
      fs.renameSync(aside, link);
    } catch {
      // restored by another tpx first, or the rename is not allowed: looked at again, once
    }
    return readEntry(ctx, key, false);
  }
  return readLink(ctx, key, link, st);
}

function readLink(ctx: Context, key: string, link: string, st: fs.Stats): Entry {
  const shown = `tools/${key}`;
  if (!st.isSymbolicLink())
    return { state: 'broken', problem: `${shown} is a ${st.isDirectory() ? 'directory' : 'file'}, not a link to one of its generations` };
  const target = readlinkOrNull(link);
  // Removed (or replaced by a non-link) between the two looks: as if looked at after.
  if (target === null) return readEntry(ctx, key, false);
  const gen = path.basename(target);
  const exact = ctx.platform.entryPointsAt(target, link, envPath(ctx, gen));
  if (!isGenerationName(gen) || !exact)
    return {
      state: 'broken',
      problem: `${shown} points at ${JSON.stringify(target)}, not at one of tpx's generations in ${ctx.paths.envs}`,
    };
  const dir = lstatOrNull(envPath(ctx, gen));
  if (!dir?.isDirectory())
    return { state: 'broken', problem: `${shown} points at generation ${gen}, which is missing from ${ctx.paths.envs}` };
  return { state: 'ok', gen };
}

/** The generation tools/<key> points at; null if the tool is not installed or its entry is broken. */
export function currentGeneration(ctx: Context, key: string): string | null {
  const entry = readEntry(ctx, key);
  return entry.state === 'ok' ? entry.gen : null;
}

export interface Installed {
  key: string;
  gen: string;
  dir: string;
  receipt: Receipt | null;
  /** Why the receipt could not be read, when it could not. */
  receiptError: string | null;
}

/** The installed tool `key` (null: not installed); a broken entry is a TpxError (broken-tool) naming the fix. */
export function readInstalled(ctx: Context, key: string): Installed | null {
  const entry = readEntry(ctx, key);
  if (entry.state === 'none') return null;
  if (entry.state === 'broken') throw brokenTool(ctx, key, entry.problem);
  return installedAt(ctx, key, entry.gen);
}

/** Tool `key` at generation `gen` (an entry readEntry found ok), with its receipt if that is readable and its own. */
export function installedAt(ctx: Context, key: string, gen: string): Installed {
  const dir = envPath(ctx, gen);
  const r = loadReceipt(dir);
  if (r === null || typeof r === 'string') return { key, gen, dir, receipt: null, receiptError: r ?? 'missing' };
  // A receipt of another tool or generation (copied, or a link pointed elsewhere by hand) does not describe this one.
  if (r.key !== key) return { key, gen, dir, receipt: null, receiptError: `it is ${r.key}'s, not ${key}'s` };
  if (r.generation !== gen) return { key, gen, dir, receipt: null, receiptError: `it describes generation ${r.generation}, not ${gen}` };
  return { key, gen, dir, receipt: r, receiptError: null };
}

/**
 * The error for a tool whose entry is broken, with the way out that works: a link is pointed back
 * at the tool's newest generation by `tpx doctor --fix`, or, with none left (deleted by hand, and
 * the receipt with it), replaced by `tpx install --force SPEC`; anything else there is removed by
 * uninstall, which deletes only the entry.
 */
export function brokenTool(ctx: Context, key: string, problem: string): TpxError {
  return new TpxError('broken-tool', `${key} is broken: ${problem}`, { hint: brokenFix(ctx, key) });
}

/** How a tool with a broken entry is fixed (the hint of brokenTool; what list and doctor say when --fix cannot). */
export function brokenFix(ctx: Context, key: string): string {
  if (!lstatOrNull(toolPath(ctx, key))?.isSymbolicLink())
    return `remove it with \`tpx uninstall ${key}\` (it deletes only tools/${key}), then install it again`;
  if (generationsOf(ctx, key).length > 0)
    return `\`tpx doctor --fix ${key}\` points it back at its newest generation; \`tpx install --force SPEC\` replaces it`;
  return lostFix(key, 'its receipt went with its generation');
}

/** The fix for a tool whose receipt is lost (`why`, when it is not what the problem says): only the user knows what it was installed from. */
export function lostFix(key: string, why?: string): string {
  return `tpx install --force SPEC (SPEC: what ${key} was installed from${why ? `; ${why}` : ''}), or tpx uninstall ${key}`;
}

/**
 * The receipts of `key`'s generations still in envs/ (each its own, at its own generation), newest
 * first: what a broken entry can be pointed back at.
 */
export function generationsOf(ctx: Context, key: string): Receipt[] {
  const found: Receipt[] = [];
  for (const gen of readdirOrEmpty(ctx.paths.envs).filter(isGenerationName)) {
    const dir = envPath(ctx, gen);
    if (!lstatOrNull(dir)?.isDirectory()) continue;
    const r = loadReceipt(dir);
    if (r && typeof r !== 'string' && r.key === key && r.generation === gen) found.push(r);
  }
  return found.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/**
 * The installed tool a command that replaces it works on (`install --force`): readInstalled, except
 * that a broken entry which is a link reads as not installed — the switch renames over a link,
 * whatever it pointed at, so the broken tool is simply replaced.
 */
export function replaceable(ctx: Context, key: string): Installed | null {
  const entry = readEntry(ctx, key);
  if (entry.state === 'broken' && lstatOrNull(toolPath(ctx, key))?.isSymbolicLink()) return null;
  return readInstalled(ctx, key);
}

/** The error for a NAME that is not an installed tool; its hint lists the tools that are. */
export function notInstalled(ctx: Context, key: string): TpxError {
  const known = toolKeys(ctx);
  const close = closeNames(key, known);
  const mean = close.length > 0 ? `did you mean ${close.join(' or ')}? ` : '';
  return new TpxError('not-installed', `${key} is not installed`, {
    hint: known.length > 0 ? `${mean}installed tools: ${known.join(', ')}` : 'no tools are installed; see `tpx install --help`',
  });
}

/** An installed tool with a readable receipt, for commands that change it; a clear error otherwise. */
export function requireInstalled(ctx: Context, key: string): Installed & { receipt: Receipt } {
  const inst = readInstalled(ctx, key);
  if (!inst) throw notInstalled(ctx, key);
  if (!inst.receipt) {
    throw new TpxError(
      'bad-receipt',
      `${key} cannot be changed: its receipt is ${inst.receiptError === 'missing' ? 'missing' : `unreadable: ${inst.receiptError}`}`,
      {
        // Not `tpx reinstall`: that rebuilds from the receipt, which is what is unreadable.
        hint: `install it again by spec (\`tpx install --force SPEC\`), or remove it with \`tpx uninstall ${key}\``,
      },
    );
  }
  return { ...inst, receipt: inst.receipt };
}

/**
 * Makes a fresh generation directory marked as being built by this process. Interrupting the
 * process removes it; a kill -9 leaves it for gc() to collect.
 */
export function newGeneration(ctx: Context): { gen: string; dir: string; dispose: () => void; keep: () => void } {
  fs.mkdirSync(ctx.paths.envs, { recursive: true });
  const gen = `${Date.now().toString(36)}-${randomHex(3)}`;
  const dir = envPath(ctx, gen);
  fs.mkdirSync(dir);
  writeOwnerRecord(path.join(dir, BUILDING));
  const remove = () => removeMine(ctx, dir);
  const unregister = ctx.interrupts.register(remove);
  return {
    gen,
    dir,
    dispose: () => {
      unregister();
      remove();
    },
    /** Committed: an interrupt from now on must not remove it. */
    keep: unregister,
  };
}

/** The commit point: tools/<key> now points at `gen`. One rename (Windows: two, platform.ts). */
export function commitGeneration(ctx: Context, key: string, gen: string): void {
  fs.mkdirSync(ctx.paths.tools, { recursive: true });
  const link = toolPath(ctx, key);
  // A rename replaces a symlink (whatever it pointed at, never touched) but not a directory or a file.
  const entry = readEntry(ctx, key);
  if (entry.state === 'broken' && !lstatOrNull(link)?.isSymbolicLink()) throw brokenTool(ctx, key, entry.problem);
  switchEntry(ctx, key, gen);
  fs.rmSync(path.join(envPath(ctx, gen), BUILDING), { force: true });
}

/** Points tools/<key> at generation `gen` (platform.switchEntry), whatever it pointed at before. */
export function switchEntry(ctx: Context, key: string, gen: string): void {
  const link = toolPath(ctx, key);
  // An aside left beside tools/<key> (a Windows switch killed before its last step) would be in this switch's way.
  if (lstatOrNull(link) && lstatOrNull(asideOf(link))) removeMine(ctx, asideOf(link));
  ctx.platform.switchEntry(path.join('..', 'envs', gen), link);
}

/** Removes the entry tools/<key> itself (a link, or whatever else is there, and an aside of it); never what it points at. */
export function removeTool(ctx: Context, key: string): void {
  removeMine(ctx, toolPath(ctx, key));
  removeMine(ctx, asideOf(toolPath(ctx, key)));
}

/**
 * Generations nothing refers to: not a tool's current one, nor the previous one it keeps for
 * rollback, nor one being built by a live process, nor one of a tool whose lock another live
 * process holds (it may be about to refer to it), nor one of a tool whose entry is broken (kept
 * for `tpx doctor --fix` to restore).
 */
export function orphanGenerations(ctx: Context): string[] {
  // Look at the generations before reading the tools: a generation committed in between was being
  // built at the first look (so it is spared) and is referenced at the second.
  const candidates = readdirOrEmpty(ctx.paths.envs).filter((gen) => !isBeingBuilt(envPath(ctx, gen)));
  const keep = new Set<string>();
  const broken = new Set<string>();
  for (const key of toolKeys(ctx)) {
    const entry = readEntry(ctx, key);
    if (entry.state === 'broken') broken.add(key);
    if (entry.state !== 'ok') continue;
    keep.add(entry.gen);
    const previous = peekReceipt(envPath(ctx, entry.gen)).previousGeneration;
    if (previous) keep.add(previous);
  }
  return candidates.filter((gen) => {
    if (keep.has(gen)) return false;
    const owner = peekReceipt(envPath(ctx, gen)).key;
    return !owner || !(broken.has(owner) || isLockedByAnother(ctx, owner));
  });
}

/** Deletes the orphaned generations (through the delete gate). Best effort; never throws. Returns what it removed. */
export function collectGarbage(ctx: Context): string[] {
  const removed: string[] = [];
  try {
    for (const gen of orphanGenerations(ctx)) {
      try {
        removeMine(ctx, envPath(ctx, gen));
        removed.push(gen);
      } catch {
        // another process may be collecting too; or the gate refused (`tpx doctor` reports it)
      }
    }
  } catch {
    // garbage is collected by the next command
  }
  return removed;
}

/**
 * The key and previous generation a receipt names, read leniently (the receipt may be another
 * schema's, e.g. the run cache's, or unreadable): only to decide what to keep, never a path to use.
 */
export function peekReceipt(dir: string): { key: string | null; previousGeneration: string | null } {
  try {
    const data = JSON.parse(readTextOrNull(receiptPath(dir)) ?? 'null') as Record<string, unknown> | null;
    const key = typeof data?.key === 'string' && isToolKey(data.key) ? data.key : null;
    const prev = data?.previousGeneration;
    return { key, previousGeneration: typeof prev === 'string' && isGenerationName(prev) ? prev : null };
  } catch {
    return { key: null, previousGeneration: null };
  }
}

function isLockedByAnother(ctx: Context, key: string): boolean {
  const dir = lockDir(ctx, key);
  if (!fs.existsSync(dir)) return false;
  const owner = readTextOrNull(path.join(dir, 'owner'));
  return !(owner?.startsWith(`${process.pid} `) ?? false) && !isStaleLock(dir);
}

/** Built by a live process, or so new its builder may not have written the marker yet. */
function isBeingBuilt(dir: string): boolean {
  const marker = path.join(dir, BUILDING);
  if (fs.existsSync(marker)) return !isOwnerGone(marker, false);
  try {
    return Date.now() - fs.statSync(dir).mtimeMs < 60_000 && !fs.existsSync(receiptPath(dir));
  } catch {
    return false;
  }
}
