import type { Command } from 'commander';
import type { Context } from '../core/context.js';

/** A command handler returns its exit code (default 0) or throws a TpxError. */
export type Action = (ctx: Context) => Promise<number | void>;

/** What a command module gets: the program to add itself to, and the runner for its handler. */
export interface Cli {
  program: Command;
  run(action: Action): Promise<void>;
}
