// Loopback servers for what tpx fetches itself (src/core/base/http.ts): a web server over http or
// https (its certificate made at test time by openssl), a forwarding proxy that records what it was
// asked, and a server that accepts connections and never answers. Each records what it received.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Received {
  method: string;
  /** The request target as sent: a path, an absolute URL (through a proxy), or host:port (CONNECT). */
  target: string;
  headers: http.IncomingHttpHeaders;
}

export interface Served {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for a day; `certFile` is its PEM file (a CA bundle of one). */
export function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/** Every socket a server accepted, so close() ends them too (a held connection would keep it open). */
function closer(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A web server on 127.0.0.1 answering with `handler`; https when given a certificate. */
export async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  tls?: { key: string; cert: string },
): Promise<Served> {
  const received: Received[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    received.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    handler(req, res);
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  const close = closer(server);
  const port = await listening(server);
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, received, close };
}

/** A forwarding proxy: absolute-form requests for http, CONNECT tunnels for https; it records each. */
export async function startProxy(): Promise<Served> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    received.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    const out = http.request(req.url ?? '', { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    received.push({ method: 'CONNECT', target: req.url ?? '', headers: req.headers });
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
    client.on('close', end);
  });
  const close = closer(server);
  const port = await listening(server);
  return { url: `http://127.0.0.1:${port}`, received, close };
}

/** A server that accepts connections and never says a word: a hung server, for timeouts. */
export async function startSilent(): Promise<Served> {
  const received: Received[] = [];
  const server = net.createServer(() => received.push({ method: '', target: '', headers: {} }));
  const close = closer(server);
  const port = await listening(server);
  return { url: `http://127.0.0.1:${port}`, received, close };
}
