/**
 * Locks at work (the format is pylock.ts): making one from pip's dry-run report (`tpx lock`), from
 * an installed tool (`tpx export --format pylock`), and turning one into a locked install — after
 * checking, before anything is built, that it is for this tool and this platform. A locked install
 * is pip with `--require-hashes --no-deps -r` a requirements file of exactly the locked files:
 * nothing is resolved, and a file whose hash differs is refused by pip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context, Place } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { readJsonOrNull, readTextOrNull } from '../base/fsx.js';
import { normalizeName, toolKey } from '../packaging/names.js';
import { satisfies, parseSpecifiers } from '../packaging/pep440.js';
import { installerFor } from '../installer/installer.js';
import type { Resolved } from '../installer/installer.js';
import { captureSync, childEnv } from '../base/proc.js';
import { choosePython, pythonToRecord } from '../python/choose.js';
import type { Interpreter } from '../python/python.js';
import type { Receipt } from '../store/receipt.js';
import type { LockedDist, Request } from '../request/request.js';
import { listDists } from '../packaging/distinfo.js';
import type { Dist } from '../packaging/distinfo.js';
import { pinLine } from '../installer/freeze.js';
import type { Installed } from '../store/store.js';
import { redact, stripCredentials } from '../base/redact.js';
import { lockedPackage, parsePylock } from '../packaging/pylock.js';
import { requestTable } from './toolfile.js';
import { tableEntry } from './toolfile.js';
import type { LockedFile, LockedPackage, Pylock } from '../packaging/pylock.js';
import { parseSpec, specifiersOf } from '../packaging/spec.js';
import { sitePackages } from '../python/venv.js';
import { sharedPip } from '../installer/pip/shared.js';
import { parseOrigin } from '../packaging/directurl.js';

/**
 * Resolves REQUEST as an install would (same interpreter, index, pip args; a scratch venv, pip
 * `--dry-run --ignore-installed --report`) and writes down every distribution pip would install,
 * with the exact file and its hash, for that Python and platform.
 */
export async function lockRequest(ctx: Context, key: string, req: Request, lockDir: string): Promise<Pylock> {
  const py = await choosePython(ctx, { requested: req.python });
  const r = await installerFor(ctx).resolve(ctx, {
    py,
    request: req,
    specs: [req.spec, ...req.injected.map((i) => i.spec)],
    deps: true,
    task: `resolving ${key}`,
    logName: `lock-${key}`,
  });
  if (!r.ok) {
    throw new TpxError('pip-failed', `pip could not resolve ${redact(req.spec)}`, {
      details: r.failure.tail(),
      hint: [r.failure.hint, r.failure.log].filter(Boolean).join('\n'),
    });
  }
  const packages: LockedPackage[] = [];
  for (const item of r.dists) packages.push(await lockedFrom(ctx.env, item, key));
  return pylockFor(packages, r.environment, py, key, req, lockDir);
}

/** One resolved distribution as a lock entry: an index's wheel or sdist, or a direct archive; a source tree cannot be locked. */
async function lockedFrom(env: NodeJS.ProcessEnv, item: Resolved, key: string): Promise<LockedPackage> {
  const { name, version, origin } = item;
  const url = origin.url ? stripCredentials(origin.url) : null;
  if (!url || origin.kind !== 'archive') {
    throw new TpxError(
      'bad-lock',
      `${key} cannot be locked: ${name} ${version} comes from ${origin.kind === 'vcs' ? 'a version-control checkout' : 'a directory'} (${redact(url ?? '?')}), which has no hash`,
      {
        hint: 'lock a built archive instead: `pip wheel --no-deps DIR` and use the .whl as the spec',
      },
    );
  }
  const file: LockedFile = {
    name: path.posix.basename(url.split(/[?#]/)[0] ?? ''),
    url,
    path: null,
    hashes: await hashesOf(env, origin.hashes, url),
  };
  const base = {
    name: normalizeName(name),
    version,
    marker: null,
    requiresPython: item.requiresPython,
    index: null,
    sdist: null,
    archive: null,
    wheels: [],
    unhashable: null,
  };
  if (item.direct) return { ...base, archive: file };
  return file.name.endsWith('.whl') ? { ...base, wheels: [file] } : { ...base, sdist: file };
}

/** Hashing reads the file as it comes, so only the cap bounds it: far above any wheel an index serves. */
const MAX_HASHED_BYTES = 4 * 2 ** 30;

/**
 * The file's hashes as pip reported them. An index that publishes no hash, with metadata pip read
 * without downloading the file, leaves none: then tpx fetches the file itself and hashes it
 * (sha256), once, here — a lock is nothing without one.
 */
async function hashesOf(env: NodeJS.ProcessEnv, reported: Record<string, string>, url: string): Promise<Record<string, string>> {
  if (Object.keys(reported).length > 0) return reported;
  // Imported here: node:crypto costs every command's start-up ~5 ms (bench/RESULTS.md).
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  try {
    if (url.startsWith('file:')) hash.update(fs.readFileSync(fileURLToPath(url)));
    else {
      const { httpGet } = await import('../base/http.js');
      const res = await httpGet(env, url, { maxBytes: MAX_HASHED_BYTES, sink: (chunk) => hash.update(chunk) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    }
  } catch (cause) {
    throw new TpxError('fetch-failed', `the index gave no hash for ${redact(url)}, and fetching it to hash it failed`, { cause });
  }
  return { sha256: hash.digest('hex') };
}

/** The lock for one environment: its Python's minor version and its platform, as pip's report describes them. */
function pylockFor(
  packages: LockedPackage[],
  env: Record<string, string>,
  py: Interpreter,
  key: string,
  req: Request,
  lockDir: string,
): Pylock {
  const minor = (env.python_version ?? py.version.split('.').slice(0, 2).join('.')).replace(/'/g, '');
  const platform = ['sys_platform', 'platform_machine', 'implementation_name']
    .filter((k) => env[k])
    .map((k) => `${k} == '${(env[k] as string).replace(/'/g, '')}'`);
  return {
    lockVersion: '1.0',
    environments: platform.length > 0 ? [platform.join(' and ')] : null,
    requiresPython: `==${minor}.*`,
    createdBy: 'tpx',
    packages: [...packages].sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name))),
    tpx: { tool: key, table: requestTable(req, lockDir) },
  };
}

// --- Using a lock --------------------------------------------------------------------------------

/**
 * "Does this lock fit here?", answered by the interpreter that will build
 * the tool, with the shared pip's own `packaging` (the code pip decides with): the lock's
 * requires-python and environments, each package's marker and requires-python, and the file each
 * package gets (the best wheel for this interpreter's tags, else its sdist or archive).
 */
const CHECK = `
import json, sys
sys.path.insert(0, sys.argv[1])
from pip._vendor.packaging.markers import Marker, default_environment
from pip._vendor.packaging.specifiers import SpecifierSet
from pip._vendor.packaging.tags import sys_tags
from pip._vendor.packaging.utils import parse_wheel_filename
q = json.loads(sys.argv[2])
env = default_environment()
env["extra"] = ""
python = env["python_full_version"]
problems = []
def holds(marker, what):
    try:
        return Marker(marker).evaluate(env)
    except Exception as e:
        problems.append("%s: %s cannot be evaluated here (%s)" % (what, marker, e))
        return False
def admits(spec, what):
    try:
        return SpecifierSet(spec).contains(python, prereleases=True)
    except Exception as e:
        problems.append("%s: requires-python %s is not a version specifier (%s)" % (what, spec, e))
        return False
if q["requiresPython"] and not admits(q["requiresPython"], "the lock"):
    problems.append("it is for Python %s, and this is Python %s" % (q["requiresPython"], python))
if q["environments"] and not any(holds(m, "environments") for m in q["environments"]):
    problems.append("it is for %s, and this is %s on %s" % (" or ".join(q["environments"]), env["sys_platform"], env["platform_machine"]))
rank = {t: i for i, t in enumerate(sys_tags())}
chosen = []
for p in q["packages"]:
    if p["marker"] and not holds(p["marker"], p["name"]):
        chosen.append(None)
        continue
    if p["requiresPython"] and not admits(p["requiresPython"], p["name"]):
        problems.append("%s %s needs Python %s" % (p["name"], p["version"], p["requiresPython"]))
    best = None
    for i, name in enumerate(p["wheels"]):
        try:
            tags = parse_wheel_filename(name)[3]
        except Exception:
            continue
        ranks = [rank[t] for t in tags if t in rank]
        if ranks and (best is None or min(ranks) < best[0]):
            best = (min(ranks), i)
    if best is not None:
        chosen.append(best[1])
    elif p["other"]:
        chosen.append(-1)
    else:
        chosen.append(None)
        problems.append("%s %s has no file for this platform (its wheels: %s)" % (p["name"], p["version"], ", ".join(p["wheels"])))
print(json.dumps({"python": python, "problems": problems, "chosen": chosen}))
`;

/**
 * REQUEST locked to LOCK, checked for this machine before anything is built: the interpreter (the
 * request's; else the default when the lock admits it, else the newest installed one it admits —
 * recorded, as --python), the lock's Python and platform, and one file per package. A lock that does
 * not fit is refused (lock-mismatch), saying why.
 */
export async function lockedRequest(ctx: Context, lock: Pylock, req: Request, shown: string): Promise<Request> {
  const refuse = (why: string, hint?: string) =>
    new TpxError('lock-mismatch', `${shown} does not fit here: ${why}`, {
      hint: hint ?? 'make the lock on a machine like this one (`tpx lock`), or install without it',
    });
  const admits = (version: string) => {
    const set = lock.requiresPython ? parseSpecifiers(lock.requiresPython) : null;
    return set === null || satisfies(version, set, { prereleases: true });
  };
  // A --python given is taken as it is: the check below says whether the lock fits it.
  const py = await choosePython(ctx, {
    requested: req.python,
    accepts: req.python === null ? admits : null,
    why: (first) =>
      refuse(
        `it is for Python ${lock.requiresPython}, and no such Python is installed (the default is ${first.version})`,
        `install a Python ${lock.requiresPython}, or make the lock with this one`,
      ),
  });
  const python = req.python ?? (await pythonToRecord(ctx, py));
  const bad = lock.packages.find((p) => p.unhashable || !p.version);
  if (bad) throw refuse(`${bad.name} is ${bad.unhashable ?? 'without a version'}, which cannot be installed by hash`);
  // The check runs on pip's own vendored `packaging`, the code pip decides with: it is pip the library, whichever installer installs.
  const runner = await sharedPip(ctx, py);
  const query = {
    requiresPython: lock.requiresPython,
    environments: lock.environments,
    packages: lock.packages.map((p) => ({
      name: p.name,
      version: p.version,
      marker: p.marker,
      requiresPython: p.requiresPython,
      wheels: p.wheels.map((w) => w.name),
      other: Boolean(p.sdist ?? p.archive),
    })),
  };
  const r = captureSync(py.executable, ['-I', '-c', CHECK, path.dirname(path.dirname(runner)), JSON.stringify(query)], childEnv(ctx));
  let answer: { python: string; problems: string[]; chosen: (number | null)[] };
  try {
    answer = JSON.parse(r.stdout);
  } catch {
    throw new TpxError('bad-lock', `could not check ${shown} with ${py.executable}`, {
      details: r.stderr.trim().split('\n').slice(-5).join('\n'),
    });
  }
  if (answer.problems.length > 0) throw refuse(answer.problems.join('; '));
  const dists: LockedDist[] = [];
  lock.packages.forEach((p, i) => {
    const choice = answer.chosen[i];
    if (choice === null || choice === undefined) return;
    const file = choice >= 0 ? (p.wheels[choice] as LockedFile) : ((p.sdist ?? p.archive) as LockedFile);
    const [algo, digest] = ['sha256', 'sha384', 'sha512'].map((a) => [a, file.hashes[a]] as const).find(([, d]) => d) ?? ['', ''];
    const direct = file === p.archive || (file.url === null && file.path !== null);
    const url = file.url ?? (file.path === null ? null : pathToFileURL(file.path).href);
    dists.push({ name: p.name, version: p.version as string, file: file.name, url, direct, hash: `${algo}:${digest}` });
  });
  return { ...req, python, lock: dists };
}

/**
 * Whether LOCK is the lock of tpx.toml's entry: made by `tpx lock` for that tool, from the request
 * the file has now. One made from another request (a version changed since) is refused.
 */
export function lockMismatch(lock: Pylock, key: string, table: Record<string, unknown>): string | null {
  if (!lock.tpx) return 'it has no [tool.tpx] table, so tpx cannot tell which request it was made from';
  if (toolKeyOrNull(lock.tpx.tool) !== key) return `it is the lock of ${lock.tpx.tool}, not of ${key}`;
  return canonical(lock.tpx.table) === canonical(table)
    ? null
    : `it was made from ${describe(lock.tpx.table)}, and the file now asks for ${describe(table)}`;
}

function toolKeyOrNull(name: string): string | null {
  try {
    return toolKey(name);
  } catch {
    return null;
  }
}

/** JSON with every table's keys in order: two tables with the same content give the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function describe(table: Record<string, unknown>): string {
  return Object.entries(table)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ');
}

/** For `tpx install --lock FILE SPEC`: SPEC must be a requirement naming a package of the lock, at a version it allows. */
export function specMismatch(lock: Pylock, spec: string, at: Place): string | null {
  const parsed = parseSpec(spec, at);
  if (parsed.kind !== 'requirement') return `--lock takes the name of the locked package, not a ${parsed.kind === 'url' ? 'URL' : 'path'}`;
  const locked = lockedPackage(lock, parsed.name);
  if (!locked) return `it has no package ${parsed.name} (it locks ${lock.packages.map((p) => p.name).join(', ')})`;
  const set = specifiersOf(spec);
  if (set && locked.version && !satisfies(locked.version, set, { prereleases: true }))
    return `it locks ${locked.name} ${locked.version}, which is not ${set.text}`;
  return null;
}

// --- From an installed tool ----------------------------------------------------------------------

/**
 * The lock of an installed tool, for `tpx export --format pylock`. Name and version of every
 * distribution come from its dist-info. The file and its hash are not on disk for most: RECORD
 * hashes the installed files, not the archive they came from. So: a tool installed from a lock has
 * them in its receipt; a direct install has them in `direct_url.json`; the rest are asked of the
 * index — one pip dry-run for exactly the installed versions, without dependencies, with the
 * tool's own index and pip args — and a wheel the index has is checked against the tags the
 * installed one recorded (dist-info WHEEL). Each way taken is said in `notes`.
 */
export async function installedLock(
  ctx: Context,
  inst: Installed & { receipt: Receipt },
  lockDir: string,
): Promise<{ lock: Pylock; notes: string[] }> {
  const r = inst.receipt;
  const req = { ...r.request, lock: null };
  const py = await choosePython(ctx, { requested: r.python.executable });
  if (r.request.lock) {
    const packages = r.request.lock.map((d): LockedPackage => {
      const [algo, digest] = d.hash.split(':') as [string, string];
      const file: LockedFile = { name: d.file, url: d.url, path: null, hashes: { [algo]: digest } };
      const base = {
        name: d.name,
        version: d.version,
        marker: null,
        requiresPython: null,
        index: null,
        wheels: [],
        sdist: null,
        archive: null,
        unhashable: null,
      };
      return d.direct ? { ...base, archive: file } : d.file.endsWith('.whl') ? { ...base, wheels: [file] } : { ...base, sdist: file };
    });
    return {
      lock: pylockFor(packages, platformOf(ctx, py), py, inst.key, req, lockDir),
      notes: [`${inst.key}: every file and hash from its receipt (it was installed from a lock)`],
    };
  }
  const dists = listDists(sitePackages(ctx, inst.dir));
  const packages: LockedPackage[] = [];
  const fromIndex: Dist[] = [];
  for (const d of dists) {
    const direct = readJsonOrNull(path.join(d.dir, 'direct_url.json'));
    if (direct === null) fromIndex.push(d);
    else
      packages.push(
        await lockedFrom(
          ctx.env,
          { name: d.name, version: d.version, requested: false, direct: true, requiresPython: null, origin: parseOrigin(direct) },
          inst.key,
        ),
      );
  }
  const notes: string[] = [];
  let env: Record<string, string> = {};
  if (fromIndex.length > 0) {
    const report = await installerFor(ctx).resolve(ctx, {
      py,
      request: req,
      specs: fromIndex.map((d) => pinLine(d).trim()),
      deps: false,
      task: `asking the index for ${inst.key}'s files`,
      logName: `export-${inst.key}`,
    });
    if (!report.ok) {
      throw new TpxError(
        'pip-failed',
        `${inst.key}: the index does not have every installed version, so its files and hashes cannot be filled in`,
        { details: report.failure.tail(), hint: report.failure.log },
      );
    }
    env = report.environment;
    for (const item of report.dists) {
      const p = await lockedFrom(ctx.env, item, inst.key);
      packages.push(p);
      const installed = fromIndex.find((d) => normalizeName(d.name) === normalizeName(p.name));
      const wheel = p.wheels[0];
      const tags = installed ? wheelTags(installed.dir) : null;
      if (wheel && tags && !sameTags(wheel.name, tags))
        notes.push(
          `${inst.key}: ${p.name} ${p.version}: the index's ${wheel.name} is not the wheel that was installed (${[...tags].join(', ')}); the lock names the index's`,
        );
    }
    notes.push(
      `${inst.key}: the files and hashes of ${fromIndex.length} distribution${fromIndex.length === 1 ? '' : 's'} from the index (pip, for exactly the installed versions): a wheel's own hash is not on disk`,
    );
  }
  return { lock: pylockFor(packages, Object.keys(env).length > 0 ? env : platformOf(ctx, py), py, inst.key, req, lockDir), notes };
}

/** What pip's report says of the environment, asked of the interpreter itself (for a lock made without pip). */
function platformOf(ctx: Context, py: Interpreter): Record<string, string> {
  const code =
    'import json, platform, sys; print(json.dumps({"sys_platform": sys.platform, "platform_machine": platform.machine(), "implementation_name": sys.implementation.name, "python_version": "%d.%d" % sys.version_info[:2]}))';
  try {
    return JSON.parse(captureSync(py.executable, ['-I', '-c', code], childEnv(ctx)).stdout) as Record<string, string>;
  } catch {
    return {};
  }
}

/** The tags a dist-info's WHEEL file records (`Tag: cp311-cp311-manylinux_2_17_x86_64`); null without one. */
function wheelTags(distInfo: string): Set<string> | null {
  const text = readTextOrNull(path.join(distInfo, 'WHEEL')) ?? '';
  const tags = [...text.matchAll(/^Tag:\s*(\S+)\s*$/gm)].map((m) => m[1] as string);
  return tags.length > 0 ? new Set(tags) : null;
}

/** Whether a wheel's file name carries exactly these tags (its compressed tag sets expanded). */
function sameTags(wheel: string, tags: Set<string>): boolean {
  const parts = wheel.replace(/\.whl$/, '').split('-');
  const [pys, abis, plats] = parts.slice(-3).map((p) => p.split('.')) as [string[], string[], string[]];
  const named = new Set(pys.flatMap((a) => abis.flatMap((b) => plats.map((c) => `${a}-${b}-${c}`))));
  return named.size === tags.size && [...named].every((t) => tags.has(t));
}

/**
 * `tpx install --lock FILE SPEC`: the request to install. SPEC must name a package the lock has (at
 * a version it allows); the lock's `[tool.tpx]` request, when it has one, is the base (its injected
 * packages are in the lock too), and what was given on the command line wins over it.
 */
export async function lockFileRequest(ctx: Context, file: string, given: Request, flagsGiven: (keyof Request)[]): Promise<Request> {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.cwd, file), 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read ${file}`, { cause, hint: 'give a PEP 751 lock file, such as `tpx lock` writes' });
  }
  const lock = await parsePylock(text, file);
  const mismatch = specMismatch(lock, given.spec, ctx);
  if (mismatch)
    throw new TpxError('lock-mismatch', `${file} is not a lock of ${given.spec}: ${mismatch}`, {
      hint: 'name the package the lock was made for, e.g. `tpx install --lock pylock.black.toml black`',
    });
  const base = lock.tpx
    ? tableEntry(lock.tpx.tool, lock.tpx.table, path.dirname(path.resolve(ctx.cwd, file)), ctx.env, `${file}: [tool.tpx]`).request
    : given;
  const request: Request = { ...base, spec: given.spec };
  for (const flag of flagsGiven) Object.assign(request, { [flag]: given[flag] });
  return lockedRequest(ctx, lock, request, file);
}
