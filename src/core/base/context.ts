import type { Paths } from './paths.js';
import { resolvePaths } from './paths.js';
import { platformFor } from './platform.js';
import type { Platform } from './platform.js';

/**
 * What a command prints (src/ui.ts renders it). Progress, warnings and errors go to stderr; results
 * (list, --json) to stdout. `--quiet` silences everything but errors and results.
 */
export interface Output {
  info(message: string): void;
  /** Printed as `warning: …`. */
  warn(message: string): void;
  /** Renders an error (`error:` / details / `hint:`; a non-TpxError as a bug) and returns its exit code. */
  error(err: unknown): number;
  result(text: string): void;
  /**
   * Runs `work` with a spinner on a TTY, a plain line otherwise; streaming (`--verbose`) shows no
   * spinner. Lines printed meanwhile (info, warnings, errors) appear above the spinner.
   */
  task<T>(text: string, work: (progress: Progress) => Promise<T>): Promise<T>;
}

/**
 * What a long task says as it goes (Output.task): a terminal shows a status that changes in place,
 * a log (stderr not a terminal) gets one line per event instead.
 */
export interface Progress {
  /** The spinner's text from now on; off a terminal nothing is printed. */
  status(text: string): void;
  /** A line off a terminal, where no spinner shows what is under way; on a terminal nothing. */
  note(line: string): void;
}

/** A task's progress when nothing is shown (quiet, parallel work). */
export const SILENT: Progress = { status: () => {}, note: () => {} };

/**
 * Synchronous undo actions run if the process is interrupted (Ctrl-C, SIGTERM) mid-change. Each
 * pipeline registers what it must undo the moment it creates something and drops it at its commit
 * point. Synchronous because a signal handler cannot wait for an async rollback to be scheduled.
 */
export class Interrupts {
  private readonly actions = new Set<() => void>();

  register(action: () => void): () => void {
    this.actions.add(action);
    return () => this.actions.delete(action);
  }

  /** Runs every registered action, newest first; each failure is ignored so the rest still run. */
  runAll(): void {
    for (const action of [...this.actions].reverse()) {
      try {
        action();
      } catch {
        // best effort: the next run's garbage collection removes what is left
      }
    }
    this.actions.clear();
  }
}

/** Where what the user typed is read: relative paths against `cwd`, `~` and variables from `env`. A Context is one. */
export interface Place {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Context extends Place {
  paths: Paths;
  /** What differs between POSIX and Windows (platform.ts). */
  platform: Platform;
  /** The environment tpx was started with; children get a cleaned copy (proc.ts). */
  env: NodeJS.ProcessEnv;
  /** The directory tpx was started in: relative paths in what the user typed are resolved against it. */
  cwd: string;
  verbose: boolean;
  out: Output;
  interrupts: Interrupts;
}

/** For parallel work: no spinners or per-step lines (they would interleave); one line per finished tool instead. */
export function quiet(ctx: Context): Context {
  return { ...ctx, out: { ...ctx.out, info: () => {}, task: (_text, work) => work(SILENT) } };
}

/** For a command whose answer is one document on stdout (`doctor --json`): errors only on stderr, as `-q` gives. */
export function silent(ctx: Context): Context {
  return { ...ctx, out: { ...ctx.out, info: () => {}, warn: () => {}, task: (_text, work) => work(SILENT) } };
}

/** `os`, `arch`, `env`, `cwd`: the entry point's `process.platform`, `process.arch`, `process.env`, `process.cwd()` (the one place each is read; platform.ts). */
export function makeContext(opts: {
  env: NodeJS.ProcessEnv;
  os: NodeJS.Platform;
  arch: string;
  cwd: string;
  verbose: boolean;
  out: Output;
  global?: boolean;
}): Context {
  return {
    paths: resolvePaths(opts.env, { global: opts.global }),
    platform: platformFor(opts.os, opts.arch),
    env: opts.env,
    cwd: opts.cwd,
    verbose: opts.verbose,
    out: opts.out,
    interrupts: new Interrupts(),
  };
}
