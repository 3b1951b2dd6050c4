/**
 * The export file: every tool's request plus the exact version of every distribution in its venv,
 * so `tpx install-all` can rebuild the same toolbox elsewhere. Versioned by `schema`; a reader
 * refuses any schema it does not know rather than guess.
 */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { freeze } from '../installer/freeze.js';
import type { Pin } from '../installer/freeze.js';
import { isSafeFileName, isValidDistName, parseDistName, validateAppName, validateSuffix } from '../packaging/names.js';
import { checkPipArgs, checkWith } from '../request/pipargs.js';
import { REQUEST_KINDS, withoutCredentials } from '../request/request.js';
import type { Request, RequestKind } from '../request/request.js';
import { readInstalled, toolKeys } from '../store/store.js';
import { keptScript } from '../ops/scripttool.js';
import type { ToolScript } from '../ops/scripttool.js';

export const EXPORT_SCHEMA = 1;

export interface ExportedTool {
  /** The tool's key (name plus suffix), as `tpx list` shows it. */
  name: string;
  /** The main distribution's name. */
  package: string;
  version: string;
  request: Request;
  pinned: boolean;
  /** false after `tpx unexpose`; true in files older than it. */
  exposed: boolean;
  python: { version: string };
  freeze: Pin[];
  /** A script tool's script (its generation's kept copy), so the other machine needs no copy of its own; null otherwise. */
  script: ToolScript | null;
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
    const script = r.request.kind === 'script' ? keptScript(inst.dir) : null;
    if (r.request.kind === 'script' && !script) {
      skipped.push(`${key} (the copy of its script is missing)`);
      continue;
    }
    tools.push({
      name: key,
      package: r.name,
      version: r.version,
      request,
      pinned: r.pinned,
      exposed: r.exposed,
      python: { version: r.python.version },
      freeze: pins,
      script,
    });
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
    throw new TpxError('bad-export', `${source} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, {
      cause,
      hint,
    });
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
      const inj = `${at}.request.injected[${j}]`;
      return {
        spec: str(x.spec, source, `${inj}.spec`),
        name: str(x.name, source, `${inj}.name`),
        includeApps: x.includeApps === true,
        includeDeps: x.includeDeps === true,
        pipArgs: checkPipArgs(strings(x.pipArgs ?? [], source, `${inj}.pipArgs`), `${source}: ${inj}.pipArgs`),
        pinned: x.pinned === true,
      };
    });
    const kind = req.kind == null ? 'package' : str(req.kind, source, `${at}.request.kind`);
    if (!(REQUEST_KINDS as readonly string[]).includes(kind)) throw missing(source, `${at}.request.kind`, REQUEST_KINDS.join(', '));
    const request: Request = {
      spec: str(req.spec, source, `${at}.request.spec`),
      kind: kind as RequestKind,
      indexUrl: req.indexUrl == null ? null : str(req.indexUrl, source, `${at}.request.indexUrl`),
      pipArgs: checkPipArgs(strings(req.pipArgs ?? [], source, `${at}.request.pipArgs`), `${source}: ${at}.request.pipArgs`),
      python: req.python == null ? null : str(req.python, source, `${at}.request.python`),
      systemSitePackages: req.systemSitePackages === true,
      includeDeps: req.includeDeps === true,
      suffix: validateSuffix(req.suffix == null ? '' : str(req.suffix, source, `${at}.request.suffix`, true)),
      apps: req.apps == null ? null : strings(req.apps, source, `${at}.request.apps`).map((a) => validateAppName(a)),
      preinstall: checkWith(strings(req.preinstall ?? [], source, `${at}.request.preinstall`), '--preinstall'),
      includeResourcesFrom: strings(req.includeResourcesFrom ?? [], source, `${at}.request.includeResourcesFrom`).map((n) =>
        parseDistName(n, 'include-resources-from'),
      ),
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
    const script = tool.script == null ? null : obj(tool.script, source, `${at}.script`);
    const file = script ? str(script.file, source, `${at}.script.file`) : null;
    if (file !== null && !(isSafeFileName(file) && file.endsWith('.py')))
      throw missing(source, `${at}.script.file`, 'a file name ending in .py');
    if (request.kind === 'script' && !script) throw missing(source, `${at}.script`, 'the script of a script tool');
    return {
      name: str(tool.name, source, `${at}.name`),
      package: str(tool.package, source, `${at}.package`),
      version: str(tool.version, source, `${at}.version`),
      request,
      pinned: tool.pinned === true,
      exposed: tool.exposed !== false,
      python: { version: str(python.version, source, `${at}.python.version`) },
      freeze: pins,
      script: script && file ? { file, text: str(script.text, source, `${at}.script.text`, true) } : null,
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

function strings(v: unknown, source: string, field: string): string[] {
  return list(v, source, field).map((a, j) => str(a, source, `${field}[${j}]`));
}

function str(v: unknown, source: string, field: string, mayBeEmpty = false): string {
  if (typeof v !== 'string' || (v === '' && !mayBeEmpty)) throw missing(source, field, 'a non-empty string');
  return v;
}
