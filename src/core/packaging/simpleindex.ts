/**
 * Reading a package index's pages (PEP 503, the "simple" HTML API) for hints only: which files a
 * project has, and which projects exist, to tell "no such package" from "no file of it for this
 * Python" and to name a project of a similar name. Decisions never depend on this (pip's exit code
 * and report do). An https or http index is asked through the one HTTP client (core/base/http.ts,
 * loaded only here, on a failure's path); a `file:` index is read from disk, as pip reads it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextOrNull, readdirOrEmpty } from '../base/fsx.js';
import { normalizeName } from './names.js';

/** A root page larger than this is not read for names (PyPI's lists ~600,000 projects). */
const MAX_ROOT_BYTES = 2 * 1024 * 1024;
const MAX_PROJECT_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MS = 5000;

/** The file names a project's page lists; null when the index has no such project; undefined when it could not be asked. */
export async function projectFiles(env: NodeJS.ProcessEnv, indexUrl: string, name: string): Promise<string[] | null | undefined> {
  const page = await readPage(env, indexUrl, `${normalizeName(name)}/`, MAX_PROJECT_BYTES);
  return page === undefined || page === null ? page : anchors(page);
}

/** Every project name the index's root page lists; undefined when it could not be read (or is too large to be worth it). */
export async function projectNames(env: NodeJS.ProcessEnv, indexUrl: string): Promise<string[] | undefined> {
  const page = await readPage(env, indexUrl, '', MAX_ROOT_BYTES);
  return page ? anchors(page) : undefined;
}

/** The texts of a page's links: file names on a project's page, project names on the root page. */
function anchors(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*>([^<]*)<\/a>/gi)].map((m) => decodeEntities((m[1] ?? '').trim())).filter(Boolean);
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '');
}

/** A page of the index (`rel` under its root): its text; null for a 404 or a missing directory; undefined when it could not be read. */
async function readPage(env: NodeJS.ProcessEnv, indexUrl: string, rel: string, maxBytes: number): Promise<string | null | undefined> {
  const base = indexUrl.endsWith('/') ? indexUrl : `${indexUrl}/`;
  if (base.startsWith('file:')) return readFilePage(new URL(rel, base));
  if (!/^https?:/i.test(base)) return undefined;
  const { httpGet } = await import('../base/http.js');
  try {
    const res = await httpGet(env, new URL(rel, base).toString(), { maxBytes, timeoutMs: TIMEOUT_MS });
    if (res.status === 404) return null;
    return res.status === 200 ? res.body.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** A `file:` index's page: its index.html, else the directory's entries as links (what pip makes of a bare directory). */
function readFilePage(url: URL): string | null | undefined {
  let dir: string;
  try {
    dir = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (!fs.existsSync(dir)) return null;
  const html = readTextOrNull(path.join(dir, 'index.html'));
  if (html !== null) return html.length > MAX_ROOT_BYTES * 8 ? undefined : html;
  return readdirOrEmpty(dir)
    .map((f) => `<a href="${f}">${f}</a>`)
    .join('\n');
}
