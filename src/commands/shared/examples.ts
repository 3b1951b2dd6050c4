/**
 * One or two examples per command, in one place: `--help` shows them (applyExamples, called by
 * cli.ts) and so does the man page (describe.ts). Keyed by the words that run the command.
 */
import type { Command } from 'commander';

export const EXAMPLES: Record<string, [command: string, comment: string][]> = {
  '': [
    ['tpx install black', 'black in its own environment, its apps linked into the bin dir'],
    ['tpx run cowsay hello', 'run an app without installing it'],
  ],
  install: [
    ["tpx install black 'ruff>=0.4'", 'two tools, one after the other'],
    ['tpx install --suffix @22 black==22.12.0', 'a second copy beside the first: black@22'],
  ],
  'install-all': [
    ['tpx install-all toolbox.json', 'the tools of `tpx export`, at the same versions'],
    ['tpx install-all --latest toolbox.json', 'the same tools at their newest versions'],
  ],
  list: [
    ['tpx list --outdated', 'tools with a newer version on their index'],
    ['tpx list --include-injected black', 'black, with the packages injected into it'],
  ],
  expose: [['tpx expose black', "link black's apps again"]],
  unexpose: [['tpx unexpose black', 'keep black installed, but take its apps off PATH (`tpx exec black black` still runs it)']],
  exec: [
    ["tpx exec black python -c 'import black; print(black.__file__)'", "black's Python, in black's environment"],
    ['tpx exec jupyterlab jupyter-server --version', "an app of one of the tool's dependencies"],
  ],
  uninstall: [['tpx uninstall black ruff', 'remove two tools and their links']],
  'uninstall-all': [['tpx uninstall-all', 'remove every tool']],
  upgrade: [
    ['tpx upgrade black', 'the newest version its recorded spec allows'],
    ["tpx upgrade --pip-args='--pre' black", 'allow pre-releases, from now on'],
  ],
  'upgrade-all': [['tpx upgrade-all --skip black --jobs 4', 'every tool but black, four at a time']],
  reinstall: [['tpx reinstall --python 3.12 black', 'rebuild black on another Python']],
  'reinstall-all': [['tpx reinstall-all', 'rebuild every tool, e.g. after its Python was upgraded']],
  pin: [['tpx pin black', 'upgrade-all leaves black at its version']],
  unpin: [['tpx unpin black', 'upgrade-all upgrades black again']],
  rollback: [['tpx rollback black', 'back to the version before the last upgrade']],
  inject: [
    ['tpx inject black black-plugin', "add a package to black's environment"],
    ['tpx inject black -r requirements.txt', 'every package in a file'],
  ],
  uninject: [['tpx uninject black black-plugin', 'remove it, and the dependencies nothing else needs']],
  runpip: [['tpx runpip black list --format json', "pip, inside black's environment"]],
  export: [
    ['tpx export toolbox.json', 'every tool with its request and exact versions'],
    ['tpx export --format pylock locks/', 'a PEP 751 lock per installed tool'],
  ],
  run: [
    ['tpx run cowsay hello', 'the app cowsay from the package cowsay'],
    ['tpx run black==22.12.0 --version', 'a given version (also a spec, a project directory or a URL)'],
  ],
  doctor: [
    ['tpx doctor', 'what is wrong with any tool or the tpx home, found from disk'],
    ['tpx doctor --fix black', 'repair black where that is safe, and say what it did'],
  ],
  cache: [['tpx cache purge', 'remove every cached `tpx run` environment']],
  'cache dir': [['du -sh "$(tpx cache dir)"', 'how much room the environments take']],
  'cache purge': [['tpx cache purge', 'remove them all']],
  'cache prune': [['tpx cache prune', 'free the room of wheels no installed tool uses any more']],
  ensurepath: [
    ['tpx ensurepath', "add the bin dir to your shell's startup file"],
    ['tpx ensurepath --dry-run --all-shells', 'show what it would add for every shell'],
  ],
  environment: [
    ['tpx environment', 'every directory and setting, and where it came from'],
    ['ls "$(tpx environment --value bin)"', 'the bare value, for scripts'],
  ],
  completions: [
    ['eval "$(tpx completions bash)"', 'in ~/.bashrc: complete tpx commands, options and tool names'],
    ['tpx completions fish > ~/.config/fish/completions/tpx.fish', 'fish loads it by itself'],
  ],
  sync: [
    ['tpx sync', 'install, rebuild (and with --prune uninstall) until the tools are those of ./tpx.toml'],
    ['tpx sync --dry-run team/tpx.toml', 'what it would change'],
  ],
  lock: [['tpx lock', 'pylock.<tool>.toml for every tool of ./tpx.toml; `tpx sync` then installs exactly those files']],
  'upgrade-shared': [
    ['tpx upgrade-shared', 'the newest pip from your index, for every build from now on'],
    ['tpx upgrade-shared --pip 24.2', 'exactly that pip (also to go back)'],
  ],
  python: [
    ['tpx python list', 'every Python here, and the tools on each'],
    ['tpx install --python 3.13 black', 'a Python this machine lacks is downloaded first'],
  ],
  'python list': [['tpx python list --json', 'the same, for scripts']],
  'python install': [['tpx python install 3.12 3.13', 'the newest 3.12 and 3.13, downloaded and checked']],
  'python uninstall': [['tpx python uninstall 3.12', 'remove the 3.12 builds tpx downloaded, unless a tool uses one']],
  'python upgrade': [['tpx python upgrade', 'newest patch releases, every tool on them rebuilt']],
  interpreter: [['tpx interpreter prune', 'remove downloaded Pythons no tool uses']],
  'interpreter list': [['tpx interpreter list', 'the Pythons tpx downloaded, and the tools on each']],
  'interpreter prune': [['tpx interpreter prune', 'remove the ones no tool uses']],
  'interpreter upgrade': [['tpx interpreter upgrade', 'newest patch releases, every tool on them rebuilt']],
  reset: [
    ['tpx reset --dry-run', 'what a reset would remove'],
    ['tpx reset --yes', "uninstall everything and remove tpx's data and cache, without asking"],
  ],
};

/** The words that run `command`, e.g. 'cache purge'; '' for tpx itself. */
export function commandPath(command: Command): string {
  const words: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/** Adds each command's examples to the end of its --help. */
export function applyExamples(command: Command): void {
  const examples = EXAMPLES[commandPath(command)] ?? [];
  if (examples.length > 0) {
    const width = Math.max(...examples.map(([c]) => c.length));
    command.addHelpText('after', `\nExamples:\n${examples.map(([c, why]) => `  $ ${c.padEnd(width)}  # ${why}`).join('\n')}`);
  }
  for (const sub of command.commands) applyExamples(sub);
}
