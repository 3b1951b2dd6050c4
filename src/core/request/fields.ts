/**
 * The request-field table: every field of a `Request` (request.ts), and of an injected package and
 * a locked file, once — its default, its check, its tpx.toml key, how sync compares it, whether it
 * keys a `tpx run` environment, whether it can hold a credential. Everything that reads or writes a
 * request is driven by it (docs/architecture.md, "The request-field table"): receipts
 * (store/receipt.ts), export files (files/toolbox.ts), tpx.toml and a lock's `[tool.tpx]`
 * (files/toolfile.ts), sync's comparison (files/sync.ts), the run cache's key (run/runcache.ts).
 * A receipt and an export file hold a request as JSON keyed by the field's name.
 */
import type { Place } from '../base/context.js';
import { Mismatch, anyText, flag, listOf, object, oneOf, orNull, refine, shown, text } from '../base/check.js';
import type { Check, ReadMode } from '../base/check.js';
import { TpxError } from '../base/errors.js';
import { stripCredentials } from '../base/redact.js';
import { MAX_NAME, isSafeFileName, isValidDistName, isValidSuffix, normalizeName, validateSuffix } from '../packaging/names.js';
import { isUrl, looksLikePath, parseSpec } from '../packaging/spec.js';
import { absolutePath, absolutePipArgs, absolutePython, durationSeconds, formatDuration, parsePipArgs } from './args.js';
import { checkPipArgs } from './pipargs.js';
import type { Injected, LockedDist, Request, RequestKind } from './request.js';

/** One field of a model (a request, an injected package, a locked file). */
export interface Field<T> {
  /**
   * Its value when unset: what `defaultRequest` gives, and what an export file or tpx.toml without
   * it means. A field without one must always be given.
   */
  default?: T;
  /** Added after the first receipts: a receipt without it reads as `default` (what an older tpx did). */
  later?: true;
  /** Its value in a receipt or an export file (JSON, under the field's name). */
  check: Check<T>;
  /** Its value without credentials (a field that can hold a URL): how receipts, exports and locks record it. */
  strip?: (v: T) => T;
  /** How tpx.toml (and a lock's `[tool.tpx]`) holds it; none: the file cannot set it. */
  toml?: TomlColumn<T>;
  /**
   * How it keys a `tpx run` environment (runcache.runKey hashes the whole RunRequest): `same`, a
   * RunRequest field of the same name and value (`RunFields`), so `args.requestFlags` must give it;
   * `spec`, as RunRequest.spec, the package an app run installs; `with`, as RunRequest.with, specs
   * sorted with a script's dependencies. None: `tpx run` has no such option.
   */
  run?: 'same' | 'spec' | 'with';
}

export interface TomlColumn<T> {
  key: string;
  /** A value the file gives: checked, relative paths made absolute against the file's folder (`place`). */
  read: (v: unknown, at: string, place: Place) => T;
  /** As the file holds it, paths through `rel` (relative, no credentials); undefined: left out. Default: left out when it is the default. */
  write?: (v: T, rel: (s: string) => string) => unknown;
  /** How sync compares the recorded value with the file's, named by `key`; false: it does not. Default: by value. */
  sync?: Comparison<T> | false;
}

export interface Comparison<T> {
  /** What is compared and shown (`black >= 24` and `black>=24` are one spec). */
  view?: (v: T) => unknown;
  /** A file that leaves it unset accepts whatever was recorded (python: whichever interpreter tpx picked). */
  ifGiven?: true;
}

export type FieldTable<M> = { [K in keyof M]-?: Field<M[K]> };

export const REQUEST_KINDS: readonly RequestKind[] = ['package', 'editable', 'script'];

// --- The tables ----------------------------------------------------------------------------------

/** A tpx.toml string: not blank, trimmed. */
const given: Check<string> = (v, at) => text('a non-empty string', (s) => s.trim() !== '')(v, at).trim();
const textOrNull = orNull(text('a string or null', () => true));
const urls = (v: string[]) => v.map(stripCredentials);
const urlOrNull = (v: string | null) => (v === null ? null : stripCredentials(v));
const pipArgs: Check<string[]> = (v, at) => checkPipArgs(listOf(anyText)(v, at), at);
const tomlFlag = (v: unknown, at: string) => flag(v, at);
const specInToml: TomlColumn<string>['read'] = (v, at, place) => specIn(given(v, at), place);
const distNames: Check<string[]> = listOf(text('a package name', (n) => isValidDistName(n) && n.length <= MAX_NAME));

export const INJECTED_FIELDS = {
  spec: { check: text(), strip: stripCredentials, toml: { key: 'spec', read: specInToml, write: (v, rel) => rel(v) } },
  /** '' until pip has said, for a path or URL. */
  name: { check: text('a package name', (n) => n === '' || isValidDistName(n)) },
  includeApps: { default: false, check: flag, toml: { key: 'apps', read: tomlFlag } },
  includeDeps: { default: false, later: true, check: flag },
  pipArgs: { default: [], later: true, check: pipArgs, strip: urls },
  pinned: { default: false, later: true, check: flag },
  // Absent (not []) when none were named, so receipts that never had it read and write as before.
  includeResourcesFrom: { default: undefined, later: true, check: (v, at, mode) => (v == null ? undefined : distNames(v, at, mode)) },
} satisfies FieldTable<Injected>;

export const LOCKED_FIELDS = {
  name: { check: text('a package name', isValidDistName) },
  version: { check: text() },
  file: { check: text('a file name', isSafeFileName) },
  url: { default: null, check: textOrNull, strip: urlOrNull },
  direct: { default: false, check: flag },
  hash: { check: text('sha256:<hex digest>', (h) => /^sha(256|384|512):[0-9a-f]+$/.test(h)) },
} satisfies FieldTable<LockedDist>;

/** In the order tpx.toml's keys are listed (toolfile.ts) and a lock's `[tool.tpx]` is written; sync compares in it too. */
export const REQUEST_FIELDS = {
  spec: {
    check: text(),
    strip: stripCredentials,
    toml: { key: 'spec', read: specInToml, write: (v, rel) => rel(v), sync: { view: compact } },
    run: 'spec',
  },
  python: {
    default: null,
    check: textOrNull,
    toml: {
      key: 'python',
      read: (v, at, place) => absolutePython(given(v, at), place),
      write: (v, rel) => (v ? rel(v) : undefined),
      sync: { view: (v) => v ?? 'the default', ifGiven: true },
    },
    run: 'same',
  },
  suffix: {
    default: '',
    check: text('a suffix', isValidSuffix),
    // Part of the tool's key: another suffix is another tool, never a difference.
    toml: { key: 'suffix', read: (v, at) => validateSuffix(given(v, at)), sync: false },
  },
  injected: {
    default: [],
    check: listOf(modelOf<Injected>(INJECTED_FIELDS)),
    strip: (v) => v.map((i) => stripped(INJECTED_FIELDS, i)),
    toml: {
      key: 'with',
      read: readWith,
      write: (v, rel) => (v.length === 0 ? undefined : v.map((i) => shorthand(toToml(INJECTED_FIELDS, i, rel)))),
      sync: { view: (v) => v.map((i) => `${compact(i.spec)}${i.includeApps ? ' (apps)' : ''}`).sort() },
    },
    run: 'with',
  },
  indexUrl: {
    default: null,
    check: textOrNull,
    strip: urlOrNull,
    toml: { key: 'index-url', read: (v, at, place) => absolutePath(given(v, at), place), write: (v, rel) => (v ? rel(v) : undefined) },
    run: 'same',
  },
  pipArgs: {
    default: [],
    check: pipArgs,
    strip: urls,
    toml: { key: 'pip-args', read: readPipArgs, write: (v, rel) => (v.length === 0 ? undefined : v.map(rel)) },
    run: 'same',
  },
  cooldown: {
    default: null,
    later: true,
    check: orNull(
      text('a duration such as "7d" or "1d12h"', (s) => durationSeconds(s) !== null && formatDuration(durationSeconds(s) ?? 0) === s),
    ),
    toml: {
      key: 'cooldown',
      read: readCooldown,
      // A file that gives none takes whatever was recorded (TPX_COOLDOWN's, say), as for python.
      sync: { ifGiven: true },
    },
    run: 'same',
  },
  includeDeps: { default: false, check: flag, toml: { key: 'include-deps', read: tomlFlag } },
  systemSitePackages: { default: false, check: flag, toml: { key: 'system-site-packages', read: tomlFlag } },
  kind: { default: 'package', later: true, check: oneOf(REQUEST_KINDS) },
  apps: { default: null, later: true, check: orNull(listOf(text('a plain file name', isSafeFileName))) },
  preinstall: {
    default: [],
    later: true,
    check: listOf(refine(text(), (s) => !s.trim().startsWith('-'), 'a package (not a pip option)')),
    strip: urls,
  },
  includeResourcesFrom: {
    default: [],
    later: true,
    check: distNames,
    toml: { key: 'include-resources-from', read: (v, at) => [...new Set(distNames(v, at).map(normalizeName))] },
  },
  lock: {
    default: undefined,
    later: true,
    // null is "not locked", as absent is.
    check: (v, at, mode) => (v === null ? undefined : listOf(modelOf<LockedDist>(LOCKED_FIELDS))(v, at, mode)),
    strip: (v) => v?.map((d) => stripped(LOCKED_FIELDS, d)),
  },
} satisfies FieldTable<Request>;

/** The request fields a `tpx run` environment is keyed by under their own name (`run: 'same'`). */
export type RunFields = Pick<Request, RunSame>;
type RunSame = {
  [K in keyof typeof REQUEST_FIELDS]: (typeof REQUEST_FIELDS)[K] extends { run: 'same' } ? K : never;
}[keyof typeof REQUEST_FIELDS];

// --- What the tables drive -----------------------------------------------------------------------

/** A request for `spec` with every other field at its default (what `tpx install SPEC` records). */
export function defaultRequest(spec: string, fields: Partial<Request> = {}): Request {
  return { spec, ...defaults<Request>(REQUEST_FIELDS), ...fields } as Request;
}

/** An injected package with every other field at its default. */
export function injectedPackage(spec: string, name: string, fields: Partial<Injected> = {}): Injected {
  return { spec, name, ...defaults<Injected>(INJECTED_FIELDS), ...fields } as Injected;
}

/** The request as it is recorded: every URL in it without credentials. */
export function withoutCredentials(req: Request): Request {
  return stripped(REQUEST_FIELDS, req);
}

/** `v` as a request, at `at` (`request`, `tools[0].request`); a wrong field throws a Mismatch (or its rule's TpxError) naming it. */
export function readRequest(v: unknown, at: string, mode: ReadMode): Request {
  return modelOf<Request>(REQUEST_FIELDS)(v, at, mode);
}

/** The values RunFields names, taken from a run request (to build the environment it keys). */
export function runFields(req: RunFields): RunFields {
  const out: Partial<Record<keyof Request, unknown>> = {};
  for (const [name, f] of fieldsOf(REQUEST_FIELDS)) if (f.run === 'same') out[name] = req[name as keyof RunFields];
  return out as RunFields;
}

// --- tpx.toml ------------------------------------------------------------------------------------

/** The tpx.toml keys of TABLE's fields, in its order. */
export function tomlKeys<M>(table: FieldTable<M>): string[] {
  return tomlColumns(table).map(([, c]) => c.key);
}

/**
 * The fields of tpx.toml table `t` that it gives, read by their columns at `at` (`tools.black`).
 * `each` runs each read, so a caller can say which key an error is of.
 */
export function fromToml<M>(
  table: FieldTable<M>,
  t: Record<string, unknown>,
  at: string,
  place: Place,
  each: (key: string, read: () => unknown) => unknown = (_key, read) => read(),
): Partial<M> {
  const out: Partial<Record<keyof M, unknown>> = {};
  for (const [name, col] of tomlColumns(table)) {
    const v = t[col.key];
    if (v !== undefined) out[name] = each(col.key, () => col.read(v, `${at}.${col.key}`, place));
  }
  return out as Partial<M>;
}

/** `value` as a tpx.toml table: only what differs from the defaults, strings through `rel`. */
export function toToml<M>(table: FieldTable<M>, value: M, rel: (s: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, col] of tomlColumns(table)) {
    const f = table[name] as Field<unknown>;
    const v = col.write ? col.write(value[name], rel) : same(value[name], f.default) ? undefined : value[name];
    if (v !== undefined) out[col.key] = v;
  }
  return out;
}

/** Refuses a key of tpx.toml table `t` that is not in `known`. */
export function refuseUnknown(t: Record<string, unknown>, known: string[], at: string): void {
  const key = Object.keys(t).find((k) => !known.includes(k));
  if (key !== undefined)
    throw new Mismatch(`${at}.${key}`, t[key], null, `${at}.${key} is not a field tpx knows (it knows ${known.join(', ')})`);
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** `with = ["x", { spec = "y", apps = true }]`: injected packages, named by their spec (a path's name is pip's to say). */
function readWith(v: unknown, at: string, place: Place): Injected[] {
  return listOf((w, wat) => {
    const t = typeof w === 'string' ? { spec: w } : isTable(w) ? w : null;
    if (t === null || typeof t.spec !== 'string' || t.spec.trim() === '')
      throw new Mismatch(wat, w, 'a spec string or { spec = "...", apps = true }');
    refuseUnknown(t, tomlKeys(INJECTED_FIELDS), wat);
    const read = fromToml(INJECTED_FIELDS, t, wat, place);
    const spec = read.spec as string;
    return injectedPackage(spec, parseSpec(spec, place).name ?? '', read);
  })(v, at);
}

/** `cooldown = "7d"` (or `"P7D"`, `0`): in the recorded form. */
function readCooldown(v: unknown, at: string): string {
  const seconds = typeof v === 'string' ? durationSeconds(v.trim()) : v === 0 ? 0 : null;
  if (seconds === null) throw new Mismatch(at, v, 'a duration such as "7d", "36h", "P7D" or 0');
  return formatDuration(seconds);
}

/** `pip-args` as one string (split as a shell would) or a list of arguments. */
function readPipArgs(v: unknown, at: string, place: Place): string[] {
  if (typeof v === 'string') return parsePipArgs(v, place);
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return absolutePipArgs(checkPipArgs(v, at), place);
  throw new TpxError('bad-pip-args', `it is ${shown(v)}, not a string or a list of strings`);
}

/** `{ spec = "x" }` written as `"x"`. */
function shorthand(t: Record<string, unknown>): unknown {
  return Object.keys(t).length === 1 && 'spec' in t ? t.spec : t;
}

/** A path spec relative to the file's folder, made absolute (as install makes a path absolute against the current one). */
function specIn(spec: string, at: Place): string {
  return !isUrl(spec) && looksLikePath(spec) ? absolutePath(spec, at) : spec;
}

/** A requirement without the spaces that do not change it (`black >= 24` is `black>=24`); paths and URLs as they are. */
export function compact(spec: string): string {
  return /^[A-Za-z0-9]/.test(spec) && !spec.includes('://') ? spec.replace(/\s+/g, '') : spec;
}

// --- Helpers -------------------------------------------------------------------------------------

/** A model read field by field; a field that is not there is its default as `mode` says (check.ts, ReadMode). */
function modelOf<M>(table: FieldTable<M>): Check<M> {
  return (v, at, mode = 'strict') => {
    const o = object(v, at);
    const out: Partial<Record<keyof M, unknown>> = {};
    for (const [name, f] of fieldsOf(table)) {
      const given = o[name];
      const unset = mode === 'lenient' ? given == null && 'default' in f : given === undefined && f.later === true;
      const value = unset ? structuredClone(f.default) : f.check(given, `${at}.${name}`, mode);
      if (value !== undefined) out[name] = value;
    }
    return out as M;
  };
}

function fieldsOf<M>(table: FieldTable<M>): [keyof M & string, Field<unknown>][] {
  return Object.entries(table) as [keyof M & string, Field<unknown>][];
}

/** TABLE's fields that tpx.toml holds, in its order, with their columns. */
export function tomlColumns<M>(table: FieldTable<M>): [keyof M & string, TomlColumn<unknown>][] {
  return fieldsOf(table).flatMap(([name, f]) => (f.toml ? [[name, f.toml] as [keyof M & string, TomlColumn<unknown>]] : []));
}

function defaults<M>(table: FieldTable<M>): Partial<M> {
  const out: Partial<Record<keyof M, unknown>> = {};
  for (const [name, f] of fieldsOf(table)) if ('default' in f && f.default !== undefined) out[name] = structuredClone(f.default);
  return out as Partial<M>;
}

function stripped<M>(table: FieldTable<M>, value: M): M {
  const out = { ...value };
  for (const [name, f] of fieldsOf(table)) if (f.strip && value[name] != null) out[name] = f.strip(value[name]) as M[keyof M & string];
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
