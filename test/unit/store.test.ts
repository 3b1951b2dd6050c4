// The wheel store's decisions and formats, as pure functions (docs/architecture.md, "The wheel store").
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { platformFor } from '../../src/core/base/platform.js';
import { entryProblem, readEntry, wheelEntry } from '../../src/core/installer/store/entries.js';
import { linkModes } from '../../src/core/installer/store/installer.js';
import { csvRow, linkFile, pyJson, scriptBody, shebang } from '../../src/core/installer/store/materialise.js';
import { pipOnly, route } from '../../src/core/installer/store/plan.js';
import type { Planned } from '../../src/core/installer/store/plan.js';
import { validResolution } from '../../src/core/installer/store/resolutions.js';
import { validVersions } from '../../src/core/installer/pip/resolve.js';
import { realPython } from '../helpers/fixtures.js';
import { ctxIn } from '../helpers/context.js';

const testContext = () => ctxIn(tmpdir(), { dirs: [] });

const dist = (p: Partial<Planned>): Planned => ({
  name: 'x',
  version: '1.0',
  requested: true,
  direct: false,
  url: 'https://index.example/files/x-1.0-py3-none-any.whl',
  sha256: 'a'.repeat(64),
  built: false,
  downloadInfo: null,
  ...p,
});

describe('which path a distribution takes', () => {
  it.each([
    [{}, true],
    [{ url: 'file:///srv/wheels/x-1.0-py3-none-any.whl', sha256: null }, true],
    [{ url: 'file:///srv/x-1.0.tar.gz' }, 'a source distribution: pip builds it'],
    [{ built: true, url: 'file:///home/me/project' }, 'a project directory or a VCS checkout: pip builds it'],
    [{ sha256: null }, 'the index gave no sha256 for it'],
    [{ direct: true }, 'a direct URL: pip fetches it'],
    [{ direct: true, url: 'file:///tmp/x-1.0-py3-none-any.whl' }, true],
    [{ url: null }, 'pip named no file for it'],
  ] as [Partial<Planned>, true | string][])('%j → %s', (p, want) => {
    const r = route(dist(p));
    expect(r.store ? true : r.why).toBe(want);
  });

  it('sends a whole install to pip on Windows, without a known venv layout, and for editable or project installs', () => {
    const ctx = testContext();
    const env = {
      py: {
        executable: '/usr/bin/python3',
        version: '3.11.7',
        pipWheels: [],
        venv: { base: '/usr/bin/python3', site: 'lib/python3.11/site-packages', lib64: false },
      },
      dir: '/v',
    };
    const job = { request: {} as never, specs: ['black'], what: 'black', logName: 'x' };
    expect(pipOnly(ctx, env, job)).toBeNull();
    expect(pipOnly({ ...ctx, platform: platformFor('win32') }, env, job)).toBe('the store is not used on this platform');
    expect(pipOnly(ctx, { ...env, py: { ...env.py, venv: undefined } }, job)).toBe('the store needs CPython on POSIX');
    expect(pipOnly(ctx, env, { ...job, editable: true })).toBe('an editable install');
    expect(pipOnly(ctx, env, { ...job, specs: ['/'] })).toBe('/ is a project: pip builds it');
  });

  it('TPX_LINK_MODE starts the platform list lower; unknown values are ignored', () => {
    const ctx = testContext();
    expect(linkModes(ctx)).toEqual(['clone', 'hardlink', 'copy']);
    expect(linkModes({ ...ctx, env: { TPX_LINK_MODE: 'hardlink' } })).toEqual(['hardlink', 'copy']);
    expect(linkModes({ ...ctx, env: { TPX_LINK_MODE: 'copy' } })).toEqual(['copy']);
    expect(linkModes({ ...ctx, env: { TPX_LINK_MODE: 'symlink' } })).toEqual(['clone', 'hardlink', 'copy']);
  });
});

describe('what the store writes, as pip and Python write it', () => {
  it("shebangs follow distlib's rule: the path, or the /bin/sh trampoline when long or spaced", () => {
    expect(shebang('/v/bin/python')).toBe('#!/v/bin/python\n');
    const long = `/${'d'.repeat(130)}/bin/python`;
    expect(shebang(long)).toBe(`#!/bin/sh\n'''exec' ${long} "$0" "$@"\n' '''\n`);
    expect(shebang('/my venv/bin/python')).toBe(`#!/bin/sh\n'''exec' "/my venv/bin/python" "$0" "$@"\n' '''\n`);
    expect(scriptBody('black', 'patched_main')).toContain('from black import patched_main\n');
    expect(scriptBody('a.b', 'c.d')).toContain('from a.b import c\n');
  });

  it("CSV rows and JSON are byte for byte what Python's csv and json modules write", () => {
    const rows = [
      ['a/b.py', 'sha256=x', '12'],
      ['a,b.py', 'sha256=y', '3'],
      ['q"uote', '', ''],
    ];
    const value = { url: 'file:///x', archive_info: { hashes: { sha256: 'ab' }, hash: 'sha256=ab' }, n: [1, 'é'] };
    const py = execFileSync(
      realPython(),
      [
        '-c',
        'import csv, io, json, sys; d = json.loads(sys.argv[1]); s = io.StringIO(); csv.writer(s).writerows(d["rows"]); sys.stdout.write(s.getvalue() + "|" + json.dumps(d["value"], sort_keys=True))',
        JSON.stringify({ rows, value }),
      ],
      { encoding: 'utf8' },
    );
    expect(`${rows.map(csvRow).join('')}|${pyJson(value)}`).toBe(py);
  });
});

describe('linking a file from the store', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('falls back along the modes, keeps mode and mtime on a copy, and never writes through a file already there', () => {
    dir = mkdtempSync(join(tmpdir(), 'tpx-unit-link-'));
    const src = join(dir, 'src.py');
    const other = join(dir, 'other.py');
    writeFileSync(src, 'new\n', { mode: 0o444 });
    writeFileSync(other, 'other entry\n', { mode: 0o444 });
    mkdirSync(join(dir, 'venv'));
    const dest = join(dir, 'venv', 'm.py');
    // A file another entry put there first (a hard link to it): replaced, never written into.
    execFileSync('ln', [other, dest]);
    const linker = { modes: ['copy' as const], counts: {} };
    linkFile(linker, src, dest);
    expect(readFileSync(other, 'utf8')).toBe('other entry\n');
    expect(readFileSync(dest, 'utf8')).toBe('new\n');
    expect(statSync(dest).mode & 0o777).toBe(0o444);
    // Whole seconds are what a .pyc records of its source.
    expect(Math.floor(statSync(dest).mtimeMs / 1000)).toBe(Math.floor(statSync(src).mtimeMs / 1000));
    const hard = { modes: ['hardlink' as const, 'copy' as const], counts: {} };
    linkFile(hard, src, join(dir, 'venv', 'n.py'));
    expect(statSync(join(dir, 'venv', 'n.py')).ino).toBe(statSync(src).ino);
    expect(hard.counts).toEqual({ hardlink: 1 });
  });
});

describe('an entry manifest read back from disk', () => {
  const sha = 'b'.repeat(64);
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (manifest: object) => {
    root = mkdtempSync(join(tmpdir(), 'tpx-manifest-'));
    const dir = wheelEntry({ store: root }, sha);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tpx-entry.json'), JSON.stringify(manifest));
    return { store: root };
  };
  const good = {
    schema: 1,
    name: 'x',
    version: '1.0',
    distInfo: 'x-1.0.dist-info',
    record: [
      ['x/__init__.py', 'sha256=abc', '3'],
      ['x-1.0.data/data/share/x.txt', 'sha256=def', '1'],
      ['x-1.0.data/scripts/x-sh', 'sha256=ghi', '9'],
    ],
    // One file in each place a wheel puts files (helper.ts's Place).
    files: [
      { place: 'site', path: 'x/__init__.py', member: 'x/__init__.py', exec: false, shebang: false },
      { place: 'data', path: 'share/x.txt', member: 'x-1.0.data/data/share/x.txt', exec: false, shebang: false },
      { place: 'scripts', path: 'x-sh', member: 'x-1.0.data/scripts/x-sh', exec: true, shebang: true },
    ],
    scripts: [{ name: 'x', module: 'x', func: 'main', gui: false }],
  };

  it('is used as it is when every path it names stays inside its place', () => {
    expect(readEntry(write(good), sha)?.files.map((f) => f.place)).toEqual(['site', 'data', 'scripts']);
  });

  it.each([
    ['a file that climbs out', { files: [{ ...good.files[0], path: '../../../../etc/passwd' }] }],
    ['an absolute file', { files: [{ ...good.files[0], path: '/etc/passwd' }] }],
    ['an unknown place', { files: [{ ...good.files[0], place: '..' }] }],
    ['a script file with a folder', { files: [{ ...good.files[2], path: '../x-sh' }] }],
    ['a script name with a folder', { scripts: [{ ...good.scripts[0], name: '../../x' }] }],
    ['a dist-info that is a path', { distInfo: '../x-1.0.dist-info' }],
    ['a backslash', { files: [{ ...good.files[0], path: 'x\\..\\..\\y' }] }],
    ['files that are not a list', { files: 'x' }],
  ])('is refused with %s (no readable entry: doctor calls it damaged)', async (_what, change) => {
    const paths = write({ ...good, ...change });
    expect(readEntry(paths, sha)).toBeNull();
    expect(await entryProblem(paths, sha)).toBe('its tpx-entry.json is missing or unreadable');
  });
});

describe('a kept resolution read back from disk', () => {
  const good = {
    schema: 1,
    at: '2026-12-07T21:00:00.000Z',
    pages: [
      { url: 'https://pypi.org/simple/x/', sha256: 'a'.repeat(64) },
      { url: 'file:///srv/extra/simple/x/', sha256: null },
    ],
    files: [{ url: 'file:///etc/pip/constraints.txt', sha256: 'c'.repeat(64) }],
    plan: [{ name: 'x', version: '1.0', requested: true, url: 'https://files.example/x-1.0-py3-none-any.whl', sha256: 'd'.repeat(64) }],
  };

  it('is used when every source and every planned wheel is well formed', () => {
    expect(validResolution(good)).toBe(true);
  });

  it.each([
    ['a page URL with credentials', { pages: [{ url: 'https://u:p@pypi.org/simple/x/', sha256: null }] }],
    ['a page that is not a URL', { pages: [{ url: '/etc/passwd', sha256: null }] }],
    ['a source of another scheme', { files: [{ url: 'ftp://host/c.txt', sha256: 'c'.repeat(64) }] }],
    ['a digest that is not one', { files: [{ url: 'file:///c.txt', sha256: 'x' }] }],
    ['a distribution name that is a path', { plan: [{ ...good.plan[0], name: '../../x' }] }],
    ['a wheel without its sha256', { plan: [{ ...good.plan[0], sha256: '' }] }],
    ['an empty plan', { plan: [] }],
    ['another schema', { schema: 2 }],
  ])('is refused with %s', (_what, change) => {
    expect(validResolution({ ...good, ...change })).toBe(false);
  });
});

describe('kept versions (the version check) read back from disk', () => {
  const good = {
    schema: 1,
    pages: [{ url: 'https://pypi.org/simple/x/', sha256: 'a'.repeat(64) }],
    files: [],
    dists: [{ name: 'x', version: '1.0', requiresPython: '>=3.8' }],
  };
  it('are used when well formed, and refused otherwise', () => {
    expect(validVersions(good)).toBe(true);
    expect(validVersions({ ...good, dists: [{ ...good.dists[0], name: 'x/../y' }] })).toBe(false);
    expect(validVersions({ ...good, dists: [{ ...good.dists[0], version: '1.0; rm -rf /' }] })).toBe(false);
    expect(validVersions({ ...good, pages: [{ url: 'https://u:p@pypi.org/simple/x/', sha256: null }] })).toBe(false);
    expect(validVersions({ ...good, dists: [] })).toBe(false);
  });
});
