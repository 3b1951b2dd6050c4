import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { TpxError, usageError } from '../core/base/errors.js';
import { appFile, appsOf } from '../core/packaging/distinfo.js';
import { buildEnvironment } from '../core/build/build.js';
import { shellWord, splitArgs } from '../core/request/args.js';
import { readTextOrNull } from '../core/base/fsx.js';
import { toolKey } from '../core/packaging/names.js';
import { parseScriptMetadata } from '../core/packaging/pep723.js';
import { choosePython } from '../core/python/choose.js';
import { appEnv, chooseApp, common, launch, runArgv, runTarget, statOrNull } from '../core/run/runapp.js';
import type { RunFlags, RunTarget } from '../core/run/runapp.js';
import { buildThrowaway, ensureEntry, lookup, revalidate, runKey, touch } from '../core/run/runcache.js';
import type { Build, RunEntry, RunRequest } from '../core/run/runcache.js';
import { isPinned, loadScript, scriptBuild } from '../core/run/runscript.js';
import { isolateApps, venvBinDir, venvPython } from '../core/python/venv.js';
import type { Cli } from './cli-types.js';
import { requestFrom, requestOptions, withPythonDownloads } from './shared/request.js';
import { withProjectPins } from '../core/files/runpins.js';
import { spawnDetached } from '../core/base/proc.js';
import { isUrl } from '../core/packaging/spec.js';

export function register(cli: Cli): void {
  const cmd = cli.program
    .command('run')
    .description('run an app from a package without installing it (from a cached environment), or a PEP 723 script')
    .argument(
      '<app>',
      'the app to run (from the package of that name unless --spec); a spec (black==22.12.0), a project directory or a URL; or a script (file.py, an https URL, /dev/fd/N)',
    )
    .argument('[args...]', 'arguments for the app, passed on untouched (--help and -- included)')
    .option('--spec <spec>', 'the package to install when it is not named APP, e.g. --spec black==22.12.0 blackd')
    .option('--with <spec>', 'also install this package (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--refresh', 'rebuild the cached environment now (a stale one is otherwise refreshed in the background)')
    .option('--offline', 'never touch the network: run from the cache, or fail')
    .option('--prefetch', 'fill the cache for APP and each of ARGS (specs, apps, scripts) without running anything')
    .option('--no-cache', 'use a throw-away environment, removed when the app exits')
    .option('--env <KEY=VALUE>', "set a variable in the app's environment (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--env-file <file>', "set the variables of FILE (KEY=VALUE lines) in the app's environment")
    .option('--no-config', 'ignore the pins of the nearest tpx.toml (by default `tpx run NAME` uses the spec it gives NAME)')
    .option('--python-args <args>', "arguments for the Python interpreter, as one quoted string, e.g. --python-args='-X importtime'");
  for (const o of requestOptions({ recorded: false })) cmd.addOption(o);
  // Everything after APP belongs to the app: options there are not tpx's.
  cmd.passThroughOptions().action((app: string, args: string[], flags: RunFlags & { pythonArgs?: string }) =>
    cli.run((ctx) =>
      run(withPythonDownloads(ctx, flags), app, args, {
        ...flags,
        with: flags.with ?? [],
        pythonArgs: flags.pythonArgs === undefined ? [] : splitArgs(flags.pythonArgs),
      }),
    ),
  );
}

type Flags = RunFlags & { pythonArgs: string[]; prefetch?: boolean };

async function run(ctx: Context, target: string, args: string[], given: Flags): Promise<number> {
  refuseConflicts(given);
  if (given.prefetch) return prefetch(ctx, [target, ...args], given);
  const flags = { ...given, ...(await withProjectPins(ctx, target, given)) };
  const env = appEnv(flags, ctx);
  const what = runTarget(target, flags, ctx);
  if (what.kind === 'script') return runScript(ctx, target, args, flags, env);
  const entry = await environment(ctx, what.req, flags, appBuild(what, flags));
  try {
    const chosen = chooseApp(ctx, entry.receipt, what.app, what.specText);
    // Only once the app is known to be there: a mistyped name refreshes nothing.
    entry.revalidate?.(target);
    const file = path.join(venvBinDir(ctx, entry.dir), appFile(ctx, chosen));
    if (flags.pythonArgs.length === 0) return await launch(ctx, file, args, { sweep: flags.cache, env });
    // An app pip made is a Python script: run as `python -E ARGS APP` it is what its shebang runs, plus ARGS.
    if (!isPythonScript(file)) {
      throw usageError(
        `--python-args: ${chosen} is not a Python script, so there is no Python command line to add them to`,
        '--python-args applies to apps that are Python scripts and to PEP 723 scripts; run this one without it',
      );
    }
    return await launch(ctx, venvPython(ctx, entry.dir), ['-E', ...flags.pythonArgs, file, ...args], { sweep: flags.cache, env });
  } finally {
    entry.dispose?.();
  }
}

function refuseConflicts(flags: Flags): void {
  const both = (a: string, b: string, hint: string) => usageError(`${a} and ${b} cannot be used together`, hint);
  if (!flags.cache && flags.refresh)
    throw both('--no-cache', '--refresh', '--no-cache always builds a fresh environment; --refresh rebuilds the cached one');
  if (flags.offline && flags.refresh) throw both('--offline', '--refresh', '--refresh builds, which needs the index');
  if (flags.offline && !flags.cache) throw both('--offline', '--no-cache', '--no-cache builds, which needs the index');
  if (flags.prefetch && !flags.cache) throw both('--prefetch', '--no-cache', '--prefetch fills the cache');
  if (flags.prefetch && flags.offline) throw both('--prefetch', '--offline', '--prefetch fills the cache from the index');
}

/**
 * `--prefetch TARGET…`: each environment `tpx run TARGET` would use, built when it is not there or
 * is due for a refresh; nothing is run. A refresh in the background is this, in a detached tpx.
 */
async function prefetch(ctx: Context, targets: string[], flags: Flags): Promise<number> {
  let failed = 0;
  for (const target of targets) {
    try {
      const pinned = { ...flags, ...(await withProjectPins(ctx, target, flags)) };
      const what = runTarget(target, pinned, ctx);
      const entry =
        what.kind === 'script'
          ? await scriptEnvironment(ctx, target, pinned)
          : await environment(ctx, what.req, { ...pinned, prefetch: true }, appBuild(what, pinned));
      const r = entry?.receipt;
      ctx.out.info(`${r?.name ? `${r.name} ${r.version}` : target} is ready: \`tpx run ${shellWord(target)}\` starts at once`);
    } catch (err) {
      failed++;
      ctx.out.error(err);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** Installs the package (and --with packages) and records its apps, the requested package's first. */
function appBuild(what: Extract<RunTarget, { kind: 'app' }>, flags: RunFlags): Build {
  const { req, spec, specText } = what;
  return async (dir, ctx) => {
    const built = await buildEnvironment(ctx, dir, requestFrom(spec.spec, flags, ctx), {
      extraSpecs: req.with,
      logName: `run-${spec.name ?? 'spec'}`,
      throwaway: !flags.cache,
    });
    const bin = venvBinDir(ctx, dir);
    const main = toolKey(built.name);
    // The requested package's apps first: they win over a dependency's of the same name.
    const apps = built.dists
      .flatMap((d) => appsOf(ctx, d, built.site, bin).map((a) => ({ name: a.name, dist: a.dist, main: toolKey(d.name) === main })))
      .sort((a, b) => Number(b.main) - Number(a.main));
    if (!apps.some((a) => a.main)) {
      const others = apps.map((a) => `${a.name} (from ${a.dist})`);
      throw new TpxError('no-apps', `${built.name} ${built.version} has no apps to run`, {
        hint:
          others.length > 0
            ? `its dependencies have apps: ${others.join(', ')}; run one with \`tpx run --spec ${specText} ${apps[0]?.name}\``
            : 'it is a library, not a command-line tool',
      });
    }
    isolateApps(
      ctx,
      dir,
      apps.map((a) => appFile(ctx, a.name)),
    );
    return {
      request: req,
      name: built.name,
      version: built.version,
      python: { executable: built.py.executable, version: built.py.version },
      apps,
      pinned: [spec.spec, ...req.with].every(isPinned),
    };
  };
}

/** A script Python runs: a `#!…python…` line, or pip's `#!/bin/sh` + `'''exec' python` trampoline for long paths (still Python source). */
function isPythonScript(file: string): boolean {
  const head = (readTextOrNull(file) ?? '').slice(0, 512).split('\n');
  return /^#!.*python[0-9.]*\b/.test(head[0] ?? '') || (/^#!\/bin\/sh/.test(head[0] ?? '') && /^'''exec' /.test(head[1] ?? ''));
}

async function runScript(ctx: Context, target: string, args: string[], flags: Flags, env: NodeJS.ProcessEnv): Promise<number> {
  const { file, source, dispose } = await fetchScript(ctx, target, flags);
  try {
    const prepared = await scriptRequest(ctx, source, target, flags);
    if (prepared === null) {
      // No metadata: the default (or --python) interpreter runs it as it is; no environment needed.
      const py = await choosePython(ctx, { requested: flags.python ?? null });
      return await launch(ctx, py.executable, [...flags.pythonArgs, file, ...args], { sweep: false, env });
    }
    const entry = await environment(ctx, prepared.req, flags, prepared.build);
    try {
      // A script read from a pipe cannot be read again by a refresh in the background.
      if (isUrl(target) || statOrNull(file)?.isFile()) entry.revalidate?.(target);
      return await launch(ctx, venvPython(ctx, entry.dir), [...flags.pythonArgs, file, ...args], { sweep: flags.cache, env });
    } finally {
      entry.dispose?.();
    }
  } finally {
    dispose();
  }
}

async function fetchScript(ctx: Context, target: string, flags: Flags): Promise<Awaited<ReturnType<typeof loadScript>>> {
  if (flags.spec !== undefined)
    throw usageError(
      '--spec cannot be used with a script',
      'a script names its dependencies in a `# /// script` block; add more with --with',
    );
  if (flags.offline && isUrl(target))
    throw new TpxError('not-cached', `--offline: ${target} is a URL, and fetching it needs the network`, {
      hint: 'save the script and run the file, or run without --offline',
    });
  return loadScript(ctx, target, flags.cache);
}

/** The request and build of a script's environment; null when it needs none (no metadata, no --with). */
async function scriptRequest(
  ctx: Context,
  source: string,
  target: string,
  flags: RunFlags,
): Promise<{ req: RunRequest; build: Build } | null> {
  const meta = await parseScriptMetadata(source, target);
  const deps = [...(meta?.dependencies ?? []), ...flags.with];
  if (!meta && deps.length === 0) return null;
  const req: RunRequest = {
    kind: 'script',
    spec: null,
    ...common(flags, deps, ctx),
    requiresPython: meta?.requiresPython?.text ?? null,
    source: null,
  };
  return { req, build: scriptBuild(req, meta, target, { throwaway: !flags.cache }) };
}

/** `--prefetch` of a script: its environment (null: it needs none). */
async function scriptEnvironment(ctx: Context, target: string, flags: Flags): Promise<RunEntry | null> {
  const { source, dispose } = await fetchScript(ctx, target, flags);
  try {
    const prepared = await scriptRequest(ctx, source, target, flags);
    return prepared && (await environment(ctx, prepared.req, { ...flags, prefetch: true }, prepared.build));
  } finally {
    dispose();
  }
}

type Environment = RunEntry & { dispose?: () => void; revalidate?: (target: string) => void };

/**
 * The cached environment for `req` (a hit spawns nothing); a stale one as it is, with `revalidate`
 * to refresh it in the background (stale-while-revalidate), called once the app is known to be
 * there; built when missing, broken, unused too long or asked (`--refresh`); a throw-away one with
 * --no-cache. `--offline` never builds: what the cache lacks is an error. `--prefetch` builds a
 * stale one now, and leaves the generation it replaces to the sweep (an app may run from it).
 */
async function environment(ctx: Context, req: RunRequest, flags: RunFlags & { prefetch?: boolean }, build: Build): Promise<Environment> {
  if (!flags.cache) return buildThrowaway(ctx, build);
  const key = runKey(ctx, req);
  if (!flags.refresh) {
    const found = lookup(ctx, key.key, key.material);
    if (found.status === 'hit') {
      touch(found);
      return found;
    }
    if (found.status === 'stale' && !flags.prefetch) {
      touch(found);
      return flags.offline ? found : { ...found, revalidate: (target) => refreshLater(ctx, key.key, target, flags) };
    }
    if (flags.offline) {
      throw new TpxError(
        'not-cached',
        `--offline: no usable cached environment for this run (${found.status === 'miss' ? 'there is none' : found.why})`,
        {
          hint: 'run it once without --offline, or fill the cache ahead of time: `tpx run --prefetch TARGET`',
        },
      );
    }
    if (found.status !== 'miss') ctx.out.info(`rebuilding the cached environment: ${found.why}`);
  }
  const entry = await ensureEntry(ctx, key, { refresh: Boolean(flags.refresh), keepOld: Boolean(flags.prefetch) }, build);
  if (!entry.built) touch(entry);
  return entry;
}

/** A stale entry's refresh: `tpx run --prefetch` with the same request, detached, its output in a log (runcache.revalidate). */
function refreshLater(ctx: Context, key: string, target: string, flags: RunFlags): void {
  const tpx = [process.argv[1] as string, 'run', '--prefetch', ...runArgv(flags), target];
  const log = revalidate(ctx, key, (file) => spawnDetached(process.execPath, tpx, ctx.env, ctx.cwd, file));
  if (log && ctx.verbose) ctx.out.info(`the cached environment is over 14 days old: refreshing it in the background (log: ${log})`);
}
