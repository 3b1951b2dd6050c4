// A PEP 503 "simple" package index on 127.0.0.1 serving the wheels in one directory.
// The directory is re-read on every request, so a test publishes a new release by
// copying a wheel in, and pip sees it on its next run. A client that asks for the JSON
// simple API (PEP 691, as pip does) gets it, with each file's PEP 700 `upload-time`: the
// file's mtime, so a test dates a release with utimes (setUploadTimes(false): HTML only,
// an index that gives no upload times).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { wheelMetadata } from './zip.js';

export interface IndexAuth {
  user: string;
  password: string;
}

export interface Index {
  /** Index URL without credentials, e.g. http://127.0.0.1:41234/simple */
  url: string;
  dir: string;
  /** Path (request target) of every request received, in order, including refused ones. */
  requests: string[];
  close(): Promise<void>;
  /** While down, every request gets 503 (an index outage). */
  setDown(down: boolean): void;
  /** Require HTTP basic auth from now on (null: no auth). */
  setAuth(auth: IndexAuth | null): void;
  /** Whether project pages may be JSON with upload times (default true); false: HTML only. */
  setUploadTimes(on: boolean): void;
  /**
   * Hold every new request unanswered until resume(): freezes pip mid-install so a test
   * can interrupt the client at a known point, with no sleeps.
   */
  pause(): void;
  /** Answer the held requests (normally) and stop holding. */
  resume(): void;
  /**
   * Resolves with the path of the first request (matching `match`, if given) received
   * since the last pause() (or since start) — at once if one already came.
   * Rejects after timeoutMs (default 30 s).
   */
  waitForRequest(match?: string | RegExp, timeoutMs?: number): Promise<string>;
}

/** PEP 503 name normalisation: runs of -_. become "-", lower-cased. */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The URL with user:password embedded, as a user would put it in PIP_INDEX_URL. */
export function withCredentials(url: string, auth: IndexAuth): string {
  const u = new URL(url);
  u.username = auth.user;
  u.password = auth.password;
  return u.toString().replace(/\/$/, '');
}

interface DistFile {
  file: string;
  project: string;
  path: string;
}

/** Project a distribution file belongs to, from its name (wheel or sdist), or undefined. */
function projectOf(file: string): string | undefined {
  // Wheel names escape "-" inside the name, so the name is everything before the first "-".
  if (file.endsWith('.whl')) return normalizeProjectName(file.split('-')[0] ?? '');
  const sdist = /^(.+)-[^-]+\.(?:tar\.gz|zip)$/.exec(file);
  return sdist?.[1] === undefined ? undefined : normalizeProjectName(sdist[1]);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export async function startIndex(opts: { dir: string; auth?: IndexAuth }): Promise<Index> {
  const { dir } = opts;
  const requests: string[] = [];
  let down = false;
  let auth: IndexAuth | null = opts.auth ?? null;
  let uploadTimes = true;
  let held: Array<() => void> | null = null; // non-null while paused
  let mark = 0; // requests[mark..] are the ones waitForRequest looks at
  const onRequest = new Set<() => void>();
  // Hashing and unzipping on every page view would be wasteful; key on size+mtime so
  // a wheel replaced in place is picked up.
  const fileInfo = new Map<string, { sha256: string; requiresPython: string | undefined }>();

  function listFiles(): DistFile[] {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const files: DistFile[] = [];
    for (const file of names.sort()) {
      const project = projectOf(file);
      if (project) files.push({ file, project, path: join(dir, file) });
    }
    return files;
  }

  function infoOf(f: DistFile): { sha256: string; requiresPython: string | undefined } {
    const st = statSync(f.path);
    const key = `${f.path}\0${st.size}\0${st.mtimeMs}`;
    let info = fileInfo.get(key);
    if (!info) {
      const sha256 = createHash('sha256').update(readFileSync(f.path)).digest('hex');
      let requiresPython: string | undefined;
      if (f.file.endsWith('.whl')) {
        try {
          requiresPython = /^Requires-Python:\s*(.+?)\s*$/m.exec(wheelMetadata(f.path) ?? '')?.[1];
        } catch {
          // A deliberately corrupt wheel must still be listed; pip will reject it itself.
        }
      }
      info = { sha256, requiresPython };
      fileInfo.set(key, info);
    }
    return info;
  }

  function authorized(req: IncomingMessage): boolean {
    if (!auth) return true;
    const expected = Buffer.from(`Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`);
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      // Pages change whenever a test publishes; stop pip's HTTP cache from keeping them.
      'Cache-Control': 'no-store',
    });
    res.end(body);
  }

  function page(title: string, links: string[]): string {
    return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head><body>\n${links.join('<br>\n')}\n</body></html>\n`;
  }

  /** PEP 691 JSON, API 1.1 (PEP 700): sizes, versions, and each file's upload time (its mtime). */
  function jsonPage(name: string, files: DistFile[]): string {
    const versions = new Set<string>();
    const entries = files.map((f) => {
      const { sha256, requiresPython } = infoOf(f);
      const st = statSync(f.path);
      const version = f.file.endsWith('.whl') ? f.file.split('-')[1] : /-([^-]+)\.(?:tar\.gz|zip)$/.exec(f.file)?.[1];
      if (version) versions.add(version);
      return {
        filename: f.file,
        url: `/files/${encodeURIComponent(f.file)}`,
        hashes: { sha256 },
        ...(requiresPython ? { 'requires-python': requiresPython } : {}),
        size: st.size,
        'upload-time': new Date(Math.floor(st.mtimeMs)).toISOString(),
      };
    });
    return JSON.stringify({ meta: { 'api-version': '1.1' }, name, versions: [...versions], files: entries });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '/';
    if (down) return send(res, 503, 'index is down (setDown)\n');
    if (!authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="tpx-test-index"');
      return send(res, 401, 'authentication required\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');

    const path = target.split('?')[0] ?? '/';
    const redirect = (to: string) => {
      res.writeHead(301, { Location: to, 'Content-Length': 0 });
      res.end();
    };

    if (path === '/simple') return redirect('/simple/');
    if (path === '/simple/') {
      const projects = [...new Set(listFiles().map((f) => f.project))].sort();
      return send(
        res,
        200,
        page(
          'Simple index',
          projects.map((p) => `<a href="/simple/${p}/">${p}</a>`),
        ),
        'text/html; charset=utf-8',
      );
    }

    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (project !== undefined) {
      const name = decodeURIComponent(project);
      const canonical = `/simple/${normalizeProjectName(name)}/`;
      // PyPI redirects non-normalised project URLs to the normalised one.
      if (path !== canonical) return redirect(canonical);
      const files = listFiles().filter((f) => f.project === normalizeProjectName(name));
      if (files.length === 0) return send(res, 404, `project ${name} not found\n`);
      if (uploadTimes && /application\/vnd\.pypi\.simple\.v1\+json/.test(req.headers.accept ?? ''))
        return send(res, 200, jsonPage(normalizeProjectName(name), files), 'application/vnd.pypi.simple.v1+json');
      const links = files.map((f) => {
        const { sha256, requiresPython } = infoOf(f);
        const rp = requiresPython ? ` data-requires-python="${escapeHtml(requiresPython)}"` : '';
        return `<a href="/files/${encodeURIComponent(f.file)}#sha256=${sha256}"${rp}>${escapeHtml(f.file)}</a>`;
      });
      return send(res, 200, page(`Links for ${name}`, links), 'text/html; charset=utf-8');
    }

    const fileName = /^\/files\/([^/]+)$/.exec(path)?.[1];
    if (fileName !== undefined) {
      const file = decodeURIComponent(fileName);
      const found = listFiles().find((f) => f.file === file); // only listed files: no path tricks
      if (!found) return send(res, 404, `no file ${file}\n`);
      return send(res, 200, readFileSync(found.path), 'application/octet-stream');
    }
    return send(res, 404, 'not found\n');
  }

  function answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.socket.destroyed) return; // the client gave up while the request was held
    try {
      handle(req, res);
    } catch (err) {
      // Surface helper bugs as a 500 with the reason rather than a hung request.
      send(res, 500, `index error: ${(err as Error).stack ?? String(err)}\n`);
    }
  }

  const server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    if (held) held.push(() => answer(req, res));
    else answer(req, res);
    onRequest.forEach((listener) => listener());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/simple`,
    dir,
    requests,
    setDown(value: boolean) {
      down = value;
    },
    setAuth(value: IndexAuth | null) {
      auth = value;
    },
    setUploadTimes(on: boolean) {
      uploadTimes = on;
    },
    pause() {
      held ??= [];
      mark = requests.length;
    },
    resume() {
      const queue = held ?? [];
      held = null;
      queue.forEach((release) => release());
    },
    waitForRequest(match?: string | RegExp, timeoutMs = 30_000) {
      const start = mark;
      const matches = (path: string) => match === undefined || (typeof match === 'string' ? path === match : match.test(path));
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const found = requests.slice(start).find(matches);
          if (found === undefined) return;
          stop();
          resolve(found);
        };
        const timer = setTimeout(() => {
          stop();
          reject(
            new Error(
              `no request${match === undefined ? '' : ` matching ${String(match)}`} within ${timeoutMs} ms (got: ${requests.slice(start).join(', ') || 'none'})`,
            ),
          );
        }, timeoutMs);
        const stop = () => {
          clearTimeout(timer);
          onRequest.delete(check);
        };
        onRequest.add(check);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        held = null; // held requests die with their connections below
        // pip keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
