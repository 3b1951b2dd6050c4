import { TpxError } from '../base/errors.js';

/** PEP 503 normalisation: runs of `-`, `_`, `.` become one `-`, lower-cased. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** A distribution name as PEP 508 allows it (letters, digits, `-_.`, alphanumeric at both ends). */
const DIST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export function isValidDistName(name: string): boolean {
  return DIST_NAME.test(name);
}

/**
 * Longest name and suffix tpx accepts. A key becomes file names with more appended
 * (`locks/<key>.lock.stale-<pid>-<hex>`, `bin/<app><suffix>.tpx-old-<pid>-<hex>`), and no file
 * name may exceed 255 bytes: longer input is refused up front instead of failing half-way.
 */
export const MAX_NAME = 180;
export const MAX_SUFFIX = 40;

/**
 * An app name becomes a file name in the user's bin dir: it must be one plain path component.
 * Refuses empty names, `.`/`..`, separators, NUL and control characters, and names over MAX_NAME.
 */
export function isSafeFileName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  if (name.length > MAX_NAME) return false;
  return !/[/\\\0-\x1f:]/.test(name);
}

/** A tool key as toolKey makes one (what may name an entry of tools/ or a lock). */
export function isToolKey(key: string): boolean {
  return key.length <= MAX_NAME + MAX_SUFFIX && /^[a-z0-9][a-z0-9@+-]*$/.test(key);
}

export function isValidSuffix(suffix: string): boolean {
  return suffix === '' || (suffix.length <= MAX_SUFFIX && /^[A-Za-z0-9._@+-]+$/.test(suffix) && suffix !== '.' && suffix !== '..');
}

/** A tool's suffix (`--suffix`) becomes part of every app and folder name. */
export function validateSuffix(suffix: string): string {
  if (suffix.length > MAX_SUFFIX) {
    throw new TpxError('bad-suffix', `invalid suffix of ${suffix.length} characters`, {
      hint: `a suffix is at most ${MAX_SUFFIX} characters, e.g. --suffix @1.0 or --suffix -dev`,
    });
  }
  if (!isValidSuffix(suffix)) {
    throw new TpxError('bad-suffix', `invalid suffix ${JSON.stringify(suffix)}`, {
      hint: 'a suffix may contain letters, digits and . _ - + @, e.g. --suffix @1.0 or --suffix -dev',
    });
  }
  return suffix;
}

/**
 * A tool's key: its folder and lock name, and how `tpx list` shows it. The distribution name plus
 * suffix, PEP 503-normalised as a whole — so whatever a user types for it (`isort_old`,
 * `isort-old`, `ISORT.old`) parses back to the same key: parseToolArg(toolKey(n, s)) === toolKey(n, s).
 * The suffix is kept as typed in app names (`--suffix _old` links `isort_old`).
 */
export function toolKey(name: string, suffix = ''): string {
  if (name.length > MAX_NAME) {
    throw new TpxError('bad-name', `a package name of ${name.length} characters is too long`, {
      hint: `tpx takes names of up to ${MAX_NAME} characters`,
    });
  }
  return normalizeName(name + validateSuffix(suffix));
}

/** Validates a NAME argument naming an installed tool (uninstall, upgrade, …) and returns its key. */
export function parseToolArg(arg: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/.test(arg) || arg.length > MAX_NAME + MAX_SUFFIX) {
    const shown = arg.length > 60 ? `a name of ${arg.length} characters` : JSON.stringify(arg);
    throw new TpxError('bad-name', `${shown} is not a valid tool name`, {
      hint: 'name the tool as `tpx list` shows it, e.g. `tpx uninstall black`',
    });
  }
  return normalizeName(arg);
}

/** An app name the user gave (`--app`, `tpx exec NAME APP`): one plain file name. */
export function validateAppName(app: string): string {
  if (!isSafeFileName(app))
    throw new TpxError('bad-app', `${JSON.stringify(app)} is not an app name`, { hint: 'name an app as `tpx list` shows it, e.g. black' });
  return app;
}

/** A distribution name the user gave for `--option`, normalised; a clear error if it is not one. */
export function parseDistName(name: string, option: string): string {
  if (!isValidDistName(name) || name.length > MAX_NAME) {
    throw new TpxError('bad-name', `--${option} ${JSON.stringify(name)}: not a package name`, {
      hint: `name an installed distribution, e.g. --${option} jupyter-core`,
    });
  }
  return normalizeName(name);
}

/**
 * The names among `known` a mistyped `name` most likely meant (PEP 503-normalised): one edit away
 * (two for names of six letters or more), a swap of neighbours counting as one edit (`pytset` →
 * `pytest`); the closest first, at most three. Never `name` itself.
 */
export function closeNames(name: string, known: readonly string[]): string[] {
  const want = normalizeName(name);
  const most = want.length >= 6 ? 2 : 1;
  return [...new Set(known)]
    .map((k) => ({ k, d: editDistance(want, normalizeName(k)) }))
    .filter(({ d }) => d > 0 && d <= most)
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1))
    .slice(0, 3)
    .map(({ k }) => k);
}

/** Edits (insert, delete, replace, swap of neighbours) from `a` to `b`: optimal string alignment. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
