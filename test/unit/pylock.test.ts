import { describe, expect, it } from 'vitest';
import { lockMismatch, specMismatch } from '../../src/core/files/locking.js';
import { parsePylock, renderPylock } from '../../src/core/packaging/pylock.js';
import { requestTable } from '../../src/core/files/toolfile.js';
import type { Pylock } from '../../src/core/packaging/pylock.js';
import { validateReceipt } from '../../src/core/store/receipt.js';
import { defaultRequest, injectedPackage } from '../../src/core/request/request.js';
import type { Request } from '../../src/core/request/request.js';

const HASH = 'a'.repeat(64);
const request = (change: Partial<Request> = {}): Request => defaultRequest('black', change);

const lock: Pylock = {
  lockVersion: '1.0',
  environments: ["sys_platform == 'linux'"],
  requiresPython: '==3.11.*',
  createdBy: 'tpx',
  packages: [
    {
      name: 'black',
      version: '24.1.0',
      marker: null,
      requiresPython: '>=3.8',
      index: null,
      wheels: [
        { name: 'black-24.1.0-py3-none-any.whl', url: 'https://files/black-24.1.0-py3-none-any.whl', path: null, hashes: { sha256: HASH } },
      ],
      sdist: null,
      archive: null,
      unhashable: null,
    },
    {
      name: 'tool',
      version: '1.0',
      marker: 'python_version >= "3"',
      requiresPython: null,
      index: null,
      wheels: [],
      sdist: null,
      archive: { name: 'tool-1.0.tar.gz', url: 'https://example.org/tool-1.0.tar.gz', path: null, hashes: { sha256: HASH } },
      unhashable: null,
    },
  ],
  tpx: {
    tool: 'black',
    table: { spec: 'black>=24', with: ['black-plugin', { spec: './plugins/p', apps: true }], 'pip-args': ['-c', './c.txt'] },
  },
};

describe('pylock.toml', () => {
  it("is written in the PEP's order and read back as it was", async () => {
    const text = await renderPylock(lock);
    // smol-toml's layout: a table's values before its sub-tables (hashes are one), spaces inside arrays.
    expect(text).toBe(`lock-version = "1.0"
environments = [ "sys_platform == 'linux'" ]
requires-python = "==3.11.*"
created-by = "tpx"

[[packages]]
name = "black"
version = "24.1.0"
requires-python = ">=3.8"

[[packages.wheels]]
name = "black-24.1.0-py3-none-any.whl"
url = "https://files/black-24.1.0-py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "${HASH}"

[[packages]]
name = "tool"
version = "1.0"
marker = "python_version >= \\"3\\""

[packages.archive]
name = "tool-1.0.tar.gz"
url = "https://example.org/tool-1.0.tar.gz"

[packages.archive.hashes]
sha256 = "${HASH}"

[tool.tpx]
tool = "black"
spec = "black>=24"
with = [ "black-plugin", { spec = "./plugins/p", apps = true } ]
pip-args = [ "-c", "./c.txt" ]
`);
    expect(await parsePylock(text, '/x/pylock.black.toml')).toEqual(lock);
    // A lock of nothing still has its (empty) packages list, so it reads back.
    const empty: Pylock = { ...lock, environments: null, requiresPython: null, packages: [], tpx: null };
    expect(await renderPylock(empty)).toBe('lock-version = "1.0"\ncreated-by = "tpx"\npackages = []\n');
    expect(await parsePylock(await renderPylock(empty), '/x/pylock.toml')).toEqual(empty);
  });

  it('refuses what it cannot use, naming the file and the field', async () => {
    const cases: [string, string][] = [
      ['lock-version = "2.0"\npackages = []', 'pylock.toml: lock-version is "2.0": this tpx reads version 1 lock files'],
      ['packages = []', 'pylock.toml: lock-version is missing, not a non-empty string'],
      ['lock-version = "1.0"', 'pylock.toml: packages is missing, not a list'],
      ['lock-version = "1.0"\n[[packages]]\nname = "../x"', 'pylock.toml: packages[0].name "../x" is not a package name'],
      [
        'lock-version = "1.0"\n[[packages]]\nname = "x"\n[[packages.wheels]]\nurl = "https://h/x-1-py3-none-any.whl"\nhashes = { md5 = "00" }',
        'pylock.toml: packages[0].wheels[0].hashes has no sha256, sha384 or sha512 hash',
      ],
      [
        'lock-version = "1.0"\n[[packages]]\nname = "x"\n[packages.sdist]\nhashes = { sha256 = "00" }',
        'pylock.toml: packages[0].sdist has neither url nor path',
      ],
      ['lock-version = "1.0\npackages = []', 'pylock.toml: line 1: invalid TOML: '],
      [
        'lock-version = "1.0"\n[[packages]]\nname = "x"\n[[packages.wheels]]\nname = "../x.whl"\nurl = "https://h/x"\nhashes = { sha256 = "00" }',
        'pylock.toml: packages[0].wheels[0].name "../x.whl" is not a file name',
      ],
    ];
    for (const [text, message] of cases) await expect(parsePylock(text, 'pylock.toml'), text).rejects.toThrow(message);
    // A source tree is read, and marked: it has no hash to install it by.
    const dir = await parsePylock('lock-version = "1.1"\n[[packages]]\nname = "x"\n[packages.directory]\npath = "."', 'pylock.toml');
    expect(dir.packages[0]?.unhashable).toBe('a directory');
  });

  it("[tool.tpx] is the tool's tpx.toml table: defaults left out, paths relative to the lock, no credentials", () => {
    const req = request({
      spec: '/team/tools/mytool',
      pipArgs: ['-c', '/team/c.txt', '--find-links=/team/wheels', '-c/team/d.txt', '/elsewhere/x'],
      indexUrl: 'https://u:secret@my.index/simple',
      injected: [injectedPackage('p', 'p', { includeApps: true })],
      suffix: '@2',
    });
    expect(requestTable(req, '/team')).toEqual({
      spec: './tools/mytool',
      suffix: '@2',
      with: [{ spec: 'p', apps: true }],
      'index-url': 'https://my.index/simple',
      'pip-args': ['-c', './c.txt', '--find-links=./wheels', '-c./d.txt', '/elsewhere/x'],
    });
    expect(requestTable(request(), '/team')).toEqual({ spec: 'black' });
  });

  it('matches the file it was made from, and a SPEC naming a locked version', () => {
    expect(
      lockMismatch(lock, 'black', {
        'pip-args': ['-c', './c.txt'],
        with: ['black-plugin', { apps: true, spec: './plugins/p' }],
        spec: 'black>=24',
      }),
    ).toBeNull();
    expect(lockMismatch(lock, 'black', { spec: 'black>=25' })).toMatch(
      /^it was made from spec = "black>=24", .*and the file now asks for spec = "black>=25"$/,
    );
    expect(lockMismatch(lock, 'ruff', { spec: 'ruff' })).toBe('it is the lock of black, not of ruff');
    expect(lockMismatch({ ...lock, tpx: null }, 'black', { spec: 'black' })).toBe(
      'it has no [tool.tpx] table, so tpx cannot tell which request it was made from',
    );
    expect(specMismatch(lock, 'Black>=24', { cwd: '/', env: {} })).toBeNull();
    expect(specMismatch(lock, 'black<24', { cwd: '/', env: {} })).toBe('it locks black 24.1.0, which is not <24');
    expect(specMismatch(lock, 'ruff', { cwd: '/', env: {} })).toBe('it has no package ruff (it locks black, tool)');
    expect(specMismatch(lock, 'https://h/black.whl', { cwd: '/', env: {} })).toBe('--lock takes the name of the locked package, not a URL');
  });

  it('a receipt records the locked files, each field checked', () => {
    const base = {
      schema: 1,
      key: 'black',
      name: 'black',
      version: '24.1.0',
      python: { executable: '/usr/bin/python3', version: '3.11.2' },
      apps: [],
      pinned: false,
      generation: 'mwabc-0a1b2c',
      previousGeneration: null,
      installedAt: 'x',
      updatedAt: 'x',
    };
    const dist = {
      name: 'black',
      version: '24.1.0',
      file: 'black-24.1.0-py3-none-any.whl',
      url: null,
      direct: false,
      hash: `sha256:${HASH}`,
    };
    expect(validateReceipt({ ...base, request: request() }).request.lock).toBeUndefined();
    expect(validateReceipt({ ...base, request: { ...request(), lock: [dist] } }).request.lock).toEqual([dist]);
    expect(() => validateReceipt({ ...base, request: { ...request(), lock: [{ ...dist, file: '../x' }] } })).toThrow(
      'request.lock[0].file is "../x", not a file name',
    );
    expect(() => validateReceipt({ ...base, request: { ...request(), lock: [{ ...dist, hash: 'md5:00' }] } })).toThrow(
      'request.lock[0].hash is "md5:00", not sha256:<hex digest>',
    );
  });
});
