import * as fs from 'node:fs';
import * as path from 'node:path';
import { isErrno } from './errors.js';

/** A short unique suffix for temp names: pid + random, so two processes never collide. */
export function uniqueSuffix(): string {
  return `${process.pid}-${randomHex(4)}`;
}

/**
 * `bytes` random bytes as hex, for names that must not collide (temp files, generations), never for
 * secrets: they live in tpx's own directories. Math.random, not node:crypto: loading crypto costs
 * ~6 ms, a tenth of a start-up (bench/RESULTS.md).
 */
export function randomHex(bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes; i++)
    hex += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return hex;
}

/**
 * Writes a file atomically: a temp file in the same directory, fsync, then rename over the target.
 * A reader sees the old content or the new, never a torn write. `like`: the file it replaces, whose mode
 * and owner the new one keeps. Hand-written rather than
 * write-file-atomic because that package's current major needs Node 22.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644, opts: { like?: fs.Stats | null } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${uniqueSuffix()}`;
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      // Replacing someone's file (a shell startup file): it keeps its exact mode, and its owner when we may set it.
      if (opts.like) {
        fs.fchmodSync(fd, opts.like.mode & 0o7777);
        if (process.getuid?.() === 0) fs.fchownSync(fd, opts.like.uid, opts.like.gid);
      }
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** One file of writeAllOrNone: its new content; `like`, the file it replaces (writeFileAtomic). */
export interface FileWrite {
  file: string;
  text: string;
  like?: fs.Stats | null;
}

/**
 * Writes every file or none, each atomically: if one write fails, the files already written get
 * their old content back (or go, if they are new), best effort, and `fail(file, err)` is thrown for
 * the one that failed. `write` is the atomic writer (a test passes one that fails).
 */
export function writeAllOrNone(files: FileWrite[], fail: (file: string, err: unknown) => Error, write = writeFileAtomic): void {
  const done: { file: string; before: string | null; like: fs.Stats | null }[] = [];
  let at = '';
  try {
    for (const f of files) {
      at = f.file;
      const before = readTextOrNull(f.file);
      write(f.file, f.text, 0o644, { like: f.like ?? null });
      done.push({ file: f.file, before, like: f.like ?? null });
    }
  } catch (err) {
    for (const d of done.reverse()) {
      try {
        if (d.before === null) fs.rmSync(d.file, { force: true });
        else writeFileAtomic(d.file, d.before, 0o644, { like: d.like });
      } catch {
        // best effort: the error names the file that failed
      }
    }
    throw fail(at, err);
  }
}

export function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}

export function readlinkOrNull(p: string): string | null {
  try {
    return fs.readlinkSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EINVAL') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}

/** The path with every symlink resolved; null when it does not resolve. */
export function realpathOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

export function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

export function readTextOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}

/** A JSON file's value; null when it is missing, unreadable or not JSON (data read loosely, e.g. PEP 610's). */
export function readJsonOrNull(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The first `bytes` bytes of `file` as latin1 (a script's `#!` line, without reading a large binary whole); null if it cannot be read. */
export function readHeadOrNull(file: string, bytes = 512): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(bytes);
    return buf.toString('latin1', 0, fs.readSync(fd, buf, 0, bytes, 0));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** True when `child` is `dir` itself or inside it (compared with a trailing separator: `pkg` ≠ `pk`). */
export function isInside(child: string, dir: string): boolean {
  const c = path.resolve(child);
  const d = path.resolve(dir);
  return c === d || c.startsWith(d.endsWith(path.sep) ? d : d + path.sep);
}

/** Whether a user other than the owner may run `file`: it and every directory above it are executable by others. */
export function othersCanRun(file: string): boolean {
  let at = realpathOrNull(file);
  if (at === null) return false;
  for (;;) {
    try {
      if ((fs.statSync(at).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const up = path.dirname(at);
    if (up === at) return true;
    at = up;
  }
}

/** Whether `p` is a regular file this process may execute. */
export function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
