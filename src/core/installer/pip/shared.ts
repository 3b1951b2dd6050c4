/**
 * The shared pip: one unpacked copy per pip version under shared/, run inside any venv through its
 * `__pip-runner__.py` (what pip's own `--python` option does internally), so no venv carries pip
 * (docs/architecture.md, "The shared pip").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { removeMine } from '../../base/gate.js';
import { readTextOrNull, readdirOrEmpty, uniqueSuffix, writeFileAtomic } from '../../base/fsx.js';
import { diskFullHint, hintFromPipOutput, pipTail } from './hints.js';
import { runPip } from './pip.js';
import { admitsPython, downloadPipWheel } from './download.js';
import { capture, childEnv, logHint } from '../../base/proc.js';
import { compareVersions } from '../../packaging/pep440.js';
import type { Paths } from '../../base/paths.js';
import { choosePython } from '../../python/choose.js';
import type { Interpreter } from '../../python/python.js';
import { withScratchVenv } from '../../python/venv.js';

/**
 * The runner of the shared pip for `py`: the pip `tpx upgrade-shared` chose, when its
 * Requires-Python admits `py`; else the interpreter's bundled wheel, unpacked on first use (offline,
 * ~0.1 s). Nothing here fetches a newer pip: only `tpx upgrade-shared` changes which pip is used.
 */
export async function ensureSharedPip(ctx: Context, py: Interpreter): Promise<string> {
  const chosen = selectedPipFor(ctx.paths, py.version);
  if (chosen) return chosen.runner;
  const wheel = newestPipWheel(py.pipWheels) ?? newestPipWheel(downloadedWheels(ctx));
  if (!wheel) {
    throw new TpxError('no-pip-wheel', `${py.executable} ships no pip wheel to bootstrap from`, {
      hint: 'on Debian and Ubuntu: sudo apt install python3-venv (it brings python3-pip-whl); or pick another interpreter with --python',
    });
  }
  return unpackPip(ctx, py, wheel);
}

/**
 * Unpacks a pip wheel into shared/pip-<version>/ (once) and returns its runner. Python unpacks it as
 * a build child (core/base/proc.ts): a Ctrl-C in the first second of the first command stops it and
 * undoes the half-unpacked copy, instead of ending Python with a traceback.
 */
export async function unpackPip(ctx: Context, py: Interpreter, wheel: { file: string; version: string }): Promise<string> {
  const dir = path.join(ctx.paths.shared, `pip-${wheel.version}`);
  const runner = path.join(dir, 'pip', '__pip-runner__.py');
  if (fs.existsSync(runner)) return runner;

  // Unpack beside the target and rename into place: a concurrent or killed bootstrap never leaves a half-unpacked pip.
  fs.mkdirSync(ctx.paths.shared, { recursive: true });
  const tmp = path.join(ctx.paths.shared, `.pip-${wheel.version}.tmp-${uniqueSuffix()}`);
  const undo = ctx.interrupts.register(() => removeMine(ctx, tmp));
  try {
    const r = await capture(ctx, py.executable, ['-I', '-S', '-m', 'zipfile', '-e', wheel.file, tmp], {
      env: childEnv(ctx),
      timeoutMs: 120_000,
    });
    if (r.code !== 0 || !fs.existsSync(path.join(tmp, 'pip', '__pip-runner__.py'))) {
      throw new TpxError('pip-bootstrap', `could not unpack ${wheel.file}${r.timedOut ? ' (timed out)' : ''}`, {
        details: r.stderr.trim(),
        hint: diskFullHint(r.stderr, [ctx.paths.shared]),
      });
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

/** `shared/selected`: the version of the pip `tpx upgrade-shared` chose (written last, once it is unpacked and runs). */
export function selectedFile(paths: Pick<Paths, 'shared'>): string {
  return path.join(paths.shared, 'selected');
}

export interface SelectedPip {
  version: string;
  runner: string;
  /** Its Requires-Python (from its METADATA); null when it says none. */
  requiresPython: string | null;
}

/** The pip `tpx upgrade-shared` chose, if one was and it is on disk intact; nothing read here names a path before it is checked. */
export function selectedPip(paths: Pick<Paths, 'shared'>): SelectedPip | null {
  const version = readTextOrNull(selectedFile(paths))?.trim() ?? '';
  if (!/^\d+(\.\d+)*$/.test(version)) return null;
  const dir = path.join(paths.shared, `pip-${version}`);
  const runner = path.join(dir, 'pip', '__pip-runner__.py');
  if (!fs.existsSync(runner)) return null;
  const meta = readTextOrNull(path.join(dir, `pip-${version}.dist-info`, 'METADATA')) ?? '';
  return { version, runner, requiresPython: /^Requires-Python:\s*(.+?)\s*$/m.exec(meta)?.[1] ?? null };
}

/** The chosen pip, if it runs on Python `version`: a pip whose Requires-Python excludes it is not used for it. */
export function selectedPipFor(paths: Pick<Paths, 'shared'>, version: string): SelectedPip | null {
  const chosen = selectedPip(paths);
  return chosen && admitsPython(chosen.requiresPython, version) ? chosen : null;
}

/**
 * ensureSharedPip, falling back — when the interpreter ships no usable pip wheel (Debian's python3
 * without python3-venv, say) — to downloading one from the package index, and saying so.
 */
export async function sharedPip(ctx: Context, py: Interpreter): Promise<string> {
  if (!selectedPipFor(ctx.paths, py.version) && !newestPipWheel(py.pipWheels) && !newestPipWheel(downloadedWheels(ctx)))
    await downloadPipWheel(ctx, py);
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

/** What `tpx upgrade-shared` did. */
export type SharedUpgrade =
  | { status: 'upgraded'; from: string; to: string; requiresPython: string | null }
  | { status: 'already'; version: string };

/**
 * `tpx upgrade-shared`: pip itself downloads pip (the newest that runs on the default Python, or
 * `version`) with the user's own index, configuration and certificates; it is unpacked beside the
 * others in shared/, checked to run, and only then recorded as the chosen one (shared/selected).
 * The interpreters' bundled wheels stay the offline fallback, and the pip for a Python the new one
 * cannot run on (its Requires-Python).
 */
export async function upgradeSharedPip(ctx: Context, opts: { version?: string }): Promise<SharedUpgrade> {
  const py = await choosePython(ctx, { requested: null });
  const runner = await sharedPip(ctx, py);
  const current = path.basename(path.dirname(path.dirname(runner))).slice('pip-'.length);
  const want = opts.version === undefined ? 'pip' : `pip==${opts.version}`;
  return withScratchVenv(ctx, py, 'pip', async (python, tmp) => {
    // A version on disk already (unpacked, or an interpreter's bundled wheel) needs no index: going back works offline.
    let wheel = opts.version === undefined ? null : localPipWheel(ctx, py, opts.version);
    if (!wheel) {
      const dest = path.join(tmp, 'wheels');
      const args = ['download', '--no-deps', '--only-binary', ':all:', '--no-input', '--progress-bar', 'off', '--dest', dest, want];
      const pip = await ctx.out.task(`fetching ${want} from the package index`, () => runPip(ctx, runner, python, args, 'upgrade-shared'));
      if (pip.code !== 0) {
        throw new TpxError('pip-download', `could not fetch ${want} from the package index`, {
          details: pipTail(pip.output),
          hint: [hintFromPipOutput(pip.output), logHint(ctx, pip)].filter(Boolean).join('\n'),
        });
      }
      wheel = newestPipWheel(readdirOrEmpty(dest).map((f) => path.join(dest, f)));
    }
    if (!wheel)
      throw new TpxError('pip-download', `${want} is too old for tpx`, {
        hint: 'tpx needs pip 22.3 or newer (for its --report); `tpx upgrade-shared` alone fetches the newest',
      });
    if (wheel.version === current) return { status: 'already', version: current };
    const fresh =
      wheel.file === '' ? path.join(ctx.paths.shared, `pip-${wheel.version}`, 'pip', '__pip-runner__.py') : await unpackPip(ctx, py, wheel);
    const works = await runPip(ctx, fresh, python, ['--version'], 'upgrade-shared');
    if (works.code !== 0) {
      throw new TpxError('pip-bootstrap', `pip ${wheel.version} does not run on ${py.executable}; the shared pip is still ${current}`, {
        details: pipTail(works.output),
        hint: logHint(ctx, works),
      });
    }
    writeFileAtomic(selectedFile(ctx.paths), `${wheel.version}\n`);
    return { status: 'upgraded', from: current, to: wheel.version, requiresPython: selectedPip(ctx.paths)?.requiresPython ?? null };
  });
}

/** pip `version` already here: unpacked in shared/ (file ''), or one of the interpreter's bundled wheels. */
function localPipWheel(ctx: Context, py: Interpreter, version: string): { file: string; version: string } | null {
  if (fs.existsSync(path.join(ctx.paths.shared, `pip-${version}`, 'pip', '__pip-runner__.py'))) return { file: '', version };
  const bundled = newestPipWheel([...py.pipWheels, ...downloadedWheels(ctx)].filter((w) => path.basename(w).startsWith(`pip-${version}-`)));
  return bundled?.version === version ? bundled : null;
}
