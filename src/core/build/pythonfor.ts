/**
 * When a package's requires-python excludes the default interpreter: which installed one to use
 * instead. `tpx install black` with Python 3.9 as the default and black needing ≥3.10 should find
 * the 3.12 that is installed, as `tpx run` does for scripts, rather than fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { removeMine } from '../base/gate.js';
import type { Environment, Installer } from '../installer/installer.js';
import { parseSpecifiers, satisfies } from '../packaging/pep440.js';
import { choosePython } from '../python/choose.js';
import type { Interpreter } from '../python/python.js';
import type { Request } from '../request/request.js';

/**
 * After the install of `req` into `env` failed because a version needs another Python (the
 * installer says so): another installed interpreter that satisfies the package's requires-python,
 * or null when the default does after all. The decision is taken from the Requires-Python of the
 * version the installer would pick if the interpreter did not matter, read from its dry run's
 * report. None installed satisfies it: an error that says so.
 */
export async function pythonForPackage(ctx: Context, installer: Installer, env: Environment, req: Request): Promise<Interpreter | null> {
  const { py } = env;
  const r = await installer.resolve(ctx, {
    py,
    venv: env.dir,
    request: req,
    specs: [req.spec],
    deps: false,
    ignoreRequiresPython: true,
    logName: 'requires-python',
  });
  const found = r.ok ? r.dists.find((d) => d.requested) : undefined;
  const text = found?.requiresPython;
  const set = text ? parseSpecifiers(text) : null;
  if (!found || !text || !set || satisfies(py.version, set)) return null;
  const what = `${found.name} ${found.version} requires Python ${text}`;
  const other = await choosePython(ctx, {
    requested: null,
    accepts: (v) => satisfies(v, set),
    why: () =>
      new TpxError('no-python-for-package', `${what}, but no installed Python satisfies it (the default is ${py.version})`, {
        hint: `install a matching Python and pass it with --python, or ask for a version of ${found.name} that supports Python ${py.version}`,
      }),
  });
  ctx.out.info(`${what}; using Python ${other.version} (${other.executable})`);
  return other;
}

/** Empties a generation for a second attempt, keeping tpx's own markers (`.tpx-*`); through the delete gate. */
export function emptyGeneration(ctx: Context, dir: string): void {
  for (const entry of fs.readdirSync(dir)) if (!entry.startsWith('.tpx-')) removeMine(ctx, path.join(dir, entry));
}
