/**
 * tpx's command line as plain data: what the completion scripts (completions.ts, zshcompletion.ts)
 * and the man page (manpage.ts) are generated from. Built from the one commander program by
 * src/commands/shared/describe.ts, so core never sees commander.
 */

/** What a value is completed with: installed tool names, files, a closed list, or nothing. */
export type ValueKind = { kind: 'tool' } | { kind: 'file' } | { kind: 'choice'; choices: string[] } | { kind: 'none' };

export interface OptionDoc {
  short: string | null;
  long: string | null;
  /** The value it takes, if any: its placeholder name, what completes it, and whether it may repeat. */
  value: (ValueKind & { name: string; variadic: boolean }) | null;
  description: string;
}

export interface ArgDoc {
  name: string;
  required: boolean;
  variadic: boolean;
  value: ValueKind;
  description: string;
}

export interface CommandDoc {
  /** The words that run it, e.g. ['cache', 'purge']; [] for tpx itself. */
  path: string[];
  /** As --help shows it: `tpx install [options] <spec...>`. */
  usage: string;
  description: string;
  args: ArgDoc[];
  options: OptionDoc[];
  commands: CommandDoc[];
  examples: { command: string; comment: string }[];
}

/** Every command in the tree, depth first, the root included. */
export function allCommands(root: CommandDoc): CommandDoc[] {
  return [root, ...root.commands.flatMap(allCommands)];
}

/** The flags of an option as written on the command line: `-f`, `--force`. */
export function flagsOf(o: OptionDoc): string[] {
  return [o.short, o.long].filter((f): f is string => f !== null);
}
