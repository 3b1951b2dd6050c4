/**
 * pip as tpx's Installer (installer/installer.ts): the shared pip (shared.ts) run inside each venv,
 * which therefore carries no pip of its own (docs/architecture.md, "The shared pip").
 */
import type { Context } from '../../base/context.js';
import { childEnv, runInherit } from '../../base/proc.js';
import type { Interpreter } from '../../python/python.js';
import { createVenv, venvPython } from '../../python/venv.js';
import type { Environment, Installer } from '../installer.js';
import { install } from './install.js';
import { latestVersions } from './latest.js';
import { resolve } from './resolve.js';
import { sharedPip } from './shared.js';

/** The shared pip for `py` first (bootstrapped, or downloaded when the interpreter ships none), then the venv. */
async function createEnvironment(ctx: Context, py: Interpreter, dir: string, opts: { systemSitePackages: boolean }): Promise<Environment> {
  await sharedPip(ctx, py);
  await createVenv(ctx, py, dir, opts);
  return { py, dir };
}

/** pip's own runner (not tpx's: the user gets pip exactly as it is), attached to the terminal. */
async function runRawPip(ctx: Context, env: Environment, args: string[]): Promise<number> {
  const runner = await sharedPip(ctx, env.py);
  // pip may ask (`uninstall` confirms): keep its prompts unless the user turned them off.
  const childenv = childEnv(ctx);
  if (ctx.env.PIP_NO_INPUT === undefined) delete childenv.PIP_NO_INPUT;
  return runInherit(venvPython(ctx, env.dir), [runner, ...args], childenv);
}

export const pipInstaller: Installer = { createEnvironment, install, resolve, latest: latestVersions, runPip: runRawPip };
