import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from '../../src/core/base/http.js';

describe('which proxy a URL goes through', () => {
  it('takes the scheme’s variable, lower case first; a proxy without a scheme is http://', () => {
    const env = { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'lower:8080', HTTP_PROXY: 'http://plain:3128' };
    expect(proxyFor(env, new URL('https://pypi.org/simple/'))?.href).toBe('http://lower:8080/');
    expect(proxyFor(env, new URL('http://127.0.0.1:9/x'))?.href).toBe('http://plain:3128/');
    expect(proxyFor({ HTTP_PROXY: 'http://plain:3128' }, new URL('https://pypi.org/'))).toBeNull();
    expect(proxyFor({}, new URL('https://pypi.org/'))).toBeNull();
  });

  it('refuses a proxy it cannot talk to, naming it without its password', () => {
    expect(() => proxyFor({ HTTPS_PROXY: 'https://u:secret@proxy:443' }, new URL('https://pypi.org/'))).toThrow(
      'the proxy https://u:****@proxy:443: tpx talks to a proxy over http:// only',
    );
    expect(() => proxyFor({ HTTPS_PROXY: 'u:secret@[bad' }, new URL('https://pypi.org/'))).toThrow(
      'the proxy http://u:****@[bad is not a URL',
    );
  });

  it('NO_PROXY: *, a host, a domain with or without its dot, a port, an address', () => {
    const cases: [string, string, boolean][] = [
      ['*', 'https://pypi.org/', true],
      ['pypi.org', 'https://pypi.org/', true],
      ['pypi.org', 'https://files.pypi.org/', true],
      ['.pypi.org', 'https://files.pypi.org/', true],
      ['*.pypi.org', 'https://files.pypi.org/', true],
      ['pypi.org', 'https://notpypi.org/', false],
      ['PyPI.org', 'https://pypi.org/', true],
      ['example.org, pypi.org', 'https://pypi.org/', true],
      ['example.org pypi.org', 'https://pypi.org/', true],
      ['pypi.org:443', 'https://pypi.org/', true],
      ['pypi.org:8443', 'https://pypi.org/', false],
      ['127.0.0.1', 'http://127.0.0.1:8080/', true],
      ['127.0.0.1:8080', 'http://127.0.0.1:8080/', true],
      ['127.0.0.1:80', 'http://127.0.0.1:8080/', false],
      ['::1', 'http://[::1]:8080/', true],
      ['[::1]:8080', 'http://[::1]:8080/', true],
      ['', 'https://pypi.org/', false],
      ['.', 'https://pypi.org/', false],
    ];
    for (const [noProxy, url, bypassed] of cases) expect(bypassesProxy(noProxy, new URL(url)), `${noProxy} ${url}`).toBe(bypassed);
    const env = { https_proxy: 'http://proxy:3128', NO_PROXY: 'pypi.org' };
    expect(proxyFor(env, new URL('https://pypi.org/simple/'))).toBeNull();
    expect(proxyFor({ ...env, no_proxy: 'example.org' }, new URL('https://pypi.org/simple/'))?.host).toBe('proxy:3128');
  });
});
