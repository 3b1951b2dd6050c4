/**
 * Checking a value tpx reads back or a user wrote (docs/architecture.md, "Trust nothing on disk"):
 * small checks that return the value with its type or throw a Mismatch saying where it is and what
 * it should have been. They know no file format: each reader (a receipt, an export file, tpx.toml)
 * turns a Mismatch into its own message, naming the field the same way every time.
 */

/**
 * How a table of fields (request/fields.ts) takes a field that is not there. `strict` (a receipt):
 * a field is there unless the table says older files lack it, and null is a value like any other.
 * `lenient` (an export file): a missing or null field is its default. Plain checks ignore it.
 */
export type ReadMode = 'strict' | 'lenient';

/** `v`, at the place `at` (`request.injected[0].spec`), as a T; else a Mismatch (or a TpxError of a domain rule) is thrown. */
export type Check<T> = (v: unknown, at: string, mode?: ReadMode) => T;

/** A value that is not what its place holds: `what` it should have been, or null when the place itself is wrong (a key nobody knows). */
export class Mismatch extends Error {
  constructor(
    readonly at: string,
    readonly value: unknown,
    readonly what: string | null,
    message = `${at} is ${shown(value)}, not ${what}`,
  ) {
    super(message);
  }
}

/** A value as an error shows it: JSON, cut at 40 characters; `missing` for none. */
export function shown(v: unknown): string {
  if (v === undefined) return 'missing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

export const nonEmpty = (s: string): boolean => s !== '';

/** A string that `ok` accepts (by default: any but ""). */
export function text(what = 'a non-empty string', ok: (s: string) => boolean = nonEmpty): Check<string> {
  return (v, at) => {
    if (typeof v !== 'string' || !ok(v)) throw new Mismatch(at, v, what);
    return v;
  };
}

/** Any string, "" too. */
export const anyText: Check<string> = text('a string', () => true);

export const flag: Check<boolean> = (v, at) => {
  if (typeof v !== 'boolean') throw new Mismatch(at, v, 'true or false');
  return v;
};

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return text(values.join(', '), (s) => (values as readonly string[]).includes(s)) as Check<T>;
}

/** A list, each element checked at `at[i]`. */
export function listOf<T>(each: Check<T>): Check<T[]> {
  return (v, at, mode) => {
    if (!Array.isArray(v)) throw new Mismatch(at, v, 'a list');
    return v.map((x, i) => each(x, `${at}[${i}]`, mode));
  };
}

/** null, or what `check` accepts (whose error says what it wants: "a string or null" if null is worth naming). */
export function orNull<T>(check: Check<T>): Check<T | null> {
  return (v, at, mode) => (v === null ? null : check(v, at, mode));
}

/** What `check` accepts, and `ok` too. */
export function refine<T>(check: Check<T>, ok: (t: T) => boolean, what: string): Check<T> {
  return (v, at, mode) => {
    const t = check(v, at, mode);
    if (!ok(t)) throw new Mismatch(at, v, what);
    return t;
  };
}

/** A JSON object (not null, not a list). */
export const object: Check<Record<string, unknown>> = (v, at) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Mismatch(at, v, 'an object');
  return v as Record<string, unknown>;
};
