/**
 * PEP 751 lock files (`pylock.toml`; https://packaging.python.org/specifications/pylock-toml/):
 * writing and reading the format. tpx writes one single-use lock per tool, `pylock.<tool>.toml` (the
 * PEP's name for a named lock), for the one environment it was resolved in: `requires-python` is
 * that Python's minor version and `environments` its platform, so another one is refused before
 * anything is built. Every distribution has exactly one file, with its sha256. `[tool.tpx]` holds
 * the tool's request in tpx.toml's own fields, paths relative to the lock, so a sync can tell
 * whether the lock still matches the file. Nothing here runs pip: see locking.ts.
 */
import * as path from 'node:path';
import { TpxError } from '../base/errors.js';
import { isSafeFileName, isValidDistName, normalizeName } from './names.js';
import { loadToml } from './toml.js';

/** One distribution file: a wheel, an sdist, or an archive named by URL. */
export interface LockedFile {
  /** Its file name (`black-24.1.0-py3-none-any.whl`). */
  name: string;
  url: string | null;
  /** A local file, relative to the lock (made absolute when read). */
  path: string | null;
  /** Algorithm → hex digest; at least one. */
  hashes: Record<string, string>;
}

export interface LockedPackage {
  name: string;
  version: string | null;
  marker: string | null;
  requiresPython: string | null;
  index: string | null;
  wheels: LockedFile[];
  sdist: LockedFile | null;
  /** A direct reference to an archive (a URL spec): installed from there, not from an index. */
  archive: LockedFile | null;
  /** A source tree (a directory, a VCS checkout): it has no hash, so tpx cannot install it locked. */
  unhashable: string | null;
}

export interface Pylock {
  lockVersion: string;
  environments: string[] | null;
  requiresPython: string | null;
  createdBy: string;
  packages: LockedPackage[];
  /** `[tool.tpx]`: the tool and its request, as a tpx.toml table (raw, paths relative to the lock). */
  tpx: { tool: string; table: Record<string, unknown> } | null;
}

/** `pylock.<tool>.toml`: the PEP's form for a named lock file. */
export function lockFileName(key: string): string {
  return `pylock.${key}.toml`;
}

// --- Writing -------------------------------------------------------------------------------------

/**
 * Keys in the order the PEP lists them, written the same way every time (diffs stay small): smol-toml
 * writes a table's values in insertion order, then its sub-tables; a null value is left out.
 */
export async function renderPylock(lock: Pylock): Promise<string> {
  const { stringify } = await loadToml();
  const file = (f: LockedFile) => ({ name: f.name, url: f.url, path: f.path, hashes: f.hashes });
  return stringify({
    'lock-version': lock.lockVersion,
    environments: lock.environments,
    'requires-python': lock.requiresPython,
    'created-by': lock.createdBy,
    packages: lock.packages.map((p) => ({
      name: p.name,
      version: p.version,
      marker: p.marker,
      'requires-python': p.requiresPython,
      index: p.index,
      archive: p.archive && file(p.archive),
      sdist: p.sdist && file(p.sdist),
      wheels: p.wheels.length > 0 ? p.wheels.map(file) : null,
    })),
    tool: lock.tpx && { tpx: { tool: lock.tpx.tool, ...lock.tpx.table } },
  });
}

// --- Reading -------------------------------------------------------------------------------------

/** Reads a lock; every problem is a TpxError (bad-lock) naming the file and the field. */
export async function parsePylock(text: string, shown: string): Promise<Pylock> {
  const { parse, TomlError } = await loadToml();
  const fail = (why: string) =>
    new TpxError('bad-lock', `${shown}: ${why}`, { hint: 'give a PEP 751 lock file, such as `tpx lock` writes' });
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw fail(`line ${err.line}: invalid TOML: ${err.message.split('\n')[0]}`);
    throw err;
  }
  const dir = path.dirname(path.resolve(shown));
  const r = reader(fail);
  const lockVersion = r.str(data['lock-version'], 'lock-version');
  // The PEP: a tool must refuse a major version it does not know.
  if (!/^1(\.\d+)*$/.test(lockVersion)) throw fail(`lock-version is ${JSON.stringify(lockVersion)}: this tpx reads version 1 lock files`);
  const packages = r.list(data.packages, 'packages').map((p, i) => {
    const at = `packages[${i}]`;
    const t = r.table(p, at);
    const name = r.str(t.name, `${at}.name`);
    if (!isValidDistName(name)) throw fail(`${at}.name ${JSON.stringify(name)} is not a package name`);
    const fileAt = (v: unknown, where: string): LockedFile => {
      const f = r.table(v, where);
      const url = r.opt(f.url, `${where}.url`);
      const local = r.opt(f.path, `${where}.path`);
      if (url === null && local === null) throw fail(`${where} has neither url nor path`);
      const hashes = r.table(f.hashes, `${where}.hashes`);
      const known = Object.entries(hashes).filter(
        ([algo, digest]) => typeof digest === 'string' && /^[0-9a-f]+$/i.test(digest) && /^sha(256|384|512)$/.test(algo),
      );
      if (known.length === 0) throw fail(`${where}.hashes has no sha256, sha384 or sha512 hash`);
      const named = r.opt(f.name, `${where}.name`) ?? path.posix.basename((url ?? local ?? '').split(/[?#]/)[0] ?? '');
      if (!isSafeFileName(named)) throw fail(`${where}.name ${JSON.stringify(named)} is not a file name`);
      return {
        name: named,
        url,
        path: local === null ? null : path.resolve(dir, local),
        hashes: Object.fromEntries(known.map(([a, d]) => [a, (d as string).toLowerCase()])),
      };
    };
    const unhashable = t.directory !== undefined ? 'a directory' : t.vcs !== undefined ? 'a version-control checkout' : null;
    return {
      name,
      version: r.opt(t.version, `${at}.version`),
      marker: r.opt(t.marker, `${at}.marker`),
      requiresPython: r.opt(t['requires-python'], `${at}.requires-python`),
      index: r.opt(t.index, `${at}.index`),
      wheels: t.wheels === undefined ? [] : r.list(t.wheels, `${at}.wheels`).map((w, j) => fileAt(w, `${at}.wheels[${j}]`)),
      sdist: t.sdist === undefined ? null : fileAt(t.sdist, `${at}.sdist`),
      archive: t.archive === undefined ? null : fileAt(t.archive, `${at}.archive`),
      unhashable,
    };
  });
  const tool = data.tool === undefined ? null : r.table(data.tool, 'tool').tpx;
  let tpx: Pylock['tpx'] = null;
  if (tool !== undefined && tool !== null) {
    const { tool: name, ...table } = r.table(tool, 'tool.tpx');
    tpx = { tool: r.str(name, 'tool.tpx.tool'), table };
  }
  return {
    lockVersion,
    environments:
      data.environments === undefined ? null : r.list(data.environments, 'environments').map((e, i) => r.str(e, `environments[${i}]`)),
    requiresPython: r.opt(data['requires-python'], 'requires-python'),
    createdBy: r.opt(data['created-by'], 'created-by') ?? '',
    packages,
    tpx,
  };
}

function reader(fail: (why: string) => TpxError) {
  const shown = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));
  return {
    str(v: unknown, field: string): string {
      if (typeof v !== 'string' || v === '') throw fail(`${field} is ${shown(v)}, not a non-empty string`);
      return v;
    },
    opt(v: unknown, field: string): string | null {
      if (v === undefined) return null;
      if (typeof v !== 'string') throw fail(`${field} is ${shown(v)}, not a string`);
      return v;
    },
    list(v: unknown, field: string): unknown[] {
      if (!Array.isArray(v)) throw fail(`${field} is ${shown(v)}, not a list`);
      return v;
    },
    table(v: unknown, field: string): Record<string, unknown> {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(`${field} is ${shown(v)}, not a table`);
      return v as Record<string, unknown>;
    },
  };
}

/** The package of the lock named NAME (normalised), if it has one. */
export function lockedPackage(lock: Pylock, name: string): LockedPackage | undefined {
  return lock.packages.find((p) => normalizeName(p.name) === normalizeName(name));
}
