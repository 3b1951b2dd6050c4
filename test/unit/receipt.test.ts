import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { TpxError } from '../../src/core/base/errors.js';
import { isGenerationName, loadReceipt, readReceipt, validateReceipt, writeReceipt } from '../../src/core/store/receipt.js';
import { defaultRequest, injectedPackage } from '../../src/core/request/request.js';
import type { Receipt } from '../../src/core/store/receipt.js';

const good: Receipt = {
  schema: 1,
  key: 'black@22',
  name: 'black',
  version: '22.12.0',
  request: defaultRequest('black==22.12.0', {
    pipArgs: ['--no-binary', ':all:'],
    suffix: '@22',
    apps: ['black'],
    preinstall: ['setuptools'],
    includeResourcesFrom: ['click'],
    injected: [injectedPackage('black-plugin', 'black-plugin', { pipArgs: ['--pre'] })],
  }),
  python: { executable: '/usr/bin/python3.11', version: '3.11.7' },
  apps: [{ name: 'black@22', kind: 'console', dist: 'black', link: '/home/u/.local/bin/black@22' }],
  resources: [{ path: 'share/man/man1/black.1', dist: 'black', link: '/home/u/.local/share/man/man1/black@22.1' }],
  pinned: false,
  exposed: true,
  generation: 'mwyq4jk1-59515d',
  previousGeneration: null,
  installedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** A copy of `good` with one field (a dotted path) set to `value`. */
function with_(field: string, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(good));
  const parts = field.split('.');
  let at = copy;
  for (const p of parts.slice(0, -1)) at = at[/^\d+$/.test(p) ? Number(p) : p];
  at[parts.at(-1) as string] = value;
  return copy;
}

const why = (v: unknown) => {
  try {
    validateReceipt(v);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('receipts are read field by field', () => {
  it('a receipt tpx wrote reads back as it was', () => {
    expect(validateReceipt(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });

  it.each([
    ['request.spec', null, 'request.spec is null, not a string'],
    ['request.spec', '', 'request.spec is "", not a non-empty string'],
    ['request.pipArgs', '--user', 'request.pipArgs is "--user", not a list'],
    ['request.pipArgs', ['--target', '/'], "request.pipArgs: --target installs outside the tool's environment"],
    ['request.suffix', '/x', 'request.suffix is "/x", not a suffix'],
    ['request.injected.0.includeApps', 'yes', 'request.injected[0].includeApps is "yes", not true or false'],
    ['apps.0.name', '../../planted', 'apps[0].name is "../../planted", not a plain file name'],
    ['apps.0.link', 'relative/bin/x', 'apps[0].link is "relative/bin/x", not an absolute path'],
    ['apps.0.kind', 'daemon', 'apps[0].kind is "daemon", not console, gui or script'],
    ['key', '../x', 'key is "../x", not a tool key'],
    ['name', 'a/b', 'name is "a/b", not a package name'],
    ['generation', '..', 'generation is "..", not a generation name'],
    ['previousGeneration', '../../x', 'previousGeneration is "../../x", not a generation name'],
    ['python', null, 'python is null, not an object'],
    ['python.version', 'three', 'python.version is "three", not a Python version'],
    ['pinned', 'no', 'pinned is "no", not true or false'],
    ['schema', 2, 'schema is 2, not 1'],
    ['installedAt', undefined, 'installedAt is missing, not a string'],
    ['request.kind', 'wheel', 'request.kind is "wheel", not package, editable, script'],
    ['request.apps', ['../x'], 'request.apps[0] is "../x", not a plain file name'],
    ['request.preinstall', 'setuptools', 'request.preinstall is "setuptools", not a list'],
    ['request.includeResourcesFrom', ['a b'], 'request.includeResourcesFrom[0] is "a b", not a package name'],
    ['request.injected.0.pipArgs', ['--user'], "request.injected[0].pipArgs: --user installs outside the tool's environment"],
    ['request.injected.0.pinned', 1, 'request.injected[0].pinned is 1, not true or false'],
    ['resources.0.path', '../../etc/passwd', 'resources[0].path is "../../etc/passwd", not a man page or completion file under share/'],
    [
      'resources.0.path',
      'share/man/man1/../../x',
      'resources[0].path is "share/man/man1/../../x", not a man page or completion file under share/',
    ],
    ['resources.0.link', 'man1/x', 'resources[0].link is "man1/x", not an absolute path'],
    ['exposed', null, 'exposed is null, not true or false'],
  ])('%s = %j: "%s"', (field, value, message) => {
    expect(why(with_(field, value))).toBe(message);
  });

  it('a receipt written before a field existed reads with the field at its default', () => {
    const old = JSON.parse(JSON.stringify(good));
    for (const f of ['kind', 'apps', 'preinstall', 'includeResourcesFrom']) delete old.request[f];
    for (const f of ['includeDeps', 'pipArgs', 'pinned']) delete old.request.injected[0][f];
    delete old.resources;
    delete old.exposed;
    const read = validateReceipt(old);
    expect(read.request).toEqual(
      defaultRequest('black==22.12.0', {
        pipArgs: ['--no-binary', ':all:'],
        suffix: '@22',
        injected: [injectedPackage('black-plugin', 'black-plugin')],
      }),
    );
    expect([read.resources, read.exposed]).toEqual([[], true]);
  });

  it('generation names are exactly what newGeneration makes', () => {
    expect(isGenerationName(`${Date.now().toString(36)}-0a1b2c`)).toBe(true);
    for (const bad of ['', '.', '..', 'a/b-0a1b2c', 'X-0a1b2c', 'abc-0a1b2', 'abc-0a1b2c/..'])
      expect(isGenerationName(bad), bad).toBe(false);
  });

  it('on disk: missing is null, unreadable says why, and nothing tpx writes holds a credential', () => {
    const dir = tempDir();
    expect(loadReceipt(dir)).toBeNull();
    writeFileSync(join(dir, 'tpx.json'), '{oops');
    expect(loadReceipt(dir)).toBe('not valid JSON');
    expect(() => readReceipt(dir)).toThrow(TpxError);
    const secret = {
      ...good,
      request: {
        ...good.request,
        indexUrl: 'https://u:pw-123@host/simple',
        spec: 'https://TOKEN@host/black.whl',
        pipArgs: ['--extra-index-url', 'https://u:pw-123@host/x'],
      },
    };
    writeReceipt(dir, secret);
    const text = readFileSync(join(dir, 'tpx.json'), 'utf8');
    expect(text).not.toContain('pw-123');
    expect(text).not.toContain('TOKEN');
    expect(readReceipt(dir)?.request.indexUrl).toBe('https://host/simple');
  });
});
