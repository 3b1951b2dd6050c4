/**
 * The only module that starts processes. Argv arrays only, never a shell; every child gets an
 * environment built here, never tpx's own unfiltered.
 *
 * child_process, not execa: measured, execa costs ~40-55 ms of CPU per install (loading its
 * bundle, README "Speed"), ~12 % of a warm install where the issue allows 3 %. What it would have
 * done is done here: a build child (pip, venv creation) is started so that it and everything it
 * starts can be stopped together (killTree), which an interrupt (Ctrl-C, SIGTERM, SIGHUP) and a
 * timeout do; a timeout says "timed out". Every executable is started by absolute path or as a
 * plain .exe (platform.commandFiles), so Windows never needs a shell to resolve a .cmd or .bat.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { readHeadOrNull } from './fsx.js';
import type { Platform } from './platform.js';
import { cacheDir } from './paths.js';
import { printable } from './printable.js';
import { redact } from './redact.js';

// child_process is required on first spawn, not imported: loading it pulls in net, dgram and streams
// (~3 ms of start-up), and list, uninstall and --version never spawn (bench/RESULTS.md, profile).
const lazyRequire = createRequire(import.meta.url);
const childProcess = () => lazyRequire('node:child_process') as typeof import('node:child_process');

/** Variables that would make pip or Python act on something other than the venv we name. */
const DROPPED = [
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONSTARTUP',
  'PIP_TARGET',
  'PIP_PREFIX',
  'PIP_ROOT',
  'PIP_USER',
  'VIRTUAL_ENV',
  '__PYVENV_LAUNCHER__',
];

/** The environment for Python and pip children: the user's (index, certs, proxies keep working) minus what would redirect the install. */
export function childEnv(ctx: Context, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined && !DROPPED.includes(k)) env[k] = v;
  // The shared pip is unpacked from a wheel without bytecode; letting Python cache it on first use
  // makes every later pip run ~0.3 s faster. It only touches tpx's own shared/ dir (pip compiles
  // the packages it installs either way).
  delete env.PYTHONDONTWRITEBYTECODE;
  // A user config with `user = true` would make pip refuse to install into a venv.
  env.PIP_USER = '0';
  env.PIP_NO_INPUT = '1';
  env.PIP_DISABLE_PIP_VERSION_CHECK = '1';
  // With --no-input pip asks keyring only through a provider named here or in its config; with none,
  // credentials kept in keyring are silently unused (pipx sets the same). `subprocess` runs the
  // `keyring` command on PATH, for an index URL that names a user (README, "Credentials").
  if (!keyringConfigured(ctx)) env.PIP_KEYRING_PROVIDER = 'subprocess';
  return { ...env, ...extra };
}

/** Whether the user chose pip's keyring provider: `PIP_KEYRING_PROVIDER`, or `keyring-provider` in a config file pip reads. */
export function keyringConfigured(ctx: Pick<Context, 'env'>): boolean {
  if (ctx.env.PIP_KEYRING_PROVIDER !== undefined) return true;
  return pipConfigFiles(ctx.env).some((f) => {
    try {
      return /^\s*keyring[-_]provider\s*[=:]/m.test(fs.readFileSync(f, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** The configuration files pip reads on POSIX (pip's `configuration.py`): PIP_CONFIG_FILE, global, user. */
export function pipConfigFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? '';
  const xdgDirs = (env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':').filter(Boolean);
  const xdgHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return [
    ...xdgDirs.map((d) => path.join(d, 'pip', 'pip.conf')),
    '/etc/pip.conf',
    path.join(home, '.pip', 'pip.conf'),
    path.join(xdgHome, 'pip', 'pip.conf'),
    ...(env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : []),
  ];
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed for taking longer than its timeout. */
  timedOut?: boolean;
}

/** Runs a short command and captures its output (interpreter probes). Missing executable → code 127. */
export function captureSync(file: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Captured {
  const r = childProcess().spawnSync(file, args, { env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error)
    return { code: 127, stdout: '', stderr: String(r.error.message), timedOut: (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A build child, started so that it and everything it starts can be stopped together (killTree):
 * on POSIX it leads a process group of its own (so a terminal's Ctrl-C or hang-up reaches tpx, which
 * stops the group); on Windows, which has no groups, taskkill /T finds the tree. Stopped by an
 * interrupt until it ends, and after `timeoutMs`, if given (it then reports timedOut).
 */
function spawnBuildChild(
  ctx: Context,
  file: string,
  args: string[],
  opts: { env: Record<string, string>; cwd?: string; timeoutMs?: number },
) {
  const child = childProcess().spawn(file, args, {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ctx.platform.childTree === 'process-group',
    windowsHide: true,
  });
  const stop = () => killTree(ctx.platform, child);
  const unregister = ctx.interrupts.register(stop);
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error; timedOut: boolean }>((resolve) => {
    const done = (r: { code: number | null; signal: NodeJS.Signals | null; error?: Error }) => {
      unregister();
      if (timer) clearTimeout(timer);
      resolve({ ...r, timedOut });
    };
    child.once('error', (error) => done({ code: null, signal: null, error }));
    // 'close', not 'exit': all output has been read by then.
    child.once('close', (code, signal) => done({ code, signal }));
  });
  return { child, exit };
}

/**
 * How a build child (`pid`) and all it started are stopped, as decided for `platform`: a SIGKILL to
 * its process group (POSIX), or `taskkill /T /F`, which walks the tree by parent ids (Windows).
 */
export function treeKill(platform: Platform, pid: number): { group: number } | { file: string; args: string[] } {
  return platform.childTree === 'process-group' ? { group: -pid } : { file: 'taskkill', args: ['/pid', String(pid), '/T', '/F'] };
}

/**
 * Stops a build child and all it started, at once (SIGKILL: a half-written venv is removed by the
 * undo actions next). Synchronous, as it runs from a signal handler.
 */
export function killTree(
  platform: Platform,
  child: { pid?: number; exitCode: number | null; signalCode: NodeJS.Signals | null; kill(signal: NodeJS.Signals): boolean },
): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const how = treeKill(platform, child.pid);
  try {
    if ('group' in how) process.kill(how.group, 'SIGKILL');
    else childProcess().spawnSync(how.file, how.args, { stdio: 'ignore', windowsHide: true });
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * captureSync without blocking, for a build child that takes a while (creating a venv), so that
 * tools built side by side (upgrade-all) create their venvs at the same time instead of one by one.
 */
export async function capture(
  ctx: Context,
  file: string,
  args: string[],
  opts: { env: Record<string, string>; timeoutMs: number },
): Promise<Captured> {
  const { child, exit } = spawnBuildChild(ctx, file, args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const r = await exit;
  if (r.error) return { code: 127, stdout, stderr: r.error.message };
  return { code: r.code ?? 128, stdout, stderr, timedOut: r.timedOut };
}

export interface Logged {
  code: number;
  /** Combined stdout+stderr, as pip printed it. */
  output: string;
  /** null when the log could not be written (writeLog). */
  logFile: string | null;
}

/**
 * Runs a long command (pip) with its output captured to a log file and, with --verbose, streamed to
 * stderr. An interrupt stops the child and all it started first, so nothing writes into a directory
 * being rolled back.
 */
export async function runLogged(
  ctx: Context,
  file: string,
  args: string[],
  opts: { env: Record<string, string>; logName: string; cwd?: string },
): Promise<Logged> {
  const chunks: Buffer[] = [];
  const { child, exit: exited } = spawnBuildChild(ctx, file, args, opts);
  // --verbose streams whole lines, so that a URL is never split where redact() cannot see it, nor an
  // escape sequence where printable() cannot (what a build prints is not tpx's: core/base/printable.ts).
  let pending = '';
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    if (!ctx.verbose) return;
    const text = pending + chunk.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    process.stderr.write(redact(printable(text.slice(0, end))));
    pending = text.slice(end);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = await exited;
  if (pending) process.stderr.write(`${redact(printable(pending))}\n`);
  const output = Buffer.concat(chunks).toString('utf8');
  const logFile = writeLog(ctx, opts.logName, [`$ ${[file, ...args].join(' ')}`, output].join('\n'));
  // Could not start (missing executable): 127, as a shell says.
  if (exit.error) return { code: 127, output: `${output}\n${exit.error.message}`, logFile };
  return { code: exit.code ?? (exit.signal ? 130 : 1), output, logFile };
}

/**
 * Writes a log under the cache: credentials masked (pip's command line and its own output may hold
 * an index password), the logs dir 0700 and each log 0600. A log that cannot be written (a full or
 * read-only cache) never fails the command: null, and the error says there is no log.
 */
function writeLog(ctx: Context, name: string, text: string): string | null {
  try {
    cacheDir(ctx.paths.cache, ctx.paths.logs);
    // Made here, or by an older tpx or by hand: readable by its owner only.
    if ((fs.statSync(ctx.paths.logs).mode & 0o077) !== 0) fs.chmodSync(ctx.paths.logs, 0o700);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(ctx.paths.logs, `${stamp}-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}.log`);
    fs.writeFileSync(file, redact(text), { mode: 0o600 });
    pruneLogs(ctx.paths.logs, 50);
    return file;
  } catch {
    return null;
  }
}

/** Keeps the newest `keep` logs; names start with an ISO timestamp, so name order is age order. */
function pruneLogs(dir: string, keep: number): void {
  const logs = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  for (const old of logs.slice(0, Math.max(0, logs.length - keep))) fs.rmSync(path.join(dir, old), { force: true });
}

/** The line that points at a run's log, for hints. */
export function logHint(ctx: Context, logged: Logged): string {
  return logged.logFile ? `full log: ${logged.logFile}` : `no log was kept: it could not be written in ${ctx.paths.logs}`;
}

/**
 * Runs a command attached to tpx's own terminal (stdin, stdout, stderr inherited), for commands
 * whose output is the user's (`tpx runpip`). Resolves to its exit code; 127 if it cannot start.
 */
export async function runInherit(file: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(file, args, { env, stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 128)));
  });
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs the user's app (`tpx run`) in tpx's place: stdio inherited, the user's environment as it
 * is (it is their program, not pip), and the exit status passed through (128 + signal number
 * when it was killed). From here on signals belong to the app: tpx's own handlers (undo, exit
 * 130) are removed and SIGINT/SIGTERM/SIGHUP are forwarded instead, so `kill -INT <tpx>`
 * reaches the app and tpx waits for it — except a Ctrl-C the terminal has already delivered to
 * the app itself (it is in tpx's process group): a second SIGINT moments later would interrupt
 * the app's own handling of the first (seen: a Python traceback from inside `except
 * KeyboardInterrupt`, about one Ctrl-C in six).
 */
export function runApp(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  for (const s of FORWARDED) process.removeAllListeners(s);
  const child = childProcess().spawn(file, args, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT' && inTerminalForeground()) return;
    child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      for (const s of FORWARDED) process.off(s, forward);
      reject(new TpxError('app-start', `could not start ${file}: ${whyNotStarted(file, err)}`, { cause: err }));
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
}

/** Why a program could not be started, in words: a script whose `#!` interpreter is missing fails with the script's own ENOENT. */
function whyNotStarted(file: string, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES') return 'it is not executable';
  if (code !== 'ENOENT') return err.message;
  if (!fs.existsSync(file)) return 'it does not exist';
  const interpreter = /^#!\s*(\S+)/.exec(readHeadOrNull(file) ?? '')?.[1];
  return interpreter ? `the interpreter its first line names, ${interpreter}, does not exist` : 'it could not be run';
}

/**
 * Starts a process that outlives tpx (a `tpx run` refresh in the background): its own session, no
 * terminal, its output appended to `logFile` (0600), nothing waited for.
 */
export function spawnDetached(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, logFile: string): void {
  const fd = fs.openSync(logFile, 'w', 0o600);
  try {
    const child = childProcess().spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
    child.on('error', () => {});
    child.unref();
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether tpx is in its terminal's foreground process group, i.e. a Ctrl-C from the terminal went
 * to the app as well. Linux tells exactly (/proc/self/stat: pgrp = tpgid); elsewhere, any std
 * stream being a terminal is the best guess.
 */
function inTerminalForeground(): boolean {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[2] === fields[5];
  } catch {
    return Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
  }
}
