import * as fs from 'node:fs';
import * as path from 'node:path';
import { TpxError } from '../base/errors.js';
import { isValidDistName, normalizeName } from './names.js';
import type { Place } from '../base/context.js';
import { expandHome } from '../base/paths.js';
import { parseSpecifiers, pinnedVersion } from './pep440.js';
import type { Specifier, SpecifierSet } from './pep440.js';

/**
 * What the user asked to install. A requirement names its distribution up front, which lets
 * `install` answer "already installed" without spawning anything; for paths and URLs the name is
 * only known once pip has reported what it installed.
 */
export type Spec =
  | { kind: 'requirement'; spec: string; name: string; pinned: boolean }
  /** `path`: the file or directory itself; `spec` adds the extras asked for (`/work/proj[cli]`), as pip takes it. */
  | { kind: 'path'; spec: string; path: string; name: string | null }
  | { kind: 'url'; spec: string; name: string | null };

const SPECIFIER = String.raw`\s*(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9_.*+!-]+\s*`;
const REQUIREMENT = new RegExp(
  String.raw`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*` + // name
    String.raw`(\[\s*(?:[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:,\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*)*)?\])?\s*` + // extras
    String.raw`(?:(\(?${SPECIFIER}(?:,${SPECIFIER})*\)?)|@\s*([a-z][a-z0-9+.-]*:\S+))?\s*` + // versions or direct URL
    String.raw`(?:;\s*(.+))?$`, // environment marker: checked by pip
);

/** The version specifiers of a requirement (`>=22,<23`, `(==1.0)`), checked as PEP 440; null if there are none. */
function versionsOf(raw: string, m: RegExpExecArray): SpecifierSet | null {
  const text = m[3]?.trim().replace(/^\((.*)\)$/s, '$1');
  if (text === undefined) return null;
  const set = parseSpecifiers(text);
  if (!set) throw badSpec(raw, `${text} is not a PEP 440 version specifier`);
  return set;
}

/** Where a recorded spec is read: it was made absolute when it was asked for, so it needs no directory or `~`. */
export const RECORDED: Place = { cwd: '/', env: {} };

/** Parses SPEC as pip would accept it; a malformed one fails here, before any venv exists. */
export function parseSpec(raw: string, at: Place): Spec {
  const spec = raw.trim();
  if (spec === '') throw badSpec(raw, 'the package spec is empty');
  if (isUrl(spec)) return { kind: 'url', spec, name: nameFromFile(spec) };
  if (looksLikePath(spec)) {
    const { file, extras } = pathAndExtras(spec, at);
    if (file === null) {
      throw new TpxError('no-such-path', `${spec}: no such file or directory`, {
        hint: 'give the path of a project directory, a .whl or an sdist; or a package name like `black`',
      });
    }
    return { kind: 'path', spec: `${file}${extras}`, path: file, name: nameFromFile(file) };
  }
  const m = REQUIREMENT.exec(spec);
  if (!m) throw badSpec(raw, 'it is not a valid requirement');
  const versions = versionsOf(raw, m);
  // Upgrades drop a pin (and say so).
  return { kind: 'requirement', spec, name: normalizeName(m[1] ?? ''), pinned: versions !== null && pinnedVersion(versions) !== null };
}

/**
 * A path spec made absolute, and the extras it asks for: pip takes `./proj[cli]` as the project
 * `./proj` with its extra `cli`, unless a file of that very name exists. Null: no such file.
 */
function pathAndExtras(spec: string, at: Place): { file: string | null; extras: string } {
  const abs = (p: string) => path.resolve(at.cwd, expandHome(p, at.env));
  if (fs.existsSync(abs(spec))) return { file: abs(spec), extras: '' };
  const m = /^(.+?)(\[\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:,\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*)*\])$/.exec(spec);
  if (!m?.[1] || !fs.existsSync(abs(m[1]))) return { file: null, extras: '' };
  return { file: abs(m[1]), extras: `[${splitExtras((m[2] ?? '').slice(1, -1)).join(',')}]` };
}

/**
 * The spec without its pin (`black[d]==22.12.0; python_version>"3"` → `black[d]; python_version>"3"`),
 * and the pin (`==22.12.0`); null when SPEC is not a pinned requirement. Upgrades install this, as pipx does.
 */
export function dropPin(raw: string): { spec: string; pin: string } | null {
  const m = REQUIREMENT.exec(raw.trim());
  let only: SpecifierSet | null = null;
  try {
    only = m && m[4] === undefined ? versionsOf(raw, m) : null;
  } catch {
    // not PEP 440 (recorded by an older tpx): no pin tpx can drop
  }
  if (!m || !only || pinnedVersion(only) === null) return null;
  const pin = only.specifiers[0] as Specifier;
  return { spec: `${m[1]}${m[2] ?? ''}${m[5] ? `; ${m[5]}` : ''}`, pin: `${pin.operator}${pin.version}` };
}

/** The version specifiers of a requirement (`black>=22,<23` → `>=22,<23`); null for one without any, a path or a URL. */
export function specifiersOf(raw: string): SpecifierSet | null {
  const m = REQUIREMENT.exec(raw.trim());
  if (!m || m[4] !== undefined || isUrl(raw.trim()) || looksLikePath(raw.trim())) return null;
  try {
    return versionsOf(raw, m);
  } catch {
    return null;
  }
}

/** `scheme://…`: a URL spec (`https://…`, `git+https://…`, `file:///…`), or a script's URL. */
export function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** A path rather than a requirement: `./x`, `/x`, `~/x`, `C:\\x`, `a/b`, or an archive's file name — but not `name @ URL`. */
export function looksLikePath(spec: string): boolean {
  if (/^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@/.test(spec)) return false;
  return (
    spec.startsWith('.') ||
    spec.startsWith('/') ||
    spec.startsWith('~') ||
    spec.includes('\\') ||
    /^[A-Za-z]:[\\/]/.test(spec) ||
    isPackageArchive(spec) ||
    (spec.includes('/') && !spec.includes('@'))
  );
}

/**
 * A PEP 723 script to install as a tool: a `.py` file, or an URL whose path ends in `.py`; with `at`,
 * also a file without any extension that holds a `# /// script` block (`./mytool`), as pipx takes one.
 */
export function isScriptSpec(spec: string, at?: Place): boolean {
  const text = spec.trim();
  if (/\.py$/i.test(isUrl(text) ? (text.split(/[?#]/)[0] ?? '') : text)) return isUrl(text) || looksLikePath(text);
  return (
    at !== undefined &&
    !isUrl(text) &&
    looksLikePath(text) &&
    !path.extname(text) &&
    hasScriptBlock(path.resolve(at.cwd, expandHome(text, at.env)))
  );
}

/** Whether `file` is a regular file with a PEP 723 `script` block: only its first 64 KiB are read (a large binary is no script). */
function hasScriptBlock(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      return /^# \/\/\/ script\s*$/m.test(head.subarray(0, n).toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * A script to install, as `tpx run` decides it (core/run/runapp.ts): what isScriptSpec takes, or a bare
 * `tool.py` that is a file in the working directory. A bare `x.py` that is no file here stays a
 * package name (`discord.py` is one on PyPI).
 */
export function isScriptTarget(spec: string, at: Place): boolean {
  if (isScriptSpec(spec, at)) return true;
  const text = spec.trim();
  if (!/\.py$/i.test(text) || isUrl(text)) return false;
  try {
    return fs.statSync(path.resolve(at.cwd, text)).isFile();
  } catch {
    return false;
  }
}

/** A wheel or sdist file name. */
export function isPackageArchive(spec: string): boolean {
  return /\.(whl|zip|tar\.gz|tgz|tar\.bz2)$/i.test(spec);
}

/** `black-22.12.0-py3-none-any.whl` or `black-22.12.0.tar.gz` → `black`; otherwise unknown until pip says. */
function nameFromFile(spec: string): string | null {
  const base = path.basename(spec.split(/[?#]/)[0] ?? '');
  const wheel = /^([A-Za-z0-9_.]+)-[^-]+(?:-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(base);
  if (wheel?.[1] && isValidDistName(wheel[1])) return normalizeName(wheel[1]);
  return null;
}

function badSpec(raw: string, why: string): TpxError {
  return new TpxError('bad-spec', `invalid package spec ${JSON.stringify(raw)}: ${why}`, {
    hint: "use a name with an optional version, e.g. `black`, `black==22.12.0` or 'black[d]>=22', a path, or a URL",
  });
}

/** The extras of a spec that is nothing but `name[extra,…]` (`black[d]`); null for anything else. */
export function extrasOnly(raw: string): { name: string; extras: string[] } | null {
  const m = REQUIREMENT.exec(raw.trim());
  if (!m || m[3] !== undefined || m[4] !== undefined || m[5] !== undefined) return null;
  const extras = extrasOf(raw);
  return extras.length > 0 ? { name: normalizeName(m[1] ?? ''), extras } : null;
}

/**
 * A requirement with its extras changed — `black==22.12.0` + `d` → `black[d]==22.12.0` — keeping
 * the rest (versions, URL, marker) as written. Null when SPEC is not a requirement (a path or URL).
 */
export function withExtras(spec: string, change: { add?: string[]; remove?: string[] }): string | null {
  const m = REQUIREMENT.exec(spec.trim());
  if (!m) return null;
  const name = m[1] ?? '';
  let rest = spec.trim().slice(name.length);
  const current = /^\s*\[([^\]]*)\]/.exec(rest);
  if (current) rest = rest.slice(current[0].length);
  const drop = new Set((change.remove ?? []).map(normalizeName));
  const extras = [...new Set([...splitExtras(current?.[1] ?? ''), ...(change.add ?? [])].map(normalizeName))]
    .filter((e) => !drop.has(e))
    .sort();
  return `${name}${extras.length > 0 ? `[${extras.join(',')}]` : ''}${rest}`;
}

/** The extras a requirement asks for, normalised; a path's (`/work/proj[cli]`) too. */
export function extrasOf(spec: string): string[] {
  const text = spec.trim();
  const inside = looksLikePath(text)
    ? /\[([^\]]*)\]$/.exec(text)?.[1]
    : /^\[([^\]]*)\]/.exec((REQUIREMENT.exec(text)?.[2] ?? '').trim())?.[1];
  return splitExtras(inside ?? '').map(normalizeName);
}

function splitExtras(text: string): string[] {
  return text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}
