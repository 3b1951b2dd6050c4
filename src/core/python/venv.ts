import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { withTempDir } from '../base/gate.js';
import { readHeadOrNull, readTextOrNull } from '../base/fsx.js';
import { capture, childEnv } from '../base/proc.js';
import type { OnPlatform } from '../base/platform.js';
import type { Interpreter } from './python.js';

/** The venv's folder of executables (bin, or Scripts on Windows: platform.ts decides the layout). */
export function venvBinDir(on: OnPlatform, venv: string): string {
  return path.join(venv, on.platform.venvBin);
}

export function venvPython(on: OnPlatform, venv: string): string {
  return path.join(venvBinDir(on, venv), on.platform.venvPython);
}

/** The venv's site-packages, found on disk (lib/pythonX.Y/site-packages) rather than by asking Python. */
export function sitePackages(on: OnPlatform, venv: string): string {
  return on.platform.sitePackages(venv);
}

/** How long `python -m venv` may take: ~0.05 s usually, seconds on a slow Windows disk. */
export const VENV_TIMEOUT_MS = 120_000;

/**
 * Creates a venv without pip: one shared pip serves every venv. Where the layout is known (CPython
 * on POSIX: the interpreter probe reports it, and only there) tpx writes it itself — pyvenv.cfg, the python links and
 * site-packages, as `python -m venv --without-pip` does, minus the activate scripts — which saves
 * starting Python (~45 ms of every install). Elsewhere it runs `python -m venv --without-pip`
 * (~0.05 s; with pip it would be ~3.5 s).
 */
export async function createVenv(
  ctx: Context,
  py: Interpreter,
  dir: string,
  opts: { systemSitePackages: boolean; timeoutMs?: number },
): Promise<void> {
  if (py.venv) {
    writeVenv(ctx, py, py.venv, dir, opts.systemSitePackages);
    return;
  }
  const args = ['-m', 'venv', '--without-pip', ...(opts.systemSitePackages ? ['--system-site-packages'] : []), dir];
  const timeoutMs = opts.timeoutMs ?? VENV_TIMEOUT_MS;
  const r = await capture(ctx, py.executable, args, { env: childEnv(ctx), timeoutMs });
  if (r.code !== 0) {
    const why = r.timedOut ? `: it did not finish within ${timeoutMs / 1000} s (timed out)` : '';
    throw new TpxError('venv-failed', `could not create a virtual environment with ${py.executable}${why}`, {
      details: (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n') || undefined,
      hint: r.timedOut
        ? 'nothing was changed; check that the interpreter runs and that its disk is not stalled, then try again'
        : 'on Debian and Ubuntu, install the venv module: sudo apt install python3-venv',
    });
  }
}

function writeVenv(
  on: OnPlatform,
  py: Interpreter,
  layout: NonNullable<Interpreter['venv']>,
  dir: string,
  systemSitePackages: boolean,
): void {
  const [major, minor] = py.version.split('.');
  fs.mkdirSync(path.join(dir, layout.site), { recursive: true });
  if (layout.lib64) fs.symlinkSync('lib', path.join(dir, 'lib64'));
  const bin = venvBinDir(on, dir);
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(layout.base, path.join(bin, 'python'));
  fs.symlinkSync('python', path.join(bin, `python${major}`));
  fs.symlinkSync('python', path.join(bin, `python${major}.${minor}`));
  // `home` is where Python finds its standard library from inside the venv.
  const cfg = [
    `home = ${path.dirname(layout.base)}`,
    `include-system-site-packages = ${systemSitePackages ? 'true' : 'false'}`,
    `version = ${py.version}`,
    `executable = ${fs.realpathSync(layout.base)}`,
    `command = ${layout.base} -m venv --without-pip ${systemSitePackages ? '--system-site-packages ' : ''}${dir}`,
  ];
  fs.writeFileSync(path.join(dir, 'pyvenv.cfg'), `${cfg.join('\n')}\n`);
}

/**
 * Where the venv at `dir` was made, which is where it must stay: its apps' `#!` lines name its
 * python by absolute path. Read from pyvenv.cfg's `command` line (writeVenv writes it, as
 * `python -m venv` does since Python 3.11), else from the first of `apps` (file names in its bin
 * dir) that is a script pip wrote: `#!<venv>/bin/python`, or pip's `/bin/sh` trampoline for a long
 * path. null when neither says (a binary app, such as ruff's, names nothing).
 */
export function madeAt(on: OnPlatform, dir: string, apps: string[]): string | null {
  const cfg = readTextOrNull(path.join(dir, 'pyvenv.cfg')) ?? '';
  const command = /^command\s*=.*?\s-m\s+venv\s+(?:--\S+\s+)*(\S.*?)\s*$/m.exec(cfg)?.[1];
  if (command) return command;
  for (const app of apps) {
    const head = readHeadOrNull(path.join(venvBinDir(on, dir), app)) ?? '';
    const named = [/^#!(\S+)/.exec(head)?.[1], /^'''exec' ("[^"]+"|\S+)/m.exec(head)?.[1]?.replace(/"/g, '')];
    const exe = named.find((e) => e !== undefined && path.isAbsolute(e) && path.basename(e) === on.platform.venvPython);
    if (exe) return path.dirname(path.dirname(exe));
  }
  return null;
}

/**
 * Makes the apps' scripts in the venv start Python with `-E`, so PYTHONPATH and PYTHONHOME set in
 * the user's shell (for another Python) cannot shadow the tool's own modules or stdlib, as pipx
 * does. Applied to linked apps and to `tpx run` apps alike. Only the app's own process: what it
 * starts with `sys.executable` is unaffected. pip's `#!/bin/sh` trampoline (for a venv path too
 * long for a shebang line) gets the flag on its exec line. A script whose interpreter is not the
 * venv's own Python, or that already passes it options, is left as it is; so are pip's Windows
 * launchers (`.exe`, which start with `MZ`, not `#!`).
 */
export function isolateApps(on: OnPlatform, venv: string, apps: string[]): void {
  const bin = venvBinDir(on, venv);
  for (const app of apps) {
    const file = path.join(bin, app);
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    const ours = (exe: string) => path.dirname(exe) === bin;
    const direct = /^#!(\S+)[ \t]*\n/.exec(text);
    const trampoline = /^(#!\/bin\/sh\n'''exec' )(\S+|"[^"]+")( "\$0" "\$@"\n)/.exec(text);
    let patched: string | null = null;
    if (direct?.[1] && ours(direct[1])) patched = `#!${direct[1]} -E\n${text.slice(direct[0].length)}`;
    else if (trampoline?.[2] && ours(trampoline[2].replace(/"/g, '')))
      patched = `${trampoline[1]}${trampoline[2]} -E${trampoline[3]}${text.slice(trampoline[0].length)}`;
    if (patched !== null) fs.writeFileSync(file, patched, 'latin1');
  }
}

/** An app's text as pip wrote it, before isolateApps added `-E` (doctor --verify checks it against RECORD); null: it has no such edit. */
export function withoutIsolation(text: string): string | null {
  const direct = /^(#!\S+) -E\n/.exec(text);
  if (direct) return `${direct[1]}\n${text.slice(direct[0].length)}`;
  const trampoline = /^(#!\/bin\/sh\n'''exec' (?:\S+|"[^"]+")) -E( "\$0" "\$@"\n)/.exec(text);
  return trampoline ? `${trampoline[1]}${trampoline[2]}${text.slice(trampoline[0].length)}` : null;
}

/**
 * Runs `work` with the python of a throw-away venv of `py` — for pip runs whose venv's contents
 * never matter (dry-runs with --ignore-installed, downloads) — and a temp dir beside it; both are
 * removed afterwards, and on an interrupt.
 */
export async function withScratchVenv<T>(
  ctx: Context,
  py: Interpreter,
  purpose: string,
  work: (python: string, tmp: string) => Promise<T>,
): Promise<T> {
  return withTempDir(ctx, purpose, async (tmp) => work(await scratchVenv(ctx, py, tmp), tmp));
}

/** A venv of `py` made in `tmp` (a temp dir of the caller's): its python. */
export async function scratchVenv(ctx: Context, py: Interpreter, tmp: string): Promise<string> {
  const dir = path.join(tmp, 'venv');
  fs.mkdirSync(dir);
  await createVenv(ctx, py, dir, { systemSitePackages: false });
  return venvPython(ctx, dir);
}
