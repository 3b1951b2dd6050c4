/**
 * The one error class, and the closed set of things that can go wrong. Anything thrown that is not a
 * TpxError is a bug: the CLI prints its stack and exits 2. A TpxError is rendered as `error: …` /
 * `hint: …`, with `details` (e.g. the tail of pip's output) between them; its code decides the exit
 * code and is what `--json` output carries, so scripts branch on the code, never on the wording.
 */

/**
 * Every error code, with its exit code: 2 for a command line that is wrong (usage), 1 for an
 * expected failure. Adding a code here is the only way to add one (the type is derived from this).
 */
export const ERROR_CODES = {
  // The command line is wrong: nothing was looked at (exit 2, like commander's own errors).
  usage: 2,
  'bad-app': 2,
  'bad-suffix': 2,
  'bad-pip-args': 2,
  // What was asked for cannot be found or read.
  'bad-name': 1,
  'bad-spec': 1,
  'no-such-path': 1,
  'no-such-file': 1,
  'no-such-script': 1,
  'no-such-app': 1,
  'not-installed': 1,
  'not-injected': 1,
  'main-package': 1,
  'other-package': 1,
  'bad-export': 1,
  'bad-script-metadata': 1,
  'insecure-url': 1,
  'fetch-failed': 1,
  // Interpreters and venvs.
  'no-python': 1,
  'bad-python': 1,
  'python-gone': 1,
  'no-python-for-script': 1,
  'no-python-for-package': 1,
  'venv-failed': 1,
  'bad-venv': 1,
  // pip, and what it installed.
  'no-pip-wheel': 1,
  'pip-bootstrap': 1,
  'pip-download': 1,
  'pip-failed': 1,
  'bad-report': 1,
  'no-report': 1,
  'no-dist': 1,
  'no-apps': 1,
  'bad-app-name': 1,
  'check-failed': 1,
  // The tool store: receipts, links, locks, generations.
  'bad-receipt': 1,
  'link-conflict': 1,
  'link-failed': 1,
  locked: 1,
  changed: 1,
  pinned: 1,
  'no-previous': 1,
  'rollback-failed': 1,
  // Running an app.
  'app-start': 1,
  // Fitting into the user's shell and OS (ensurepath).
  'unknown-shell': 1,
  unwritable: 1,
  'path-update-failed': 1,
  // Not a known failure: wrapped so it can still be reported per tool; exit 2 like any bug.
  internal: 2,
} as const satisfies Record<string, 1 | 2>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TpxError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown; details?: string } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TpxError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code];
  }

  /** The same error with another message or hint (e.g. naming the tool it happened to); the code stays. */
  rephrase(changes: { message?: string; hint?: string; details?: string }): TpxError {
    return new TpxError(this.code, changes.message ?? this.message, {
      hint: 'hint' in changes ? changes.hint : this.hint,
      details: 'details' in changes ? changes.details : this.details,
      cause: this.cause,
    });
  }
}

/** A usage error: bad flags or arguments (exit 2, like commander's own). */
export function usageError(message: string, hint?: string): TpxError {
  return new TpxError('usage', message, { hint });
}

/** Any thrown value as a TpxError, for code that reports failures per tool instead of throwing. */
export function toTpxError(err: unknown): TpxError {
  return err instanceof TpxError ? err : new TpxError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
