// What tpx fetches itself goes through one client (src/core/base/http.ts). Seen here through
// `tpx run URL`, with real loopback servers: an https server with a certificate made for the test,
// a plain one, a forwarding proxy, and one that never answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate, serve, startProxy, startSilent, type Served } from '../helpers/servers.js';
import { makeWorld, type World } from '../helpers/world.js';

const SCRIPT = 'import sys\nprint("fetched", sys.argv[1:])\n';
/** runscript.ts's cap on a script. */
const CAP = 8 << 20;

let world: World;
let dir: string;
let certFile: string;
let secure: Served;
let plain: Served;
let proxy: Served;
const servers: Served[] = [];

beforeAll(async () => {
  world = await makeWorld({ packages: [] });
  dir = mkdtempSync(join(tmpdir(), 'tpx-http-'));
  const cert = selfSignedCertificate(dir);
  certFile = cert.certFile;
  plain = await serve((_req, res) => res.end(SCRIPT));
  secure = await serve((req, res) => {
    const routes: Record<string, () => void> = {
      '/x.py': () => res.end(SCRIPT),
      '/moved.py': () => res.writeHead(302, { location: '/x.py' }).end(),
      '/down.py': () => res.writeHead(302, { location: `${plain.url}/x.py` }).end(),
      '/big.py': () => res.writeHead(200, { 'content-length': CAP + 1 }).end(),
      '/stream.py': () => {
        // No content-length: the cap is found while reading.
        for (let i = 0; i < 9; i++) res.write(`#${'x'.repeat((1 << 20) - 2)}\n`);
        res.end();
      },
      '/private.py': () => (req.headers.authorization ? res.end(SCRIPT) : res.writeHead(401).end()),
    };
    (routes[req.url ?? ''] ?? (() => res.writeHead(404).end()))();
  }, cert);
  proxy = await startProxy();
  servers.push(plain, secure, proxy);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await world?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (url: string, env: Record<string, string> = {}) => world.run(['run', url, 'a'], { env });

describe('what tpx fetches itself', () => {
  it('trusts a server whose certificate is in SSL_CERT_FILE, PIP_CERT or REQUESTS_CA_BUNDLE, and refuses it otherwise; follows a redirect on https', async () => {
    const untrusted = await run(`${secure.url}/x.py`);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toBe('');
    expect(untrusted.stderr).toMatch(
      /^error: could not fetch https:\/\/127\.0\.0\.1:\d+\/x\.py: \S*SELF_SIGNED\S*: self[- ]signed certificate$/m,
    );
    expect(untrusted.stderr).toContain(
      "hint: the server's certificate is not trusted: if your network signs connections with its own CA, point SSL_CERT_FILE (or PIP_CERT) at its bundle",
    );
    for (const variable of ['SSL_CERT_FILE', 'PIP_CERT', 'REQUESTS_CA_BUNDLE']) {
      const trusted = await run(`${secure.url}/x.py`, { [variable]: certFile });
      expect(trusted.code, `${variable}: ${trusted.stderr}`).toBe(0);
      expect(trusted.stdout).toBe("fetched ['a']\n");
    }
    const moved = await run(`${secure.url}/moved.py`, { SSL_CERT_FILE: certFile });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toBe("fetched ['a']\n");
    const missing = await run(`${secure.url}/x.py`, { PIP_CERT: join(dir, 'nothing.pem') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read the CA bundle \S+nothing\.pem \(PIP_CERT\): ENOENT/m);
  });

  it('goes through the proxy the environment names (CONNECT for https, the whole URL for http), unless NO_PROXY names the host', async () => {
    const before = proxy.received.length;
    const tunnelled = await run(`${secure.url}/x.py`, { SSL_CERT_FILE: certFile, HTTPS_PROXY: proxy.url });
    expect(tunnelled.code, tunnelled.stderr).toBe(0);
    expect(tunnelled.stdout).toBe("fetched ['a']\n");
    const forwarded = await run(`${plain.url}/x.py`, { http_proxy: `http://user:s3cret@${proxy.url.slice('http://'.length)}` });
    expect(forwarded.code, forwarded.stderr).toBe(0);
    expect(proxy.received.slice(before).map((r) => `${r.method} ${r.target}`)).toEqual([
      `CONNECT ${secure.url.slice('https://'.length)}`,
      `GET ${plain.url}/x.py`,
    ]);
    expect(proxy.received.at(-1)?.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);

    for (const noProxy of ['127.0.0.1', 'localhost,127.0.0.1', '*']) {
      const direct = await run(`${secure.url}/x.py`, { SSL_CERT_FILE: certFile, HTTPS_PROXY: proxy.url, NO_PROXY: noProxy });
      expect(direct.code, direct.stderr).toBe(0);
    }
    const exempt = await run(`${plain.url}/x.py`, { HTTP_PROXY: proxy.url, no_proxy: `example.org, 127.0.0.1:${new URL(plain.url).port}` });
    expect(exempt.code, exempt.stderr).toBe(0);
    expect(proxy.received.length).toBe(before + 2);

    // A proxy that is not there: the error names it, without its password.
    const gone = await run(`${secure.url}/x.py`, { SSL_CERT_FILE: certFile, HTTPS_PROXY: 'http://user:s3cret@127.0.0.1:1' });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: could not fetch https:\/\/127\.0\.0\.1:\d+\/x\.py: .*ECONNREFUSED/m);
    expect(gone.stderr).toContain('hint: check the URL, and the proxy http://user:****@127.0.0.1:1/ (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)');
    expect(gone.stderr).not.toContain('s3cret');
  });

  it('refuses a redirect from https to http as it refuses an http URL, before asking the http server anything', async () => {
    const asked = plain.received.length;
    const down = await run(`${secure.url}/down.py`, { SSL_CERT_FILE: certFile });
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(
      /^error: refusing to follow a redirect from https to http: https:\/\/127\.0\.0\.1:\d+\/down\.py → http:\/\/127\.0\.0\.1:\d+\/x\.py$/m,
    );
    expect(plain.received.length).toBe(asked);
    const far = await run('http://example.invalid/x.py');
    expect(far.code).toBe(1);
    expect(far.stderr).toMatch(/^error: refusing to run a script fetched over http: http:\/\/example\.invalid\/x\.py$/m);
    expect(far.stderr).toContain('hint: use an https:// URL (plain http is accepted only from this machine)');
  });

  it('refuses a body over the cap, naming the URL and the cap, whether announced or not', async () => {
    for (const path of ['/big.py', '/stream.py']) {
      const r = await run(`${secure.url}${path}`, { SSL_CERT_FILE: certFile });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: could not fetch https://127\\.0\\.0\\.1:\\d+${path}: the response is larger than 8 MiB, the most tpx reads from it$`,
          'm',
        ),
      );
    }
  });

  it('gives up on a server that says nothing after PIP_TIMEOUT seconds', async () => {
    const silent = await startSilent();
    servers.push(silent);
    const r = await run(`${silent.url}/x.py`, { PIP_TIMEOUT: '1' });
    expect(silent.received).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: could not fetch http:\/\/127\.0\.0\.1:\d+\/x\.py: timed out: nothing received for 1 s$/m);
  });

  it('sends credentials in the URL as basic auth, and never shows them', async () => {
    const url = (path: string) => secure.url.replace('https://', 'https://user:s3cret@') + path;
    const ok = await run(url('/private.py'), { SSL_CERT_FILE: certFile });
    expect(ok.code, ok.stderr).toBe(0);
    expect(secure.received.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    const missing = await run(url('/nothing.py'), { SSL_CERT_FILE: certFile });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: could not fetch https:\/\/user:\*\*\*\*@127\.0\.0\.1:\d+\/nothing\.py: HTTP 404$/m);
    expect(missing.stderr).not.toContain('s3cret');
  });
});
