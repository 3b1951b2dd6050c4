import type { Output } from './core/context.js';
import { TpxError } from './core/errors.js';

/** stderr for progress, warnings and errors; stdout for results. ora is loaded only when a spinner is shown. */
export function makeOutput(opts: { verbose: boolean; quiet?: boolean }): Output {
  const err = (line: string) => process.stderr.write(`${line}\n`);
  return {
    info: (m) => {
      if (!opts.quiet) err(m);
    },
    warn: (m) => err(`warning: ${m}`),
    result: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    async task(text, work) {
      // A terminal that reports no width (some CI ptys) would make the spinner redraw endlessly.
      const spin = !opts.verbose && !opts.quiet && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !process.env.CI;
      if (!spin) {
        if (!opts.quiet) err(`${text}…`);
        return work();
      }
      const { default: ora } = await import('ora');
      const spinner = ora({ text, stream: process.stderr }).start();
      try {
        return await work();
      } finally {
        spinner.stop();
      }
    },
  };
}

/** The one place errors are rendered. Returns the exit code. */
export function renderError(err: unknown, verbose: boolean): number {
  if (err instanceof TpxError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.details) process.stderr.write(`${err.details.replace(/^/gm, '  | ')}\n`);
    if (err.hint) process.stderr.write(`${err.hint.replace(/^/gm, 'hint: ')}\n`);
    if (verbose) {
      let cause = err.cause;
      while (cause) {
        process.stderr.write(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return err.exitCode;
  }
  process.stderr.write(`tpx: internal error (this is a bug, please report it)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
}
