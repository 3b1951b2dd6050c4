/**
 * tpx's own man page, tpx(1), in roff: generated at build time from the command tree (clidoc.ts) and
 * the settings of `tpx environment` (environment.ts), so it says what --help says.
 */
import type { CommandDoc, OptionDoc } from './clidoc.js';
import { allCommands } from './clidoc.js';
import type { Setting } from './environment.js';

/** Text as roff reads it: backslashes escaped, hyphens kept literal, no line starting a request. */
function text(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

const bold = (s: string) => `\\fB${text(s)}\\fR`;

function option(o: OptionDoc): string {
  const flags = [o.short, o.long]
    .filter((f): f is string => f !== null)
    .map(bold)
    .join(', ');
  const value = o.value ? ` \\fI${text(o.value.name)}\\fR${o.value.variadic ? '...' : ''}` : '';
  return `.TP\n${flags}${value}\n${text(o.description)}${o.value?.kind === 'choice' ? ` (one of: ${text(o.value.choices.join(', '))})` : ''}`;
}

function command(c: CommandDoc): string {
  const lines = [`.SS ${bold(c.usage)}`, text(c.description)];
  for (const a of c.args) lines.push('.TP', `\\fI${text(a.name)}\\fR${a.variadic ? '...' : ''}`, text(a.description));
  // The global options are described once, under OPTIONS.
  for (const o of c.options.filter((o) => !GLOBAL.has(o.long ?? ''))) lines.push(option(o));
  for (const e of c.examples) lines.push('.PP', `.RS`, `.EX`, `$ ${text(e.command)}`, `.EE`, text(e.comment), '.RE');
  return lines.join('\n');
}

const GLOBAL = new Set(['--verbose', '--quiet', '--color', '--help']);

export function manPage(root: CommandDoc, settings: Setting[], version: string): string {
  const commands = allCommands(root).filter((c) => c.path.length > 0 && c.path.at(-1) !== 'help' && c.commands.length === 0);
  return [
    `.TH TPX 1 "" "tpx ${text(version)}" "User Commands"`,
    '.SH NAME',
    `tpx \\- ${text(root.description)}`,
    '.SH SYNOPSIS',
    `${bold('tpx')} [\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR...]`,
    '.SH DESCRIPTION',
    text(
      'tpx installs each Python command-line tool in its own virtual environment and links its apps into one bin directory (see ENVIRONMENT), so they run by name; `tpx run` runs an app without installing it. Every command has --help.',
    ),
    '.SH OPTIONS',
    text('These options are taken by every command, before or after its name.'),
    ...root.options.map(option),
    '.SH COMMANDS',
    ...commands.map(command),
    '.SH ENVIRONMENT',
    text('`tpx environment` shows the value of each and where it came from.'),
    ...settings.flatMap((s) =>
      s.variables.length > 0
        ? [
            '.TP',
            s.variables.map(bold).join(', '),
            text(`${s.description}. Default: ${s.name === 'python' ? s.value : `see \`tpx environment --value ${s.name}\``}.`),
          ]
        : [],
    ),
    '.TP',
    [bold('TPX_GLOBAL_HOME'), bold('TPX_GLOBAL_BIN_DIR'), bold('TPX_GLOBAL_MAN_DIR')].join(', '),
    text(
      'with --global: where the system-wide tools, their apps and man pages go (default /opt/tpx, /usr/local/bin, /usr/local/share/man).',
    ),
    '.TP',
    bold('NO_COLOR'),
    text('set (to anything but an empty string): no colour. FORCE_COLOR forces it on (0 turns it off); --color wins over both.'),
    '.SH EXIT STATUS',
    text(
      '0 success (including "already installed"), 1 an expected failure, 2 bad usage or a bug in tpx; `tpx run` exits with the code of the app it ran.',
    ),
    '.SH EXAMPLES',
    ...root.examples.flatMap((e) => ['.PP', '.EX', `$ ${text(e.command)}`, '.EE', text(e.comment)]),
    '.SH SEE ALSO',
    `${bold('pip')}(1), ${bold('pipx')}(1)`,
    '',
  ].join('\n');
}
