/**
 * `tpx doctor --verify`: a tool's installed files against what its distributions' RECORD files say
 * (docs/architecture.md, "Verified tool files"). Every file a RECORD lists with a hash is hashed
 * again: a different hash is *changed*, a file that is not there *deleted*; a file in site-packages
 * that no RECORD lists is *added*. Bytecode Python writes for itself (`__pycache__/*.pyc` of a
 * listed `.py`) is not counted as added, and an app tpx made start Python with `-E`
 * (venv.isolateApps) is compared as pip wrote it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { listDists, readRecord } from '../packaging/distinfo.js';
import { sitePackages, withoutIsolation } from '../python/venv.js';

export interface Tampering {
  changed: string[];
  added: string[];
  deleted: string[];
  /** Distributions without a RECORD: their files cannot be checked. */
  unrecorded: string[];
}

/** What differs from the RECORDs in the venv at `venv`; paths relative to the venv. */
export async function verifyVenv(ctx: Context, venv: string): Promise<Tampering> {
  const site = sitePackages(ctx, venv);
  const out: Tampering = { changed: [], added: [], deleted: [], unrecorded: [] };
  const listed = new Set<string>();
  const hash = await hasher();
  for (const dist of listDists(site)) {
    const record = readRecord(dist, site);
    if (record === null) {
      out.unrecorded.push(dist.name);
      continue;
    }
    for (const { file, hash: recorded } of record) {
      listed.add(file);
      if (!fs.existsSync(file)) out.deleted.push(file);
      else if (recorded !== '' && !matches(hash, file, recorded)) out.changed.push(file);
    }
  }
  for (const file of filesUnder(site)) if (!listed.has(file) && !isOwnBytecode(file, listed)) out.added.push(file);
  const rel = (files: string[]) => files.map((f) => path.relative(venv, f)).sort();
  return { changed: rel(out.changed), added: rel(out.added), deleted: rel(out.deleted), unrecorded: out.unrecorded };
}

type Hasher = (algorithm: string, data: Buffer) => string;

async function hasher(): Promise<Hasher> {
  // Imported here: node:crypto costs every command's start-up ~5 ms (bench/RESULTS.md).
  const { createHash } = await import('node:crypto');
  return (algorithm, data) => createHash(algorithm).update(data).digest('base64url');
}

/** Whether `file` has the RECORD hash `recorded` (`sha256=…`), as it is or as pip wrote it before `-E` was added. */
function matches(hash: Hasher, file: string, recorded: string): boolean {
  const eq = recorded.indexOf('=');
  const [algorithm, digest] = [recorded.slice(0, eq), recorded.slice(eq + 1)];
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
    if (hash(algorithm, data) === digest) return true;
  } catch {
    return false;
  }
  const original = withoutIsolation(data.toString('latin1'));
  return original !== null && hash(algorithm, Buffer.from(original, 'latin1')) === digest;
}

/** `x/__pycache__/m.cpython-312.pyc` (or `.opt-1.pyc`) of a listed `x/m.py`: Python's own cache. */
function isOwnBytecode(file: string, listed: Set<string>): boolean {
  const dir = path.dirname(file);
  if (path.basename(dir) !== '__pycache__' || !file.endsWith('.pyc')) return false;
  const module = path.basename(file).split('.')[0] as string;
  return listed.has(path.join(path.dirname(dir), `${module}.py`));
}

/** Every file (not directory) under `dir`, symlinks as files. */
function filesUnder(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}
