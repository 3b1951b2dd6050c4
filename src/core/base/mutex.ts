/**
 * Per-tool locks (docs/architecture.md, "Locks"): a directory made with mkdir (atomic everywhere)
 * holding an `owner` file: the owner's pid, host and process start time. A lock whose owner is
 * gone is taken over; a live one is waited for. "Gone" includes a pid that is alive but is another
 * process (the pid was reused): on Linux its start time (/proc/<pid>/stat) differs from the one
 * recorded; elsewhere the owner refreshes the owner file's mtime (a heartbeat) while it holds the
 * lock, and one not refreshed for HEARTBEAT_STALE_MS is stale. The same owner record marks a
 * generation being built (store.ts), so a killed build is collected even when its pid is reused.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError, isErrno } from './errors.js';
import { removeMine } from './gate.js';
import { readdirOrEmpty, uniqueSuffix } from './fsx.js';

const HEARTBEAT_MS = 5_000;
/** An owner that has not refreshed its heartbeat for this long is not a tpx holding the lock. */
export const HEARTBEAT_STALE_MS = 60_000;
/** mkdir and writing the owner file are two steps; a lock without an owner file this old was abandoned between them. */
const UNOWNED_STALE_MS = 10_000;

/** Who holds a lock (or builds a generation). */
export interface Owner {
  pid: number;
  /** '' when not recorded (an older tpx's build marker): this host. */
  host: string;
  /** The process's start time (Linux: clock ticks since boot), null where it cannot be known. */
  start: string | null;
}

/** What is known now about a recorded owner, for isStale. */
export interface OwnerFacts {
  /** This machine's host name. */
  host: string;
  /** Whether a process with the owner's pid exists. */
  alive: boolean;
  /** That process's start time now, null where it cannot be known. */
  start: string | null;
  /** How long ago the owner last refreshed its heartbeat; null when it keeps none. */
  heartbeatAgeMs: number | null;
}

/**
 * The staleness rule, as a pure function. A lock from another host (a shared home) cannot be
 * checked and is respected. On this host: a dead pid is stale; a live pid whose start time differs
 * from the recorded one is another process (pid reuse), stale; where start times are not known, a
 * heartbeat older than HEARTBEAT_STALE_MS is stale.
 */
export function isStale(owner: Owner, facts: OwnerFacts): boolean {
  if (owner.host !== '' && owner.host !== facts.host) return false;
  if (!facts.alive) return true;
  if (owner.start !== null && facts.start !== null) return owner.start !== facts.start;
  return facts.heartbeatAgeMs !== null && facts.heartbeatAgeMs > HEARTBEAT_STALE_MS;
}

/** This process, as an owner record line. */
export function ownerRecord(): string {
  return `${process.pid} ${os.hostname()} ${processStart(process.pid) ?? '-'}\n`;
}

/**
 * Writes this process's owner record to `file` in one rename: a reader sees no file or a whole
 * record, never an empty one (which it could not tell from a record of a process long gone).
 */
export function writeOwnerRecord(file: string): void {
  const tmp = `${file}.tmp-${uniqueSuffix()}`;
  fs.writeFileSync(tmp, ownerRecord());
  fs.renameSync(tmp, file);
}

/**
 * Parses an owner record; null when it is not one (nothing read from disk is trusted). A bare pid
 * is an older tpx's build marker: its host is this one ('').
 */
export function parseOwner(text: string): Owner | null {
  const [pid, host, start] = text.trim().split(' ');
  if (!pid || !/^[1-9][0-9]{0,9}$/.test(pid)) return null;
  return { pid: Number(pid), host: host ?? '', start: start && /^[0-9]+$/.test(start) ? start : null };
}

/** Linux: field 22 of /proc/<pid>/stat, the process start time in clock ticks since boot. Null elsewhere or when gone. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it (field 3 on).
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start && /^[0-9]+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

/**
 * Whether the temp file or link `name` (`….tmp-<pid>-<hex>`, fsx.uniqueSuffix) was left by a
 * process that is gone: a kill interrupted what was writing it. A live pid may be a reused one, so
 * false is no proof of a writer at work.
 */
export function isTempOrphan(name: string): boolean {
  const pid = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
  return pid !== undefined && !isAlive(Number(pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/**
 * Whether the owner recorded in `file` is gone. `heartbeat`: the owner refreshes the file's mtime
 * (locks do; a generation's build marker does not, so there a live pid counts as the builder).
 */
export function isOwnerGone(file: string, heartbeat: boolean): boolean {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return false;
  }
  const owner = parseOwner(text);
  // Not an owner record: written by something else, or torn by a crash (records are renamed into
  // place whole); gone once it is too old to be a record being written by an older tpx.
  if (!owner) return Date.now() - mtimeMs > UNOWNED_STALE_MS;
  const alive = isAlive(owner.pid);
  return isStale(owner, {
    host: os.hostname(),
    alive,
    start: alive ? processStart(owner.pid) : null,
    heartbeatAgeMs: heartbeat ? Date.now() - mtimeMs : null,
  });
}

/** A lock directory whose owner is gone, or that never got an owner file and was abandoned. */
export function isStaleLock(dir: string): boolean {
  const file = path.join(dir, 'owner');
  if (fs.existsSync(file)) return isOwnerGone(file, true);
  try {
    return Date.now() - fs.statSync(dir).mtimeMs > UNOWNED_STALE_MS;
  } catch {
    return false;
  }
}

export function lockDir(ctx: Context, key: string): string {
  return path.join(ctx.paths.locks, `${key}.lock`);
}

/** Runs `work` holding tool `key`'s lock; waits for a live holder (up to `timeoutMs`), takes a stale lock over. */
export async function withLock<T>(ctx: Context, key: string, work: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  fs.mkdirSync(ctx.paths.locks, { recursive: true });
  const dir = lockDir(ctx, key);
  const start = Date.now();
  let told = false;
  for (;;) {
    if (tryAcquire(dir)) break;
    if (isStaleLock(dir)) {
      takeOver(ctx, dir);
      continue;
    }
    const pid = readPid(dir);
    if (Date.now() - start > timeoutMs) {
      throw new TpxError('locked', `${key} is locked by another tpx process (pid ${pid})`, {
        hint: `wait for it to finish; if no tpx is running, \`tpx doctor --fix\` removes the lock`,
      });
    }
    if (!told) {
      ctx.out.info(`waiting for another tpx process (pid ${pid}) working on ${key}…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const owner = path.join(dir, 'owner');
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(owner, now, now);
    } catch {
      // the lock is released or was taken from us; nothing to refresh
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const release = () => {
    clearInterval(heartbeat);
    removeMine(ctx, dir);
  };
  const undo = ctx.interrupts.register(release);
  try {
    return await work();
  } finally {
    undo();
    release();
  }
}

/**
 * Waits while any tool's lock is held by a live process — a commit in progress, which links, writes
 * and switches in steps — so that a reader (`tpx list`) sees every tool before or after it, never
 * half-way (pipx's list waits on its venv locks the same way). Commits are short; after `timeoutMs`
 * it gives up and returns the keys still locked, so that the reader can say so.
 */
export async function waitForCommits(ctx: Context, timeoutMs = 10_000): Promise<string[]> {
  const start = Date.now();
  let told = false;
  for (;;) {
    const held = readdirOrEmpty(ctx.paths.locks)
      .filter((e) => e.endsWith('.lock') && !isStaleLock(path.join(ctx.paths.locks, e)))
      .map((e) => e.slice(0, -'.lock'.length));
    if (held.length === 0 || Date.now() - start > timeoutMs) return held;
    if (!told) {
      ctx.out.info(`waiting for another tpx process (pid ${readPid(lockDir(ctx, held[0] as string))}) changing ${held.join(', ')}…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Moves a stale lock aside before removing it: of two processes taking it over, only one rename succeeds. */
export function takeOver(ctx: Context, dir: string): void {
  const aside = `${dir}.stale-${uniqueSuffix()}`;
  try {
    fs.renameSync(dir, aside);
    removeMine(ctx, aside);
  } catch {
    // someone else took it over first
  }
}

function tryAcquire(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
  writeOwnerRecord(path.join(dir, 'owner'));
  return true;
}

function readPid(dir: string): string {
  try {
    return String(parseOwner(fs.readFileSync(path.join(dir, 'owner'), 'utf8'))?.pid ?? '?');
  } catch {
    return '?';
  }
}
