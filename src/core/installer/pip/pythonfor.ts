/**
 * When a package's requires-python excludes the default interpreter: which installed one to use
 * instead. `tpx install black` with Python 3.9 as the default and black needing ≥3.10 should find
 * the 3.12 that is installed, as `tpx run` does for scripts, rather than fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { readInstallReport, runPip } from './pip.js';
import { newestInterpreter } from '../../python/python.js';
import type { Interpreter } from '../../python/python.js';
import { parseSpecifiers, satisfies } from '../../packaging/pep440.js';
import type { Request } from '../../request/request.js';
import { venvPython } from '../../python/venv.js';
import { removeMine } from '../../base/gate.js';

/**
 * After pip failed to install `req` into the venv at `dir` (of `py`): another installed interpreter
 * that satisfies the package's requires-python when `py` does not, or null when that is not why it
 * failed. pip's text is only the trigger (it says "requires a different Python" when a version was
 * passed over for that reason), so that other failures cost nothing more; the decision is taken
 * from the Requires-Python of the version pip would pick if the interpreter did not matter, read
 * from its JSON report. None installed satisfies it: an error that says so.
 */
export async function pythonForPackage(
  ctx: Context,
  build: { runner: string; dir: string; req: Request; py: Interpreter; pipOutput: string },
): Promise<Interpreter | null> {
  const { runner, dir, req, py } = build;
  if (!/requires a different python|Requires-Python/i.test(build.pipOutput)) return null;
  const report = path.join(dir, '.tpx-requires-python.json');
  const args = [
    'install',
    '--dry-run',
    '--ignore-installed',
    '--no-deps',
    '--ignore-requires-python',
    '--no-input',
    '--progress-bar',
    'off',
    '--report',
    report,
  ];
  const pip = await runPip(
    ctx,
    runner,
    venvPython(ctx, dir),
    [...args, ...(req.indexUrl ? ['--index-url', req.indexUrl] : []), ...req.pipArgs, req.spec],
    'requires-python',
  );
  if (pip.code !== 0) return null;
  const found = readInstallReport(report).install.find((i) => i.requested);
  fs.rmSync(report, { force: true });
  const text = found?.metadata.requires_python;
  const set = text ? parseSpecifiers(text) : null;
  if (!found || !text || !set || satisfies(py.version, set)) return null;
  const what = `${found.metadata.name} ${found.metadata.version} requires Python ${text}`;
  const other = newestInterpreter(ctx, (v) => satisfies(v, set));
  if (!other) {
    throw new TpxError('no-python-for-package', `${what}, but no installed Python satisfies it (the default is ${py.version})`, {
      hint: `install a matching Python and pass it with --python, or ask for a version of ${found.metadata.name} that supports Python ${py.version}`,
    });
  }
  ctx.out.info(`${what}; using Python ${other.version} (${other.executable})`);
  return other;
}

/** Empties a generation for a second attempt, keeping tpx's own markers (`.tpx-*`); through the delete gate. */
export function emptyGeneration(ctx: Context, dir: string): void {
  for (const entry of fs.readdirSync(dir)) if (!entry.startsWith('.tpx-')) removeMine(ctx, path.join(dir, entry));
}
