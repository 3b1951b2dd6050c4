/**
 * `tpx.toml`, a team's toolbox as a file (`tpx sync`, `tpx lock`): one table per tool, keyed by the
 * tool's name as `tpx list` shows it. Read whole and checked field by field before anything is
 * done; every problem is one error naming the file, the line and the field (README, "A team's
 * toolbox as a file"). Relative paths in it (a project, `-c constraints.txt` in pip-args, a local
 * index) are relative to the file, wherever tpx runs.
 *
 *   [tools.black]
 *   spec = "black>=24"            # default: the name
 *   python = "3.12"
 *   with = ["black-plugin"]       # injected; { spec = "x", apps = true } also links x's apps
 *   pinned = true
 *   expose = false                # installed, its apps not linked (`tpx unexpose`)
 *   include-resources-from = ["blib"]  # also link a dependency's apps, man pages, completions
 *
 *   [tools]
 *   ruff = "==0.4.1"              # shorthand: a version for the package of that name, or a spec
 *
 * A top-level `cooldown = "7d"` (before any table) is the cooldown of every tool that gives none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Mismatch, flag, listOf, shown, text } from '../base/check.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { isSafeFileName, parseToolArg, toolKey } from '../packaging/names.js';
import { stripCredentials } from '../base/redact.js';
import { loadToml } from '../packaging/toml.js';
import { REQUEST_FIELDS, fromToml, isTable, refuseUnknown, toToml, tomlKeys } from '../request/fields.js';
import { defaultRequest } from '../request/request.js';
import type { Request } from '../request/request.js';
import { parseSpec } from '../packaging/spec.js';

/** One tool of the file: what it asks for, as a receipt records a request. */
export interface ToolEntry {
  /** The tool's key (its table name, normalised as a NAME argument is). */
  key: string;
  /** The table's name as written, for messages. */
  name: string;
  request: Request;
  pinned: boolean;
  /** The apps to link (all of them when null). */
  apps: string[] | null;
  /** `expose = false`: installed with its apps not linked (`tpx unexpose`); default true. */
  exposed: boolean;
  line: number;
}

export interface ToolFile {
  /** Its absolute path. */
  file: string;
  tools: ToolEntry[];
}

/** The keys tpx knows: the request's (request/fields.ts), with the entry's own, `apps`, `pinned` and `expose`, after `with` (the order errors have listed them in). */
const REQUEST_KEYS = tomlKeys(REQUEST_FIELDS);
const WITH = REQUEST_KEYS.indexOf('with') + 1;
const FIELDS = [...REQUEST_KEYS.slice(0, WITH), 'apps', 'pinned', 'expose', ...REQUEST_KEYS.slice(WITH)];
const HINT = 'see "A team\'s toolbox as a file" in tpx\'s README for the format';

/**
 * Reads and checks FILE; a missing or unreadable one, bad TOML or a bad field is a TpxError
 * (bad-toolfile) saying where. `overrides`: request fields a flag gives for every tool (`sync --cooldown`).
 */
export async function readToolFile(file: string, env: NodeJS.ProcessEnv, overrides: Partial<Request> = {}): Promise<ToolFile> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read ${file}`, {
      cause,
      hint: 'give the path of a tpx.toml (the default is ./tpx.toml); README, "A team\'s toolbox as a file", shows one',
    });
  }
  const read = await parseToolFile(text, file, env);
  return { ...read, tools: read.tools.map((t) => ({ ...t, request: { ...t.request, ...overrides } })) };
}

/** `file` as the user named it (errors say that); relative paths in it are relative to its folder. */
export async function parseToolFile(text: string, shown: string, env: NodeJS.ProcessEnv): Promise<ToolFile> {
  const { parse, TomlError } = await loadToml();
  const at = locator(text);
  const file = path.resolve(shown);
  const fail = (line: number, why: string, hint = HINT) => new TpxError('bad-toolfile', `${shown}:${line}: ${why}`, { hint });
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError)
      throw fail(err.line, `invalid TOML: ${err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '')}`);
    throw err;
  }
  for (const key of Object.keys(data))
    if (!TOP_LEVEL.includes(key)) throw fail(at(null, key), `\`${key}\` is not something tpx.toml holds: tools go in [tools.NAME] tables`);
  const shared = topLevel(data, (key, why) => fail(at(null, key), why));
  const tools = data.tools ?? {};
  if (!isTable(tools)) throw fail(at(null, 'tools'), '`tools` must be a table: [tools.NAME]');
  const dir = path.dirname(file);
  const entries: ToolEntry[] = [];
  for (const [name, value] of Object.entries(tools)) {
    const line = at(name, null);
    const where = (field: string | null) => (field === null ? line : at(name, field));
    try {
      const entry = toolEntry(name, value, dir, env, line, shared);
      const twin = entries.find((e) => e.key === entry.key);
      if (twin) throw fail(line, `tools.${name} is the same tool as tools.${twin.name} (both are ${entry.key})`, 'list each tool once');
      entries.push(entry);
    } catch (err) {
      if (err instanceof FieldError) throw fail(where(err.field), err.message, err.hint);
      throw err;
    }
  }
  // An empty toolbox is a mistake, and with --prune it would uninstall everything.
  if (entries.length === 0)
    throw fail(1, 'lists no tools', 'add a [tools.NAME] table for each tool; `tpx uninstall-all` uninstalls every tool');
  return { file, tools: entries };
}

/**
 * A tool table read outside a tpx.toml (a lock's `[tool.tpx]`, pylock.ts): the same fields and
 * checks; a problem is an error of `where`'s kind naming the field.
 */
export function tableEntry(name: string, table: unknown, dir: string, env: NodeJS.ProcessEnv, where: string): ToolEntry {
  try {
    return toolEntry(name, table, dir, env, 0);
  } catch (err) {
    if (err instanceof FieldError) throw new TpxError('bad-lock', `${where}: ${err.message}`, { hint: err.hint });
    throw err;
  }
}

/** What tpx.toml holds outside its tools: the tools, and the request fields every tool takes unless it gives its own. */
const TOP_LEVEL = ['tools', 'cooldown'];

function topLevel(data: Record<string, unknown>, fail: (key: string, why: string) => TpxError): Partial<Request> {
  if (data.cooldown === undefined) return {};
  try {
    return fromToml(REQUEST_FIELDS, { cooldown: data.cooldown }, '', { cwd: '', env: {} }, (_key, read) => read());
  } catch (err) {
    throw fail('cooldown', err instanceof Mismatch ? err.message.replace(/^\./, '') : toTpxError(err).message);
  }
}

/** A problem with one field of tools.NAME (null: with the entry as a whole). */
class FieldError extends Error {
  constructor(
    readonly field: string | null,
    message: string,
    readonly hint = HINT,
  ) {
    super(message);
  }
}

function toolEntry(
  name: string,
  value: unknown,
  dir: string,
  env: NodeJS.ProcessEnv,
  line: number,
  shared: Partial<Request> = {},
): ToolEntry {
  const at = `tools.${name}`;
  const wrong = (field: string | null, why: string, hint?: string) =>
    new FieldError(field, `${at}${field ? `.${field}` : ''} ${why}`, hint);
  // A field's error, as the file's: its key (for the line) and "is wrong: …" for a rule's own error.
  const checked = <T>(field: string, work: () => T): T => {
    try {
      return work();
    } catch (err) {
      if (err instanceof Mismatch) throw new FieldError(field, err.message);
      const e = toTpxError(err);
      throw wrong(field, `is wrong: ${e.message}`, e.hint ?? HINT);
    }
  };
  let key: string;
  try {
    key = parseToolArg(name);
  } catch {
    throw wrong(null, 'is not a tool name', 'name each table as `tpx list` shows the tool: [tools.black], [tools."black@22"]');
  }
  // `ruff = "==0.4.1"` is a version for the package of that name; `ruff = "ruff[x]>=1"` a spec.
  const t: Record<string, unknown> =
    typeof value === 'string' ? { spec: /^\s*[<>=!~]/.test(value) ? `${name}${value.trim()}` : value } : isTable(value) ? value : {};
  if (typeof value !== 'string' && !isTable(value)) throw wrong(null, `is ${shown(value)}, not a table or a spec string`);
  const extra = Object.keys(t).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) checked(extra, () => refuseUnknown(t, FIELDS, at));

  const place = { cwd: dir, env };
  const fields = fromToml(REQUEST_FIELDS, t, at, place, checked);
  const suffix = fields.suffix ?? '';
  const spec = fields.spec ?? defaultSpec(name, suffix);
  const parsed = checked('spec', () => parseSpec(spec, place));
  // A requirement names its tool: it must be this table's.
  if (parsed.name !== null && toolKey(parsed.name, suffix) !== key) {
    throw wrong(
      'spec',
      `${JSON.stringify(spec)} installs the tool ${toolKey(parsed.name, suffix)}, not ${key}`,
      suffix ? HINT : `name the table after the package ([tools.${parsed.name}]), or give a suffix = "..." that makes ${key}`,
    );
  }
  return {
    key,
    name,
    line,
    pinned: t.pinned === undefined ? false : checked('pinned', () => flag(t.pinned, `${at}.pinned`)),
    exposed: t.expose === undefined ? true : checked('expose', () => flag(t.expose, `${at}.expose`)),
    apps: t.apps === undefined ? null : checked('apps', () => listOf(text('an app name', isSafeFileName))(t.apps, `${at}.apps`)),
    request: defaultRequest(spec, { ...shared, ...fields, spec }),
  };
}

/** Without `spec`: the table's name, less the suffix it ends with (`[tools."black@22"]`, suffix "@22": black). */
function defaultSpec(name: string, suffix: string): string {
  return suffix && name.toLowerCase().endsWith(suffix.toLowerCase()) ? name.slice(0, -suffix.length) : name;
}

/**
 * The line a table or one of its fields is on, found in the text (the TOML parser gives values, not
 * places): `[tools.NAME]` and the `field =` under it, or `NAME =` under `[tools]`; the table's line
 * when the field is not written on a line of its own; 1 when nothing matches.
 */
function locator(text: string): (table: string | null, field: string | null) => number {
  const lines = text.split(/\r?\n/);
  const quoted = (k: string) => `(?:${escapeRegExp(k)}|"${escapeRegExp(k)}"|'${escapeRegExp(k)}')`;
  const find = (re: RegExp, from = 0, until = lines.length) => {
    for (let i = from; i < until; i++) if (re.test(lines[i] ?? '')) return i;
    return -1;
  };
  const nextHeader = (from: number) => {
    const i = find(/^\s*\[/, from + 1);
    return i < 0 ? lines.length : i;
  };
  return (table, field) => {
    if (table === null) {
      const i = find(new RegExp(`^\\s*(\\[\\s*)?${quoted(field ?? 'tools')}\\s*[=.\\]]`));
      return i + 1 || 1;
    }
    const header = find(new RegExp(`^\\s*\\[\\s*tools\\s*\\.\\s*${quoted(table)}\\s*\\]`));
    if (header >= 0) {
      if (field === null) return header + 1;
      const i = find(new RegExp(`^\\s*${quoted(field)}\\s*=`), header + 1, nextHeader(header));
      return (i < 0 ? header : i) + 1;
    }
    const tools = find(/^\s*\[\s*tools\s*\]/);
    const i = find(new RegExp(`^\\s*${quoted(table)}\\s*[=.]`), tools + 1, tools < 0 ? lines.length : nextHeader(tools));
    return i + 1 || 1;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A request as a tpx.toml table for `[tool.tpx]`: only what differs from the defaults, URLs
 * without credentials, and paths inside `dir` (the lock's folder, which is the tpx.toml's)
 * relative to it, so the lock means the same in every checkout of the project.
 */
export function requestTable(req: Request, dir: string): Record<string, unknown> {
  return toToml(REQUEST_FIELDS, req, (s) => relativeIn(stripCredentials(s), dir));
}

/** `dir/x` → `./x` wherever it stands in TEXT (a path, `--opt=path`, `-cpath`); anything else as it is. */
function relativeIn(text: string, dir: string): string {
  const prefix = dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`;
  return text.split(prefix).join(`.${path.sep}`);
}
