import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError, isErrno } from './errors.js';
import { uniqueSuffix } from './fsx.js';

/**
 * A per-tool lock: a directory created with mkdir (atomic everywhere) holding the owner's pid.
 * A lock whose owner process is dead is taken over; a live one is waited for.
 */
export async function withLock<T>(ctx: Context, key: string, work: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  fs.mkdirSync(ctx.paths.locks, { recursive: true });
  const dir = path.join(ctx.paths.locks, `${key}.lock`);
  const start = Date.now();
  let told = false;
  for (;;) {
    if (tryAcquire(dir)) break;
    const owner = readOwner(dir);
    if (isStale(dir, owner)) {
      // Move the stale lock aside first: of two processes taking it over, only one rename succeeds.
      const aside = `${dir}.stale-${uniqueSuffix()}`;
      try {
        fs.renameSync(dir, aside);
        fs.rmSync(aside, { recursive: true, force: true });
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new TpxError('locked', `${key} is locked by another tpx process (pid ${owner?.pid ?? '?'})`, {
        hint: `wait for it to finish; if no tpx is running, remove ${dir}`,
      });
    }
    if (!told) {
      ctx.out.info(`waiting for another tpx process (pid ${owner?.pid ?? '?'}) working on ${key}…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const release = () => fs.rmSync(dir, { recursive: true, force: true });
  const undo = ctx.interrupts.register(release);
  try {
    return await work();
  } finally {
    undo();
    release();
  }
}

function tryAcquire(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
  fs.writeFileSync(path.join(dir, 'owner'), `${process.pid} ${os.hostname()}\n`);
  return true;
}

function readOwner(dir: string): { pid: number; host: string } | null {
  try {
    const [pid, host] = fs.readFileSync(path.join(dir, 'owner'), 'utf8').trim().split(' ');
    return { pid: Number(pid), host: host ?? '' };
  } catch {
    return null;
  }
}

/**
 * Dead owner on this host → stale. A lock from another host (a shared home) cannot be checked and is
 * respected. No owner file: the owner is between mkdir and write — unless that was long ago.
 */
function isStale(dir: string, owner: { pid: number; host: string } | null): boolean {
  if (owner) return owner.host === os.hostname() && !isAlive(owner.pid);
  try {
    return Date.now() - fs.statSync(dir).mtimeMs > 10_000;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}
