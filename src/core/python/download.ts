/**
 * Downloading a standalone CPython (docs/architecture.md, "Pythons tpx manages"): the
 * python-build-standalone `install_only` archives pipx and uv use. A mirror is a folder holding
 * `SHA256SUMS` and the archives it names (`TPX_PYTHON_MIRROR`: an https URL, or http to this
 * machine, or a `file://` folder for sites without internet); unset, the latest release of
 * python-build-standalone on GitHub. Which builds there are is read from SHA256SUMS itself, so a
 * mirror needs no other index. An archive is hashed as it arrives, into a file already unlinked
 * (a killed download leaves nothing), checked against SHA256SUMS before a byte of it is unpacked,
 * unpacked into a staging folder and published by one rename; its interpreter is then asked its
 * version, which must be the one the archive's name says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { readTextOrNull, uniqueSuffix } from '../base/fsx.js';
import { removeMine } from '../base/gate.js';
import { libcOfLdd } from '../base/platform.js';
import { redact } from '../base/redact.js';
import { compareVersions } from '../packaging/pep440.js';
import { managedName, managedPythons, removeManaged, stagingDir, withPythonsLock, STAGING } from './managed.js';
import type { Managed } from './managed.js';
import { findInterpreter } from './python.js';
import type { Interpreter } from './python.js';

/** Where the latest python-build-standalone release is named (the file pipx reads too). */
export const LATEST_RELEASE = 'https://raw.githubusercontent.com/astral-sh/python-build-standalone/latest-release/latest-release.json';

/** The most tpx reads of an archive (they are 20–70 MiB), of SHA256SUMS, and of the latest-release file. */
const MAX_ARCHIVE = 512 << 20;
const MAX_SUMS = 16 << 20;
const MAX_RELEASE = 1 << 20;

/** One archive a mirror has. */
export interface Build {
  file: string;
  version: string;
  /** The release it belongs to (its date: `20240107`). */
  tag: string;
  target: string;
  sha256: string;
  /** `install_only_stripped`: the same build without debug symbols, smaller. */
  stripped: boolean;
}

/** A mirror: a folder of archives, on a web server or (`dir`) on disk. */
export interface Mirror {
  /** Its URL without a trailing slash, as shown (redacted). */
  url: string;
  /** A `file://` mirror's folder. */
  dir: string | null;
}

/** What a Python is wanted for: a label for messages (`3.12`, `Python >=3.13`) and the versions that will do. */
export interface Want {
  label: string;
  accepts: (version: string) => boolean;
}

// --- Settings --------------------------------------------------------------------------------------

/**
 * Whether a Python that is not found may be downloaded: `TPX_PYTHON_DOWNLOADS` (`automatic`, the
 * default, or `never`; `--no-python-downloads` sets `never`). `tpx python install` downloads whatever it says.
 */
export function downloadsAllowed(env: NodeJS.ProcessEnv): boolean {
  const value = (env.TPX_PYTHON_DOWNLOADS ?? '').trim().toLowerCase();
  if (value === '' || value === 'automatic') return true;
  if (value === 'never') return false;
  throw new TpxError('python-download', `TPX_PYTHON_DOWNLOADS=${JSON.stringify(env.TPX_PYTHON_DOWNLOADS)} is not automatic or never`, {
    hint: 'set it to never (no Python is downloaded unless `tpx python install` asks) or automatic, or unset it',
  });
}

/** `TPX_PYTHON_MIRROR` checked, or null when unset (the latest release on GitHub). */
export function mirrorSetting(env: NodeJS.ProcessEnv): Mirror | null {
  const value = env.TPX_PYTHON_MIRROR?.trim().replace(/\/+$/, '');
  if (!value) return null;
  const hint = 'set TPX_PYTHON_MIRROR to an https:// URL, or a file:// folder, holding SHA256SUMS and the archives it names';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TpxError('python-download', `TPX_PYTHON_MIRROR=${JSON.stringify(redact(value))} is not a URL`, { hint });
  }
  if (url.protocol === 'file:') return { url: value, dir: fileURLToPath(url) };
  const loopback = /^(localhost|127(\.\d+){3}|\[::1\])$/.test(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return { url: redact(value), dir: null };
  throw new TpxError('python-download', `TPX_PYTHON_MIRROR=${JSON.stringify(redact(value))}: tpx downloads Pythons over https only`, {
    hint: `${hint} (plain http is accepted only from this machine: an interpreter is code tpx will run)`,
  });
}

/** The python-build-standalone targets this machine runs, best first. */
export function targetsHere(ctx: Context): string[] {
  const libc = ctx.platform.os === 'linux' ? libcOfLdd(readTextOrNull('/usr/bin/ldd')) : 'glibc';
  return ctx.platform.pythonTargets(libc);
}

// --- What a mirror has -----------------------------------------------------------------------------

/** SHA256SUMS (`<hex>  <file>` lines, `*` before a binary file's name) as file → sha256; other lines are skipped. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *]([^/\\]+)$/.exec(line.trim());
    if (m?.[1] && m[2]) sums.set(m[2], m[1].toLowerCase());
  }
  return sums;
}

const ARCHIVE = /^cpython-(\d+\.\d+\.\d+)\+(\d+)-(.+)-install_only(_stripped)?\.tar\.gz$/;

/** The final releases (no alphas, betas, candidates) among `sums` built for one of `targets`. */
export function buildsFor(sums: Map<string, string>, targets: string[]): Build[] {
  const out: Build[] = [];
  for (const [file, sha256] of sums) {
    const m = ARCHIVE.exec(file);
    if (!m?.[1] || !m[2] || !m[3] || !targets.includes(m[3])) continue;
    out.push({ file, version: m[1], tag: m[2], target: m[3], sha256, stripped: m[4] !== undefined });
  }
  return out;
}

/** The build to install for `accepts`: the newest version, then the best target, stripped, the newest release. */
export function pickBuild(builds: Build[], accepts: (version: string) => boolean, targets: string[]): Build | null {
  const order = (a: Build, b: Build) =>
    (compareVersions(b.version, a.version) ?? 0) ||
    targets.indexOf(a.target) - targets.indexOf(b.target) ||
    Number(b.stripped) - Number(a.stripped) ||
    b.tag.localeCompare(a.tag);
  return builds.filter((b) => accepts(b.version)).sort(order)[0] ?? null;
}

/** The mirror to use: TPX_PYTHON_MIRROR, else the latest python-build-standalone release. */
async function mirrorOf(ctx: Context): Promise<Mirror> {
  const set = mirrorSetting(ctx.env);
  if (set) return set;
  const text = (await fetchText(ctx, LATEST_RELEASE, MAX_RELEASE)).trim();
  let prefix: unknown;
  try {
    prefix = (JSON.parse(text) as { asset_url_prefix?: unknown }).asset_url_prefix;
  } catch {
    prefix = null;
  }
  if (typeof prefix !== 'string' || !prefix.startsWith('https://'))
    throw new TpxError('python-download', `${LATEST_RELEASE} does not name a release (no https asset_url_prefix in it)`, {
      hint: 'point TPX_PYTHON_MIRROR at a release folder holding SHA256SUMS and the archives',
    });
  return { url: prefix.replace(/\/+$/, ''), dir: null };
}

/** Every build for this machine the mirror has, from its SHA256SUMS. */
export async function availableBuilds(ctx: Context): Promise<{ mirror: Mirror; builds: Build[]; targets: string[] }> {
  const targets = targetsHere(ctx);
  if (targets.length === 0)
    throw new TpxError('python-download', `python-build-standalone has no builds for ${ctx.platform.os} on ${ctx.platform.arch}`, {
      hint: 'install the Python you need yourself, and pass it with --python /path/to/python',
    });
  const mirror = await mirrorOf(ctx);
  const sums = mirror.dir
    ? readSums(mirror.dir)
    : await fetchText(ctx, `${mirror.url}/SHA256SUMS`, MAX_SUMS).catch((err: unknown) => {
        throw err instanceof TpxError && err.code === 'python-download' ? err.rephrase({ message: `${err.message} (${mirror.url})` }) : err;
      });
  return { mirror, builds: buildsFor(parseChecksums(sums), targets), targets };
}

function readSums(dir: string): string {
  const text = readTextOrNull(path.join(dir, 'SHA256SUMS'));
  if (text === null)
    throw new TpxError('python-download', `the Python mirror ${dir} has no SHA256SUMS`, {
      hint: 'a mirror folder holds SHA256SUMS (as a python-build-standalone release publishes it) and the archives it names',
    });
  return text;
}

async function fetchText(ctx: Context, url: string, maxBytes: number): Promise<string> {
  const { httpGet } = await import('../base/http.js');
  const res = await httpGet(ctx.env, url, { maxBytes, script: true });
  if (res.status !== 200)
    throw new TpxError('python-download', `could not fetch ${redact(url)}: HTTP ${res.status}`, {
      hint: 'check TPX_PYTHON_MIRROR (a folder holding SHA256SUMS and the archives), or your network',
    });
  return res.body.toString('utf8');
}

// --- Installing one --------------------------------------------------------------------------------

/**
 * A managed Python for `want`: one already there, else the newest build the mirror has, downloaded.
 * Under the lock of the managed Pythons, so two tools asking at once download it once.
 */
export async function downloadPython(ctx: Context, want: Want): Promise<Interpreter> {
  return withPythonsLock(ctx, async () => {
    const have = managedPythons(ctx).find((m) => want.accepts(m.version));
    if (have) return findInterpreter(ctx, have.executable);
    const { mirror, builds, targets } = await availableBuilds(ctx);
    const build = pickBuild(builds, want.accepts, targets);
    if (!build) throw noBuild(mirror, builds, want, targets);
    return (await installBuild(ctx, mirror, build)).interpreter;
  });
}

/** The mirror has no build for `want`: say which versions it has for this machine. */
export function noBuild(mirror: Mirror, builds: Build[], want: Want, targets: string[]): TpxError {
  const newest = new Map<string, string>();
  for (const b of builds) {
    const minor = b.version.split('.').slice(0, 2).join('.');
    const had = newest.get(minor);
    if (!had || (compareVersions(b.version, had) ?? 0) > 0) newest.set(minor, b.version);
  }
  const has = [...newest.values()].sort((a, b) => compareVersions(b, a) ?? 0);
  return new TpxError('no-python', `the Python mirror ${mirror.url} has no build of Python ${want.label} for ${targets.join(' or ')}`, {
    hint: has.length > 0 ? `it has ${has.join(', ')}` : 'it has no build for this machine at all',
  });
}

/**
 * Downloads, checks and unpacks `build`, and publishes it as a managed Python; its interpreter must
 * answer with the version the archive's name says. Under the lock (withPythonsLock). A failure leaves nothing.
 */
export async function installBuild(ctx: Context, mirror: Mirror, build: Build): Promise<{ managed: Managed; interpreter: Interpreter }> {
  fs.mkdirSync(ctx.paths.pythons, { recursive: true });
  const name = managedName(build.version, build.target);
  const archive = path.join(ctx.paths.pythons, `${STAGING}${uniqueSuffix()}.tar.gz`);
  const fd = fs.openSync(archive, 'wx+', 0o600);
  // Unlinked at once where the OS allows it (POSIX; Windows opens files shareable for delete), so a
  // kill leaves no partial archive; otherwise removed below, or by the next download (a staging name).
  const unlinked = tryUnlink(archive);
  let stage: string | null = null;
  const cleanUp = () => {
    if (!unlinked) fs.rmSync(archive, { force: true });
    if (stage) removeMine(ctx, stage);
  };
  // Ctrl-C: what is half made goes (the lock is released by withLock's own undo).
  const undo = ctx.interrupts.register(cleanUp);
  try {
    await fetchArchive(ctx, mirror, build, fd);
    stage = stagingDir(ctx);
    const unpacked = stage;
    const { extractTarGz } = await import('../base/untar.js');
    await ctx.out.task(`unpacking Python ${build.version}`, () => extractTarGz(fd, unpacked, build.file));
    publish(ctx, path.join(stage, 'python'), path.join(ctx.paths.pythons, name), build);
  } finally {
    undo();
    fs.closeSync(fd);
    cleanUp();
  }
  const managed = managedPythons(ctx).find((m) => m.name === name);
  if (!managed) throw new TpxError('python-download', `${build.file} was unpacked, but ${name} is not a Python`);
  return { managed, interpreter: checkInterpreter(ctx, managed, build) };
}

function tryUnlink(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/** `from` (the archive's `python/` folder) renamed into place, unless a build of that name is there already. */
function publish(ctx: Context, from: string, to: string, build: Build): void {
  if (!fs.existsSync(path.join(from, ...ctx.platform.standalonePython.split('/'))))
    throw new TpxError('bad-archive', `${build.file} is not a standalone Python: it has no python/${ctx.platform.standalonePython}`, {
      hint: 'a mirror holds python-build-standalone `install_only` archives; nothing was installed',
    });
  if (!fs.existsSync(to)) fs.renameSync(from, to);
}

/** The new Python's interpreter, which must be the version its archive names; otherwise it is removed again. */
function checkInterpreter(ctx: Context, managed: Managed, build: Build): Interpreter {
  let py: Interpreter;
  try {
    py = findInterpreter(ctx, managed.executable);
  } catch (err) {
    removeManaged(ctx, managed);
    throw err;
  }
  if (py.version === build.version) return py;
  removeManaged(ctx, managed);
  throw new TpxError('python-download', `${build.file} holds Python ${py.version}, not ${build.version}`, {
    hint: 'the mirror names its archives wrongly; nothing was installed',
  });
}

/** Fetches the archive into `fd`, saying what and how big, and checks its SHA-256 against SHA256SUMS. */
async function fetchArchive(ctx: Context, mirror: Mirror, build: Build, fd: number): Promise<void> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  let bytes = 0;
  const write = (chunk: Buffer) => {
    fs.writeSync(fd, chunk);
    hash.update(chunk);
    bytes += chunk.length;
  };
  const announce = (size: number | null) =>
    ctx.out.info(`downloading Python ${build.version} (${build.target}${size ? `, ${mebibytes(size)}` : ''}) from ${mirror.url}`);
  if (mirror.dir) {
    const file = path.join(mirror.dir, build.file);
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
    if (size === undefined)
      throw new TpxError('python-download', `the Python mirror ${mirror.dir} has no ${build.file}, which its SHA256SUMS names`);
    announce(size);
    for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) write(chunk);
  } else {
    const { httpGet } = await import('../base/http.js');
    let expected: number | null = null;
    const url = `${mirror.url}/${build.file}`;
    const res = await httpGet(ctx.env, url, {
      maxBytes: MAX_ARCHIVE,
      script: true,
      sink: write,
      onResponse: (status, headers) => {
        if (status !== 200) return;
        expected = Number(headers['content-length']) || null;
        announce(expected);
      },
    });
    if (res.status !== 200) throw new TpxError('python-download', `could not fetch ${redact(url)}: HTTP ${res.status}`);
    if (expected !== null && bytes !== expected)
      throw new TpxError(
        'python-download',
        `the download of ${build.file} from ${mirror.url} stopped after ${bytes} of ${expected} bytes`,
        {
          hint: 'nothing was installed; try again',
        },
      );
  }
  const got = hash.digest('hex');
  if (got !== build.sha256)
    throw new TpxError('python-download', `${build.file} from ${mirror.url} does not match its SHA-256 in SHA256SUMS`, {
      details: `expected ${build.sha256}\ngot      ${got} (${bytes} bytes)`,
      hint: 'the download was damaged, or the file on the mirror is not the one it lists; nothing was installed',
    });
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}
