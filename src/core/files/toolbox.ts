/**
 * The export file: every tool's request plus the exact version of every distribution in its venv,
 * so `tpx install-all` can rebuild the same toolbox elsewhere. Versioned by `schema`; a reader
 * refuses any schema it does not know rather than guess.
 */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { freeze } from '../installer/freeze.js';
import type { Pin } from '../installer/freeze.js';
import { Mismatch, anyText, listOf, object, text } from '../base/check.js';
import type { Check } from '../base/check.js';
import { isSafeFileName } from '../packaging/names.js';
import { stripCredentials } from '../base/redact.js';
import { readRequest } from '../request/fields.js';
import { withoutCredentials } from '../request/request.js';
import type { Request } from '../request/request.js';
import { readInstalled, toolKeys } from '../store/store.js';
import { keptScript } from '../ops/scripttool.js';
import type { ToolScript } from '../ops/scripttool.js';

export const EXPORT_SCHEMA = 1;
const HINT = 'give a file written by `tpx export`';

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
      freeze: pins.map((p) => (p.url ? { ...p, url: stripCredentials(p.url) } : p)),
      script,
    });
  }
  return { toolbox: { schema: EXPORT_SCHEMA, exportedAt: new Date().toISOString(), tools }, skipped, stripped };
}

/** Parses and checks an export file; every problem is a TpxError naming the file and the field. */
export function parseToolbox(content: string, source: string): Toolbox {
  const hint = HINT;
  let data: unknown;
  try {
    data = JSON.parse(content);
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
  try {
    return {
      schema: EXPORT_SCHEMA,
      exportedAt: typeof top.exportedAt === 'string' ? top.exportedAt : '',
      tools: listOf(exportedTool)(top.tools, 'tools'),
    };
  } catch (err) {
    throw inFile(err, source);
  }
}

/** A problem with one field, as an error naming the file and the field. */
function inFile(err: unknown, source: string): unknown {
  if (err instanceof Mismatch) {
    const why = err.what === null ? err.message : `${err.at} is missing or not ${err.what}`;
    return new TpxError('bad-export', `${source}: ${why}`, { hint: HINT });
  }
  // A rule of the field's own (checkPipArgs) names the field in its message.
  return err instanceof TpxError ? err.rephrase({ message: `${source}: ${err.message}` }) : err;
}

/** One tool: its request read by the request-field table, leniently (a field missing or null is its default). */
const exportedTool: Check<ExportedTool> = (v, at) => {
  const tool = object(v, at);
  const request = readRequest(tool.request, `${at}.request`, 'lenient');
  const python = object(tool.python, `${at}.python`);
  const script = tool.script == null ? null : object(tool.script, `${at}.script`);
  if (request.kind === 'script' && !script) throw new Mismatch(`${at}.script`, tool.script, 'the script of a script tool');
  return {
    name: text()(tool.name, `${at}.name`),
    package: text()(tool.package, `${at}.package`),
    version: text()(tool.version, `${at}.version`),
    request,
    pinned: tool.pinned === true,
    exposed: tool.exposed !== false,
    python: { version: text()(python.version, `${at}.python.version`) },
    freeze: listOf(pin)(tool.freeze, `${at}.freeze`),
    script: script && {
      file: text('a file name ending in .py', (f) => isSafeFileName(f) && f.endsWith('.py'))(script.file, `${at}.script.file`),
      text: anyText(script.text, `${at}.script.text`),
    },
  };
};

const pin: Check<Pin> = (v, at) => {
  const p = object(v, at);
  const read = { name: text()(p.name, `${at}.name`), version: text()(p.version, `${at}.version`) };
  // A direct reference (freeze.ts): install-all gets it from there again, as the rebuild did.
  return p.url == null ? read : { ...read, url: text()(p.url, `${at}.url`) };
};
