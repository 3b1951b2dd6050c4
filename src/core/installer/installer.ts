/**
 * The installer seam (docs/architecture.md, "Seams"): everything tpx asks of what puts
 * distributions into a venv. pip (installer/pip/) is one; the wheel store (installer/store/: wheels
 * unpacked once and linked into venvs, with pip as resolver and fallback) is the other and the
 * default. `installerFor` chooses; build, run, files and the commands only see this interface.
 */
import type { Context } from '../base/context.js';
import type { TpxError } from '../base/errors.js';
import type { Dist } from '../packaging/distinfo.js';
import type { Origin } from '../packaging/directurl.js';
import type { Interpreter } from '../python/python.js';
import type { LockedDist, Request } from '../request/request.js';
import { pipInstaller } from './pip/installer.js';
import { storeInstaller } from './store/installer.js';

/** A venv an installer works in. */
export interface Environment {
  py: Interpreter;
  dir: string;
}

/** One install into an environment. */
export interface InstallJob {
  /** Whose options apply: its index and pip args, its injected packages' pip args (request/pipoptions.ts). */
  request: Request;
  /** Requirements, paths, URLs; the first in development mode when `editable`. */
  specs: string[];
  editable?: boolean;
  /** Instead of `specs`: exactly these files, each by its hash, nothing resolved (a locked install). */
  lock?: LockedDist[] | null;
  /** Arguments for this run only: a rebuild's pins (freeze.withPins). */
  extraPipArgs?: string[];
  /**
   * The venv of the generation this install rebuilds (reinstall): an installer that recorded how
   * that one was made may install exactly that again, without resolving, when the job is the same.
   */
  replayFrom?: string;
  /** What the error names when it fails (`pip could not install WHAT`). */
  what: string;
  logName: string;
  /** A throw-away environment (`tpx run --no-cache`): the installer keeps nothing for later, not even a resolution. */
  throwaway?: boolean;
}

/** A distribution the install was asked for (not pulled in as a dependency), as pip's report names it. */
export interface Requested {
  name: string;
  version: string;
  /** Where it came from (`download_info.url`): matches a path or URL spec. */
  url: string | null;
  direct: boolean;
}

export type InstallResult =
  | {
      ok: true;
      requested: Requested[];
      /** Everything now in the environment, read from its dist-info. */
      dists: Dist[];
    }
  | {
      ok: false;
      /** A version was passed over because its requires-python excludes this interpreter: another may do (build/pythonfor.ts). */
      wrongPython: boolean;
      /** The failure as one error (its hints may ask the index, so only when it is shown). */
      error: () => Promise<TpxError>;
    };

/** A dry run: what installing `specs` would take, for `py`, without installing anything. */
export interface ResolveJob {
  py: Interpreter;
  /** A venv of `py` to run in, whose contents do not matter; without one a scratch venv is made. */
  venv?: string;
  request: Request;
  specs: string[];
  /** Resolve their dependencies too (a lock), or only the specs themselves (a version check). */
  deps: boolean;
  /** Pick versions as if the interpreter did not matter (to learn what they require). */
  ignoreRequiresPython?: boolean;
  /** A progress line shown while it runs. */
  task?: string;
  logName: string;
  /**
   * Keep the answer, and give it again without pip while every source pip read reads the same
   * (pip/sources.ts). Only names, versions and requires-python come back that way: for the version check.
   */
  reuse?: boolean;
  /**
   * A folder of wheel entries (the wheel store's, store/entries.ts) pip may read a wheel's metadata
   * from instead of downloading the wheel (pip/runner.ts).
   */
  metadataFrom?: string;
}

/** One distribution a dry run picked: the exact file, with its hashes, that an install would take. */
export interface Resolved {
  name: string;
  version: string;
  requested: boolean;
  direct: boolean;
  requiresPython: string | null;
  origin: Origin;
}

export type Resolution =
  | {
      ok: true;
      dists: Resolved[];
      /** The marker environment it was resolved for (`sys_platform`, `python_version`, …). */
      environment: Record<string, string>;
    }
  | { ok: false; failure: RunFailure };

/** A failed installer run, for the caller's own error. */
export interface RunFailure {
  /** The end of its output (`lines` lines, default the usual). */
  tail: (lines?: number) => string;
  /** A hint read from the output, if any. */
  hint: string | undefined;
  /** Where the full log is. */
  log: string;
}

/** Installer.unchanged: would `job` on `py` give again what the venv at `venv` holds? */
export interface UnchangedAsk {
  py: Interpreter;
  venv: string;
  job: InstallJob;
}

/** "The newest version of SPEC": for `list --outdated`, upgrade. */
export interface LatestQuery {
  /** A requirement (`black`, `black[d]<23`); paths and URLs have no "newest version". */
  spec: string;
  /** A venv of the right interpreter to run in; its contents do not matter. */
  venv: string;
  /** That venv's base interpreter. */
  interpreter: string;
  /** Whose options apply. */
  request: Request;
}

export type Latest = { version: string } | { error: TpxError };

export interface Installer {
  /** A venv of `py` at `dir` (which exists, empty but for tpx's markers), without pip, and what this installer needs to install into it. */
  createEnvironment(ctx: Context, py: Interpreter, dir: string, opts: { systemSitePackages: boolean }): Promise<Environment>;
  install(ctx: Context, env: Environment, job: InstallJob): Promise<InstallResult>;
  resolve(ctx: Context, job: ResolveJob): Promise<Resolution>;
  /**
   * For each ask, whether installing its job on its Python afresh would give exactly what its venv
   * holds, known without running a resolver; false whenever it cannot tell. Only the wheel store can
   * know it (store/installer.ts); upgrade's check asks it first.
   */
  unchanged?(ctx: Context, asks: UnchangedAsk[]): Promise<boolean[]>;
  /** The newest version for each query, in order; never throws. */
  latest(ctx: Context, queries: LatestQuery[], jobs: number): Promise<Latest[]>;
  /** pip itself on the environment (`tpx runpip`), on the terminal; its exit code. */
  runPip(ctx: Context, env: Environment, args: string[]): Promise<number>;
}

/**
 * The installer for this context: the wheel store (store/: pip resolves, the store installs what it
 * can exactly, pip the rest), or pip alone with TPX_INSTALLER=pip.
 */
export function installerFor(ctx: Context): Installer {
  return ctx.env.TPX_INSTALLER === 'pip' ? pipInstaller : storeInstaller;
}
