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
 *
 *   [tools]
 *   ruff = "==0.4.1"              # shorthand: a version for the package of that name, or a spec
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { absolutePath, absolutePipArgs, parsePipArgs } from '../request/args.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { isSafeFileName, parseToolArg, toolKey, validateSuffix } from '../packaging/names.js';
import type { Place } from '../base/context.js';
import { stripCredentials } from '../base/redact.js';
import { loadToml } from '../packaging/toml.js';
import { checkPipArgs } from '../request/pipargs.js';
import { defaultRequest, injectedPackage } from '../request/request.js';
import type { Request } from '../request/request.js';
import { isUrl, looksLikePath, parseSpec } from '../packaging/spec.js';

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
  line: number;
}

export interface ToolFile {
  /** Its absolute path. */
  file: string;
  tools: ToolEntry[];
}

const FIELDS = ['spec', 'python', 'suffix', 'with', 'apps', 'pinned', 'index-url', 'pip-args', 'include-deps', 'system-site-packages'];
const HINT = 'see "A team\'s toolbox as a file" in tpx\'s README for the format';

/** Reads and checks FILE; a missing or unreadable one, bad TOML or a bad field is a TpxError (bad-toolfile) saying where. */
export async function readToolFile(file: string, env: NodeJS.ProcessEnv): Promise<ToolFile> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read ${file}`, {
      cause,
      hint: 'give the path of a tpx.toml (the default is ./tpx.toml); README, "A team\'s toolbox as a file", shows one',
    });
  }
  return parseToolFile(text, file, env);
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
    if (key !== 'tools') throw fail(at(null, key), `\`${key}\` is not something tpx.toml holds: tools go in [tools.NAME] tables`);
  const tools = data.tools ?? {};
  if (!isTable(tools)) throw fail(at(null, 'tools'), '`tools` must be a table: [tools.NAME]');
  const dir = path.dirname(file);
  const entries: ToolEntry[] = [];
  for (const [name, value] of Object.entries(tools)) {
    const line = at(name, null);
    const where = (field: string | null) => (field === null ? line : at(name, field));
    try {
      const entry = toolEntry(name, value, dir, env, line);
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

function toolEntry(name: string, value: unknown, dir: string, env: NodeJS.ProcessEnv, line: number): ToolEntry {
  const wrong = (field: string | null, why: string, hint?: string) =>
    new FieldError(
      field?.replace(/\[.*$/, '') ?? null,
      `tools.${name}${field ? `.${field}` : ''}${why.startsWith('[') ? '' : ' '}${why}`,
      hint,
    );
  let key: string;
  try {
    key = parseToolArg(name);
  } catch {
    throw wrong(null, 'is not a tool name', 'name each table as `tpx list` shows the tool: [tools.black], [tools."black@22"]');
  }
  // `ruff = "==0.4.1"` is a version for the package of that name; `ruff = "ruff[x]>=1"` a spec.
  const t: Record<string, unknown> =
    typeof value === 'string' ? { spec: /^\s*[<>=!~]/.test(value) ? `${name}${value.trim()}` : value } : isTable(value) ? value : {};
  if (typeof value !== 'string' && !isTable(value)) throw wrong(null, `is ${shownValue(value)}, not a table or a spec string`);
  for (const field of Object.keys(t))
    if (!FIELDS.includes(field)) throw wrong(field, `is not a field tpx knows (it knows ${FIELDS.join(', ')})`);

  const str = (field: string): string | null => {
    const v = t[field];
    if (v === undefined) return null;
    if (typeof v !== 'string' || v.trim() === '') throw wrong(field, `is ${shownValue(v)}, not a non-empty string`);
    return v.trim();
  };
  const bool = (field: string): boolean => {
    const v = t[field] ?? false;
    if (typeof v !== 'boolean') throw wrong(field, `is ${shownValue(v)}, not true or false`);
    return v;
  };
  const list = (field: string): unknown[] => {
    const v = t[field] ?? [];
    if (!Array.isArray(v)) throw wrong(field, `is ${shownValue(v)}, not a list`);
    return v;
  };
  const checked = <T>(field: string, work: () => T): T => {
    try {
      return work();
    } catch (err) {
      if (err instanceof FieldError) throw err;
      const e = toTpxError(err);
      throw wrong(field, `is wrong: ${e.message}`, e.hint ?? HINT);
    }
  };

  const suffix = checked('suffix', () => validateSuffix(str('suffix') ?? ''));
  const spec = checked('spec', () => inFileDir(str('spec') ?? defaultSpec(name, suffix), { cwd: dir, env }));
  const parsed = checked('spec', () => parseSpec(spec, { cwd: dir, env }));
  // A requirement names its tool: it must be this table's.
  if (parsed.name !== null && toolKey(parsed.name, suffix) !== key) {
    throw wrong(
      'spec',
      `${JSON.stringify(spec)} installs the tool ${toolKey(parsed.name, suffix)}, not ${key}`,
      suffix ? HINT : `name the table after the package ([tools.${parsed.name}]), or give a suffix = "..." that makes ${key}`,
    );
  }
  const pipArgsValue = t['pip-args'];
  const pipArgs = checked('pip-args', () =>
    pipArgsValue === undefined
      ? []
      : typeof pipArgsValue === 'string'
        ? parsePipArgs(pipArgsValue, { cwd: dir, env })
        : Array.isArray(pipArgsValue) && pipArgsValue.every((a) => typeof a === 'string')
          ? absolutePipArgs(checkPipArgs(pipArgsValue as string[], `tools.${name}.pip-args`), { cwd: dir, env })
          : (() => {
              throw new TpxError('bad-pip-args', `it is ${shownValue(pipArgsValue)}, not a string or a list of strings`);
            })(),
  );
  const index = str('index-url');
  const python = str('python');
  const injected = list('with').map((w, i) => {
    const entry = typeof w === 'string' ? { spec: w, apps: false } : isTable(w) ? { spec: w.spec, apps: w.apps ?? false } : null;
    if (!entry || typeof entry.spec !== 'string' || entry.spec.trim() === '') {
      throw wrong(`with[${i}]`, `is ${shownValue(w)}, not a spec string or { spec = "...", apps = true }`);
    }
    const extra = isTable(w) ? Object.keys(w).find((k) => k !== 'spec' && k !== 'apps') : undefined;
    if (extra !== undefined) throw wrong(`with[${i}].${extra}`, 'is not a field tpx knows (it knows spec, apps)');
    if (typeof entry.apps !== 'boolean') throw wrong(`with[${i}].apps`, `is ${shownValue(entry.apps)}, not true or false`);
    const given = checked('with', () => inFileDir(entry.spec as string, { cwd: dir, env }));
    const dist = checked('with', () => parseSpec(given, { cwd: dir, env })).name ?? '';
    return injectedPackage(given, dist, { includeApps: entry.apps as boolean });
  });
  const apps =
    t.apps === undefined
      ? null
      : list('apps').map((a, i) => {
          if (typeof a !== 'string' || !isSafeFileName(a)) throw wrong(`apps[${i}]`, `is ${shownValue(a)}, not an app name`);
          return a;
        });
  return {
    key,
    name,
    line,
    pinned: bool('pinned'),
    apps,
    request: defaultRequest(spec, {
      indexUrl: index === null ? null : absolutePath(index, { cwd: dir, env }),
      pipArgs,
      python: python === null || !/[/\\]|^~/.test(python) ? python : absolutePath(python, { cwd: dir, env }),
      systemSitePackages: bool('system-site-packages'),
      includeDeps: bool('include-deps'),
      suffix,
      injected,
    }),
  };
}

/** Without `spec`: the table's name, less the suffix it ends with (`[tools."black@22"]`, suffix "@22": black). */
function defaultSpec(name: string, suffix: string): string {
  return suffix && name.toLowerCase().endsWith(suffix.toLowerCase()) ? name.slice(0, -suffix.length) : name;
}

/** A path spec relative to the file's folder, made absolute (as install makes a path absolute against the current one). */
function inFileDir(spec: string, at: Place): string {
  return !isUrl(spec) && looksLikePath(spec) ? absolutePath(spec, at) : spec;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function shownValue(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
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
  const rel = (s: string) => relativeIn(stripCredentials(s), dir);
  const table: Record<string, unknown> = { spec: rel(req.spec) };
  if (req.python) table.python = rel(req.python);
  if (req.suffix) table.suffix = req.suffix;
  if (req.injected.length > 0) table.with = req.injected.map((i) => (i.includeApps ? { spec: rel(i.spec), apps: true } : rel(i.spec)));
  if (req.indexUrl) table['index-url'] = rel(req.indexUrl);
  if (req.pipArgs.length > 0) table['pip-args'] = req.pipArgs.map(rel);
  if (req.includeDeps) table['include-deps'] = true;
  if (req.systemSitePackages) table['system-site-packages'] = true;
  return table;
}

/** `dir/x` → `./x` wherever it stands in TEXT (a path, `--opt=path`, `-cpath`); anything else as it is. */
function relativeIn(text: string, dir: string): string {
  const prefix = dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`;
  return text.split(prefix).join(`.${path.sep}`);
}
