/**
 * The zsh completion script: one function per command, each an `_arguments` call with the options'
 * descriptions; commands with subcommands dispatch on the word after them (the usual `->state`
 * pattern). Tool names are the names in `<home>/tools/`, globbed by zsh itself.
 */
import type { CommandDoc, OptionDoc, ValueKind } from './clidoc.js';
import { allCommands } from './clidoc.js';

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Text inside an _arguments spec: brackets and colons are syntax there. */
const spec = (s: string) => s.replace(/\\/g, '\\\\').replace(/([[\]:])/g, '\\$1');

function fn(c: CommandDoc): string {
  return `_tpx${c.path.map((w) => `_${w.replace(/[^A-Za-z0-9]/g, '_')}`).join('')}`;
}

function action(v: ValueKind): string {
  if (v.kind === 'tool') return '_tpx_tools';
  if (v.kind === 'file') return '_files';
  if (v.kind === 'choice') return `(${v.choices.join(' ')})`;
  return ' ';
}

function optionSpecs(o: OptionDoc): string {
  const flags = [o.short, o.long].filter((f): f is string => f !== null);
  const desc = `[${spec(o.description)}]`;
  // Value forms: -r FILE / -rFILE (`-r+`), --opt VALUE / --opt=VALUE (`--opt=`).
  const form = (f: string) => (o.value ? (f.startsWith('--') ? `${f}=` : `${f}+`) : f);
  const value = o.value ? `:${spec(o.value.name)}:${action(o.value)}` : '';
  const repeat = o.value?.variadic ? '*' : '';
  if (flags.length === 1) return sq(`${repeat}${form(flags[0] as string)}${desc}${value}`);
  const exclusive = repeat ? '' : `(${flags.join(' ')})`;
  return `${sq(`${repeat}${exclusive}`)}{${flags.map(form).join(',')}}${sq(`${desc}${value}`)}`;
}

function commandFunction(c: CommandDoc): string {
  const opts = c.options.map(optionSpecs);
  if (c.commands.length > 0) {
    const described = c.commands.map((s) => sq(`${spec(s.path[s.path.length - 1] as string)}:${s.description}`));
    const cases = c.commands.map((s) => `        ${sq(s.path[s.path.length - 1] as string)}) ${fn(s)} ;;`);
    return `${fn(c)}() {
  local curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
  _arguments -C -s -S \\
    ${[...opts, "'1: :->command'", "'*:: :->argument'"].join(' \\\n    ')} && ret=0
  case $state in
    command)
      local -a commands=(
        ${described.join('\n        ')}
      )
      _describe -t commands 'tpx command' commands && ret=0 ;;
    argument)
      curcontext=\${curcontext%:*:*}:tpx-$words[1]:
      case $words[1] in
${cases.join('\n')}
      esac ;;
  esac
  return ret
}`;
  }
  const args = c.args.map((a, i) => sq(`${a.variadic ? '*' : `${i + 1}`}:${spec(a.name)}:${action(a.value)}`));
  return `${fn(c)}() {
  _arguments -s -S \\
    ${[...opts, ...args].join(' \\\n    ')}
}`;
}

/** `home`: the default data home as a shell word (completions.ts). */
export function zshScript(root: CommandDoc, header: string, home: string): string {
  return `#compdef tpx
${header}
# Enable it with this line in ~/.zshrc, after compinit:  eval "$(tpx completions zsh)"
# (or save it as _tpx in a directory on $fpath).

_tpx_tools() {
  local home=$TPX_HOME
  [[ -n $home ]] || home=${home}
  local -a tools=("$home"/tools/*(N:t))
  tools=(\${tools:#*.tmp-*})
  _wanted tools expl 'installed tool' compadd -a tools
}

${allCommands(root).map(commandFunction).join('\n\n')}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _tpx "$@"
else
  compdef _tpx tpx
  # The completion files of installed tools, which tpx links into completions/zsh in its data home:
  # on $fpath, and registered for the commands their #compdef line names (compinit has run already).
  () {
    local home=$TPX_HOME f first
    [[ -n $home ]] || home=${home}
    [[ -d $home/completions/zsh ]] || return 0
    fpath=($home/completions/zsh $fpath)
    for f in $home/completions/zsh/_*(N-.); do
      read -r first < $f
      [[ $first == '#compdef '* ]] || continue
      autoload -Uz $f:t
      compdef $f:t \${=first#\\#compdef }
    done
  }
fi
`;
}
