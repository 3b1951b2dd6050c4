/**
 * `tpx python` and pipx's `tpx interpreter`: the Pythons on this machine and the ones tpx manages
 * (docs/architecture.md, "Pythons tpx manages") — list them with the tools on each, install,
 * uninstall (refused while a tool uses it), prune the unused, and upgrade each managed minor version
 * to its newest patch release, rebuilding every tool on it as a new generation (`tpx rollback`
 * returns one).
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { quiet } from '../base/context.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { isInside, realpathOrNull } from '../base/fsx.js';
import { compareVersions } from '../packaging/pep440.js';
import { choosePython, listPythons, minorVersion } from '../python/choose.js';
import { availableBuilds, installBuild, noBuild, pickBuild } from '../python/download.js';
import { managedPythons, removeManaged, withPythonsLock } from '../python/managed.js';
import type { Managed } from '../python/managed.js';
import type { PythonSource } from '../python/python.js';
import { versionMatches } from '../python/python.js';
import { loadReceipt } from '../store/receipt.js';
import { envPath, readInstalled, toolKeys } from '../store/store.js';
import { reinstallTool } from './reinstall.js';
import type { Outcome } from './outcome.js';

/** One Python on this machine, as `tpx python list` shows it. */
export interface PythonEntry {
  version: string;
  executable: string;
  source: PythonSource;
  /** What tpx uses without --python. */
  isDefault: boolean;
  /** The managed Python's folder, when tpx manages it. */
  managed: string | null;
  /** Tools whose current generation runs on it. */
  tools: string[];
}

/** A tool's use of a Python: its current generation, or the previous one kept for `tpx rollback`. */
interface Use {
  key: string;
  executable: string;
  previous: boolean;
  /** The --python its request records. */
  recorded: string | null;
}

/** The Python every tool's kept generations (current and previous) run on. */
function uses(ctx: Context): Use[] {
  const out: Use[] = [];
  for (const key of toolKeys(ctx)) {
    let receipt = null;
    try {
      receipt = readInstalled(ctx, key)?.receipt ?? null;
    } catch {
      continue; // a broken tool: `tpx list` and doctor report it
    }
    if (!receipt) continue;
    out.push({ key, executable: receipt.python.executable, previous: false, recorded: receipt.request.python });
    const prev = receipt.previousGeneration ? loadReceipt(envPath(ctx, receipt.previousGeneration)) : null;
    if (prev && typeof prev !== 'string' && prev.key === key)
      out.push({ key, executable: prev.python.executable, previous: true, recorded: prev.request.python });
  }
  return out;
}

/** Whether `executable` (a receipt's) is an interpreter of the managed Python `m`. */
function runsOnManaged(executable: string, m: Managed): boolean {
  return isInside(realpathOrNull(executable) ?? path.resolve(executable), realpathOrNull(m.dir) ?? m.dir);
}

/** Whether `executable` (a receipt's) is the interpreter whose real file is `real`. */
function runsOnFile(executable: string, real: string): boolean {
  return (realpathOrNull(executable) ?? path.resolve(executable)) === real;
}

/** Every Python here, newest first; `managedOnly`: the ones tpx manages (`tpx interpreter list`). */
export async function pythonList(ctx: Context, managedOnly: boolean): Promise<PythonEntry[]> {
  const managed = managedPythons(ctx);
  const found = managedOnly
    ? managed.map((m) => ({ version: m.version, executable: m.executable, source: 'tpx' as const }))
    : pythonsHere(ctx);
  const users = uses(ctx).filter((u) => !u.previous);
  const fallback = await defaultPython(ctx);
  return found.map((p) => {
    const real = realpathOrNull(p.executable) ?? p.executable;
    const m = managed.find((x) => isInside(real, realpathOrNull(x.dir) ?? x.dir)) ?? null;
    return {
      ...p,
      isDefault: fallback !== null && fallback === real,
      managed: m?.dir ?? null,
      tools: [
        ...new Set(users.filter((u) => (m ? runsOnManaged(u.executable, m) : runsOnFile(u.executable, real))).map((u) => u.key)),
      ].sort(),
    };
  });
}

function pythonsHere(ctx: Context): { version: string; executable: string; source: PythonSource }[] {
  return listPythons(ctx).map(({ py, source }) => ({ version: py.version, executable: py.executable, source }));
}

/** The real executable tpx uses without --python, if there is one (never downloaded for a listing). */
async function defaultPython(ctx: Context): Promise<string | null> {
  try {
    const py = await choosePython({ ...ctx, env: { ...ctx.env, TPX_PYTHON_DOWNLOADS: 'never' } }, { requested: null });
    return realpathOrNull(py.executable) ?? py.executable;
  } catch {
    return null;
  }
}

/** A VERSION argument: `3`, `3.12` or `3.12.4` (`python3.12` too, as pipx takes it). */
export function parsePythonVersion(text: string): string {
  const m = /^(?:python|cpython-?)?(3(?:\.\d+){0,2})$/.exec(text.trim());
  if (!m?.[1])
    throw new TpxError('usage', `${JSON.stringify(text)} is not a Python version`, {
      hint: 'give a version such as 3.12 (its newest patch release) or 3.12.4',
    });
  return m[1];
}

/** What `tpx python install` did for one VERSION. */
export type PythonInstalled = { version: string; status: 'installed' | 'already'; managed: Managed };

/** Installs a managed Python for each version (its newest build on the mirror), unless one is there already; `onDone` as each is. */
export async function installPythons(ctx: Context, versions: string[], onDone: (done: PythonInstalled) => void): Promise<void> {
  const wanted = versions.map(parsePythonVersion);
  await withPythonsLock(ctx, async () => {
    let mirror: Awaited<ReturnType<typeof availableBuilds>> | null = null;
    for (const version of wanted) {
      const have = managedPythons(ctx).find((m) => versionMatches(m.version, version));
      if (have) {
        onDone({ version, status: 'already', managed: have });
        continue;
      }
      mirror ??= await availableBuilds(ctx);
      const build = pickBuild(mirror.builds, (v) => versionMatches(v, version), mirror.targets);
      if (!build) throw noBuild(mirror.mirror, mirror.builds, { label: version, accepts: () => true }, mirror.targets);
      onDone({ version, status: 'installed', managed: (await installBuild(ctx, mirror.mirror, build)).managed });
    }
  });
}

/** Removes the managed Pythons of `version`; refused, naming them, while a tool's kept generation runs on one. */
export async function uninstallPython(ctx: Context, text: string): Promise<Managed[]> {
  const version = parsePythonVersion(text);
  return withPythonsLock(ctx, async () => {
    const targets = managedPythons(ctx).filter((m) => versionMatches(m.version, version));
    if (targets.length === 0) throw new TpxError('no-python', `tpx manages no Python ${version}`, { hint: managedHint(ctx) });
    const users = uses(ctx).filter((u) => targets.some((m) => runsOnManaged(u.executable, m)));
    if (users.length > 0) {
      const named = [...new Set(users.map((u) => (u.previous ? `${u.key} (its previous version, kept for \`tpx rollback\`)` : u.key)))];
      throw new TpxError('python-in-use', `Python ${targets.map((m) => m.version).join(', ')} is used by ${named.join(', ')}`, {
        hint: 'uninstall those tools first, or move them to another Python (`tpx reinstall NAME --python VERSION`, or `tpx python upgrade`); nothing was removed',
      });
    }
    for (const m of targets) removeManaged(ctx, m);
    return targets;
  });
}

function managedHint(ctx: Context): string {
  const have = managedPythons(ctx).map((m) => m.version);
  return have.length > 0
    ? `it manages ${have.join(', ')} (\`tpx python list\`)`
    : 'it manages none (`tpx python install VERSION` downloads one)';
}

/** Removes every managed Python no tool's kept generation runs on (`tpx interpreter prune`). */
export async function prunePythons(ctx: Context): Promise<Managed[]> {
  return withPythonsLock(ctx, async () => {
    const all = uses(ctx);
    const unused = managedPythons(ctx).filter((m) => !all.some((u) => runsOnManaged(u.executable, m)));
    for (const m of unused) removeManaged(ctx, m);
    return unused;
  });
}

/** One managed minor version's upgrade: the newest patch before and after, and the tools rebuilt onto it. */
export interface PythonUpgrade {
  minor: string;
  from: string;
  to: string;
  /** Its newest patch release was downloaded now. */
  downloaded: boolean;
  tools: Outcome[];
}

/**
 * `tpx python upgrade [VERSION…]`: for each managed minor version (or those named), the newest patch
 * release the mirror has is installed beside the others, and every tool whose current generation
 * runs on an older managed one of that minor is rebuilt on it — a new generation, so `tpx rollback`
 * returns it (the older Python stays until `tpx interpreter prune`).
 */
export async function upgradePythons(ctx: Context, versions: string[], onTool: (o: Outcome) => void = () => {}): Promise<PythonUpgrade[]> {
  const named = versions.map(parsePythonVersion);
  const minors = [...new Set(managedPythons(ctx).map((m) => minorVersion(m.version)))].filter(
    (minor) => named.length === 0 || named.some((n) => versionMatches(minor, n) || versionMatches(n, minor)),
  );
  if (named.length > 0 && minors.length === 0)
    throw new TpxError('no-python', `tpx manages no Python ${named.join(', ')}`, { hint: managedHint(ctx) });
  const plans = await withPythonsLock(ctx, async () => {
    const mirror = minors.length > 0 ? await availableBuilds(ctx) : null;
    const out: { minor: string; from: string; newest: Managed; downloaded: boolean }[] = [];
    for (const minor of minors) {
      const have = managedPythons(ctx).filter((m) => minorVersion(m.version) === minor)[0] as Managed;
      const build = mirror ? pickBuild(mirror.builds, (v) => versionMatches(v, minor), mirror.targets) : null;
      const newer = build && (compareVersions(build.version, have.version) ?? 0) > 0 && mirror;
      const newest = newer ? (await installBuild(ctx, mirror.mirror, build)).managed : have;
      out.push({ minor, from: have.version, newest, downloaded: Boolean(newer) });
    }
    return out;
  });
  const results: PythonUpgrade[] = [];
  for (const plan of plans) {
    const py = await choosePython(ctx, { requested: plan.newest.executable });
    const stale = managedPythons(ctx).filter((m) => minorVersion(m.version) === plan.minor && m.name !== plan.newest.name);
    const on = uses(ctx).filter((u) => !u.previous && stale.some((m) => runsOnManaged(u.executable, m)));
    const tools: Outcome[] = [];
    for (const u of on) {
      // A --python naming the old build's path would send the next reinstall back to it: its minor version instead.
      const python = u.recorded && isInside(path.resolve(u.recorded), ctx.paths.pythons) ? plan.minor : undefined;
      const o = await reinstallTool(on.length > 1 ? quiet(ctx) : ctx, u.key, { py, python }).catch((err: unknown) => ({
        key: u.key,
        status: 'failed' as const,
        error: toTpxError(err),
      }));
      onTool(o);
      tools.push(o);
    }
    results.push({ minor: plan.minor, from: plan.from, to: plan.newest.version, downloaded: plan.downloaded, tools });
  }
  return results;
}
