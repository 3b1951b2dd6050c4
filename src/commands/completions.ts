import * as os from 'node:os';
import { Argument } from 'commander';
import type { Context } from '../core/base/context.js';
import type { CompletionShell } from '../core/shell/completions.js';
import { resolvePaths } from '../core/base/paths.js';
import type { Cli } from './cli-types.js';
import { describeCommand } from './shared/describe.js';

declare const TPX_VERSION: string;

/** The script describes every command: cli.ts registers them all for this one. */
export const wholeProgram = true;

export function register(cli: Cli): void {
  cli.program
    .command('completions')
    .description('print the completion script for a shell: commands, options and installed tool names (README: how to enable it)')
    .addArgument(new Argument('[shell]', 'the shell to complete in (none: how to enable completion)').choices(SHELLS))
    .action((shell: CompletionShell | undefined) =>
      cli.run(async (ctx) => (shell ? completions(ctx, cli, shell) : ctx.out.result(HOW_TO))),
    );
}

const SHELLS: CompletionShell[] = ['bash', 'zsh', 'fish', 'powershell'];

/** What `tpx completions` alone prints, as `pipx completions` does: the one line for each shell (README, "Shell completion"). */
const HOW_TO = `To complete tpx's commands, options and installed tool names, add one line for your shell:

  bash        to ~/.bashrc                     eval "$(tpx completions bash)"
  zsh         to ~/.zshrc, after compinit      eval "$(tpx completions zsh)"
  fish        run once in a terminal           tpx completions fish > ~/.config/fish/completions/tpx.fish
  powershell  to $PROFILE                      tpx completions powershell | Out-String | Invoke-Expression

then start a new shell.`;

async function completions(ctx: Context, cli: Cli, shell: CompletionShell): Promise<void> {
  // The generators are a bundle of their own (scripts/build.mjs): no other command parses them.
  const { completionScript } = await import('../core/shell/completions.js');
  // Tools are looked up under $TPX_HOME when it is set at completion time, else where tpx puts them without it.
  const defaultHome = resolvePaths({ ...ctx.env, TPX_HOME: undefined }).home;
  const userHome = ctx.env.HOME || os.homedir();
  ctx.out.result(completionScript(shell, describeCommand(cli.program), { defaultHome, userHome, version: TPX_VERSION }));
}
