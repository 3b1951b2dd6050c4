/**
 * Unpacking a `.tar.gz` into a directory, in-process (no `tar` to find, on any OS): ustar and pax
 * headers (long names), GNU long names, regular files with their mode and mtime (a `.pyc` is
 * valid only while its source keeps the mtime it was compiled against), directories, symlinks and
 * hard links. What lands on disk is checked like anything tpx reads (docs/architecture.md, "Trust
 * nothing on disk"): every name stays inside the destination (no absolute path, no `..`, nothing
 * written through a symlink), and a link may point only inside it too. Anything else — a device, a
 * name that leaves the destination, a truncated archive — is a `bad-archive` error; the caller
 * unpacks into a directory of its own and removes it on failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TpxError } from './errors.js';
import { isInside, lstatOrNull } from './fsx.js';

const BLOCK = 512;

/** Unpacks the gzipped tar that `fd` holds (read from its start) into `dest`, an existing directory. */
export async function extractTarGz(fd: number, dest: string, what: string): Promise<void> {
  const reader = new TarReader(fs.realpathSync.native(dest), what);
  const input = Readable.from(chunksOf(fd)).pipe(createGunzip());
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) reader.push(chunk);
  } catch (err) {
    if (err instanceof TpxError) throw err;
    throw bad(what, `it is not a readable gzip file (${(err as Error).message})`);
  } finally {
    reader.close();
    input.destroy();
  }
  reader.end();
}

/** `fd`'s bytes from its start, read synchronously: stopped early, no read is left under way on a descriptor the caller closes. */
function* chunksOf(fd: number): Generator<Buffer> {
  const buf = Buffer.alloc(1 << 20);
  for (let at = 0; ; ) {
    const n = fs.readSync(fd, buf, 0, buf.length, at);
    if (n === 0) return;
    at += n;
    yield Buffer.from(buf.subarray(0, n));
  }
}

function bad(what: string, why: string): TpxError {
  return new TpxError('bad-archive', `cannot unpack ${what}: ${why}`, { hint: 'nothing was installed from it' });
}

/** One entry's header, with pax or GNU long names applied. */
interface Header {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkname: string;
}

/** Where the bytes after a header go, and how many there are. */
interface Sink {
  left: number;
  /** Padding after the data, to the next block. */
  pad: number;
  write(bytes: Buffer): void;
  finish(): void;
}

/** A tar stream read block by block as gunzip hands it over, each entry written as it arrives. */
class TarReader {
  private pending: Buffer = Buffer.alloc(0);
  private sink: Sink | null = null;
  private skip = 0;
  private zeros = 0;
  private ended = false;
  /** Long names from a pax (`x`) or GNU (`L`, `K`) header, for the next entry only. */
  private next: { path?: string; linkpath?: string; size?: number } = {};
  private openFd: number | null = null;

  constructor(
    private readonly dest: string,
    private readonly what: string,
  ) {}

  push(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (at < buf.length && !this.ended) {
      if (this.sink) {
        const n = Math.min(this.sink.left, buf.length - at);
        this.sink.write(buf.subarray(at, at + n));
        at += n;
        this.sink.left -= n;
        if (this.sink.left === 0) this.finishEntry();
      } else if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - at);
        at += n;
        this.skip -= n;
      } else if (buf.length - at >= BLOCK) {
        this.header(buf.subarray(at, at + BLOCK));
        at += BLOCK;
      } else break;
    }
    this.pending = Buffer.from(buf.subarray(at));
  }

  /** The archive must have ended where tar ends one: two zero blocks (or, as GNU tar accepts, the end of a whole entry). */
  end(): void {
    if (this.sink || this.skip > 0 || this.pending.some((b) => b !== 0)) throw bad(this.what, 'it is truncated');
  }

  close(): void {
    if (this.openFd !== null) fs.closeSync(this.openFd);
    this.openFd = null;
  }

  private finishEntry(): void {
    const sink = this.sink as Sink;
    this.sink = null;
    sink.finish();
    this.skip = sink.pad;
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      if (++this.zeros === 2) this.ended = true;
      return;
    }
    this.zeros = 0;
    const h = this.parseHeader(block);
    if (h.type === 'x' || h.type === 'g' || h.type === 'L' || h.type === 'K') {
      const parts: Buffer[] = [];
      return this.begin(h.size, { write: (b) => parts.push(Buffer.from(b)), finish: () => this.meta(h.type, Buffer.concat(parts)) });
    }
    const meta = this.next;
    this.next = {};
    this.entry({ ...h, size: meta.size ?? h.size }, meta);
  }

  /** The next `size` bytes (and their padding) go to `sink`. */
  private begin(size: number, sink: Omit<Sink, 'left' | 'pad'>): void {
    this.sink = { left: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, ...sink };
    if (size === 0) this.finishEntry();
  }

  private entry(h: Header, meta: { path?: string; linkpath?: string }): void {
    const name = meta.path ?? h.name;
    const target = this.place(name);
    if (h.type === '0' || h.type === '\0' || h.type === '7') return this.begin(h.size, this.fileSink(target, h));
    if (h.size > 0 && h.type !== '5') throw bad(this.what, `${name} is a link or directory with data`);
    if (h.type === '5') this.makeDir(target);
    else if (h.type === '2') this.makeSymlink(target, name, meta.linkpath ?? h.linkname);
    else if (h.type === '1') this.makeHardlink(target, this.place(meta.linkpath ?? h.linkname));
    else throw bad(this.what, `${name} is not a file, directory or link (tar type ${JSON.stringify(h.type)})`);
    this.begin(h.size, { write: () => {}, finish: () => {} });
  }

  private parseHeader(block: Buffer): Header {
    const text = (from: number, len: number) => {
      const field = block.subarray(from, from + len);
      const nul = field.indexOf(0);
      return field.subarray(0, nul === -1 ? len : nul).toString('utf8');
    };
    const checksum = octal(text(148, 8));
    let sum = 8 * 0x20;
    for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
    if (checksum !== sum) throw bad(this.what, 'a header is corrupt (its checksum does not match)');
    // POSIX ustar's magic (GNU's old format, `ustar  `, keeps other fields where the prefix would be).
    const ustar = text(257, 6) === 'ustar';
    const prefix = ustar ? text(345, 155) : '';
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    const size = numeric(block.subarray(124, 136));
    return {
      name,
      mode: octal(text(100, 8)),
      size,
      mtime: numeric(block.subarray(136, 148)),
      type: text(156, 1) || '\0',
      linkname: text(157, 100),
    };
  }

  /** A pax header's `path`, `linkpath` and `size`, or a GNU long name, for the entry after it. */
  private meta(type: string, data: Buffer): void {
    if (type === 'L') this.next.path = data.toString('utf8').replace(/\0+$/, '');
    else if (type === 'K') this.next.linkpath = data.toString('utf8').replace(/\0+$/, '');
    else if (type === 'x') {
      let at = 0;
      while (at < data.length) {
        const space = data.indexOf(0x20, at);
        const len = Number(data.subarray(at, space).toString('ascii'));
        if (space === -1 || !Number.isInteger(len) || len <= 0) throw bad(this.what, 'a pax header is corrupt');
        const record = data.subarray(space + 1, at + len - 1).toString('utf8');
        const eq = record.indexOf('=');
        const [key, value] = [record.slice(0, eq), record.slice(eq + 1)];
        if (key === 'path') this.next.path = value;
        else if (key === 'linkpath') this.next.linkpath = value;
        else if (key === 'size') this.next.size = Number(value);
        at += len;
      }
    }
  }

  /** Where entry `name` goes: a relative path without `..`, inside the destination, through no symlink. */
  private place(name: string): string {
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (name.startsWith('/') || parts.length === 0 || parts.some((p) => p === '..' || p.includes('\\') || p.includes('\0')))
      throw bad(this.what, `${JSON.stringify(name)} is not a path inside the archive`);
    const target = path.join(this.dest, ...parts);
    const parent = nativeRealpath(path.dirname(target));
    if (parent !== null && parent !== this.dest && !isInside(parent, this.dest))
      throw bad(this.what, `${JSON.stringify(name)} would be written through a link out of the archive`);
    return target;
  }

  private makeDir(target: string): void {
    if (!lstatOrNull(target)?.isDirectory()) fs.mkdirSync(target, { recursive: true });
  }

  private clear(target: string): void {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const st = lstatOrNull(target);
    if (st?.isDirectory()) throw bad(this.what, `${path.relative(this.dest, target)} is both a directory and a file`);
    if (st) fs.unlinkSync(target);
  }

  private fileSink(target: string, h: Header): Omit<Sink, 'left' | 'pad'> {
    this.clear(target);
    const fd = fs.openSync(target, 'wx', h.mode & 0o777 || 0o644);
    this.openFd = fd;
    return {
      write: (bytes) => {
        fs.writeSync(fd, bytes);
      },
      finish: () => {
        fs.futimesSync(fd, h.mtime, h.mtime);
        this.close();
      },
    };
  }

  private makeSymlink(target: string, name: string, linkname: string): void {
    const resolved = path.resolve(path.dirname(target), linkname);
    if (path.isAbsolute(linkname) || (resolved !== this.dest && !isInside(resolved, this.dest)))
      throw bad(this.what, `${name} links to ${linkname}, outside the archive`);
    this.clear(target);
    fs.symlinkSync(linkname, target);
  }

  private makeHardlink(target: string, source: string): void {
    if (!lstatOrNull(source)?.isFile())
      throw bad(this.what, `${path.relative(this.dest, target)} is a hard link to a file it does not hold`);
    this.clear(target);
    fs.linkSync(source, target);
  }
}

/**
 * The path the kernel resolves `p` to, or null when it does not exist. Not fs.realpathSync: that
 * joins a link's target to its folder as text, so `up → b/../..` with `b → .` comes out one folder
 * too deep — inside the destination, where the kernel writes outside it.
 */
function nativeRealpath(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

function octal(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : Number.parseInt(t, 8);
}

/** A size or mtime field: octal text, or (GNU, for large values) base-256 with the high bit set. */
function numeric(field: Buffer): number {
  if (((field[0] as number) & 0x80) === 0) return octal(field.toString('latin1').replace(/\0.*$/, ''));
  let n = (field[0] as number) & 0x7f;
  for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] as number);
  return n;
}
