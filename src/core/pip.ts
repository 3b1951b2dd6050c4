import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { uniqueSuffix } from './fsx.js';
import { compareVersions } from './python.js';
import type { Interpreter } from './python.js';
import { captureSync, childEnv, runLogged } from './proc.js';
import type { Logged } from './proc.js';

/**
 * The shared pip: one unpacked copy per pip version under shared/, run inside any venv through its
 * `__pip-runner__.py` (what pip's own `--python` option does internally), so no venv carries pip.
 * Bootstrapped offline from the interpreter's bundled wheel; ~0.1 s, no network.
 */
export function ensureSharedPip(ctx: Context, py: Interpreter): string {
  const wheel = newestPipWheel(py.pipWheels);
  if (!wheel) {
    throw new TpxError('no-pip-wheel', `${py.executable} ships no pip wheel to bootstrap from`, {
      hint: 'on Debian and Ubuntu: sudo apt install python3-venv (it brings python3-pip-whl); or pick another interpreter with --python',
    });
  }
  const dir = path.join(ctx.paths.shared, `pip-${wheel.version}`);
  const runner = path.join(dir, 'pip', '__pip-runner__.py');
  if (fs.existsSync(runner)) return runner;

  // Unpack beside the target and rename into place: a concurrent or killed bootstrap never leaves a half-unpacked pip.
  fs.mkdirSync(ctx.paths.shared, { recursive: true });
  const tmp = path.join(ctx.paths.shared, `.pip-${wheel.version}.tmp-${uniqueSuffix()}`);
  const undo = ctx.interrupts.register(() => fs.rmSync(tmp, { recursive: true, force: true }));
  try {
    const r = captureSync(py.executable, ['-I', '-S', '-m', 'zipfile', '-e', wheel.file, tmp], childEnv(ctx));
    if (r.code !== 0 || !fs.existsSync(path.join(tmp, 'pip', '__pip-runner__.py'))) {
      throw new TpxError('pip-bootstrap', `could not unpack ${wheel.file}`, { details: r.stderr.trim() });
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      if (!fs.existsSync(runner)) throw new TpxError('pip-bootstrap', `could not move the shared pip into ${dir}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    undo();
  }
  return runner;
}

/** The newest pip wheel new enough to run from `__pip-runner__.py` with `--report` (pip ≥ 22.3). */
function newestPipWheel(wheels: string[]): { file: string; version: string } | null {
  const parsed = wheels
    .map((file) => ({ file, version: /^pip-([^-]+)-/.exec(path.basename(file))?.[1] ?? '0' }))
    .filter((w) => compareVersions(w.version, '22.3') >= 0)
    .sort((a, b) => compareVersions(b.version, a.version));
  return parsed[0] ?? null;
}

/** Runs the shared pip inside the venv whose interpreter is `python`. */
export function runPip(ctx: Context, runner: string, python: string, args: string[], logName: string): Promise<Logged> {
  // The shared pip is tpx's own copy: let Python cache its bytecode even where the user turned that
  // off (PYTHONDONTWRITEBYTECODE, common in containers). Without the cache every pip run compiles
  // pip's source again: ~0.5 s of CPU per run. (A pip installed by pip, as pipx's is, ships .pyc.)
  const env = childEnv(ctx);
  delete env.PYTHONDONTWRITEBYTECODE;
  return runLogged(ctx, python, [runner, ...args], { env, logName });
}

/** The parts of pip's JSON install report (`--report`, schema version 1) tpx reads. */
export interface InstallReport {
  version: string;
  install: { requested: boolean; is_direct?: boolean; metadata: { name: string; version: string } }[];
}

export function readInstallReport(file: string): InstallReport {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as InstallReport;
  if (report.version !== '1' || !Array.isArray(report.install)) {
    throw new TpxError('bad-report', `pip wrote an install report tpx does not understand (version ${report.version})`);
  }
  return report;
}

/** The last lines of pip's output worth showing, with credentials in URLs masked. */
export function pipTail(output: string, lines = 12): string {
  return redact(
    output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .join('\n'),
  );
}

/** `https://user:secret@host/` → `https://user:****@host/`: credentials in an index URL are never printed. */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi, '$1$2:****@');
}

/** A hint from pip's text. Decisions never depend on this (exit codes and the report do); it only helps. */
export function hintFromPipOutput(output: string): string | undefined {
  if (/No matching distribution found for (\S+)/.test(output)) {
    const what = /No matching distribution found for (\S+)/.exec(output)?.[1] ?? '';
    const versions = /\(from versions: ([^)]*)\)/.exec(output)?.[1];
    if (versions && versions !== 'none') return `no version of ${what} matches; available: ${versions}`;
    return `no package ${JSON.stringify(what)} was found on the index: check the name, or pass --index-url`;
  }
  if (/Invalid requirement/.test(output)) return 'check the spec: e.g. `black`, `black==22.12.0`, or a path';
  if (/ResolutionImpossible|conflicting dependencies/.test(output)) return 'the requested versions conflict; loosen a version constraint';
  if (/Failed to establish a new connection|Max retries exceeded|Connection refused|Could not fetch URL|HTTP error 5\d\d/i.test(output)) {
    return 'the package index could not be reached: check your network, proxy, or --index-url';
  }
  return undefined;
}
