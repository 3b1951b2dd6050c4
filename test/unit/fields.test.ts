import { describe, expect, expectTypeOf, it } from 'vitest';
import { requestDifference } from '../../src/core/files/sync.js';
import { parseToolbox } from '../../src/core/files/toolbox.js';
import { requestTable, tableEntry } from '../../src/core/files/toolfile.js';
import { REQUEST_FIELDS, readRequest, runFields, tomlColumns } from '../../src/core/request/fields.js';
import type { RunFields } from '../../src/core/request/fields.js';
import { defaultRequest, injectedPackage, withoutCredentials } from '../../src/core/request/request.js';
import type { Request } from '../../src/core/request/request.js';

/** A request with every field away from its default (lock aside: it is not a tpx.toml field). */
const full: Request = defaultRequest('mytool>=1', {
  python: '3.12',
  suffix: '@2',
  injected: [injectedPackage('plugin', 'plugin', { includeApps: true }), injectedPackage('rich>=13', 'rich')],
  indexUrl: 'https://my.index/simple',
  pipArgs: ['-c', '/team/c.txt', '--pre'],
  cooldown: '1d12h',
  includeDeps: true,
  systemSitePackages: true,
  includeResourcesFrom: ['jupyter-core'],
});

const exportError = (request: unknown) => {
  const tool = { name: 't', package: 't', version: '1', request, python: { version: '3.12.0' }, freeze: [] };
  try {
    parseToolbox(JSON.stringify({ schema: 1, tools: [tool] }), 'toolbox.json');
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('the request-field table', () => {
  it('gives every field its default, as requests were always made', () => {
    expect(defaultRequest('black')).toEqual({
      spec: 'black',
      kind: 'package',
      indexUrl: null,
      pipArgs: [],
      python: null,
      cooldown: null,
      systemSitePackages: false,
      includeDeps: false,
      suffix: '',
      apps: null,
      preinstall: [],
      includeResourcesFrom: [],
      injected: [],
    });
    expect(injectedPackage('x', 'x')).toEqual({ spec: 'x', name: 'x', includeApps: false, includeDeps: false, pipArgs: [], pinned: false });
    // A default is a value of its own: changing one request's list changes no other's.
    defaultRequest('a').pipArgs.push('--pre');
    expect(defaultRequest('b').pipArgs).toEqual([]);
  });

  it('strips credentials from every field that can hold a URL, nested ones too', () => {
    const secret = 'https://u:pw@h/x';
    const req = defaultRequest(secret, {
      indexUrl: secret,
      pipArgs: [`--extra-index-url=${secret}`],
      preinstall: [secret],
      injected: [injectedPackage(secret, 'x', { pipArgs: [secret] })],
      lock: [{ name: 'x', version: '1', file: 'x-1.whl', url: secret, direct: true, hash: 'sha256:00' }],
    });
    expect(JSON.stringify(withoutCredentials(req))).not.toContain('pw');
    expect(withoutCredentials(req).lock?.[0]?.url).toBe('https://h/x');
  });

  it('writes a tpx.toml table that reads back as the same request', () => {
    const table = requestTable(full, '/team');
    expect(Object.keys(table)).toEqual(tomlColumns(REQUEST_FIELDS).map(([, c]) => c.key));
    expect(table['pip-args']).toEqual(['-c', './c.txt', '--pre']);
    expect(tableEntry('mytool@2', table, '/team', {}, 'x').request).toEqual(full);
  });

  it('has sync compare every field tpx.toml holds but the suffix, named by its key', () => {
    const base = defaultRequest('mytool');
    for (const [field, col] of tomlColumns(REQUEST_FIELDS)) {
      const changed = { ...base, [field]: full[field] };
      const difference = requestDifference(base, changed);
      if (field === 'suffix') expect(difference).toBeNull();
      else expect(difference, field).toMatch(new RegExp(`^${col.key} `));
    }
  });

  it('reads an export file leniently: a field missing or null is its default; a present one is checked', () => {
    expect(readRequest({ spec: 'x', pipArgs: null, kind: null, injected: [{ spec: 'p', name: 'p' }] }, 'r', 'lenient')).toEqual(
      defaultRequest('x', { injected: [injectedPackage('p', 'p')] }),
    );
    expect(exportError({ spec: 'x', includeDeps: 'yes' })).toBe(
      'toolbox.json: tools[0].request.includeDeps is missing or not true or false',
    );
    expect(exportError({ spec: 'x', suffix: '/x' })).toBe('toolbox.json: tools[0].request.suffix is missing or not a suffix');
    expect(exportError({ spec: 'x', pipArgs: ['--target', '/'] })).toBe(
      "toolbox.json: tools[0].request.pipArgs: --target installs outside the tool's environment",
    );
    expect(exportError({ spec: 'x', preinstall: ['--user'] })).toBe(
      'toolbox.json: tools[0].request.preinstall[0] is missing or not a package (not a pip option)',
    );
  });

  it('reads a receipt strictly: a field of the first receipts must be there, a later one may be missing', () => {
    const { spec, kind, injected, ...rest } = defaultRequest('x');
    expect(() => readRequest({ spec, kind, ...rest }, 'request', 'strict')).toThrow('request.injected is missing, not a list');
    expect(readRequest({ spec, injected, ...rest }, 'request', 'strict').kind).toBe('package');
  });

  it('keys a run environment by the fields whose run column says so', () => {
    // Inclusion, not equality: a field given `run: 'same'` later joins them without changing this test.
    expectTypeOf<'python' | 'indexUrl' | 'pipArgs'>().toMatchTypeOf<keyof RunFields>();
    expectTypeOf<'suffix'>().not.toMatchTypeOf<keyof RunFields>();
    const picked = runFields({ ...full, kind: 'app', with: [], requiresPython: null, source: null } as RunFields);
    expect(picked).toMatchObject({ python: '3.12', indexUrl: 'https://my.index/simple', pipArgs: ['-c', '/team/c.txt', '--pre'] });
    expect(Object.keys(picked)).not.toContain('suffix');
  });
});
