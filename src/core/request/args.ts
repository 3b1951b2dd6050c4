import * as path from 'node:path';
import { TpxError } from '../base/errors.js';
import type { Place } from '../base/context.js';
import { expandHome } from '../base/paths.js';
import { checkPipArgs } from './pipargs.js';
import type { RunFields } from './fields.js';

/** Inside double quotes a backslash escapes only these (POSIX shells; Python's shlex agrees but for `$` and `` ` ``). */
const ESCAPABLE_IN_DOUBLE_QUOTES = '$`"\\\n';

/** Splits a `--pip-args` string as a POSIX shell would (quotes and backslashes), without running one. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && ESCAPABLE_IN_DOUBLE_QUOTES.includes(text[i + 1] ?? '')) {
        const next = text[++i] as string;
        if (next !== '\n') cur += next;
      } else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote)
    throw new TpxError('bad-pip-args', `unterminated ${quote} in --pip-args`, {
      hint: "quote the whole value: --pip-args='--no-binary :all:'",
    });
  if (inWord) out.push(cur);
  return out;
}

/** TEXT as one word a POSIX shell reads back as TEXT: quoted only when it must be (`'black[d]'`). */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_.,:/@=+%-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** pip install options whose value is a file, a directory or a URL (a local directory is a valid index). */
const SHORT = new Set(['-r', '-c', '-e', '-f', '-i']);
const LONG = new Set([
  '--requirement',
  '--constraint',
  '--editable',
  '--find-links',
  '--index-url',
  '--extra-index-url',
  '--cert',
  '--client-cert',
  '--src',
]);

/** A pip option's value that is a URL (`https://…`, also `file:/x` without `//`) rather than a path; a Windows drive (`C:\`) is a path. */
function isUrlValue(value: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(value);
}

/** A path relative to `cwd` (or `~`) made absolute; a URL or an empty value as it is. */
export function absolutePath(value: string, at: Place): string {
  return value === '' || isUrlValue(value) ? value : path.resolve(at.cwd, expandHome(value, at.env));
}

/**
 * The pip arguments with every relative path an option names (`-c constraints.txt`, `-cfile`,
 * `--find-links=./wheels`, `-r req.txt`, …) made absolute against `cwd`. They are recorded and
 * replayed by `upgrade` and `reinstall` from wherever those run, where a relative path would name
 * another file, or none. URLs are kept.
 */
export function absolutePipArgs(args: string[], at: Place): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const abs = (v: string) => absolutePath(v, at);
    const eq = arg.indexOf('=');
    if ((SHORT.has(arg) || LONG.has(arg)) && i + 1 < args.length) out.push(arg, abs(args[++i] as string));
    else if (arg.startsWith('--') && eq > 0 && LONG.has(arg.slice(0, eq))) out.push(`${arg.slice(0, eq + 1)}${abs(arg.slice(eq + 1))}`);
    else if (/^-[a-zA-Z]./.test(arg) && SHORT.has(arg.slice(0, 2))) out.push(`${arg.slice(0, 2)}${abs(arg.slice(2))}`);
    else out.push(arg);
  }
  return out;
}

/** A `--pip-args` value as it is recorded: split, refused if it redirects the install (pipargs.ts), with relative paths made absolute. */
export function parsePipArgs(text: string, at: Place): string[] {
  return absolutePipArgs(checkPipArgs(splitArgs(text)), at);
}

/** The request flags install and run share (`--index-url`, `--pip-args`, `--python`), as given. */
export interface SharedFlags {
  indexUrl?: string;
  pipArgs?: string;
  python?: string;
  cooldown?: string;
}

/**
 * The shared flags as a request records them (install) or is keyed by (run): the request fields
 * whose row in fields.ts says `run: 'same'` (RunFields), every relative path in them made absolute
 * against `cwd`. A version (3.12) or a command (python3.12) given to --python is looked up again
 * each time; a path must stay the same file.
 */
export function requestFlags(flags: SharedFlags, at: Place): RunFields {
  const py = flags.python;
  return {
    indexUrl: flags.indexUrl === undefined ? null : absolutePath(flags.indexUrl, at),
    pipArgs: flags.pipArgs ? parsePipArgs(flags.pipArgs, at) : [],
    python: py === undefined ? null : absolutePython(py, at),
    cooldown: givenCooldown(flags.cooldown, at),
  };
}

// --- Cooldown ------------------------------------------------------------------------------------

const UNIT_SECONDS = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 } as const;

/**
 * A cooldown as recorded: `--cooldown` if given, else `TPX_COOLDOWN`, else null (none given). `0`
 * is recorded as "0" (turned off on purpose, so a later TPX_COOLDOWN does not turn it on).
 */
export function givenCooldown(flag: string | undefined, at: Place): string | null {
  if (flag !== undefined) return parseCooldown(flag, '--cooldown');
  const env = at.env.TPX_COOLDOWN;
  return env ? parseCooldown(env, 'TPX_COOLDOWN') : null;
}

/**
 * The cooldown a pip run applies, in seconds (0: none): the request's, else TPX_COOLDOWN's (a tool
 * recorded without one follows the variable; docs/architecture.md, "Cooldown").
 */
export function cooldownSeconds(recorded: string | null | undefined, env: NodeJS.ProcessEnv): number {
  const value = recorded ?? (env.TPX_COOLDOWN ? parseCooldown(env.TPX_COOLDOWN, 'TPX_COOLDOWN') : '0');
  return durationSeconds(value) ?? 0;
}

/**
 * A duration (`7d`, `36h`, `1d12h`, `2w`, `90m`, an ISO 8601 duration `P7D`, `PT36H`, `P1DT12H`,
 * or `0`) in its one recorded form: days, hours, minutes and seconds (`7d`, `1d12h`, `0`), so
 * `P7D` and `7d` are the same value everywhere (sync compares them). `where` names the source in an error.
 */
export function parseCooldown(text: string, where: string): string {
  const seconds = durationSeconds(text.trim());
  if (seconds === null) {
    const months = /^P(\d+Y)?(\d+M)/i.test(text.trim());
    throw new TpxError('bad-cooldown', `${where}: ${JSON.stringify(text)} is not a duration`, {
      hint: months
        ? 'years and months have no fixed length: give days, e.g. P30D or 30d'
        : 'e.g. 7d, 36h, 1d12h, 2w, an ISO 8601 duration such as P7D or PT36H, or 0 for none',
    });
  }
  return formatDuration(seconds);
}

/** A duration's seconds, or null when TEXT is not one; a recorded form reads back as itself. */
export function durationSeconds(text: string): number | null {
  if (text === '0') return 0;
  const short = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/i.exec(text);
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text);
  const m = short ?? iso;
  if (!m || m.slice(1).every((g) => g === undefined) || /T$/i.test(text)) return null;
  const [w, d, h, min, s] = m.slice(1).map((g) => Number(g ?? 0)) as [number, number, number, number, number];
  const total = w * UNIT_SECONDS.w + d * UNIT_SECONDS.d + h * UNIT_SECONDS.h + min * UNIT_SECONDS.m + s;
  return Number.isSafeInteger(total) ? total : null;
}

/** Seconds as the recorded form: `7d`, `1d12h`, `90m` is `1h30m`, `0`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0';
  let rest = seconds;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const n = Math.floor(rest / UNIT_SECONDS[unit]);
    rest -= n * UNIT_SECONDS[unit];
    if (n > 0) out += `${n}${unit}`;
  }
  return out;
}

/** A `--python` value as recorded: a path (with a separator, or from ~) made absolute; a version or a command as given. */
export function absolutePython(value: string, at: Place): string {
  return /[/\\]|^~/.test(value) ? absolutePath(value, at) : value;
}
