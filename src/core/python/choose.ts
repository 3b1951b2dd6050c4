/**
 * The one place that decides which interpreter a command uses (docs/architecture.md, "Seams"):
 * `--python` or the default, and, when that one is not accepted (a package's, script's or lock's
 * requires-python), the newest installed Python that is. Async so that a later step may download
 * an interpreter where none is found; finding one (python.ts) is synchronous today.
 */
import type { Context } from '../base/context.js';
import type { TpxError } from '../base/errors.js';
import { findInterpreter, newestInterpreter } from './python.js';
import type { Interpreter } from './python.js';

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
  // A version asked for and not installed (`no-python`) is the other place a download would go.
  const first = findInterpreter(ctx, wanted.requested ?? undefined);
  const decision = decidePython(wanted.requested, first.version, wanted.accepts);
  if (decision === 'take') return first;
  // Not taken: so `accepts` was given, and with it `why` (the type pairs them).
  const { accepts, why } = wanted as { accepts: Accepts; why: (first: Interpreter) => TpxError };
  const other = decision === 'search' ? newestInterpreter(ctx, accepts) : null;
  // Nothing installed will do: where a Python would be downloaded (a later issue), before giving up.
  if (other) return other;
  throw why(first);
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
