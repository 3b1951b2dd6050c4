import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { isExecutable, realpathOrNull, writeFileAtomic } from '../base/fsx.js';
import { cacheDir, expandHome } from '../base/paths.js';
import { compareVersions } from '../packaging/pep440.js';
import { launcherChoices, parsePyLauncherList } from '../base/platform.js';
import type { LauncherPython } from '../base/platform.js';
import { managedPythons } from './managed.js';
import { resolvePyenvShim } from './pyenv.js';
import { captureSync, childEnv } from '../base/proc.js';

/** What tpx knows about an interpreter after asking it once. */
export interface Interpreter {
  /** The real executable (`sys.executable`), never a pyenv shim or a PATH name. */
  executable: string;
  version: string;
  /** pip wheels the interpreter ships for ensurepip (CPython's _bundled dir, Debian's python-wheels). */
  pipWheels: string[];
  /**
   * How a venv for it is laid out, when tpx can write one itself (CPython on POSIX): the base
   * executable its python links to, site-packages relative to the venv, and whether venv adds a
   * lib64 → lib link. Absent: tpx runs `python -m venv`.
   */
  venv?: { base: string; site: string; lib64: boolean };
}

// -I -S: nothing from the user's environment or site-packages can change what the probe reports.
const PROBE = `
import json, os, sys, sysconfig
dirs = [os.path.join(sysconfig.get_paths()["stdlib"], "ensurepip", "_bundled")]
extra = sysconfig.get_config_var("WHEEL_PKG_DIR")
if extra: dirs.append(extra)
dirs.append("/usr/share/python-wheels")
wheels = []
for d in dirs:
    try:
        wheels += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.startswith("pip-") and f.endswith(".whl")]
    except OSError:
        pass
venv = None
if os.name == "posix" and sys.implementation.name == "cpython" and not sysconfig.get_config_var("Py_GIL_DISABLED"):
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else "posix_prefix"
    v = {k: "/V" for k in ("base", "platbase", "installed_base", "installed_platbase")}
    site = os.path.relpath(sysconfig.get_path("purelib", scheme, vars=v), "/V")
    venv = {"base": getattr(sys, "_base_executable", sys.executable), "site": site, "lib64": sys.maxsize > 2**32 and sys.platform != "darwin"}
print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "pipWheels": wheels, "venv": venv}))
`;

/** How long an interpreter may take to answer the probe. */
export const PROBE_TIMEOUT_MS = 60_000;

/**
 * Finds the interpreter for `--python PY` (a path, a command like `python3.12`, or a version like
 * `3.12`), else TPX_DEFAULT_PYTHON, else `python3` on PATH (Windows: `python`, else the py
 * launcher's default), and asks it what it is. An error names where the request came from, so a bad
 * TPX_DEFAULT_PYTHON is found in the environment, not on the command line.
 */
export function findInterpreter(ctx: Context, request?: string, timeoutMs = PROBE_TIMEOUT_MS): Interpreter {
  const fromEnv = request === undefined && Boolean(ctx.env.TPX_DEFAULT_PYTHON);
  const wanted = request ?? (ctx.env.TPX_DEFAULT_PYTHON || ctx.platform.defaultPython);
  const what = fromEnv ? `TPX_DEFAULT_PYTHON=${JSON.stringify(wanted)}` : JSON.stringify(wanted);
  const fix = fromEnv ? 'set TPX_DEFAULT_PYTHON to a path, a command such as python3.12, or a version such as 3.12 (or unset it)' : null;
  let failure: ProbeFailure | null = null;
  let found = false;
  for (const exe of candidatesFor(ctx, wanted)) {
    found = true;
    const info = probe(ctx, exe, timeoutMs);
    if ('failed' in info) {
      failure = info;
      continue;
    }
    if (isVersion(wanted) && !versionMatches(info.version, wanted)) continue;
    return info;
  }
  if (!found) {
    throw new TpxError('no-python', `no Python found for ${what}`, {
      hint:
        fix ??
        (/^\d/.test(wanted)
          ? `install Python ${wanted}, or pass a path with --python /path/to/python`
          : 'pass an interpreter with --python (a path, a command such as python3.12, or a version such as 3.12)'),
    });
  }
  if (!failure)
    throw new TpxError('no-python', `no Python found for ${what}`, {
      hint: fix ?? `install Python ${wanted}, or pass a path with --python /path/to/python`,
    });
  if (failure.notPython) {
    throw new TpxError('bad-python', `${failure.exe} is not a Python interpreter: it ran, but did not answer as one does`, {
      hint: fix ?? 'pass a Python 3 interpreter with --python (a path, a command such as python3.12, or a version such as 3.12)',
    });
  }
  const why = failure.timedOut ? `did not answer within ${timeoutMs / 1000} s (timed out)` : 'does not run';
  throw new TpxError('bad-python', `the Python interpreter for ${what} ${why}`, {
    hint: [
      failure.said ? `${failure.exe} said:${failure.said.includes('\n') ? '\n' : ' '}${failure.said}` : null,
      fix ?? 'check that it is a working Python 3 interpreter',
    ]
      .filter(Boolean)
      .join('\n'),
  });
}

/**
 * The newest installed Python 3 (python3.X on PATH, the py launcher's, pyenv's versions, the ones tpx manages) whose
 * version `accepts`, or null: for a package or script whose requires-python the default
 * interpreter does not satisfy.
 */
export function newestInterpreter(ctx: Context, accepts: (version: string) => boolean): Interpreter | null {
  const launcher = pyLauncher(ctx);
  for (let minor = 30; minor >= 6; minor--) {
    const wanted = `3.${minor}`;
    // Only minors some release of which is accepted are worth starting Python for.
    if (!accepts(`${wanted}.0`) && !accepts(`${wanted}.999`)) continue;
    for (const exe of new Set([
      ...whichAll(ctx, `python${wanted}`),
      ...launcherChoices(launcher(), wanted),
      ...pyenvCandidates(ctx, wanted),
      ...managedCandidates(ctx, wanted),
    ])) {
      const info = probe(ctx, exe, PROBE_TIMEOUT_MS);
      if (!('failed' in info) && versionMatches(info.version, wanted) && accepts(info.version)) return info;
    }
  }
  return null;
}

/** Where an interpreter on this machine was found. */
export type PythonSource = 'PATH' | 'py launcher' | 'pyenv' | 'tpx';

/**
 * Every Python 3 installed here — python3 and python3.X on PATH, the py launcher's, pyenv's versions,
 * the ones tpx manages — each once (by its real executable), newest first. Those that do not answer
 * the probe are left out.
 */
export function installedPythons(ctx: Context): { py: Interpreter; source: PythonSource }[] {
  const minors = Array.from({ length: 25 }, (_, i) => `python3.${30 - i}`);
  const found: { exe: string; source: PythonSource }[] = [
    ...[ctx.platform.defaultPython, 'python3', ...minors].flatMap((c) => whichAll(ctx, c).map((exe) => ({ exe, source: 'PATH' as const }))),
    ...launcherChoices(pyLauncher(ctx)(), '3').map((exe) => ({ exe, source: 'py launcher' as const })),
    ...pyenvCandidates(ctx, '3').map((exe) => ({ exe, source: 'pyenv' as const })),
    ...managedPythons(ctx).map((m) => ({ exe: m.executable, source: 'tpx' as const })),
  ];
  const seen = new Set<string>();
  const out: { py: Interpreter; source: PythonSource }[] = [];
  for (const { exe, source } of found) {
    const info = probe(ctx, exe, PROBE_TIMEOUT_MS);
    const real = 'failed' in info ? null : (realpathOrNull(info.executable) ?? info.executable);
    if ('failed' in info || real === null || seen.has(real)) continue;
    seen.add(real);
    out.push({ py: info, source });
  }
  return out.sort((a, b) => compareVersions(b.py.version, a.py.version) ?? 0);
}

interface ProbeFailure {
  failed: true;
  exe: string;
  said: string;
  timedOut: boolean;
  /** It ran, but its answer was not a Python's (`/bin/true`, a script printing `{}`). */
  notPython?: boolean;
}

/** What `exe` says it is: from the probe cache, else by running it. */
function probe(ctx: Context, command: string, timeoutMs: number): Interpreter | ProbeFailure {
  // A pyenv shim is a chain of bash scripts, and never cached: ask pyenv's files instead (pyenv.ts).
  const exe = resolvePyenvShim(command, ctx.env, ctx.cwd) ?? command;
  const cached = cachedProbe(ctx, exe);
  if (cached) return cached;
  const r = captureSync(exe, ['-I', '-S', '-c', PROBE], childEnv(ctx), timeoutMs);
  if (r.code !== 0)
    return {
      failed: true,
      exe,
      said: r.timedOut ? '' : whatItSaid(r.stderr || r.stdout),
      timedOut: Boolean(r.timedOut),
    };
  const info = parseProbe(r.stdout);
  if (!info) return { failed: true, exe, said: '', timedOut: false, notPython: true };
  rememberProbe(ctx, exe, info);
  return info;
}

/**
 * The probe's answer, checked field by field: a program that is not Python (`/bin/true`, a script
 * printing `{}`) or a corrupt probe cache gives null, never an Interpreter with holes in it.
 */
export function parseProbe(text: string): Interpreter | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const venv = v?.venv as Record<string, unknown> | null | undefined;
  const ok =
    typeof v?.executable === 'string' &&
    path.isAbsolute(v.executable) &&
    typeof v.version === 'string' &&
    /^\d+\.\d+\.\d+$/.test(v.version) &&
    Array.isArray(v.pipWheels) &&
    v.pipWheels.every((w) => typeof w === 'string') &&
    (venv === null ||
      (typeof venv === 'object' && typeof venv.base === 'string' && typeof venv.site === 'string' && typeof venv.lib64 === 'boolean'));
  if (!ok) return null;
  return {
    executable: v.executable as string,
    version: v.version as string,
    pipWheels: v.pipWheels as string[],
    ...(venv ? { venv: { base: venv.base as string, site: venv.site as string, lib64: venv.lib64 as boolean } } : {}),
  };
}

function isVersion(wanted: string): boolean {
  return /^\d+(\.\d+)*$/.test(wanted);
}

/**
 * Probe results are kept in the cache dir's interpreters.json, keyed by the executable's real path and
 * valid while its size and mtime are unchanged (~20 ms saved per install). A script (a pyenv shim,
 * say) is never cached: what it runs can change without the file changing.
 */
interface ProbeCache {
  [realPath: string]: { size: number; mtimeMs: number; info: Interpreter };
}

function probeCacheFile(ctx: Context): string {
  return path.join(ctx.paths.cache, 'interpreters.json');
}

function binaryIdentity(exe: string): { real: string; size: number; mtimeMs: number } | null {
  try {
    const real = fs.realpathSync(exe);
    const fd = fs.openSync(real, 'r');
    const head = Buffer.alloc(2);
    try {
      fs.readSync(fd, head, 0, 2, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (head.toString('latin1') === '#!') return null;
    const st = fs.statSync(real);
    return { real, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

function readProbeCache(ctx: Context): ProbeCache {
  try {
    const cache = JSON.parse(fs.readFileSync(probeCacheFile(ctx), 'utf8')) as unknown;
    return typeof cache === 'object' && cache !== null && !Array.isArray(cache) ? (cache as ProbeCache) : {};
  } catch {
    return {};
  }
}

function cachedProbe(ctx: Context, exe: string): Interpreter | null {
  const id = binaryIdentity(exe);
  const hit = id ? readProbeCache(ctx)[id.real] : undefined;
  if (!id || !hit || hit.size !== id.size || hit.mtimeMs !== id.mtimeMs) return null;
  const info = parseProbe(JSON.stringify(hit.info));
  // The venv base recorded is the path the interpreter was first probed by (a python3 link, say); if
  // that path now leads elsewhere (python3 upgraded to another version), the answer is not this one's.
  if (info?.venv && realpathOrNull(info.venv.base) !== id.real) return null;
  // A bundled wheel removed since (a Debian package upgrade) means the interpreter changed around it.
  return info?.pipWheels.every((w) => fs.existsSync(w)) ? info : null;
}

function rememberProbe(ctx: Context, exe: string, info: Interpreter): void {
  const id = binaryIdentity(exe);
  if (!id) return;
  try {
    const cache = readProbeCache(ctx);
    cache[id.real] = { size: id.size, mtimeMs: id.mtimeMs, info };
    cacheDir(ctx.paths.cache);
    writeFileAtomic(probeCacheFile(ctx), `${JSON.stringify(cache, null, 1)}\n`);
  } catch {
    // only a cache: the next run probes again
  }
}

export function versionMatches(actual: string, wanted: string): boolean {
  const a = actual.split('.');
  return wanted.split('.').every((part, i) => a[i] === part);
}

/**
 * What a failing interpreter printed, whole (pyenv explains itself over several lines, the last of
 * which alone reads as nonsense), without blank lines, at most its last 12 lines.
 */
function whatItSaid(output: string): string {
  const lines = output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-12);
  return lines.length > 1 ? lines.map((l) => `  ${l.trimEnd()}`).join('\n') : (lines[0]?.trim() ?? '');
}

/**
 * The executables that may be the interpreter asked for, best first, each once. The py launcher
 * (Windows) is asked only when the ones before it did not do: it is a process to start.
 */
function* candidatesFor(ctx: Context, wanted: string): Generator<string> {
  const seen = new Set<string>();
  const launcher = pyLauncher(ctx);
  const fresh = (exes: string[]) => exes.filter((e) => !seen.has(e) && Boolean(seen.add(e)));
  if (wanted.includes('/') || wanted.includes('\\') || wanted.startsWith('~')) {
    const abs = path.resolve(expandHome(wanted, ctx.env));
    if (isExecutable(abs)) yield abs;
    return;
  }
  if (isVersion(wanted)) {
    const [major, minor] = wanted.split('.');
    yield* fresh(whichAll(ctx, minor !== undefined ? `python${major}.${minor}` : `python${major}`));
    yield* fresh(launcherChoices(launcher(), wanted));
    yield* fresh(pyenvCandidates(ctx, wanted));
    yield* fresh(managedCandidates(ctx, wanted));
    yield* fresh(whichAll(ctx, ctx.platform.defaultPython));
    return;
  }
  yield* fresh(whichAll(ctx, wanted));
  // `python3.12` where pyenv has 3.12 but another version is selected: its shim refuses, and pyenv's 3.12 is
  // what `--python 3.12` would take.
  const minor = /^python(\d+\.\d+)$/.exec(wanted)?.[1];
  if (minor) yield* fresh(pyenvCandidates(ctx, minor));
  // python.org's Windows installer leaves python off PATH by default (and Windows puts a Microsoft
  // Store stub there, which does not run): the launcher knows where the default one is.
  if (wanted === ctx.platform.defaultPython) yield* fresh(launcherChoices(launcher(), null));
}

/** The py launcher's list of installed Pythons (`py -0p`), asked once and only when needed; [] without one. */
function pyLauncher(ctx: Context): () => LauncherPython[] {
  let list: LauncherPython[] | null = null;
  return () => {
    if (list !== null) return list;
    const r = ctx.platform.pyLauncher ? captureSync('py', ['-0p'], childEnv(ctx), PROBE_TIMEOUT_MS) : null;
    const found = r?.code === 0 ? parsePyLauncherList(r.stdout) : [];
    list = found;
    return found;
  };
}

/** pyenv keeps every version under $PYENV_ROOT/versions/<x.y.z>; newest matching first. */
function pyenvCandidates(ctx: Context, wanted: string): string[] {
  const root = ctx.env.PYENV_ROOT || (ctx.env.HOME ? path.join(ctx.env.HOME, '.pyenv') : '');
  if (!root) return [];
  let versions: string[];
  try {
    versions = fs.readdirSync(path.join(root, 'versions'));
  } catch {
    return [];
  }
  return versions
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && versionMatches(v, wanted))
    .sort((a, b) => compareVersions(b, a) ?? 0)
    .map((v) => path.join(root, 'versions', v, 'bin', 'python3'))
    .filter(isExecutable);
}

/** The Pythons tpx downloaded (managed.ts) of version `wanted`, newest first. */
function managedCandidates(ctx: Context, wanted: string): string[] {
  return managedPythons(ctx)
    .filter((m) => versionMatches(m.version, wanted))
    .map((m) => m.executable);
}

/** Every `command` on PATH, in PATH's order (Windows: with PATHEXT's extensions, as `where` finds it). */
function whichAll(ctx: Context, command: string): string[] {
  const names = ctx.platform.commandFiles(command, ctx.env);
  return ctx.platform.pathDirs(ctx.env).flatMap((dir) => names.map((n) => path.join(dir, n)).filter(isExecutable));
}
