/**
 * The one error class. Anything thrown that is not a TpxError is a bug: the CLI prints its stack and
 * exits 2. A TpxError is rendered as `error: …` / `hint: …`, with `details` (e.g. the tail of pip's
 * output) between them, and exits with `exitCode`.
 */
export class TpxError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: string | undefined;
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: string; exitCode?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'TpxError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** A usage error: bad flags or arguments (exit 2, like commander's own). */
export function usageError(message: string, hint?: string): TpxError {
  return new TpxError('usage', message, { hint, exitCode: 2 });
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
