/**
 * The one place that decides which interpreter a command uses (docs/architecture.md, "Seams"):
 * `--python` or the default, and, when that one is not accepted (a package's, script's or lock's
 * requires-python), the newest installed Python that is. Where none is found — a version asked for
 * and not installed, or none installed accepted — a standalone CPython is downloaded (download.ts),
 * unless downloads are off (`--no-python-downloads`, `TPX_PYTHON_DOWNLOADS=never`).
 */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { findInterpreter, installedPythons, newestInterpreter, versionMatches } from './python.js';
import type { Interpreter, PythonSource } from './python.js';
import type { Want } from './download.js';

/** A version predicate: a requires-python (pep440.satisfies against its specifiers). */
export type Accepts = (version: string) => boolean;

export type PythonWanted = {
  /** `--python` as given (a path, a command such as python3.12, a version such as 3.12); null: TPX_DEFAULT_PYTHON, else the platform's default. */
  requested: string | null;
} & (
  | { accepts?: undefined; why?: undefined }
  | {
      /** The versions that will do (a requires-python); null: any. */
      accepts: Accepts | null;
      /** The error when none that `accepts` is found, told what `requested` named: it names what needed the version. */
      why: (first: Interpreter) => TpxError;
    }
);

/** What to do with the interpreter `requested` names, given what is accepted. */
export type PythonDecision = 'take' | 'search' | 'refuse';

/**
 * `requested`'s interpreter when it is accepted; else, only when nothing was requested, a search
 * for another (a `--python` the user gave is never replaced behind their back).
 */
export function decidePython(requested: string | null, firstVersion: string, accepts: Accepts | null | undefined): PythonDecision {
  if (!accepts || accepts(firstVersion)) return 'take';
  return requested === null ? 'search' : 'refuse';
}

/**
 * The interpreter for `wanted`. Errors about `requested` itself (none found, not a Python, timed
 * out) are findInterpreter's; "none is accepted" is `wanted.why`'s.
 */
export async function choosePython(ctx: Context, wanted: PythonWanted): Promise<Interpreter> {
  const first = await requestedPython(ctx, wanted.requested);
  const decision = decidePython(wanted.requested, first.version, wanted.accepts);
  if (decision === 'take') return first;
  // Not taken: so `accepts` was given, and with it `why` (the type pairs them).
  const { accepts, why } = wanted as { accepts: Accepts; why: (first: Interpreter) => TpxError };
  const other = decision === 'search' ? newestInterpreter(ctx, accepts) : null;
  if (other) return other;
  // Nothing installed will do: the newest build that does, downloaded.
  if (decision === 'search') return download(ctx, { label: 'that fits', accepts }, why(first));
  throw why(first);
}

/** The interpreter `requested` (else TPX_DEFAULT_PYTHON, else the default) names; a version that is not installed is downloaded. */
async function requestedPython(ctx: Context, requested: string | null): Promise<Interpreter> {
  try {
    return findInterpreter(ctx, requested ?? undefined);
  } catch (err) {
    const version = err instanceof TpxError && err.code === 'no-python' ? versionAskedFor(ctx, requested) : null;
    if (version === null) throw err;
    return download(ctx, { label: version, accepts: (v) => versionMatches(v, version) }, err as TpxError);
  }
}

/**
 * The version a request names, when a download can stand in for it: `3.12`, `3.12.4`, `python3.12`
 * (as pipx takes it), and the default `python3` (a machine with no Python at all); null for a path
 * or another command.
 */
export function versionAskedFor(ctx: Context, requested: string | null): string | null {
  const named = requested ?? (ctx.env.TPX_DEFAULT_PYTHON || ctx.platform.defaultPython);
  if (named === ctx.platform.defaultPython) return '3';
  return /^(?:python)?(3(?:\.\d+){0,2})$/.exec(named)?.[1] ?? null;
}

/**
 * A managed Python for `want`, downloaded if need be. With downloads off, or none to be had (the
 * mirror has no such build, or cannot be reached), `notFound`, with a hint that says why tpx did not
 * download one; a download that went wrong (a checksum that does not match) is its own error.
 */
async function download(ctx: Context, want: Want, notFound: TpxError): Promise<Interpreter> {
  const { downloadPython, downloadsAllowed } = await import('./download.js');
  const install = /^\d/.test(want.label) ? `tpx python install ${want.label}` : 'tpx python install VERSION';
  const why = (line: string) => notFound.rephrase({ hint: [notFound.hint, line].filter(Boolean).join('\n') });
  if (!downloadsAllowed(ctx.env))
    throw why(
      `tpx downloads a missing Python, but downloads are off (--no-python-downloads or TPX_PYTHON_DOWNLOADS=never); \`${install}\` downloads it anyway`,
    );
  try {
    return await downloadPython(ctx, want);
  } catch (err) {
    if (!(err instanceof TpxError) || (err.code !== 'no-python' && err.code !== 'fetch-failed')) throw err;
    throw why(`tpx could not download one: ${err.message}${err.hint ? ` (${err.hint.split('\n')[0]})` : ''}`);
  }
}

/** Every Python 3 on this machine and where it was found (`tpx python list`). */
export function listPythons(ctx: Context): { py: Interpreter; source: PythonSource }[] {
  return installedPythons(ctx);
}

/** `py`'s version as recorded for --python (`3.12`) when tpx chose it without a --python, or null when it is the default anyway. */
export async function pythonToRecord(ctx: Context, py: Interpreter): Promise<string | null> {
  const first = await choosePython(ctx, { requested: null });
  return py.executable === first.executable ? null : minorVersion(py.version);
}

/** `3.12` of `3.12.4`. */
export function minorVersion(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
