import type { Command } from 'commander';
import type { Context } from '../core/base/context.js';
import type { Results } from './shared/json.js';

/** A command handler returns its exit code (default 0) or throws a TpxError. */
export type Action = (ctx: Context) => Promise<number | void>;

/**
 * The handler of a command that changes tools: it adds what happened to each tool to `results`,
 * which `--json` prints as one document (commands/shared/json.ts); without `--json` they are not shown.
 */
export type ChangeAction = (ctx: Context, results: Results) => Promise<number | void>;

/** What a command module gets: the program to add itself to, and the runners for its handler. */
export interface Cli {
  program: Command;
  run(action: Action): Promise<void>;
  /** For a command given `jsonOption()`: with `--json`, stdout gets exactly one result document and stderr nothing. */
  change(action: ChangeAction): Promise<void>;
}
