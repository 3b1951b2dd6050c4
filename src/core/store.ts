/**
 * The tool store: stable paths (tools/<key>) and their generations (envs/<gen>). See paths.ts for
 * the layout and docs/architecture.md ("Generations and the commit point") for why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError, isErrno } from './errors.js';
import { randomHex, readdirOrEmpty, readlinkOrNull, switchSymlink } from './fsx.js';
import { readReceipt } from './receipt.js';
import type { Receipt } from './receipt.js';

/** Present while a generation is being built; holds the builder's pid. Removed once committed. */
const BUILDING = '.tpx-building';

export function toolPath(ctx: Context, key: string): string {
  return path.join(ctx.paths.tools, key);
}

export function envPath(ctx: Context, gen: string): string {
  return path.join(ctx.paths.envs, gen);
}

/** Installed tool keys: every entry of tools/ (temp names from an interrupted switch excluded). */
export function toolKeys(ctx: Context): string[] {
  return readdirOrEmpty(ctx.paths.tools)
    .filter((k) => !k.includes('.tmp-'))
    .sort();
}

/** The generation tools/<key> points at, or null if the tool is not installed. */
export function currentGeneration(ctx: Context, key: string): string | null {
  const target = readlinkOrNull(toolPath(ctx, key));
  return target === null ? null : path.basename(target);
}

export interface Installed {
  key: string;
  gen: string;
  dir: string;
  receipt: Receipt | null;
  /** Why the receipt could not be read, when it could not. */
  receiptError: string | null;
}

export function readInstalled(ctx: Context, key: string): Installed | null {
  const gen = currentGeneration(ctx, key);
  if (gen === null) return null;
  const dir = envPath(ctx, gen);
  try {
    const receipt = readReceipt(dir);
    return { key, gen, dir, receipt, receiptError: receipt ? null : 'receipt missing' };
  } catch (err) {
    return { key, gen, dir, receipt: null, receiptError: err instanceof Error ? err.message : String(err) };
  }
}

/** The error for a NAME that is not an installed tool; its hint lists the tools that are. */
export function notInstalled(ctx: Context, key: string): TpxError {
  const known = toolKeys(ctx);
  return new TpxError('not-installed', `${key} is not installed`, {
    hint: known.length > 0 ? `installed tools: ${known.join(', ')}` : 'no tools are installed; see `tpx install --help`',
  });
}

/** An installed tool with a readable receipt, for commands that change it; a clear error otherwise. */
export function requireInstalled(ctx: Context, key: string): Installed & { receipt: Receipt } {
  const inst = readInstalled(ctx, key);
  if (!inst) throw notInstalled(ctx, key);
  if (!inst.receipt) {
    throw new TpxError('bad-receipt', `${key} cannot be changed: ${inst.receiptError}`, {
      // Not `tpx reinstall`: that rebuilds from the receipt, which is what is unreadable.
      hint: `install it again by spec (\`tpx install --force SPEC\`), or remove it with \`tpx uninstall ${key}\``,
    });
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
  fs.writeFileSync(path.join(dir, BUILDING), String(process.pid));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
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

/** The commit point: tools/<key> now points at `gen`. One rename. */
export function commitGeneration(ctx: Context, key: string, gen: string): void {
  fs.mkdirSync(ctx.paths.tools, { recursive: true });
  switchSymlink(path.join('..', 'envs', gen), toolPath(ctx, key));
  fs.rmSync(path.join(envPath(ctx, gen), BUILDING), { force: true });
}

/** Removes tools/<key>; its generations become garbage. */
export function removeTool(ctx: Context, key: string): void {
  fs.rmSync(toolPath(ctx, key), { force: true });
}

/**
 * Deletes generations nothing refers to: neither a tool's current one, nor the previous one it keeps
 * for rollback, nor one still being built by a live process. Best effort; never throws.
 */
export function collectGarbage(ctx: Context): void {
  // Look at the generations before reading the tools: a generation committed in between was being
  // built at the first look (so it is spared) and is referenced at the second.
  const candidates = readdirOrEmpty(ctx.paths.envs).filter((gen) => !isBeingBuilt(envPath(ctx, gen)));
  const keep = new Set<string>();
  for (const key of toolKeys(ctx)) {
    const inst = readInstalled(ctx, key);
    if (!inst) continue;
    keep.add(inst.gen);
    if (inst.receipt?.previousGeneration) keep.add(inst.receipt.previousGeneration);
  }
  for (const gen of candidates) {
    if (keep.has(gen)) continue;
    try {
      fs.rmSync(envPath(ctx, gen), { recursive: true, force: true });
    } catch {
      // another process may be collecting too
    }
  }
}

/** Built by a live process, or so new its builder may not have written the marker yet. */
function isBeingBuilt(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, BUILDING), 'utf8'));
  } catch {
    try {
      return Date.now() - fs.statSync(dir).mtimeMs < 60_000 && !fs.existsSync(path.join(dir, 'tpx.json'));
    } catch {
      return false;
    }
  }
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}
