/**
 * What tpx prints: progress, warnings and errors on stderr; results on stdout. Colour is decided here
 * once per process, and only when something coloured is about to be written (so `tpx list` and a
 * `tpx run` cache hit never even look at the terminal); the spinner is a bundle of its own
 * (src/spinner.ts), loaded only when one is shown.
 */
import { SILENT } from './core/base/context.js';
import type { Output } from './core/base/context.js';
import { TpxError, fromErrno } from './core/base/errors.js';
import { printable } from './core/base/printable.js';
import { redact } from './core/base/redact.js';

export type ColorChoice = 'auto' | 'always' | 'never';
export const COLOR_CHOICES: readonly ColorChoice[] = ['auto', 'always', 'never'];

export interface OutputOptions {
  verbose: boolean;
  /** `-q`: errors only. Results on stdout are still printed: they are what was asked for. */
  quiet?: boolean;
  /** `--json`: nothing at all on stderr, errors included — they are in the result document. */
  silent?: boolean;
  color?: ColorChoice;
  env?: NodeJS.ProcessEnv;
}

/**
 * Whether to colour, in the order people expect: `--color always|never` wins; then FORCE_COLOR
 * (`0`/`false` turn colour off, anything else on — Node's own order, which lets FORCE_COLOR beat
 * NO_COLOR); then NO_COLOR (any non-empty value, https://no-color.org); then a dumb terminal; then
 * whether stderr is a terminal.
 */
export function colorWanted(choice: ColorChoice, env: NodeJS.ProcessEnv, isTerminal: () => boolean): boolean {
  if (choice !== 'auto') return choice === 'always';
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  return isTerminal();
}

const STYLES = { error: '1;31', warning: '1;33', hint: '1;36', note: '1;36', 'caused by': '1' } as const;
const PREFIX = new RegExp(`^(\\s*)(${Object.keys(STYLES).join('|')}):`, 'gm');

/** Colours the `error:` / `warning:` / `hint:` / `note:` at the start of each line, bold, like cargo and uv. */
export function paintPrefixes(text: string): string {
  return text.replace(PREFIX, (_m, indent: string, word: keyof typeof STYLES) => `${indent}\x1b[${STYLES[word]}m${word}:\x1b[0m`);
}

export function makeOutput(opts: OutputOptions): Output {
  const env = opts.env ?? process.env;
  let colored: boolean | undefined;
  const color = () => (colored ??= colorWanted(opts.color ?? 'auto', env, () => Boolean(process.stderr.isTTY)));
  // Every line tpx prints passes redact(): no credential in a URL ever reaches the terminal (core/base/redact.ts);
  // and printable(): nothing a package or pip wrote can drive it (core/base/printable.ts). Colour comes after both.
  const err = (text: string) => {
    const safe = redact(printable(text));
    if (!opts.silent) process.stderr.write(`${color() ? paintPrefixes(safe) : safe}\n`);
  };
  return {
    info: (m) => {
      if (!opts.quiet) err(m);
    },
    warn: (m) => {
      if (!opts.quiet) err(`warning: ${m}`);
    },
    error: (e) => renderError(e, opts.verbose, err),
    result: (t) => writeResult(redact(t.endsWith('\n') ? t : `${t}\n`)),
    async task(text, work) {
      if (opts.quiet || opts.silent) return work(SILENT);
      // A terminal that reports no width (some CI ptys) would make the spinner redraw endlessly.
      const spin = !opts.verbose && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !env.CI && env.TERM !== 'dumb';
      if (!spin) {
        err(`${text}…`);
        return work({ status: () => {}, note: err });
      }
      const { startSpinner } = await import('./spinner.js');
      // ora redraws the spinner below anything written to stderr meanwhile (err above).
      const spinner = startSpinner(redact(printable(text)), color());
      try {
        return await work({ status: (t) => spinner.text(redact(printable(t))), note: () => {} });
      } finally {
        spinner.stop();
      }
    },
  };
}

/**
 * Writes to stdout, where results go, printable() (a receipt's version or a package's name is not
 * tpx's text). A reader that has gone away (`tpx list | head -1`) ends tpx quietly, as it ends any
 * well-behaved command, instead of with an EPIPE stack trace.
 */
export function writeResult(text: string): void {
  const out = process.stdout;
  if (out.listenerCount('error') === 0) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
  out.write(printable(text));
}

/** The one place errors are rendered, through `write` (one call per line group). Returns the exit code. */
function renderError(thrown: unknown, verbose: boolean, write: (text: string) => void): number {
  // A full disk or a read-only directory is the machine's doing, not a bug: one clear error (core/base/errors.ts).
  const err = fromErrno(thrown) ?? thrown;
  if (err instanceof TpxError) {
    write(`error: ${err.message}`);
    if (err.details) write(err.details.replace(/^/gm, '  | '));
    if (err.hint) write(err.hint.replace(/^/gm, 'hint: '));
    if (verbose) {
      let cause = err.cause;
      while (cause) {
        write(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return err.exitCode;
  }
  write(`error: internal error in tpx (a bug: please report it)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 2;
}
