/**
 * `tpx run` on a cache hit, without loading commander or the command tree: the hit's whole cost
 * is measured against `node -e 0` (README, "Speed"). Anything that is not a plain hit (a miss,
 * --refresh, --help, a script, bad input) returns false and goes through the CLI, which then
 * reports or builds as usual; so this path never has to render an error.
 */
import * as path from 'node:path';
import { makeContext } from './core/base/context.js';
import { appFile } from './core/packaging/distinfo.js';
import { withProjectPins } from './core/files/runpins.js';
import { appEnv, chooseApp, launch, parseRunArgv, runTarget } from './core/run/runapp.js';
import { lookup, runKey, touch } from './core/run/runcache.js';
import { venvBinDir } from './core/python/venv.js';
import { COLOR_CHOICES, makeOutput } from './ui.js';
import type { ColorChoice } from './ui.js';

export async function runFromCache(argv: string[]): Promise<boolean> {
  const parsed = parseRunArgv(argv);
  if (!parsed) return false;
  const { verbose = false, quiet = false, color = 'auto' } = parsed.flags;
  // Flags commander would refuse are left to it.
  if ((verbose && quiet) || !(COLOR_CHOICES as readonly string[]).includes(color)) return false;
  const ctx = makeContext({
    env: process.env,
    os: process.platform,
    arch: process.arch,
    cwd: process.cwd(),
    verbose,
    out: makeOutput({ verbose, quiet, color: color as ColorChoice }),
  });
  let file: string;
  let env: NodeJS.ProcessEnv;
  try {
    const flags = await withProjectPins(ctx, parsed.app, parsed.flags);
    // A script is never answered here: reading it (a pipe can be read only once) is the CLI's job.
    const what = runTarget(parsed.app, flags, ctx);
    if (what.kind === 'script') return false;
    const k = runKey(ctx, what.req);
    const found = lookup(ctx, k.key, k.material);
    if (found.status !== 'hit') return false;
    file = path.join(venvBinDir(ctx, found.dir), appFile(ctx, chooseApp(ctx, found.receipt, what.app, what.specText)));
    env = appEnv(flags, ctx);
    touch(found);
  } catch {
    return false;
  }
  try {
    process.exitCode = await launch(ctx, file, parsed.args, { sweep: true, env });
  } catch {
    // It could not be started (it never ran): the CLI looks again, and rebuilds or says why.
    return false;
  }
  return true;
}
