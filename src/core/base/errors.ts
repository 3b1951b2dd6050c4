/**
 * The one error class, and the closed set of things that can go wrong. Anything thrown that is not a
 * TpxError is a bug: the CLI prints its stack and exits 2. A TpxError is rendered as `error: …` /
 * `hint: …`, with `details` (e.g. the tail of pip's output) between them; its code decides the exit
 * code and is what `--json` output carries, so scripts branch on the code, never on the wording.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Every error code, with its exit code: 2 for a command line that is wrong (usage), 1 for an
 * expected failure. Adding a code here is the only way to add one (the type is derived from this).
 */
export const ERROR_CODES = {
  // The command line is wrong: nothing was looked at (exit 2, like commander's own errors).
  usage: 2,
  'bad-app': 2,
  'bad-suffix': 2,
  'bad-pip-args': 2,
  'bad-cooldown': 2,
  // What was asked for cannot be found or read.
  'bad-name': 1,
  'bad-spec': 1,
  'no-such-path': 1,
  'no-such-file': 1,
  'no-such-script': 1,
  'no-such-app': 1,
  'not-installed': 1,
  'not-injected': 1,
  'not-a-dependency': 1,
  'main-package': 1,
  'other-package': 1,
  'bad-export': 1,
  // tpx.toml (a toolbox file) or a pylock.toml that cannot be used as it is.
  'bad-toolfile': 1,
  'bad-lock': 1,
  'lock-mismatch': 1,
  'bad-script-metadata': 1,
  'insecure-url': 1,
  'fetch-failed': 1,
  // Interpreters and venvs.
  'no-python': 1,
  'bad-python': 1,
  'python-gone': 1,
  'no-python-for-script': 1,
  'no-python-for-package': 1,
  'venv-failed': 1,
  'bad-venv': 1,
  // Pythons tpx downloads and manages (core/python/download.ts, managed.ts).
  'python-download': 1,
  'python-in-use': 1,
  'bad-archive': 1,
  // pip, and what it installed.
  'no-pip-wheel': 1,
  'pip-bootstrap': 1,
  'pip-download': 1,
  'pip-failed': 1,
  'store-failed': 1,
  // A wheel store entry that cannot be read back as tpx wrote it (core/installer/store/entries.ts).
  'store-damaged': 1,
  'bad-report': 1,
  'no-report': 1,
  'no-dist': 1,
  'no-apps': 1,
  'bad-app-name': 1,
  'check-failed': 1,
  // The package index did not answer (core/installer/pip/hints.ts, indexProblem).
  'index-unreachable': 1,
  // A cooldown the shared pip could not apply (core/installer/pip/runner.ts): never a silent no-op.
  'cooldown-failed': 1,
  // The tool store: receipts, links, locks, generations.
  'bad-receipt': 1,
  'link-conflict': 1,
  'link-failed': 1,
  locked: 1,
  // Installed from a PEP 751 lock: a change that would resolve (inject) is refused.
  'from-lock': 1,
  changed: 1,
  pinned: 1,
  'no-previous': 1,
  'rollback-failed': 1,
  // tools/<key> is not a link to one of tpx's generations (docs/architecture.md, "Trust nothing on disk").
  'broken-tool': 1,
  // A delete the delete gate refused: a path outside tpx's own directories (core/base/gate.ts).
  'not-mine': 1,
  // The file system said no: full, read-only, no permission (fromErrno).
  'disk-full': 1,
  'fs-failed': 1,
  // Running an app.
  'app-start': 1,
  // `tpx run --offline` and the cache has no usable environment.
  'not-cached': 1,
  // Fitting into the user's shell and OS (ensurepath).
  'unknown-shell': 1,
  unwritable: 1,
  'path-update-failed': 1,
  // Not a known failure: wrapped so it can still be reported per tool; exit 2 like any bug.
  internal: 2,
} as const satisfies Record<string, 1 | 2>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TpxError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown; details?: string } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TpxError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code];
  }

  /** The same error with another message or hint (e.g. naming the tool it happened to); the code stays. */
  rephrase(changes: { message?: string; hint?: string; details?: string }): TpxError {
    return new TpxError(this.code, changes.message ?? this.message, {
      hint: 'hint' in changes ? changes.hint : this.hint,
      details: 'details' in changes ? changes.details : this.details,
      cause: this.cause,
    });
  }
}

/** A usage error: bad flags or arguments (exit 2, like commander's own). */
export function usageError(message: string, hint?: string): TpxError {
  return new TpxError('usage', message, { hint });
}

/** Any thrown value as a TpxError, for code that reports failures per tool instead of throwing. */
export function toTpxError(err: unknown): TpxError {
  if (err instanceof TpxError) return err;
  return fromErrno(err) ?? new TpxError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

/** What the machine said no with, as the user reads it; codes not here are tpx's own bugs (ENOENT, EISDIR, …). */
const ENVIRONMENT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/**
 * A failure of the machine rather than of tpx — a full disk, a read-only or forbidden directory —
 * as one clear error whose hint names the directory (and, for a full disk, how much is free there).
 * Null for anything else: that is a bug, and keeps its stack.
 */
export function fromErrno(err: unknown): TpxError | null {
  if (!(err instanceof Error)) return null;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const why = e.code ? ENVIRONMENT[e.code] : undefined;
  if (!why) return null;
  const file = e.dest ?? e.path;
  const dir = file ? path.dirname(file) : null;
  const what = file ? `could not ${verb(e.syscall)} ${file}: ${why}` : why;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
    const free = dir ? freeSpace(dir) : null;
    return new TpxError('disk-full', what, {
      cause: err,
      hint: `${dir ? `free some space on the disk holding ${dir}${free ? ` (${free} free now)` : ''}` : 'free some disk space'}, then run the command again`,
    });
  }
  const hint =
    e.code === 'EROFS' || e.code === 'EACCES' || e.code === 'EPERM'
      ? `tpx needs to write in ${dir ?? 'that directory'}: make it writable, or point tpx elsewhere (TPX_HOME, TPX_BIN_DIR, TPX_CACHE_DIR)`
      : e.code === 'ENAMETOOLONG'
        ? 'use a shorter name'
        : undefined;
  return new TpxError('fs-failed', what, { cause: err, hint });
}

function verb(syscall: string | undefined): string {
  if (syscall === 'unlink' || syscall === 'rmdir' || syscall === 'rm') return 'remove';
  if (syscall === 'rename') return 'move';
  if (syscall === 'open' || syscall === 'write' || syscall === 'mkdir' || syscall === 'symlink' || syscall === 'copyfile') return 'write';
  return syscall ? `${syscall}` : 'use';
}

/** How much room is left on the disk holding `dir`, for hints; null when it cannot be told. */
export function freeSpace(dir: string): string | null {
  try {
    const s = fs.statfsSync(dir);
    const bytes = s.bavail * s.bsize;
    if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GB`;
    return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.floor(bytes / 1024)} KB`;
  } catch {
    return null;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
