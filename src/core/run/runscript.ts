/**
 * What `tpx run script.py` needs beyond an app run: loading the script (a file, a pipe, or an https URL),
 * and an interpreter that satisfies its `requires-python`.
 */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { readTextOrNull } from '../base/fsx.js';
import { buildEnvironment } from '../build/build.js';
import { expandHome } from '../base/paths.js';
import type { ScriptMetadata } from '../packaging/pep723.js';
import { satisfies } from '../packaging/pep440.js';
import { choosePython } from '../python/choose.js';
import type { Interpreter } from '../python/python.js';
import { statOrNull } from './runapp.js';
import { saveScript } from './runcache.js';
import type { Build, RunRequest } from './runcache.js';
import { isUrl, parseSpec, RECORDED } from '../packaging/spec.js';
import { createVenv } from '../python/venv.js';
import { defaultRequest } from '../request/request.js';
import { runFields } from '../request/fields.js';

/** A script larger than this is not one: refused before it is saved or run. */
const MAX_SCRIPT_BYTES = 8 << 20;

/**
 * The script's path on disk and its text. A URL is fetched each time, and a pipe (`tpx run <(…)`,
 * `/dev/fd/N`) read once; both are saved for Python to run (runcache.saveScript: in the run cache
 * unless `keep` is false), and `dispose` removes what was saved only for this run.
 */
export async function loadScript(
  ctx: Context,
  target: string,
  keep: boolean,
): Promise<{ file: string; source: string; dispose: () => void }> {
  if (!isUrl(target)) {
    const file = path.resolve(ctx.cwd, expandHome(target, ctx.env));
    const stat = statOrNull(file);
    const source = stat && !stat.isDirectory() ? readTextOrNull(file) : null;
    if (source === null) {
      throw new TpxError('no-such-script', `${target}: no such file`, {
        hint: 'give the path of a Python script, or an https:// URL of one',
      });
    }
    return stat?.isFile() ? { file, source, dispose: () => {} } : { ...saveScript(ctx, file, source, { keep }), source };
  }
  // Loaded here: only a script from a URL needs the HTTP client. `script`: a script from the
  // network must come over TLS, and so must every redirect on the way (core/base/http.ts).
  const { httpGet } = await import('../base/http.js');
  const res = await httpGet(ctx.env, target, { script: true, maxBytes: MAX_SCRIPT_BYTES });
  if (res.status < 200 || res.status > 299)
    throw new TpxError('fetch-failed', `could not fetch ${target}: HTTP ${res.status}`, { hint: 'check the URL' });
  const source = res.body.toString('utf8');
  return { ...saveScript(ctx, target, source, { keep }), source };
}

/**
 * An interpreter satisfying requires-python: --python (or the default) when it does; without
 * --python, the newest installed 3.x that does; otherwise an error naming the line.
 */
export async function pickInterpreter(
  ctx: Context,
  python: string | null,
  meta: ScriptMetadata | null,
  where: string,
): Promise<Interpreter> {
  const rp = meta?.requiresPython;
  if (!rp) return choosePython(ctx, { requested: python });
  return choosePython(ctx, {
    requested: python,
    accepts: (v) => satisfies(v, rp.set),
    why: (first) =>
      new TpxError(
        'no-python-for-script',
        `${where}:${rp.line}: requires-python = "${rp.text}", but ${python === null ? 'no installed Python' : `--python ${python} (${first.version})`} satisfies it`,
        {
          hint:
            python === null
              ? `the default Python is ${first.version}; install a matching one, or pass it with --python`
              : 'pick a matching interpreter with --python, or leave --python out to let tpx look for one',
        },
      ),
  });
}

/** Builds a script's environment: its dependencies (and --with packages) in a venv of the chosen interpreter; `throwaway` with --no-cache. */
export function scriptBuild(req: RunRequest, meta: ScriptMetadata | null, where: string, opts: { throwaway: boolean }): Build {
  return async (dir, ctx) => {
    const py = await pickInterpreter(ctx, req.python, meta, where);
    const receipt = {
      request: req,
      name: null,
      version: null,
      python: { executable: py.executable, version: py.version },
      apps: [],
      pinned: req.with.every(isPinned),
    };
    const [first, ...rest] = req.with;
    if (first === undefined) {
      await createVenv(ctx, py, dir, { systemSitePackages: false });
      return receipt;
    }
    // buildEnvironment wants a main package: the first dependency is it; the rest come along.
    const request = defaultRequest(first, { ...runFields(req), python: py.executable });
    try {
      await buildEnvironment(ctx, dir, request, { extraSpecs: rest, logName: 'run-script', throwaway: opts.throwaway });
    } catch (err) {
      // pip succeeded; only the "main" package is absent (an environment marker excluded it): fine for a script.
      if (!(err instanceof TpxError && err.code === 'no-dist')) throw err;
    }
    return receipt;
  };
}

export function isPinned(spec: string): boolean {
  try {
    const s = parseSpec(spec, RECORDED);
    return s.kind === 'requirement' && s.pinned;
  } catch {
    return false;
  }
}
