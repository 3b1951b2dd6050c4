/**
 * The one HTTP client for what tpx fetches itself (pip fetches the rest): an index page, a pip wheel,
 * a file to hash, a script to run. docs/architecture.md, "HTTP", says why it is written on node:http
 * and not on fetch or undici. What it does that Node 20's fetch does not:
 *
 * - the proxy pip would use: `https_proxy`/`HTTPS_PROXY` for https (a CONNECT tunnel),
 *   `http_proxy`/`HTTP_PROXY` for http (absolute-form requests), unless `no_proxy`/`NO_PROXY` names the host;
 * - the CA bundle pip would verify with: `PIP_CERT`, else `REQUESTS_CA_BUNDLE`, else `SSL_CERT_FILE`;
 * - an idle timeout (pip's `PIP_TIMEOUT`, else pip's 15 s) and a cap on the body's size;
 * - redirects followed here, each target checked: never from https down to http, and for a script tpx
 *   will run only https or http to this machine, as for the first URL;
 * - credentials in a URL sent as basic auth (never in the request line), dropped when a redirect
 *   leaves the origin, and never in a message.
 *
 * Everything comes from the environment passed in (ctx.env), never from process.env.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { TpxError } from './errors.js';
import { redact } from './redact.js';

export interface GetOptions {
  /** The most bytes the body may have: more is an error that names the URL and the cap. */
  maxBytes: number;
  /** A script tpx will run: only https, or plain http to this machine, for the URL and every redirect. */
  script?: boolean;
  /** Milliseconds without a byte before giving up; default `PIP_TIMEOUT` seconds, else 15 s, as pip. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Stop at the status line (a probe): the body is not read. */
  headersOnly?: boolean;
  /** Receives the body chunk by chunk instead of keeping it (hashing a large file). */
  sink?: (chunk: Buffer) => void;
  /** Told the final response's status and headers before its body is read (to say how big a download is). */
  onResponse?: (status: number, headers: http.IncomingHttpHeaders) => void;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Empty with `headersOnly` or a `sink`. */
  body: Buffer;
}

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** pip's own default for `--timeout`. */
const DEFAULT_TIMEOUT_S = 15;

/** GETs `target`, following redirects; any failure is a TpxError whose message names the URL (redacted). */
export async function httpGet(env: NodeJS.ProcessEnv, target: string, opts: GetOptions): Promise<HttpResponse> {
  let url = parseUrl(target);
  checkHop(url, null, opts.script === true);
  const headers: Record<string, string> = { 'user-agent': 'tpx', ...opts.headers, ...basicAuth(url) };
  for (let hop = 0; ; hop++) {
    const res = await exchange(env, url, headers, opts);
    const location = REDIRECTS.has(res.status) ? res.headers.location : undefined;
    if (location === undefined) return res;
    if (hop === MAX_REDIRECTS) throw failure(url, `more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, url);
    checkHop(next, url, opts.script === true);
    // The credentials were for the first server: a redirect elsewhere does not get them (as browsers do).
    if (next.origin !== url.origin) delete headers.authorization;
    url = next;
  }
}

function parseUrl(target: string): URL {
  try {
    return new URL(target);
  } catch {
    throw new TpxError('fetch-failed', `cannot fetch ${redact(target)}: not a URL`);
  }
}

/** Plain http is accepted for a script only from this machine (tests, local servers). */
function isLoopback(url: URL): boolean {
  return /^(localhost|127(\.\d+){3}|\[::1\])$/.test(url.hostname);
}

/**
 * Refuses a URL (`from` null) or a redirect tpx must not follow: a step down from https; anything
 * but http(s); for a script, anything but https or plain http to this machine.
 */
function checkHop(url: URL, from: URL | null, script: boolean): void {
  if (url.protocol === 'https:') return;
  const shown = shownUrl(url);
  const scheme = url.protocol.replace(/:$/, '');
  if (from?.protocol === 'https:') {
    throw new TpxError('insecure-url', `refusing to follow a redirect from https to ${scheme}: ${shownUrl(from)} → ${shown}`, {
      hint: 'the server sends tpx from https to an unencrypted URL; use a URL that stays on https',
    });
  }
  const via = from ? ` (redirected from ${shownUrl(from)})` : '';
  if (script && !(scheme === 'http' && isLoopback(url))) {
    throw new TpxError('insecure-url', `refusing to run a script fetched over ${scheme}: ${shown}${via}`, {
      hint: 'use an https:// URL (plain http is accepted only from this machine)',
    });
  }
  if (scheme !== 'http') throw new TpxError('fetch-failed', `cannot fetch ${shown}${via}: tpx fetches only http and https URLs`);
}

function shownUrl(url: URL): string {
  return redact(url.href);
}

/** Credentials in the URL as a basic auth header: fetch and node:http never put them in the request line. */
function basicAuth(url: URL): Record<string, string> {
  if (!url.username && !url.password) return {};
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

// --- One request ---------------------------------------------------------------------------------

/** One request and its response, on a connection of its own that is closed afterwards. */
async function exchange(env: NodeJS.ProcessEnv, url: URL, headers: Record<string, string>, opts: GetOptions): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? pipTimeoutMs(env);
  const proxy = proxyFor(env, url);
  const sockets: net.Socket[] = [];
  let timedOut: TpxError | null = null;
  const watch = <S extends net.Socket>(socket: S): S => {
    sockets.push(socket);
    // Reset by every byte. Whatever error the destroyed socket then surfaces as, this is what is said.
    socket.setTimeout(timeoutMs, () => {
      timedOut = failure(url, `timed out: nothing received for ${timeoutMs / 1000} s`, proxy);
      socket.destroy(timedOut);
    });
    return socket;
  };
  try {
    const socket = await connect(env, url, proxy, watch);
    const res = await send(socket, url, requestHeaders(url, headers, proxy), proxy !== null && url.protocol === 'http:');
    const status = res.statusCode ?? 0;
    if (!REDIRECTS.has(status)) opts.onResponse?.(status, res.headers);
    const body = opts.headersOnly || REDIRECTS.has(status) ? Buffer.alloc(0) : await readBody(res, url, opts);
    return { status, headers: res.headers, body };
  } catch (err) {
    throw timedOut ?? (err instanceof TpxError ? err : failure(url, whyFailed(err), proxy, err));
  } finally {
    for (const s of sockets) s.destroy();
  }
}

function pipTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.PIP_TIMEOUT);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_S) * 1000;
}

function requestHeaders(url: URL, headers: Record<string, string>, proxy: URL | null): Record<string, string> {
  const viaProxy = proxy !== null && url.protocol === 'http:' ? proxyAuth(proxy) : {};
  return { host: url.host, connection: 'close', ...headers, ...viaProxy };
}

/** A socket to the server: direct, or through the proxy (a CONNECT tunnel for https, the proxy itself for http). */
async function connect(env: NodeJS.ProcessEnv, url: URL, proxy: URL | null, watch: <S extends net.Socket>(s: S) => S): Promise<net.Socket> {
  const ca = url.protocol === 'https:' ? caBundle(env) : {};
  const server = endpoint(url);
  if (proxy === null && url.protocol === 'http:') return opened(watch(net.connect(server)), 'connect');
  if (proxy === null) return opened(watch(tls.connect({ ...server, ...tlsName(server.host), ...ca })), 'secureConnect');
  const toProxy = await opened(watch(net.connect(endpoint(proxy))), 'connect');
  if (url.protocol === 'http:') return toProxy;
  await tunnel(toProxy, `${url.hostname}:${server.port}`, proxy, url);
  // TLS reads the tunnel's bytes below the plain socket, whose timer they would no longer reset: the TLS socket's does.
  toProxy.setTimeout(0);
  return opened(watch(tls.connect({ socket: toProxy, host: server.host, ...tlsName(server.host), ...ca })), 'secureConnect');
}

/** Host (an IPv6 address without its brackets) and port of a URL. */
function endpoint(url: URL): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

async function opened<S extends net.Socket>(socket: S, event: 'connect' | 'secureConnect'): Promise<S> {
  await once(socket, event);
  return socket;
}

/** SNI names a host, never an address (Node refuses an IP there); the certificate is checked against either. */
function tlsName(host: string): { servername?: string } {
  return net.isIP(host) ? {} : { servername: host };
}

/** `CONNECT host:port` on the proxy's socket, which is the tunnel once the proxy answers 200. */
function tunnel(socket: net.Socket, authority: string, proxy: URL, url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (status: number | undefined) =>
      failure(url, `the proxy ${redact(proxy.href)} answered CONNECT with ${status ? `HTTP ${status}` : 'no status'}`, proxy);
    const req = http.request({
      createConnection: () => socket,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuth(proxy) },
    });
    req.once('connect', (res: http.IncomingMessage) => (res.statusCode === 200 ? resolve() : reject(refused(res.statusCode))));
    req.once('response', (res: http.IncomingMessage) => reject(refused(res.statusCode)));
    req.once('error', reject);
    req.end();
  });
}

function proxyAuth(proxy: URL): Record<string, string> {
  const auth = basicAuth(proxy).authorization;
  return auth ? { 'proxy-authorization': auth } : {};
}

/** Sends the GET on `socket`; through an http proxy the request line carries the absolute URL. */
function send(socket: net.Socket, url: URL, headers: Record<string, string>, absolute: boolean): Promise<http.IncomingMessage> {
  const target = new URL(url.href);
  target.username = '';
  target.password = '';
  target.hash = '';
  return new Promise((resolve, reject) => {
    const req = http.request({
      createConnection: () => socket,
      method: 'GET',
      path: absolute ? target.href : target.pathname + target.search,
      headers,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readBody(res: http.IncomingMessage, url: URL, opts: GetOptions): Promise<Buffer> {
  const tooLarge = () => failure(url, `the response is larger than ${sizeOf(opts.maxBytes)}, the most tpx reads from it`);
  if (Number(res.headers['content-length']) > opts.maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > opts.maxBytes) throw tooLarge();
    if (opts.sink) opts.sink(chunk);
    else chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sizeOf(bytes: number): string {
  return bytes >= 1 << 20 ? `${Math.round(bytes / (1 << 20))} MiB` : `${bytes} bytes`;
}

// --- Failures ------------------------------------------------------------------------------------

const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

function whyFailed(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message || String(err);
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/** The one error of this module: what was fetched (redacted), why, and what to check. */
function failure(url: URL, why: string, proxy: URL | null = null, cause?: unknown): TpxError {
  const hint = CERTIFICATE.test(why)
    ? "the server's certificate is not trusted: if your network signs connections with its own CA, point SSL_CERT_FILE (or PIP_CERT) at its bundle"
    : proxy
      ? `check the URL, and the proxy ${redact(proxy.href)} (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)`
      : 'check the URL and your network (a proxy is taken from HTTPS_PROXY, HTTP_PROXY and NO_PROXY)';
  return new TpxError('fetch-failed', redact(`could not fetch ${shownUrl(url)}: ${why}`), { hint, cause });
}

// --- What the environment says -------------------------------------------------------------------

/** The variable that names it, lower case first (as curl and Python's urllib read them), or undefined. */
function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
}

/** The proxy for `url`, or null: direct. A proxy without a scheme is http://, as pip takes it. */
export function proxyFor(env: NodeJS.ProcessEnv, url: URL): URL | null {
  const value = setting(env, url.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (!value || bypassesProxy(setting(env, 'no_proxy') ?? '', url)) return null;
  // With its scheme, so that redact() sees any credentials in it.
  const raw = value.includes('://') ? value : `http://${value}`;
  let proxy: URL;
  try {
    proxy = new URL(raw);
  } catch {
    throw new TpxError('fetch-failed', `the proxy ${redact(raw)} is not a URL`, {
      hint: 'set HTTPS_PROXY or HTTP_PROXY to http://HOST:PORT',
    });
  }
  if (proxy.protocol !== 'http:') {
    throw new TpxError('fetch-failed', `the proxy ${redact(raw)}: tpx talks to a proxy over http:// only`, {
      hint: 'set HTTPS_PROXY or HTTP_PROXY to http://HOST:PORT (https URLs still go through it encrypted, by CONNECT)',
    });
  }
  return proxy;
}

/**
 * Whether NO_PROXY exempts `url`: `*`, or an entry that is the host or a domain it is in
 * (`example.org` and `.example.org` both cover `a.example.org`), with an optional `:port`.
 */
export function bypassesProxy(noProxy: string, url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const m = net.isIP(entry) ? [entry, entry, undefined] : /^\[?(.*?)\]?(?::(\d+))?$/.exec(entry);
      const name = (m?.[1] ?? '').replace(/^\*?\./, '').toLowerCase();
      return name !== '' && (host === name || host.endsWith(`.${name}`)) && (m?.[2] === undefined || m[2] === port);
    });
}

/** The CA bundle pip would verify with, read; none set: Node's own roots. Its CAs replace them, as pip's --cert does. */
function caBundle(env: NodeJS.ProcessEnv): { ca?: string } {
  const from = ['PIP_CERT', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE'].find((v) => env[v]);
  if (!from) return {};
  const file = env[from] as string;
  try {
    return { ca: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    throw new TpxError('fetch-failed', `cannot read the CA bundle ${file} (${from}): ${(err as Error).message}`, {
      hint: `point ${from} at a PEM file of certificates, or unset it`,
    });
  }
}
