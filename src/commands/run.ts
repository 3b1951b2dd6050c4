import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { TpxError, usageError } from '../core/base/errors.js';
import { appFile, appsOf } from '../core/packaging/distinfo.js';
import { buildEnvironment } from '../core/build/build.js';
import { splitArgs } from '../core/request/args.js';
import { readTextOrNull } from '../core/base/fsx.js';
import { toolKey } from '../core/packaging/names.js';
import { parseScriptMetadata } from '../core/packaging/pep723.js';
import { choosePython } from '../core/python/choose.js';
import { chooseApp, common, launch, runTarget } from '../core/run/runapp.js';
import type { RunFlags, RunTarget } from '../core/run/runapp.js';
import { buildThrowaway, ensureEntry, lookup, runKey, touch } from '../core/run/runcache.js';
import type { Build, RunEntry, RunRequest } from '../core/run/runcache.js';
import { isPinned, loadScript, scriptBuild } from '../core/run/runscript.js';
import { isolateApps, venvBinDir, venvPython } from '../core/python/venv.js';
import type { Cli } from './cli-types.js';
import { requestFrom, requestOptions, withPythonDownloads } from './shared/request.js';

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
    .option('--refresh', 'rebuild the cached environment')
    .option('--no-cache', 'use a throw-away environment, removed when the app exits')
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

type Flags = RunFlags & { pythonArgs: string[] };

async function run(ctx: Context, target: string, args: string[], flags: Flags): Promise<number> {
  if (!flags.cache && flags.refresh)
    throw usageError(
      '--no-cache and --refresh cannot be used together',
      '--no-cache always builds a fresh environment; --refresh rebuilds the cached one',
    );
  const what = runTarget(target, flags, ctx);
  if (what.kind === 'script') return runScript(ctx, target, args, flags);
  const entry = await environment(ctx, what.req, flags, appBuild(what, flags));
  try {
    const chosen = chooseApp(ctx, entry.receipt, what.app, what.specText);
    const file = path.join(venvBinDir(ctx, entry.dir), appFile(ctx, chosen));
    if (flags.pythonArgs.length === 0) return await launch(ctx, file, args, { sweep: flags.cache });
    // An app pip made is a Python script: run as `python -E ARGS APP` it is what its shebang runs, plus ARGS.
    if (!isPythonScript(file)) {
      throw usageError(
        `--python-args: ${chosen} is not a Python script, so there is no Python command line to add them to`,
        '--python-args applies to apps that are Python scripts and to PEP 723 scripts; run this one without it',
      );
    }
    return await launch(ctx, venvPython(ctx, entry.dir), ['-E', ...flags.pythonArgs, file, ...args], { sweep: flags.cache });
  } finally {
    entry.dispose?.();
  }
}

/** Installs the package (and --with packages) and records its apps, the requested package's first. */
function appBuild(what: Extract<RunTarget, { kind: 'app' }>, flags: RunFlags): Build {
  const { req, spec, specText } = what;
  return async (dir, ctx) => {
    const built = await buildEnvironment(ctx, dir, requestFrom(spec.spec, flags, ctx), {
      extraSpecs: req.with,
      logName: `run-${spec.name ?? 'spec'}`,
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

async function runScript(ctx: Context, target: string, args: string[], flags: Flags): Promise<number> {
  if (flags.spec !== undefined)
    throw usageError(
      '--spec cannot be used with a script',
      'a script names its dependencies in a `# /// script` block; add more with --with',
    );
  const { file, source, dispose } = await loadScript(ctx, target, flags.cache);
  try {
    return await runLoadedScript(ctx, file, source, target, args, flags);
  } finally {
    dispose();
  }
}

async function runLoadedScript(ctx: Context, file: string, source: string, target: string, args: string[], flags: Flags): Promise<number> {
  const meta = await parseScriptMetadata(source, target);
  const deps = [...(meta?.dependencies ?? []), ...flags.with];
  // The script is the user's program, but PYTHONPATH and PYTHONHOME meant for another Python must not
  // change which modules (or which standard library) it runs with: its environment is the point.
  const env = { ...ctx.env, PYTHONPATH: undefined, PYTHONHOME: undefined };
  if (!meta && deps.length === 0) {
    // No metadata: the default (or --python) interpreter runs it as it is; no environment needed.
    const py = await choosePython(ctx, { requested: flags.python ?? null });
    return launch(ctx, py.executable, [...flags.pythonArgs, file, ...args], { sweep: false, env });
  }
  const req: RunRequest = {
    kind: 'script',
    spec: null,
    ...common(flags, deps, ctx),
    requiresPython: meta?.requiresPython?.text ?? null,
    source: null,
  };
  const entry = await environment(ctx, req, flags, scriptBuild(req, meta, target));
  try {
    return await launch(ctx, venvPython(ctx, entry.dir), [...flags.pythonArgs, file, ...args], { sweep: flags.cache, env });
  } finally {
    entry.dispose?.();
  }
}

/** The cached environment for `req` (a hit spawns nothing), rebuilt when expired or asked; or a throw-away one. */
async function environment(ctx: Context, req: RunRequest, flags: RunFlags, build: Build): Promise<RunEntry & { dispose?: () => void }> {
  if (!flags.cache) return buildThrowaway(ctx, build);
  const key = runKey(ctx, req);
  if (!flags.refresh) {
    const found = lookup(ctx, key.key, key.material);
    if (found.status === 'hit') {
      touch(found);
      return found;
    }
    if (found.status !== 'miss') ctx.out.info(`rebuilding the cached environment: ${found.why}`);
  }
  const entry = await ensureEntry(ctx, key, { refresh: Boolean(flags.refresh) }, build);
  if (!entry.built) touch(entry);
  return entry;
}
