/** `tpx exec`: an app of an installed tool's venv run as if the venv were activated. */
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { appFile } from '../packaging/distinfo.js';
import { isExecutable, readdirOrEmpty } from '../base/fsx.js';
import { validateAppName } from '../packaging/names.js';
import { launch } from './runapp.js';
import { notInstalled, readInstalled, toolPath } from '../store/store.js';
import { venvBinDir } from '../python/venv.js';
import { venvProblems } from '../store/status.js';

/**
 * Runs APP from the tool's venv as if the venv were activated: its bin dir first on PATH, VIRTUAL_ENV
 * set (through the tool's stable path, so it names the current generation). Exit code, signals and
 * stdin are the app's, as with `tpx run` (proc.ts, runApp). Nothing else is spawned first.
 */
export async function exec(ctx: Context, key: string, app: string, args: string[]): Promise<number> {
  const inst = readInstalled(ctx, key);
  if (!inst) throw notInstalled(ctx, key);
  // Its apps could not start (a moved venv's name the old path; a gone python): say why, from disk.
  const [problem] = venvProblems(ctx, inst.dir, inst.receipt);
  if (problem)
    throw new TpxError('broken-tool', `${key} cannot run: ${problem.text}`, {
      hint: `\`tpx doctor --fix ${key}\` rebuilds it (or: tpx reinstall ${key})`,
    });
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
