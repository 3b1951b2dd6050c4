/**
 * A store entry put into a venv as pip 23's `_install_wheel` would install its wheel
 * (docs/architecture.md, "The wheel store"): every file linked from the entry (linkFile: reflink,
 * else hard link, else copy), `.pyc` files from the bytecode entry, and what belongs to this venv
 * written: `.data/scripts` files with a `#!python` line rewritten, console and GUI scripts naming
 * this venv's Python (distlib's template and shebang rule), INSTALLER, REQUESTED, direct_url.json,
 * and a RECORD pip reads back (rows as pip writes them: the wheel's, rehashed where changed,
 * generated files hashed, `.pyc` files without a hash; sorted; CSV with CRLF).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isErrno } from '../../base/errors.js';
import type { LinkMode } from '../../base/platform.js';
import type { EntryFile, EntryManifest } from './helper.js';

/** The venv an entry goes into: its root, site-packages, bin dir and Python. */
export interface Target {
  venv: string;
  site: string;
  bin: string;
  python: string;
}

/** How files are linked in one install: the modes left to try, best first (the first that works is kept). */
export interface Linker {
  modes: LinkMode[];
  /** How many files went each way. */
  counts: Partial<Record<LinkMode, number>>;
}

export interface Materialise {
  entryDir: string;
  manifest: EntryManifest;
  /** The bytecode entry's dir and its `.pyc` paths under `site/`. */
  bytecode: { dir: string; files: string[] } | null;
  requested: boolean;
  /** direct_url.json's object, for a direct URL or path install. */
  directUrl: unknown;
}

/** Errors that mean "this filesystem cannot do that mode": try the next one. */
const UNSUPPORTED = ['EXDEV', 'ENOTSUP', 'EOPNOTSUPP', 'EINVAL', 'EPERM', 'ENOSYS', 'EMLINK', 'ETXTBSY'];

/**
 * Puts `src` (read-only, in the store) at `dest`: the linker's current mode, falling back along its
 * list. A clone or copy keeps the source's mode and mtime, so `.pyc` files stay valid for it. A file
 * already at `dest` (two distributions shipping one path: the later wins, as with pip) is unlinked
 * first, never written through: it may be another entry's file.
 */
export function linkFile(linker: Linker, src: string, dest: string): void {
  for (;;) {
    const mode = linker.modes[0];
    if (!mode) throw new Error(`no way to put ${src} at ${dest}`);
    try {
      if (mode === 'hardlink') fs.linkSync(src, dest);
      else {
        const excl = fs.constants.COPYFILE_EXCL | (mode === 'clone' ? fs.constants.COPYFILE_FICLONE_FORCE : 0);
        fs.copyFileSync(src, dest, excl);
        const st = fs.statSync(src);
        fs.chmodSync(dest, st.mode & 0o7777);
        fs.utimesSync(dest, st.atime, st.mtime);
      }
      linker.counts[mode] = (linker.counts[mode] ?? 0) + 1;
      return;
    } catch (err) {
      if (isErrno(err, 'EEXIST')) {
        fs.rmSync(dest, { force: true });
        continue;
      }
      if (!UNSUPPORTED.some((code) => isErrno(err, code))) throw err;
      // Too many links to one file is that file's limit: copy it, keep hard-linking the rest.
      if (isErrno(err, 'EMLINK') && mode === 'hardlink') {
        linkFile({ modes: ['copy'], counts: linker.counts }, src, dest);
        return;
      }
      fs.rmSync(dest, { force: true });
      linker.modes.shift();
    }
  }
}

/** A file's sha256 as RECORD writes it (urlsafe base64, no padding); node:crypto is loaded by the caller, lazily. */
export type Sha256 = (data: Buffer) => string;

/** Installs one entry into `t`, RECORD last. */
export function materialise(t: Target, m: Materialise, linker: Linker, installer: string, sha256: Sha256): void {
  const { manifest } = m;
  const made = new Set<string>();
  const dirOf = (file: string) => {
    const d = path.dirname(file);
    if (!made.has(d)) {
      fs.mkdirSync(d, { recursive: true });
      made.add(d);
    }
  };
  const recordPath = (file: string) => path.relative(t.site, file).split(path.sep).join('/');
  const installed = new Map<string, string>();
  const changed = new Set<string>();
  const generated: string[] = [];
  const recordFile = `${manifest.distInfo}/RECORD`;
  for (const f of manifest.files) {
    const dest = placeOf(t, f);
    installed.set(f.member, recordPath(dest));
    if (f.member === recordFile) continue;
    dirOf(dest);
    const src = path.join(m.entryDir, f.place, f.path);
    if (f.shebang) {
      writeFixedScript(src, dest, f.exec, t.python);
      changed.add(recordPath(dest));
    } else linkFile(linker, src, dest);
  }
  const pycs: string[] = [];
  for (const rel of m.bytecode?.files ?? []) {
    const dest = path.join(t.site, rel);
    dirOf(dest);
    linkFile(linker, path.join(m.bytecode?.dir ?? '', 'site', rel), dest);
    pycs.push(recordPath(dest));
  }
  for (const s of manifest.scripts) {
    const dest = path.join(t.bin, s.name);
    dirOf(dest);
    writeScript(dest, shebang(t.python) + scriptBody(s.module, s.func));
    generated.push(dest);
  }
  const info = path.join(t.site, manifest.distInfo);
  fs.mkdirSync(info, { recursive: true });
  generated.push(writeGenerated(path.join(info, 'INSTALLER'), `${installer}\n`));
  if (m.directUrl !== null && m.directUrl !== undefined)
    generated.push(writeGenerated(path.join(info, 'direct_url.json'), pyJson(m.directUrl)));
  if (m.requested) generated.push(writeGenerated(path.join(info, 'REQUESTED'), ''));
  const rows = recordRows(sha256, manifest.record, installed, changed, generated, pycs, t.site);
  writeGenerated(path.join(info, 'RECORD'), rows.map(csvRow).join(''));
}

function placeOf(t: Target, f: EntryFile): string {
  const base = f.place === 'site' ? t.site : f.place === 'data' ? t.venv : t.bin;
  return path.join(base, ...f.path.split('/'));
}

/** pip's `fix_script`: `#!python…` → `#!<this venv's python>`, the rest as it is; pip's mode for the file. */
function writeFixedScript(src: string, dest: string, exec: boolean, python: string): void {
  const data = fs.readFileSync(src);
  const nl = data.indexOf(0x0a);
  const rest = nl < 0 ? Buffer.alloc(0) : data.subarray(nl + 1);
  fs.rmSync(dest, { force: true });
  fs.writeFileSync(dest, Buffer.concat([Buffer.from(`#!${python}\n`), rest]), { mode: exec ? 0o777 : 0o666 });
  if (exec) fs.chmodSync(dest, fs.statSync(dest).mode | 0o111);
}

/** distlib's write, then its `set_executable_mode`: the umask's mode plus r-x for all. */
function writeScript(dest: string, text: string): void {
  fs.rmSync(dest, { force: true });
  fs.writeFileSync(dest, text);
  fs.chmodSync(dest, (fs.statSync(dest).mode | 0o555) & 0o7777);
}

function writeGenerated(file: string, text: string): string {
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, text);
  return file;
}

/** distlib's `_build_shebang` on POSIX: the path itself, or the `/bin/sh` trampoline when it is long or has a space. */
export function shebang(python: string): string {
  const exe = python.includes(' ') ? `"${python}"` : python;
  if (!python.includes(' ') && Buffer.byteLength(exe) + 3 <= 127) return `#!${exe}\n`;
  return `#!/bin/sh\n'''exec' ${exe} "$0" "$@"\n' '''\n`;
}

/** distlib's SCRIPT_TEMPLATE (pip 23). */
export function scriptBody(module: string, func: string): string {
  return [
    '# -*- coding: utf-8 -*-',
    'import re',
    'import sys',
    `from ${module} import ${func.split('.')[0]}`,
    "if __name__ == '__main__':",
    "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])",
    `    sys.exit(${func}())`,
    '',
  ].join('\n');
}

/** pip's `get_csv_rows_for_installed` then `_normalized_outrows`. */
export function recordRows(
  sha256: Sha256,
  record: [string, string, string][],
  installed: Map<string, string>,
  changed: Set<string>,
  generated: string[],
  pycs: string[],
  site: string,
): [string, string, string][] {
  const rows: [string, string, string][] = [];
  const rel = (file: string) => path.relative(site, file).split(path.sep).join('/');
  for (const [old, hash, size] of record) {
    const now = installed.get(old) ?? old;
    rows.push(changed.has(now) ? [now, ...rehash(sha256, path.join(site, now))] : [now, hash, size]);
  }
  for (const g of generated) rows.push([rel(g), ...rehash(sha256, g)]);
  for (const p of pycs) rows.push([p, '', '']);
  return rows.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]) || cmp(a[2], b[2]));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rehash(sha256: Sha256, file: string): [string, string] {
  const data = fs.readFileSync(file);
  return [`sha256=${sha256(data)}`, String(data.length)];
}

/** Python's csv.writer (excel dialect) for one row: quoted only when needed, CRLF. */
export function csvRow(row: string[]): string {
  return `${row.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\r\n`;
}

/** Python's `json.dumps(value, sort_keys=True)`: `, ` and `: ` separators, non-ASCII escaped. */
export function pyJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${pyJson(k)}: ${pyJson(o[k])}`)
    .join(', ')}}`;
}
