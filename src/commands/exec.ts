import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { TpxError } from '../core/base/errors.js';
import { appFile } from '../core/packaging/distinfo.js';
import { isExecutable, readdirOrEmpty } from '../core/base/fsx.js';
import { parseToolArg, validateAppName } from '../core/packaging/names.js';
import { launch } from '../core/run/runapp.js';
import { notInstalled, readInstalled, toolPath } from '../core/store/store.js';
import { venvBinDir } from '../core/python/venv.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('exec')
    .description("run any app in an installed tool's environment (its dependencies' apps and python too), as if the venv were activated")
    .argument('<name>', 'an installed tool, as `tpx list` shows it')
    .argument('<app>', "an app in the tool's environment (its bin dir), e.g. python")
    .argument('[args...]', 'arguments for the app, passed on untouched (--help and -- included)')
    // Everything after APP belongs to the app: options there are not tpx's.
    .passThroughOptions()
    .action((name: string, app: string, args: string[]) => cli.run((ctx) => exec(ctx, parseToolArg(name), app, args)));
}

/**
 * Runs APP from the tool's venv as if the venv were activated: its bin dir first on PATH, VIRTUAL_ENV
 * set (through the tool's stable path, so it names the current generation). Exit code, signals and
 * stdin are the app's, as with `tpx run` (proc.ts, runApp). Nothing else is spawned first.
 */
async function exec(ctx: Context, key: string, app: string, args: string[]): Promise<number> {
  const inst = readInstalled(ctx, key);
  if (!inst) throw notInstalled(ctx, key);
  const venv = toolPath(ctx, key);
  const bin = venvBinDir(ctx, venv);
  const file = path.join(bin, appFile(ctx, validateAppName(app)));
  if (!isExecutable(file)) {
    const there = readdirOrEmpty(bin)
      .filter((f) => isExecutable(path.join(bin, f)) && !/^activate/.test(f))
      .sort();
    throw new TpxError('no-such-app', `${key}'s environment has no app ${app}`, { hint: `its apps: ${there.join(', ') || 'none'}` });
  }
  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    PATH: [bin, ctx.env.PATH].filter(Boolean).join(path.delimiter),
    VIRTUAL_ENV: venv,
    PYTHONHOME: undefined,
  };
  return launch(ctx, file, args, { sweep: false, env });
}
