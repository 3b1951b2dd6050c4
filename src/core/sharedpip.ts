/**
 * The shared pip: one unpacked copy per pip version under shared/, run inside any venv through its
 * `__pip-runner__.py` (what pip's own `--python` option does internally), so no venv carries pip
 * (docs/architecture.md, "The shared pip").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { removeMine } from './gate.js';
import { readdirOrEmpty, uniqueSuffix } from './fsx.js';
import { diskFullHint } from './piphints.js';
import { downloadPipWheel } from './pipdownload.js';
import { captureSync, childEnv } from './proc.js';
import { compareVersions } from './pep440.js';
import type { Interpreter } from './python.js';

/**
 * The runner of the shared pip for `py`, unpacked on first use from the interpreter's bundled
 * wheel: offline, ~0.1 s.
 */
export function ensureSharedPip(ctx: Context, py: Interpreter): string {
  const wheel = newestPipWheel(py.pipWheels) ?? newestPipWheel(downloadedWheels(ctx));
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
  const undo = ctx.interrupts.register(() => removeMine(ctx, tmp));
  try {
    const r = captureSync(py.executable, ['-I', '-S', '-m', 'zipfile', '-e', wheel.file, tmp], childEnv(ctx));
    if (r.code !== 0 || !fs.existsSync(path.join(tmp, 'pip', '__pip-runner__.py'))) {
      throw new TpxError('pip-bootstrap', `could not unpack ${wheel.file}`, { details: r.stderr.trim(), hint: diskFullHint(r.stderr, [ctx.paths.shared]) });
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      if (!fs.existsSync(runner)) throw new TpxError('pip-bootstrap', `could not move the shared pip into ${dir}`);
    }
  } finally {
    removeMine(ctx, tmp);
    undo();
  }
  return runner;
}

/**
 * ensureSharedPip, falling back — when the interpreter ships no usable pip wheel (Debian's python3
 * without python3-venv, say) — to downloading one from the package index, and saying so.
 */
export async function sharedPip(ctx: Context, py: Interpreter): Promise<string> {
  if (!newestPipWheel(py.pipWheels) && !newestPipWheel(downloadedWheels(ctx))) await downloadPipWheel(ctx, py);
  return ensureSharedPip(ctx, py);
}

/** pip wheels downloaded from the index (pipdownload.ts) for interpreters that ship none. */
export function downloadedWheels(ctx: Context): string[] {
  return readdirOrEmpty(path.join(ctx.paths.shared, 'wheels')).map((f) => path.join(ctx.paths.shared, 'wheels', f));
}

/** The newest pip wheel new enough to run from `__pip-runner__.py` with `--report` (pip ≥ 22.3). */
export function newestPipWheel(wheels: string[]): { file: string; version: string } | null {
  const parsed = wheels
    .map((file) => ({ file, version: /^pip-([^-]+)-/.exec(path.basename(file))?.[1] ?? '0' }))
    .filter((w) => (compareVersions(w.version, '22.3') ?? -1) >= 0)
    .sort((a, b) => compareVersions(b.version, a.version) ?? 0);
  return parsed[0] ?? null;
}

