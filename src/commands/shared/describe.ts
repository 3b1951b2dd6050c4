/**
 * The commander program as plain data (core/shell/clidoc.ts), for the completion scripts and the man page:
 * both follow the commands and options as they are registered, never a second list of them.
 */
import type { Argument, Command, Option } from 'commander';
import type { ArgDoc, CommandDoc, OptionDoc, ValueKind } from '../../core/shell/clidoc.js';
import { EXAMPLES } from './examples.js';

/**
 * What completes a value, from its placeholder: `name` is an installed tool throughout tpx
 * (`<name...>`, `--skip <name...>`), `file`/`path`/`spec` and free arguments may be files.
 */
function valueKind(name: string, choices: string[] | undefined, positional: boolean): ValueKind {
  if (choices && choices.length > 0) return { kind: 'choice', choices: [...choices] };
  if (name === 'name') return { kind: 'tool' };
  if (['file', 'path', 'spec'].includes(name) || (positional && name !== 'app' && name !== 'package')) return { kind: 'file' };
  return { kind: 'none' };
}

function describeOption(o: Option): OptionDoc {
  const placeholder = /[<[]([^>\]]+?)(\.\.\.)?[>\]]/.exec(o.flags);
  const value =
    o.required || o.optional
      ? { ...valueKind(placeholder?.[1] ?? 'value', o.argChoices, false), name: placeholder?.[1] ?? 'value', variadic: o.variadic }
      : null;
  return { short: o.short ?? null, long: o.long ?? null, value, description: o.description };
}

function describeArgument(a: Argument): ArgDoc {
  return {
    name: a.name(),
    required: a.required,
    variadic: a.variadic,
    value: valueKind(a.name(), a.argChoices, true),
    description: a.description,
  };
}

/** `command` and everything under it; `path`: the words that run it ([] for tpx itself). */
export function describeCommand(command: Command, path: string[] = []): CommandDoc {
  const help = command.createHelp();
  return {
    path,
    usage: ['tpx', ...path, command.usage()].join(' '),
    description: command.description(),
    args: command.registeredArguments.map(describeArgument),
    options: help.visibleOptions(command).map(describeOption),
    // Includes commander's implicit `help [command]`, which has no parent to take its path from.
    commands: help.visibleCommands(command).map((c) => {
      const doc = describeCommand(c, [...path, c.name()]);
      // `help [command]` completes the commands beside it.
      if (c.name() === 'help')
        doc.args = doc.args.map((a) => ({ ...a, value: { kind: 'choice', choices: command.commands.map((s) => s.name()) } }));
      return doc;
    }),
    examples: (EXAMPLES[path.join(' ')] ?? []).map(([c, comment]) => ({ command: c, comment })),
  };
}
