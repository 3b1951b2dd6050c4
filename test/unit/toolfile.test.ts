import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { parseToolFile } from '../../src/core/files/toolfile.js';
import { requestDifference, versionDifference } from '../../src/core/files/sync.js';
import { defaultRequest, injectedPackage } from '../../src/core/request/request.js';
import type { Request } from '../../src/core/request/request.js';

const env = { HOME: '/home/u' };
const read = (text: string) => parseToolFile(text, '/team/tpx.toml', env);

/** The error reading TEXT gives: message and hint. */
async function failure(text: string): Promise<{ message: string; hint?: string }> {
  try {
    await read(text);
  } catch (err) {
    return { message: (err as Error).message, hint: (err as { hint?: string }).hint };
  }
  throw new Error(`no error for:\n${text}`);
}

describe('tpx.toml', () => {
  it('reads tables and shorthands into requests, with paths relative to the file', async () => {
    const team = tempDir();
    for (const d of ['plugins/other', 'projects/tool']) mkdirSync(join(team, d), { recursive: true });
    const file = await parseToolFile(
      `
# the team's tools
[tools.black]
spec = "black[d] >= 24"
python = "3.12"
with = ["black-plugin", { spec = "./plugins/other", apps = true }]
pinned = true
pip-args = "-c constraints.txt --no-cache-dir"
index-url = "https://user:pw@my.index/simple"

[tools."black@22"]
suffix = "@22"
spec = "black==22.12.0"

[tools.tool]
spec = "./projects/tool"
python = "~/py/bin/python3"
include-deps = true
include-resources-from = ["Jupyter_Core", "jupyter-core"]
expose = false

[tools]
ruff = "==0.4.1"
isort = "isort[colors]"
`,
      join(team, 'tpx.toml'),
      env,
    );
    expect(file.file).toBe(join(team, 'tpx.toml'));
    const [black, black22, tool, ruff, isort] = file.tools;
    expect(black).toEqual({
      key: 'black',
      name: 'black',
      line: 3,
      pinned: true,
      apps: null,
      exposed: true,
      request: defaultRequest('black[d] >= 24', {
        indexUrl: 'https://user:pw@my.index/simple',
        pipArgs: ['-c', join(team, 'constraints.txt'), '--no-cache-dir'],
        python: '3.12',
        injected: [
          injectedPackage('black-plugin', 'black-plugin'),
          injectedPackage(join(team, 'plugins/other'), '', { includeApps: true }),
        ],
      }),
    });
    expect(black22).toMatchObject({ key: 'black@22', request: { spec: 'black==22.12.0', suffix: '@22' } });
    expect(tool).toMatchObject({
      key: 'tool',
      exposed: false,
      request: {
        spec: join(team, 'projects/tool'),
        python: '/home/u/py/bin/python3',
        includeDeps: true,
        includeResourcesFrom: ['jupyter-core'],
      },
    });
    expect(ruff).toMatchObject({ key: 'ruff', line: 23, request: { spec: 'ruff==0.4.1' } });
    expect(isort?.request.spec).toBe('isort[colors]');
  });

  it('refuses a bad file with one error naming the file, the line and the field', async () => {
    const cases: [string, string][] = [
      ['[tools.black\nspec = "x"', '/team/tpx.toml:1: invalid TOML: '],
      ['title = "mine"\n[tools.black]', '/team/tpx.toml:1: `title` is not something tpx.toml holds: tools go in [tools.NAME] tables'],
      [
        '[tools.black]\nspec = "black"\n\n[tools.ruff]\nversion = "1"',
        '/team/tpx.toml:5: tools.ruff.version is not a field tpx knows (it knows spec, python, suffix, with, apps, pinned, expose, index-url, pip-args, cooldown, include-deps, system-site-packages, include-resources-from)',
      ],
      ['[tools.black]\n\npinned = "yes"', '/team/tpx.toml:3: tools.black.pinned is "yes", not true or false'],
      ['[tools.black]\nspec = "ruff>=1"', '/team/tpx.toml:2: tools.black.spec "ruff>=1" installs the tool ruff, not black'],
      [
        '[tools.black]\nspec = "black[="',
        '/team/tpx.toml:2: tools.black.spec is wrong: invalid package spec "black[=": it is not a valid requirement',
      ],
      ['[tools.black]\nsuffix = "/x"', '/team/tpx.toml:2: tools.black.suffix is wrong: invalid suffix "/x"'],
      ['[tools.black]\npip-args = "--target /usr"', '/team/tpx.toml:2: tools.black.pip-args is wrong: '],
      ['[tools.black]\nwith = [1]', '/team/tpx.toml:2: tools.black.with[0] is 1, not a spec string or { spec = "...", apps = true }'],
      ['[tools.black]\napps = ["../x"]', '/team/tpx.toml:2: tools.black.apps[0] is "../x", not an app name'],
      ['[tools]\nblack = 3', '/team/tpx.toml:2: tools.black is 3, not a table or a spec string'],
      ['[tools]\nblack = "black"\nBlack = "black>=1"', '/team/tpx.toml:3: tools.Black is the same tool as tools.black (both are black)'],
      ['[tools."a b"]', '/team/tpx.toml:1: tools.a b is not a tool name'],
      ['tools = 3', '/team/tpx.toml:1: `tools` must be a table: [tools.NAME]'],
      [
        '[tools.black]\nspec = "black"\nspec = "black>=2"',
        '/team/tpx.toml:3: invalid TOML: trying to redefine an already defined table or value',
      ],
      ['[tools.black]\nsuffix = 5', '/team/tpx.toml:2: tools.black.suffix is 5, not a non-empty string'],
      ['[tools]\nblack = ""', '/team/tpx.toml:2: tools.black.spec is "", not a non-empty string'],
      [
        '[tools.black]\nwith = [{ spec = "x", app = true }]',
        '/team/tpx.toml:2: tools.black.with[0].app is not a field tpx knows (it knows spec, apps)',
      ],
      ['[tools.black]\n\nwith = [{ spec = "x", apps = "yes" }]', '/team/tpx.toml:3: tools.black.with[0].apps is "yes", not true or false'],
      ['# nothing yet\n', '/team/tpx.toml:1: lists no tools'],
      ['[tools]\n', '/team/tpx.toml:1: lists no tools'],
    ];
    for (const [text, message] of cases)
      expect((await failure(text)).message, text).toMatch(
        new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${message.endsWith(': ') ? '' : '$'}`),
      );
    expect((await failure('[tools.black]\nspec = "ruff"')).hint).toBe(
      'name the table after the package ([tools.ruff]), or give a suffix = "..." that makes black',
    );
  });
});

describe('what sync compares', () => {
  const request = (change: Partial<Request> = {}): Request => defaultRequest('black', change);

  it('a recorded request against the file: the first difference, as the user reads it', () => {
    expect(requestDifference(request(), request())).toBeNull();
    expect(requestDifference(request({ spec: 'black >= 24' }), request({ spec: 'black>=24' }))).toBeNull();
    expect(requestDifference(request(), request({ spec: 'black>=24' }))).toBe('spec black → black>=24');
    // No python in the file: whichever tpx picked is fine; one named must be the one recorded.
    expect(requestDifference(request({ python: '3.12' }), request())).toBeNull();
    expect(requestDifference(request(), request({ python: '3.12' }))).toBe('python the default → 3.12');
    // The receipt holds no credentials; the file may.
    expect(
      requestDifference(request({ indexUrl: 'https://my.index/simple' }), request({ indexUrl: 'https://u:p@my.index/simple' })),
    ).toBeNull();
    expect(requestDifference(request(), request({ pipArgs: ['--pre'] }))).toBe('pip-args (none) → --pre');
    const plugin = injectedPackage('p', 'p');
    expect(
      requestDifference(
        request({ injected: [plugin, { ...plugin, spec: 'q' }] }),
        request({ injected: [{ ...plugin, spec: 'q' }, plugin] }),
      ),
    ).toBeNull();
    expect(requestDifference(request({ injected: [plugin] }), request({ injected: [{ ...plugin, includeApps: true }] }))).toBe(
      'with p → p (apps)',
    );
    expect(requestDifference(request(), request({ includeDeps: true }))).toBe('include-deps false → true');
  });

  it('the installed version against the spec (PEP 440)', () => {
    expect(versionDifference('22.12.0', 'black>=24')).toBe('22.12.0 does not satisfy >=24');
    expect(versionDifference('24.1.0', 'black>=24')).toBeNull();
    expect(versionDifference('2.0rc1', 'x>=1')).toBeNull();
    expect(versionDifference('1.0', 'black')).toBeNull();
    expect(versionDifference('1.0', '/some/path')).toBeNull();
  });
});
