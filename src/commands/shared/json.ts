/**
 * The result document `--json` prints for every command that changes something (README, "Results a
 * script can read"): exactly one JSON object on stdout, whatever happened — success, a failure per
 * tool, an error before any tool was touched, commander's own usage errors — with the same exit code
 * as without `--json`. Nothing goes to stderr, errors included: they are in the document (pipx's
 * `--output json` does the same), so a script that captures both streams reads one document.
 *
 * A command takes part by adding `jsonOption()` and registering its handler with `cli.change`, which
 * hands it a `Results` to add one `ToolResult` (core/ops/outcome.ts) per tool to; cli.ts prints the
 * document. Nothing here prints: `resultDocument` is the document, `usageDocument` the one for an
 * error commander found before any handler ran.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Context } from '../../core/base/context.js';
import { errorInfo, failedResult } from '../../core/ops/outcome.js';
import type { ErrorInfo, ToolResult } from '../../core/ops/outcome.js';
import { redact } from '../../core/base/redact.js';

/** Bumped on any incompatible change of the document (README documents it). */
export const RESULT_SCHEMA = 1;

export interface ResultDocument {
  schema: typeof RESULT_SCHEMA;
  /** The arguments tpx was run with (after `tpx`), credentials masked. */
  command: string[];
  /** success: exit 0; partial: a failure, but some tool was dealt with; error: nothing was. */
  status: 'success' | 'partial' | 'error';
  exitCode: number;
  tools: ToolResult[];
  /** An error that is no one tool's: bad usage, or one before any tool was touched. */
  error: ErrorInfo | null;
  /** `reset` only: every path it removed besides the tools' app links (in `tools`). */
  removed?: string[];
}

/** `--json` for a command that changes tools: marks the command, so even a parse error of it is answered with a document. */
class ResultJsonOption extends Option {}

export function jsonOption(): Option {
  return new ResultJsonOption(
    '--json',
    'print one JSON result document on stdout (schema 1, see README), errors included; nothing on stderr',
  );
}

/** Whether `command` answers with a result document (it was given jsonOption()). */
export function printsResults(command: Command | undefined): boolean {
  return command?.options.some((o) => o instanceof ResultJsonOption) ?? false;
}

/** What a command did, one entry per tool, in the order they were dealt with. */
export class Results {
  readonly tools: ToolResult[] = [];
  /** Paths a command removed that are no tool's (`tpx reset`); undefined: the command removes none. */
  removed: string[] | undefined;

  add(result: ToolResult): void {
    this.tools.push(result);
  }
}

export function resultDocument(
  argv: string[],
  tools: ToolResult[],
  exitCode: number,
  error: unknown = null,
  removed?: string[],
): ResultDocument {
  const status = exitCode === 0 ? 'success' : tools.some((t) => t.action !== 'failed') ? 'partial' : 'error';
  return {
    schema: RESULT_SCHEMA,
    command: argv.map(redact),
    status,
    exitCode,
    tools,
    error: error === null ? null : errorInfo(error),
    ...(removed === undefined ? {} : { removed: removed.map(redact) }),
  };
}

/** The document for commander's own errors (an unknown option, a missing argument): a usage error, exit 2. */
export function usageDocument(argv: string[], message: string): ResultDocument {
  const doc = resultDocument(argv, [], 2);
  return {
    ...doc,
    error: { code: 'usage', message: redact(message.replace(/^error: /, '').trim()), hint: 'run `tpx <command> --help` for usage' },
  };
}

export function renderDocument(doc: ResultDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Runs the change of one named tool (pin, rollback, inject, …): what `work` returns is its result;
 * a failure is printed and becomes the tool's failed result, and its exit code the command's.
 */
export async function forTool(ctx: Context, results: Results, name: string, work: () => Promise<ToolResult>): Promise<number> {
  try {
    results.add(await work());
    return 0;
  } catch (err) {
    results.add(failedResult(name, err));
    return ctx.out.error(err);
  }
}
