/**
 * The parts of `tpx run APP` shared by the command (src/commands/run.ts) and the cache-hit fast
 * path (src/runfast.ts): what APP names, the request an invocation stands for, which app to start,
 * and starting it. Nothing here loads commander or ora, and nothing spawns before the app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requestFlags, shellWord } from '../request/args.js';
import type { SharedFlags } from '../request/args.js';
import type { Context, Place } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { isSafeFileName, isValidDistName, normalizeName } from '../packaging/names.js';
import { expandHome } from '../base/paths.js';
import { checkWith } from '../request/pipargs.js';
import { runApp } from '../base/proc.js';
import { sweep } from './runcache.js';
import type { RunReceipt, RunRequest } from './runcache.js';
import { isPackageArchive, isUrl, looksLikePath, parseSpec } from '../packaging/spec.js';
import type { Spec } from '../packaging/spec.js';

/** `tpx run` options, as commander or the fast path parsed them. */
export interface RunFlags extends SharedFlags {
  spec?: string;
  with: string[];
  refresh?: boolean;
  /** false with --no-cache */
  cache: boolean;
  /** Never touch the network: the cache answers, or it is an error. */
  offline?: boolean;
  /** `--env KEY=VALUE` for the app (repeatable), after `--env-file`'s. */
  env?: string[];
  envFile?: string;
  /** false with --no-config: the nearest tpx.toml's pins are not applied (files/runpins.ts). */
  config?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** `--color`, as given: the fast path leaves a value that is not a choice to commander. */
  color?: string;
  /** false with --no-python-downloads (a cache hit needs no Python: only a build reads it). */
  pythonDownloads?: boolean;
}

/**
 * What `tpx run TARGET` runs. A script: a `.py` file or https URL, or any other file that is not a
 * package (`/dev/fd/63` from `tpx run <(…)`). Otherwise a package, and one of its apps: TARGET is
 * the app's name (`black`, the package of that name unless --spec), or a spec whose package names
 * the app (`black==22.12.0`, `'black[d]'`), or a project directory, archive or URL, whose app is
 * only known once pip has said which distribution it is.
 */
export type RunTarget = { kind: 'script' } | { kind: 'app'; req: RunRequest; spec: Spec; specText: string; app: AppChoice };

/** Which app to start: the one named, or the one the package is named after (`inferred`: say which). */
export type AppChoice = { name: string | null; inferred: boolean };

/** Decides what TARGET is from its text and, for a path, a stat: nothing is read or built. */
export function runTarget(target: string, flags: RunFlags, at: Place): RunTarget {
  const url = isUrl(target);
  if (/\.py$/i.test(url ? (target.split(/[?#]/)[0] ?? '') : target)) return { kind: 'script' };
  if (flags.spec !== undefined) {
    if (!isSafeFileName(target))
      throw badApp(target, 'is not an app name', 'with --spec, name the app to run, e.g. `tpx run --spec black==22.12.0 black`');
    return appTarget(flags.spec, { name: target, inferred: false }, flags, at);
  }
  if (!url && looksLikePath(target)) {
    const stat = statOrNull(path.resolve(at.cwd, expandHome(target, at.env)));
    if (stat && !stat.isDirectory() && !isPackageArchive(target)) return { kind: 'script' };
  }
  if (url || looksLikePath(target)) return appTarget(target, { name: null, inferred: true }, flags, at);
  if (isValidDistName(target)) return appTarget(target, { name: target, inferred: false }, flags, at);
  let spec: Spec;
  try {
    spec = parseSpec(target, at);
  } catch {
    throw badApp(
      target,
      'is not an app name or a package spec',
      "name an app (`tpx run black`), a spec (`tpx run black==22.12.0`, `tpx run 'black[d]'`), a project directory, a URL, or a script ending in .py",
    );
  }
  return appTarget(target, { name: spec.name, inferred: true }, flags, at);
}

function appTarget(specText: string, app: AppChoice, flags: RunFlags, at: Place): RunTarget {
  const spec = parseSpec(specText, at);
  const req: RunRequest = {
    kind: 'app',
    spec: spec.spec,
    ...common(flags, flags.with, at),
    source: spec.kind === 'path' ? sourceStamp(spec.path) : null,
  };
  return { kind: 'app', req, spec, specText, app };
}

/** What `file` is, following links (`/dev/fd/63` is a link to a pipe); null if it does not exist. */
export function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

/**
 * What a local project's environment is keyed by besides its path: the size and mtime of the archive,
 * or of a directory's build files (pyproject.toml, setup.py, setup.cfg) — as uv does. A changed
 * version or dependency list gets a new environment; changed code needs --refresh.
 */
export function sourceStamp(abs: string): string {
  const stamp = (p: string) => {
    try {
      const st = fs.statSync(p);
      return `${st.size}@${st.mtimeMs}`;
    } catch {
      return '-';
    }
  };
  if (!fs.statSync(abs).isDirectory()) return stamp(abs);
  return ['pyproject.toml', 'setup.py', 'setup.cfg'].map((f) => `${f}:${stamp(path.join(abs, f))}`).join(' ');
}

function badApp(target: string, what: string, hint: string): TpxError {
  return new TpxError('bad-app', `${JSON.stringify(target)} ${what}`, { hint });
}

/** The request fields an app run and a script run share. */
export function common(flags: RunFlags, packages: string[], at: Place): Omit<RunRequest, 'kind' | 'spec' | 'source'> {
  return { with: checkWith([...new Set(packages)].sort()), ...requestFlags(flags, at), requiresPython: null };
}

/**
 * The app to start: the one named (for a spec, a path or a URL: the one named after the package,
 * saying so); else the package's only app, saying so; else an error listing its apps.
 */
export function chooseApp(ctx: Context, receipt: RunReceipt, app: AppChoice, specText: string): string {
  const wanted = app.name ?? receipt.name ?? '';
  const exact =
    receipt.apps.find((a) => a.name === wanted) ??
    (app.inferred ? receipt.apps.find((a) => a.main && normalizeName(a.name) === normalizeName(wanted)) : undefined);
  const from = `${receipt.name} ${receipt.version}`;
  if (exact) {
    if (app.inferred) ctx.out.info(`running ${exact.name} from ${from}`);
    return exact.name;
  }
  const main = receipt.apps.filter((a) => a.main).map((a) => a.name);
  if (main.length === 1) {
    ctx.out.info(`${from} has no app named ${wanted}; running its only app, ${main[0]}`);
    return main[0] as string;
  }
  throw new TpxError('no-such-app', `${from} has no app named ${wanted}`, {
    hint: `its apps: ${main.join(', ')}; run one with \`tpx run --spec ${shellWord(specText)} ${main[0]}\``,
  });
}

/**
 * Starts the app, tidies the cache while it runs (never before), and returns its exit status. Its
 * environment is `env`, else the user's without PYTHONPATH and PYTHONHOME (as `pipx run` clears
 * PYTHONPATH): set for another Python, they would reach any Python the app starts, which `-E` on the
 * app's own line does not cover.
 */
export async function launch(
  ctx: Context,
  file: string,
  args: string[],
  opts: { sweep: boolean; env?: NodeJS.ProcessEnv } = { sweep: true },
): Promise<number> {
  const status = runApp(file, args, opts.env ?? { ...ctx.env, PYTHONPATH: undefined, PYTHONHOME: undefined });
  if (opts.sweep) sweep(ctx);
  return status;
}

/** Options that take a value; the fast path leaves anything else (--help, --refresh, typos) to commander. */
const VALUED: Record<string, keyof RunFlags> = {
  '--spec': 'spec',
  '--with': 'with',
  '--python': 'python',
  '--index-url': 'indexUrl',
  '--pip-args': 'pipArgs',
  '--cooldown': 'cooldown',
  '--env': 'env',
  '--env-file': 'envFile',
  '--color': 'color',
};

const SWITCHES: Record<string, 'verbose' | 'quiet' | 'offline'> = {
  '-v': 'verbose',
  '--verbose': 'verbose',
  '-q': 'quiet',
  '--quiet': 'quiet',
  '--offline': 'offline',
};

/**
 * Parses `run` arguments the way commander does for the common forms (`--opt value`, `--opt=value`,
 * `-v`), stopping at APP. Returns null for anything else, which then goes through commander.
 */
export function parseRunArgv(argv: string[]): { app: string; args: string[]; flags: RunFlags } | null {
  const flags: RunFlags = { with: [], cache: true, config: true, pythonDownloads: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') return { app: arg, args: argv.slice(i + 1), flags };
    const sw = SWITCHES[arg];
    if (sw) {
      flags[sw] = true;
      continue;
    }
    if (arg === '--no-python-downloads') {
      flags.pythonDownloads = false;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUED[name];
    if (!key) return null;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return null;
    if (key === 'with') flags.with.push(value);
    else if (key === 'env') flags.env = [...(flags.env ?? []), value];
    else (flags as unknown as Record<string, string>)[key] = value;
  }
  return null;
}

/**
 * The `run` options that make the same request as `flags` (parseRunArgv's inverse), for a run of
 * tpx that builds it again (a refresh in the background): `--no-config`, since the pins of a
 * tpx.toml are already in `flags`.
 */
export function runArgv(flags: RunFlags): string[] {
  const out = ['--no-config'];
  for (const [option, key] of Object.entries(VALUED)) {
    const v = flags[key];
    if (key === 'color' || key === 'env' || key === 'envFile') continue;
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.push(`${option}=${one}`);
  }
  return out;
}

/**
 * The app's environment: tpx's, then `--env-file`'s variables (`KEY=VALUE` lines; `#` comments,
 * blank lines, an `export ` prefix and quotes around the value allowed; nothing expanded), then
 * each `--env KEY=VALUE`.
 */
export function appEnv(flags: Pick<RunFlags, 'env' | 'envFile'>, at: Place): NodeJS.ProcessEnv {
  // PYTHONPATH and PYTHONHOME meant for another Python must not change which modules (or which
  // standard library) an app or a script runs with, as pipx clears them: only --env/--env-file set them.
  const out: NodeJS.ProcessEnv = { ...at.env, PYTHONPATH: undefined, PYTHONHOME: undefined };
  if (flags.envFile !== undefined) {
    const file = path.resolve(at.cwd, expandHome(flags.envFile, at.env));
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new TpxError('no-such-file', `--env-file: cannot read ${file}`, { hint: 'give a file of KEY=VALUE lines' });
    }
    text.split(/\r?\n/).forEach((line, i) => {
      if (/^\s*(#|$)/.test(line)) return;
      const [k, v] = assignment(line.replace(/^\s*export\s+/, ''), `${flags.envFile}:${i + 1}`);
      const value = v.trim();
      out[k] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
    });
  }
  for (const e of flags.env ?? []) {
    const [k, v] = assignment(e, '--env');
    out[k] = v;
  }
  return out;
}

function assignment(text: string, where: string): [string, string] {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(text);
  if (!m) throw new TpxError('usage', `${where}: ${JSON.stringify(text)} is not KEY=VALUE`, { hint: 'e.g. --env DEBUG=1' });
  return [m[1] as string, m[2] as string];
}
