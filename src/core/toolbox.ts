/**
 * The export file: every tool's request plus the exact version of every distribution in its venv,
 * so `tpx install-all` can rebuild the same toolbox elsewhere. Versioned by `schema`; a reader
 * refuses any schema it does not know rather than guess.
 */
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { freeze } from './freeze.js';
import type { Pin } from './freeze.js';
import { isSafeFileName, isValidDistName, validateSuffix } from './names.js';
import { checkPipArgs } from './pipargs.js';
import { withoutCredentials } from './receipt.js';
import type { Request } from './receipt.js';
import { readInstalled, toolKeys } from './store.js';

export const EXPORT_SCHEMA = 1;

export interface ExportedTool {
  /** The tool's key (name plus suffix), as `tpx list` shows it. */
  name: string;
  /** The main distribution's name. */
  package: string;
  version: string;
  request: Request;
  pinned: boolean;
  python: { version: string };
  freeze: Pin[];
}

export interface Toolbox {
  schema: number;
  exportedAt: string;
  tools: ExportedTool[];
}

/**
 * Every installed tool that can be exported. Credentials in URLs (index URLs, pip args, specs) are
 * removed: an export file gets copied around; the new machine supplies them through pip's own
 * configuration or keyring, as it would for any pip use.
 */
export function collectToolbox(ctx: Context): { toolbox: Toolbox; skipped: string[]; stripped: string[] } {
  const tools: ExportedTool[] = [];
  const skipped: string[] = [];
  const stripped: string[] = [];
  for (const key of toolKeys(ctx)) {
    let inst: ReturnType<typeof readInstalled>;
    try {
      inst = readInstalled(ctx, key);
    } catch (err) {
      // A broken tool (store.ts) is left out like an unreadable one, not the end of the export.
      skipped.push(`${key} (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    if (!inst) continue;
    if (!inst.receipt) {
      skipped.push(`${key} (${inst.receiptError})`);
      continue;
    }
    let pins: Pin[];
    try {
      pins = freeze(ctx, inst.dir);
    } catch (err) {
      skipped.push(`${key} (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    const r = inst.receipt;
    const request = withoutCredentials(r.request);
    if (JSON.stringify(request) !== JSON.stringify(r.request)) stripped.push(key);
    tools.push({ name: key, package: r.name, version: r.version, request, pinned: r.pinned, python: { version: r.python.version }, freeze: pins });
  }
  return { toolbox: { schema: EXPORT_SCHEMA, exportedAt: new Date().toISOString(), tools }, skipped, stripped };
}

/** Parses and checks an export file; every problem is a TpxError naming the file and the field. */
export function parseToolbox(text: string, source: string): Toolbox {
  const hint = 'give a file written by `tpx export`';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new TpxError('bad-export', `${source} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, { cause, hint });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !('schema' in data)) {
    throw new TpxError('bad-export', `${source} is not a tpx export file: it has no "schema"`, { hint });
  }
  const top = data as Record<string, unknown>;
  if (top.schema !== EXPORT_SCHEMA) {
    throw new TpxError('bad-export', `${source} has schema ${JSON.stringify(top.schema)}; this tpx reads schema ${EXPORT_SCHEMA}`, {
      hint: 'export it again with this version of tpx, or use the tpx version that wrote it',
    });
  }
  if (!Array.isArray(top.tools)) throw missing(source, 'tools', 'a list');
  const tools = top.tools.map((t: unknown, i: number): ExportedTool => {
    const at = `tools[${i}]`;
    const tool = obj(t, source, at);
    const req = obj(tool.request, source, `${at}.request`);
    const injected = list(req.injected ?? [], source, `${at}.request.injected`).map((e, j) => {
      const x = obj(e, source, `${at}.request.injected[${j}]`);
      return { spec: str(x.spec, source, `${at}.request.injected[${j}].spec`), name: str(x.name, source, `${at}.request.injected[${j}].name`), includeApps: x.includeApps === true };
    });
    const request: Request = {
      spec: str(req.spec, source, `${at}.request.spec`),
      indexUrl: req.indexUrl == null ? null : str(req.indexUrl, source, `${at}.request.indexUrl`),
      pipArgs: checkPipArgs(list(req.pipArgs ?? [], source, `${at}.request.pipArgs`).map((a, j) => str(a, source, `${at}.request.pipArgs[${j}]`)), `${source}: ${at}.request.pipArgs`),
      python: req.python == null ? null : str(req.python, source, `${at}.request.python`),
      systemSitePackages: req.systemSitePackages === true,
      includeDeps: req.includeDeps === true,
      suffix: validateSuffix(req.suffix == null ? '' : str(req.suffix, source, `${at}.request.suffix`, true)),
      injected,
    };
    if (req.lock !== undefined && req.lock !== null) {
      request.lock = list(req.lock, source, `${at}.request.lock`).map((e, j) => {
        const where = `${at}.request.lock[${j}]`;
        const x = obj(e, source, where);
        const hash = str(x.hash, source, `${where}.hash`);
        if (!/^sha(256|384|512):[0-9a-f]+$/.test(hash)) throw missing(source, `${where}.hash`, 'sha256:<hex digest>');
        const url = x.url == null ? null : str(x.url, source, `${where}.url`);
        const name = str(x.name, source, `${where}.name`);
        const file = str(x.file, source, `${where}.file`);
        if (!isValidDistName(name)) throw missing(source, `${where}.name`, 'a package name');
        if (!isSafeFileName(file)) throw missing(source, `${where}.file`, 'a file name');
        return { name, version: str(x.version, source, `${where}.version`), file, url, direct: x.direct === true, hash };
      });
    }
    const pins = list(tool.freeze, source, `${at}.freeze`).map((p, j) => {
      const x = obj(p, source, `${at}.freeze[${j}]`);
      return { name: str(x.name, source, `${at}.freeze[${j}].name`), version: str(x.version, source, `${at}.freeze[${j}].version`) };
    });
    const python = obj(tool.python, source, `${at}.python`);
    return {
      name: str(tool.name, source, `${at}.name`),
      package: str(tool.package, source, `${at}.package`),
      version: str(tool.version, source, `${at}.version`),
      request,
      pinned: tool.pinned === true,
      python: { version: str(python.version, source, `${at}.python.version`) },
      freeze: pins,
    };
  });
  return { schema: EXPORT_SCHEMA, exportedAt: typeof top.exportedAt === 'string' ? top.exportedAt : '', tools };
}

function missing(source: string, field: string, what: string): TpxError {
  return new TpxError('bad-export', `${source}: ${field} is missing or not ${what}`, { hint: 'give a file written by `tpx export`' });
}

function obj(v: unknown, source: string, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw missing(source, field, 'an object');
  return v as Record<string, unknown>;
}

function list(v: unknown, source: string, field: string): unknown[] {
  if (!Array.isArray(v)) throw missing(source, field, 'a list');
  return v;
}

function str(v: unknown, source: string, field: string, mayBeEmpty = false): string {
  if (typeof v !== 'string' || (v === '' && !mayBeEmpty)) throw missing(source, field, 'a non-empty string');
  return v;
}
