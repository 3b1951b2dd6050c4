/**
 * Reads installed distributions straight from `*.dist-info` on disk: what a tool's apps are is
 * decided here without spawning Python.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TpxError } from '../base/errors.js';
import { readTextOrNull, readdirOrEmpty } from '../base/fsx.js';
import { isSafeFileName, normalizeName } from './names.js';
import type { OnPlatform } from '../base/platform.js';

export type AppKind = 'console' | 'gui' | 'script';

export interface App {
  name: string;
  kind: AppKind;
  /** Normalised name of the distribution that provides it. */
  dist: string;
}

export interface Dist {
  name: string;
  version: string;
  dir: string;
  requires: string[];
}

/** Every distribution installed in `site`. */
export function listDists(site: string): Dist[] {
  return readdirOrEmpty(site)
    .filter((d) => d.endsWith('.dist-info'))
    .map((d) => readDist(path.join(site, d)))
    .filter((d): d is Dist => d !== null);
}

function readDist(dir: string): Dist | null {
  const meta = readTextOrNull(path.join(dir, 'METADATA'));
  if (meta === null) return null;
  const header = meta.split(/\r?\n\r?\n/)[0] ?? '';
  const field = (k: string) =>
    header
      .split(/\r?\n/)
      .filter((l) => l.toLowerCase().startsWith(`${k.toLowerCase()}:`))
      .map((l) => l.slice(k.length + 1).trim());
  const name = field('Name')[0];
  const version = field('Version')[0];
  if (!name || !version) return null;
  return { name, version, dir, requires: field('Requires-Dist') };
}

/** `entry_points.txt` is INI: `[console_scripts]` then `name = module:func`. */
export function readEntryPoints(dist: Dist): { console: string[]; gui: string[] } {
  const text = readTextOrNull(path.join(dist.dir, 'entry_points.txt')) ?? '';
  const out = { console: [] as string[], gui: [] as string[] };
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.*)\]$/.exec(line);
    if (sec) {
      section = (sec[1] ?? '').trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq).trim();
    if (section === 'console_scripts') out.console.push(name);
    else if (section === 'gui_scripts') out.gui.push(name);
  }
  return out;
}

/** Every file `RECORD` lists, as an absolute path (RECORD's paths are relative to site-packages). */
function recordFiles(dist: Dist, site: string): string[] {
  return (readRecord(dist, site) ?? []).map((e) => e.file);
}

/** A line of RECORD: the file's absolute path and its hash (`sha256=<urlsafe base64, no padding>`; '' for none: RECORD itself, bytecode). */
export interface RecordEntry {
  file: string;
  hash: string;
}

/** Every line of `dist`'s RECORD (paths made absolute against site-packages); null when it has none. */
export function readRecord(dist: Dist, site: string): RecordEntry[] | null {
  const record = readTextOrNull(path.join(dist.dir, 'RECORD'));
  if (record === null) return null;
  return record
    .split(/\r?\n/)
    .map((line) => {
      const file = parseCsvFirst(line);
      const rest = line.startsWith('"') ? line.slice(line.indexOf('",') + 2) : line.slice(file.length + 1);
      return { file, hash: rest.split(',')[0] ?? '' };
    })
    .filter((e) => e.file !== '')
    .map((e) => ({ file: path.resolve(site, e.file), hash: e.hash }));
}

/** Files `RECORD` places directly in the venv's bin dir (entry-point wrappers and `data/scripts`). */
function recordScripts(dist: Dist, site: string, binDir: string): string[] {
  return recordFiles(dist, site)
    .filter((abs) => path.dirname(abs) === path.resolve(binDir))
    .map((abs) => path.basename(abs));
}

/**
 * What `dist` installed, as text to compare two builds by: RECORD's rows (path and hash), without
 * bytecode (compiled after the install, not what was built) and with the scripts in the venv's bin
 * dir by path only (pip writes each with its own venv's python on the first line).
 */
export function installedContent(dist: Dist, site: string, binDir: string): string {
  const bin = path.resolve(binDir);
  const rows = (readTextOrNull(path.join(dist.dir, 'RECORD')) ?? '').split(/\r?\n/).flatMap((line) => {
    const file = parseCsvFirst(line);
    if (file === '' || file.endsWith('.pyc')) return [];
    return [path.dirname(path.resolve(site, file)) === bin ? file : line];
  });
  return `${dist.name}==${dist.version}\n${rows.sort().join('\n')}`;
}

function parseCsvFirst(line: string): string {
  if (!line.startsWith('"')) return line.split(',')[0] ?? '';
  const end = line.indexOf('",');
  return (end < 0 ? line.slice(1) : line.slice(1, end)).replace(/""/g, '"');
}

/**
 * The apps a distribution provides: its console and gui entry points, plus scripts RECORD puts in
 * the bin dir. An app name that could escape the bin dir refuses the whole install: such a package
 * is broken or hostile, and linking "the rest" would hide that.
 */
export function appsOf(on: OnPlatform, dist: Dist, site: string, binDir: string): App[] {
  const eps = readEntryPoints(dist);
  const dn = normalizeName(dist.name);
  for (const name of [...eps.console, ...eps.gui]) {
    if (!isSafeFileName(name)) {
      throw new TpxError('bad-app-name', `${dist.name} declares an app named ${JSON.stringify(name)}, which is not a plain file name`, {
        hint: 'tpx refuses packages whose entry points could write outside the bin folder; report it to the package author',
      });
    }
  }
  const apps = new Map<string, App>();
  for (const name of eps.console) apps.set(name, { name, kind: 'console', dist: dn });
  for (const name of eps.gui) apps.set(name, { name, kind: 'gui', dist: dn });
  for (const file of recordScripts(dist, site, binDir)) {
    const name = on.platform.appName(file);
    if (!apps.has(name) && !/^(activate|python|pip)/i.test(name) && isSafeFileName(name))
      apps.set(name, { name, kind: 'script', dist: dn });
  }
  // Only what pip actually put in bin can be linked.
  // Code-point order, not localeCompare: its first call loads ICU collation data (~6 ms).
  return [...apps.values()]
    .filter((a) => fs.existsSync(path.join(binDir, appFile(on, a.name))))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The file an app is in the venv's bin dir (Windows: pip's `<app>.exe` launcher). */
export function appFile(on: OnPlatform, name: string): string {
  return on.platform.appFile(name);
}

/**
 * A man page or shell completion file a distribution installs into its venv (a wheel's `.data/data`
 * files land under the venv's root), which tpx links like an app (links.ts).
 */
export interface Resource {
  /** Relative to the venv, with `/`: `share/man/man1/black.1`. */
  path: string;
  /** Normalised name of the distribution that provides it. */
  dist: string;
}

/** Where a resource goes: a man page into `<man dir>/manN/`, a completion file into `<completions dir>/<shell>/`. */
export interface ResourcePlace {
  kind: 'man' | 'completion';
  /** `man1`…`man9`, or `bash`, `zsh`, `fish`. */
  dir: string;
  file: string;
}

const PLACES: [RegExp, ResourcePlace['kind'], (m: RegExpExecArray) => string][] = [
  [/^share\/man\/(man[1-9])\/([^/]+)$/, 'man', (m) => m[1] as string],
  [/^share\/bash-completion\/completions\/([^/]+)$/, 'completion', () => 'bash'],
  [/^share\/zsh\/site-functions\/([^/]+)$/, 'completion', () => 'zsh'],
  [/^share\/fish\/vendor_completions\.d\/([^/]+)$/, 'completion', () => 'fish'],
];

/** Where the venv file `rel` is linked, for the man pages and completion files tpx links; null for any other path. */
export function resourcePlace(rel: string): ResourcePlace | null {
  for (const [re, kind, dir] of PLACES) {
    const m = re.exec(rel);
    const file = m?.[m.length - 1];
    if (m && file && isSafeFileName(file)) return { kind, dir: dir(m), file };
  }
  return null;
}

/** The man pages and completion files `dist` installed into the venv at `venv` (from RECORD; only files that are there). */
export function resourcesOf(dist: Dist, site: string, venv: string): Resource[] {
  const dn = normalizeName(dist.name);
  const found = new Set<string>();
  for (const abs of recordFiles(dist, site)) {
    const rel = path.relative(venv, abs).split(path.sep).join('/');
    if (resourcePlace(rel) && fs.existsSync(abs)) found.add(rel);
  }
  return [...found].sort().map((p) => ({ path: p, dist: dn }));
}
