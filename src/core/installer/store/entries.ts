/**
 * The wheel store on disk (docs/architecture.md, "The wheel store"): content-addressed entries in
 * the data home, so that links from them into generations stay on one filesystem.
 *
 *   store/wheels/<sha256>/            a wheel unpacked as it installs (helper.ts), tpx-entry.json
 *   store/bytecode/<sha256>-<tag>/    its `.pyc` files for one Python (`cpython-312`), tpx-bytecode.json
 *   store/tmp/<pid>-<hex>/            entries being made, with their maker's owner record
 *
 * An entry is made in tmp/ and published by one rename, so a reader (or a kill -9) never sees half
 * of one; a rename that finds the entry there already (another tpx made it meanwhile) keeps that
 * one. Files in entries are read-only: hard links share them between tools. Each generation that
 * used entries names them in its `tpx-store.json` (written before anything is linked), which is
 * what prune keeps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { readTextOrNull, readdirOrEmpty, uniqueSuffix, writeFileAtomic } from '../../base/fsx.js';
import { removeMine } from '../../base/gate.js';
import { isOwnerGone, writeOwnerRecord } from '../../base/mutex.js';
import type { Paths } from '../../base/paths.js';
import type { BytecodeManifest, EntryManifest } from './helper.js';

export const ENTRY_FILE = 'tpx-entry.json';
export const BYTECODE_FILE = 'tpx-bytecode.json';
/** In a generation: the store entries it links to, and what it installed (an exact source for a rebuild). */
export const GENERATION_FILE = 'tpx-store.json';

const SHA256 = /^[0-9a-f]{64}$/;
const BYTECODE_NAME = /^([0-9a-f]{64})-([a-z]+-\d+)$/;

export function wheelsDir(paths: Pick<Paths, 'store'>): string {
  return path.join(paths.store, 'wheels');
}

export function wheelEntry(paths: Pick<Paths, 'store'>, sha256: string): string {
  return path.join(wheelsDir(paths), sha256);
}

export function bytecodeEntry(paths: Pick<Paths, 'store'>, sha256: string, tag: string): string {
  return path.join(paths.store, 'bytecode', `${sha256}-${tag}`);
}

/** A published entry's manifest, or null when there is none (not published, or not readable as one). */
export function readEntry(paths: Pick<Paths, 'store'>, sha256: string): EntryManifest | null {
  const m = readJson<EntryManifest>(path.join(wheelEntry(paths, sha256), ENTRY_FILE));
  return m && validEntry(m) ? m : null;
}

export function readBytecode(paths: Pick<Paths, 'store'>, sha256: string, tag: string): BytecodeManifest | null {
  const m = readJson<BytecodeManifest>(path.join(bytecodeEntry(paths, sha256, tag), BYTECODE_FILE));
  return m && Array.isArray(m.files) && m.files.every(isRelative) ? m : null;
}

/**
 * A manifest names the paths materialise.ts writes (and replaces) in a venv: read back from disk,
 * it is trusted only when each is a plain relative path that stays where it is put, each place one
 * of the three, each script name one file name, and the dist-info one folder name.
 */
function validEntry(m: EntryManifest): boolean {
  const str = (v: unknown): v is string => typeof v === 'string';
  return (
    str(m.name) &&
    str(m.version) &&
    str(m.distInfo) &&
    isRelative(m.distInfo) &&
    !m.distInfo.includes('/') &&
    m.distInfo.endsWith('.dist-info') &&
    Array.isArray(m.record) &&
    m.record.every((r) => Array.isArray(r) && r.length === 3 && r.every(str)) &&
    Array.isArray(m.files) &&
    m.files.every((f) => ['site', 'data', 'scripts'].includes(f?.place) && isRelative(f.path) && str(f.member)) &&
    Array.isArray(m.scripts) &&
    m.scripts.every((x) => str(x?.name) && isRelative(x.name) && !x.name.includes('/') && str(x.module) && str(x.func))
  );
}

/** A `/`-separated path with no empty, `.` or `..` segment, nothing absolute, no backslash or NUL. */
function isRelative(p: unknown): p is string {
  return typeof p === 'string' && !/[\\\0]/.test(p) && p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function readJson<T extends { schema: number }>(file: string): T | null {
  const text = readTextOrNull(file);
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as T;
    return v && v.schema === 1 ? v : null;
  } catch {
    return null;
  }
}

/**
 * A work dir in store/tmp/ with this process's owner record, for `work`; removed afterwards and on
 * an interrupt. One a killed tpx left is removed by prune and `doctor --fix` once its owner is gone.
 */
export async function withStoreTemp<T>(ctx: Context, work: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = path.join(ctx.paths.store, 'tmp', uniqueSuffix());
  fs.mkdirSync(tmp, { recursive: true });
  writeOwnerRecord(path.join(tmp, 'owner'));
  const remove = () => removeMine(ctx, tmp);
  const undo = ctx.interrupts.register(remove);
  try {
    return await work(tmp);
  } finally {
    undo();
    remove();
  }
}

/**
 * Publishes `dir` (made in store/tmp/, its manifest written last) as `target` with one rename.
 * Another tpx may have published the same entry meanwhile: then that one stays and `dir` is left
 * for the caller's temp dir to remove.
 */
export function publish(dir: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    fs.renameSync(dir, target);
  } catch (err) {
    if (!fs.existsSync(target)) throw err;
  }
}

export function writeManifest(dir: string, name: string, manifest: object): void {
  writeFileAtomic(path.join(dir, name), `${JSON.stringify(manifest)}\n`, 0o444);
}

/** What a generation records of the store: the entries it links to and what was installed. */
export interface GenerationRecord {
  schema: 1;
  /** `<sha256>` (wheel entries) and `<sha256>-<tag>` (bytecode entries). */
  entries: string[];
  /** The installs made into it, each an exact source for rebuilding it (installer.ts). */
  installs: RecordedInstall[];
}

export interface RecordedInstall {
  /** What decided the resolution (installer.ts, `jobKey`): the same key replays it. */
  key: string;
  /** The interpreter it was resolved for: `<executable> <version>`. */
  python: string;
  dists: RecordedDist[];
}

export interface RecordedDist {
  name: string;
  version: string;
  sha256: string;
  url: string;
  requested: boolean;
  direct: boolean;
  /** PEP 610 data pip would write as `direct_url.json` (direct dists only). */
  downloadInfo: unknown;
}

export function readGeneration(venv: string): GenerationRecord | null {
  const r = readJson<GenerationRecord>(path.join(venv, GENERATION_FILE));
  return r && Array.isArray(r.entries) && Array.isArray(r.installs) ? r : null;
}

/** The wheel entries (by sha256) a generation's venv links files from; none for a venv pip alone made. */
export function storeWheelsOf(venv: string): string[] {
  return (readGeneration(venv)?.entries ?? []).filter((e) => SHA256.test(e));
}

/** Adds entries and an install to a generation's record (a venv gets one per install: `--preinstall`, then the main one). */
export function recordInGeneration(venv: string, entries: string[], install: RecordedInstall | null): void {
  const had = readGeneration(venv) ?? { schema: 1, entries: [], installs: [] };
  const next: GenerationRecord = {
    schema: 1,
    entries: [...new Set([...had.entries, ...entries])],
    installs: install ? [...had.installs, install] : had.installs,
  };
  writeFileAtomic(path.join(venv, GENERATION_FILE), `${JSON.stringify(next)}\n`);
}

/** Every entry of the store, by kind (names that are not an entry's are not listed). */
export function listEntries(paths: Pick<Paths, 'store'>): { wheels: string[]; bytecode: string[]; temps: string[] } {
  return {
    wheels: readdirOrEmpty(wheelsDir(paths)).filter((n) => SHA256.test(n)),
    bytecode: readdirOrEmpty(path.join(paths.store, 'bytecode')).filter((n) => BYTECODE_NAME.test(n)),
    temps: readdirOrEmpty(path.join(paths.store, 'tmp')),
  };
}

/** Entries that every generation (installed tools' and the run cache's) refers to. */
export function entriesInUse(envDirs: string[]): Set<string> {
  const used = new Set<string>();
  for (const envs of envDirs)
    for (const gen of readdirOrEmpty(envs)) for (const e of readGeneration(path.join(envs, gen))?.entries ?? []) used.add(e);
  return used;
}

/** The wheel entry a bytecode entry belongs to. */
export function bytecodeWheel(name: string): string {
  return BYTECODE_NAME.exec(name)?.[1] ?? '';
}

/** A temp dir of store/tmp/ whose maker is gone (its owner record says so, or it never got one and is old). */
export function isAbandoned(tmp: string): boolean {
  const owner = path.join(tmp, 'owner');
  if (fs.existsSync(owner)) return isOwnerGone(owner, false);
  try {
    return Date.now() - fs.statSync(tmp).mtimeMs > 60_000;
  } catch {
    return false;
  }
}

/**
 * Removes what no generation uses: wheel entries (with their bytecode), bytecode entries of no
 * used wheel, and temp dirs whose maker is gone. Every removal goes through the delete gate.
 * Returns the paths removed.
 */
export function pruneStore(ctx: Context, envDirs: string[]): string[] {
  const used = entriesInUse(envDirs);
  const { wheels, bytecode, temps } = listEntries(ctx.paths);
  const removed: string[] = [];
  const remove = (p: string) => {
    removeMine(ctx, p);
    removed.push(p);
  };
  for (const b of bytecode) if (!used.has(b) || !used.has(bytecodeWheel(b))) remove(path.join(ctx.paths.store, 'bytecode', b));
  for (const w of wheels) if (!used.has(w)) remove(wheelEntry(ctx.paths, w));
  for (const t of temps) if (isAbandoned(path.join(ctx.paths.store, 'tmp', t))) remove(path.join(ctx.paths.store, 'tmp', t));
  return removed;
}

/** Bytes on disk under `dir`, each inode counted once (hard links into venvs do not double it). */
export function diskUsage(dir: string, seen = new Set<string>()): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n.name);
      if (n.isDirectory()) {
        walk(p);
        continue;
      }
      const st = fs.lstatSync(p, { bigint: false, throwIfNoEntry: false });
      if (!st) continue;
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id)) continue;
      seen.add(id);
      bytes += st.blocks * 512;
      files++;
    }
  };
  walk(dir);
  return { bytes, files };
}

/**
 * What is wrong with a published wheel entry, found from disk: its manifest missing or unreadable,
 * a file it lists missing, writable, or of another size or hash than the wheel's RECORD says.
 * Null when it is intact.
 */
export async function entryProblem(paths: Pick<Paths, 'store'>, sha256: string): Promise<string | null> {
  const m = readEntry(paths, sha256);
  if (!m) return `its ${ENTRY_FILE} is missing or unreadable`;
  const { createHash } = await import('node:crypto');
  const rows = new Map(m.record.map((r) => [r[0], r]));
  for (const f of m.files) {
    const file = path.join(wheelEntry(paths, sha256), f.place, f.path);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st) return `${f.place}/${f.path} is missing`;
    if ((st.mode & 0o222) !== 0) return `${f.place}/${f.path} is writable (entries are read-only)`;
    const row = rows.get(f.member);
    const [algo, want] = (row?.[1] ?? '').split('=');
    if (!algo || want === undefined) continue;
    const got = createHash(algo).update(fs.readFileSync(file)).digest('base64url');
    if (got !== want) return `${f.place}/${f.path} does not match the wheel's RECORD hash`;
  }
  return null;
}
