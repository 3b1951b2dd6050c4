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
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .action((shell: CompletionShell) => cli.run(async (ctx) => completions(ctx, cli, shell)));
}

const SHELLS: CompletionShell[] = ['bash', 'zsh', 'fish', 'powershell'];

async function completions(ctx: Context, cli: Cli, shell: CompletionShell): Promise<void> {
  // The generators are a bundle of their own (scripts/build.mjs): no other command parses them.
  const { completionScript } = await import('../core/shell/completions.js');
  // Tools are looked up under $TPX_HOME when it is set at completion time, else where tpx puts them without it.
  const defaultHome = resolvePaths({ ...ctx.env, TPX_HOME: undefined }).home;
  const userHome = ctx.env.HOME || os.homedir();
  ctx.out.result(completionScript(shell, describeCommand(cli.program), { defaultHome, userHome, version: TPX_VERSION }));
}
