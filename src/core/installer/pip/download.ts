/**
 * The fallback when an interpreter ships no pip wheel (Debian's python3 without python3-venv, say):
 * find pip on the package index's PEP 503 page and download it, checking its sha256.
 */
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/fsx.js';
import { compareVersions, parseSpecifiers, satisfies } from '../../packaging/pep440.js';
import type { Interpreter } from '../../python/python.js';
import { redact } from '../../base/redact.js';
import type { GetOptions } from '../../base/http.js';

/** pip's page on an index is ~0.5 MB today, its wheel ~2 MB: anything far larger is not pip. */
const MAX_PAGE_BYTES = 16 << 20;
const MAX_WHEEL_BYTES = 64 << 20;

/** Downloads the newest pip wheel for `py` into shared/wheels/. */
export async function downloadPipWheel(ctx: Context, py: Interpreter): Promise<void> {
  const index = (ctx.env.PIP_INDEX_URL || 'https://pypi.org/simple').replace(/\/+$/, '');
  ctx.out.info(`${py.executable} ships no pip wheel; downloading pip from ${redact(index)}`);
  const fail = (why: string, cause?: unknown) =>
    new TpxError('pip-download', `could not download pip from ${redact(index)}: ${why}`, {
      cause,
      hint: "install your interpreter's bundled pip (Debian and Ubuntu: sudo apt install python3-venv), or set PIP_INDEX_URL",
    });
  const pageUrl = `${index}/pip/`;
  // Loaded here: only this fallback, of everything pip's setup does, needs the HTTP client.
  const { httpGet } = await import('../../base/http.js');
  const get = (url: string, opts: GetOptions) =>
    httpGet(ctx.env, url, opts).catch((err: unknown) => {
      throw fail((err as Error).message, err);
    });
  const pageRes = await get(pageUrl, { headers: { accept: 'text/html' }, maxBytes: MAX_PAGE_BYTES });
  if (pageRes.status !== 200) throw fail(`HTTP ${pageRes.status}`);
  const page = pageRes.body.toString('utf8');
  // PEP 503 anchors: the file name is the link text; pre-releases and too-new pips are skipped.
  const candidates = [...page.matchAll(/<a\s([^>]*)>\s*(pip-(\d+(?:\.\d+)*)-py3-none-any\.whl)\s*<\/a>/g)]
    .map((m) => ({ attrs: m[1] ?? '', file: m[2] ?? '', version: m[3] ?? '0' }))
    .filter((c) => (compareVersions(c.version, '22.3') ?? -1) >= 0 && admitsPython(htmlAttr(c.attrs, 'data-requires-python'), py.version))
    .sort((a, b) => compareVersions(b.version, a.version) ?? 0);
  const best = candidates[0];
  if (!best) throw fail('the index lists no pip wheel for this Python');
  const href = new URL(htmlAttr(best.attrs, 'href') ?? best.file, pageUrl);
  const expected = /sha256=([0-9a-f]{64})/.exec(href.hash)?.[1];
  const res = await get(href.href, { maxBytes: MAX_WHEEL_BYTES });
  if (res.status !== 200) throw fail(`HTTP ${res.status} for ${best.file}`);
  const data = res.body;
  // Imported here, not at the top: node:crypto costs every command's start-up ~5 ms (bench/RESULTS.md).
  const { createHash } = await import('node:crypto');
  if (expected && createHash('sha256').update(data).digest('hex') !== expected) throw fail(`${best.file} does not match its sha256`);
  writeFileAtomic(path.join(ctx.paths.shared, 'wheels', best.file), data);
}

function htmlAttr(attrs: string, name: string): string | undefined {
  const raw = new RegExp(`${name}="([^"]*)"`).exec(attrs)?.[1];
  return raw?.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}

/**
 * Whether Python VERSION may install (or run) what declares this Requires-Python — a file on an
 * index page, an unpacked pip; an invalid one is ignored, as pip ignores it.
 */
export function admitsPython(spec: string | null | undefined, version: string): boolean {
  const set = spec === undefined || spec === null ? null : parseSpecifiers(spec);
  return set === null || satisfies(version, set);
}
