import type { Output } from './core/context.js';
import { TpxError, fromErrno } from './core/errors.js';
import { redact } from './core/redact.js';

/** stderr for progress, warnings and errors; stdout for results. ora is loaded only when a spinner is shown. */
export function makeOutput(opts: { verbose: boolean; quiet?: boolean }): Output {
  // Every line tpx prints passes redact(): no credential in a URL ever reaches the terminal (core/redact.ts).
  const err = (line: string) => process.stderr.write(`${redact(line)}\n`);
  return {
    info: (m) => {
      if (!opts.quiet) err(m);
    },
    warn: (m) => err(`warning: ${m}`),
    result: (t) => process.stdout.write(redact(t.endsWith('\n') ? t : `${t}\n`)),
    async task(text, work) {
      // A terminal that reports no width (some CI ptys) would make the spinner redraw endlessly.
      const spin = !opts.verbose && !opts.quiet && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !process.env.CI;
      if (!spin) {
        if (!opts.quiet) err(`${text}…`);
        return work();
      }
      const { default: ora } = await import('ora');
      const spinner = ora({ text: redact(text), stream: process.stderr }).start();
      try {
        return await work();
      } finally {
        spinner.stop();
      }
    },
  };
}

/** The one place errors are rendered. Returns the exit code. */
export function renderError(thrown: unknown, verbose: boolean): number {
  // A full disk or a read-only directory is the machine's doing, not a bug: one clear error (core/errors.ts).
  const err = fromErrno(thrown) ?? thrown;
  if (err instanceof TpxError) {
    process.stderr.write(redact(`error: ${err.message}\n`));
    if (err.details) process.stderr.write(redact(`${err.details.replace(/^/gm, '  | ')}\n`));
    if (err.hint) process.stderr.write(redact(`${err.hint.replace(/^/gm, 'hint: ')}\n`));
    if (verbose) {
      let cause = err.cause;
      while (cause) {
        process.stderr.write(redact(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`));
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return err.exitCode;
  }
  process.stderr.write(redact(`tpx: internal error (this is a bug, please report it)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
  return 2;
}
