// Downloading a Python, as values (src/core/python/download.ts, src/core/base/platform.ts): which
// build triple each OS and CPU gets, what a mirror's SHA256SUMS offers and which build is picked,
// the settings read, and what a version request can be downloaded for (src/core/python/choose.ts).
import { describe, expect, it } from 'vitest';
import { libcOfLdd, platformFor, pythonTargets } from '../../src/core/base/platform.js';
import { versionAskedFor } from '../../src/core/python/choose.js';
import { buildsFor, downloadsAllowed, mirrorSetting, parseChecksums, pickBuild } from '../../src/core/python/download.js';
import { parsePythonVersion } from '../../src/core/ops/pythons.js';
import { ctxIn } from '../helpers/context.js';
import { tempDir } from '../helpers/temp.js';

describe('the build triple', () => {
  it('is python-build-standalone’s name for each OS, CPU and C library', () => {
    const table: [NodeJS.Platform, string, 'glibc' | 'musl', string[]][] = [
      ['linux', 'x64', 'glibc', ['x86_64-unknown-linux-gnu']],
      ['linux', 'x64', 'musl', ['x86_64-unknown-linux-musl']],
      ['linux', 'arm64', 'glibc', ['aarch64-unknown-linux-gnu']],
      ['linux', 'arm64', 'musl', ['aarch64-unknown-linux-musl']],
      ['darwin', 'x64', 'glibc', ['x86_64-apple-darwin']],
      ['darwin', 'arm64', 'glibc', ['aarch64-apple-darwin']],
      ['win32', 'x64', 'glibc', ['x86_64-pc-windows-msvc', 'x86_64-pc-windows-msvc-shared']],
      ['win32', 'arm64', 'glibc', ['aarch64-pc-windows-msvc', 'x86_64-pc-windows-msvc', 'x86_64-pc-windows-msvc-shared']],
      ['win32', 'ia32', 'glibc', ['i686-pc-windows-msvc', 'i686-pc-windows-msvc-shared']],
      ['linux', 'ia32', 'glibc', []],
      ['linux', 'riscv64', 'glibc', []],
      ['freebsd', 'x64', 'glibc', []],
    ];
    for (const [os, arch, libc, want] of table) expect(pythonTargets(os, arch, libc), `${os} ${arch} ${libc}`).toEqual(want);
    expect(platformFor('darwin', 'arm64').pythonTargets('glibc')).toEqual(['aarch64-apple-darwin']);
    expect(platformFor('win32', 'x64').standalonePython).toBe('python.exe');
    expect(platformFor('linux', 'x64').standalonePython).toBe('bin/python3');
  });

  it('tells musl from glibc by the text of ldd', () => {
    expect(libcOfLdd('#!/bin/sh\nexec /lib/ld-musl-x86_64.so.1 --list "$@"\n')).toBe('musl');
    expect(libcOfLdd('#! /bin/bash\n# This file is part of the GNU C Library.\nTEXTDOMAIN=libc\n')).toBe('glibc');
    expect(libcOfLdd(null)).toBe('glibc');
  });
});

const hex = (c: string) => c.repeat(64);
const SUMS = [
  `${hex('a')}  cpython-3.12.4+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz`,
  `${hex('b')}  cpython-3.12.4+20240713-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz`,
  `${hex('c')}  cpython-3.12.3+20240415-x86_64-unknown-linux-gnu-install_only.tar.gz`,
  `${hex('d')}  cpython-3.13.0rc1+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz`,
  `${hex('e')}  cpython-3.13.0+20240713-x86_64_v3-unknown-linux-gnu-install_only.tar.gz`,
  `${hex('f')}  cpython-3.13.0+20240713-x86_64-unknown-linux-gnu-freethreaded+pgo+lto-full.tar.zst`,
  `${hex('0')} *cpython-3.11.9+20240713-x86_64-pc-windows-msvc-shared-install_only.tar.gz`,
  `${hex('1')}  cpython-3.11.9+20240713-x86_64-pc-windows-msvc-install_only.tar.gz`,
  `${hex('2').toUpperCase()}  cpython-3.11.9+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz`,
  'not a line',
  `${hex('3')}  ../cpython-3.10.0+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz`,
].join('\n');

describe("a mirror's SHA256SUMS", () => {
  const sums = parseChecksums(SUMS);

  it('is read as file → lower-case sha256; lines that are not one, or name a path, are skipped', () => {
    expect(sums.size).toBe(9);
    expect(sums.get('cpython-3.11.9+20240713-x86_64-unknown-linux-gnu-install_only.tar.gz')).toBe(hex('2'));
    expect(sums.get('cpython-3.11.9+20240713-x86_64-pc-windows-msvc-shared-install_only.tar.gz')).toBe(hex('0'));
  });

  it("offers the final releases' install_only builds of this machine's targets", () => {
    const linux = buildsFor(sums, ['x86_64-unknown-linux-gnu']);
    expect(linux.map((b) => `${b.version}+${b.tag}${b.stripped ? ' stripped' : ''}`).sort()).toEqual([
      '3.11.9+20240713',
      '3.12.3+20240415',
      '3.12.4+20240713',
      '3.12.4+20240713 stripped',
    ]);
  });

  it('picks the newest version that is accepted, then the best target, the stripped build, the newest release', () => {
    const linux = ['x86_64-unknown-linux-gnu'];
    const pick = (accepts: (v: string) => boolean, targets = linux) => pickBuild(buildsFor(sums, targets), accepts, targets)?.file;
    expect(pick(() => true)).toBe('cpython-3.12.4+20240713-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz');
    expect(pick((v) => v.startsWith('3.12.3'))).toBe('cpython-3.12.3+20240415-x86_64-unknown-linux-gnu-install_only.tar.gz');
    expect(pick((v) => v.startsWith('3.13'))).toBeUndefined();
    const win = ['x86_64-pc-windows-msvc', 'x86_64-pc-windows-msvc-shared'];
    expect(pick(() => true, win)).toBe('cpython-3.11.9+20240713-x86_64-pc-windows-msvc-install_only.tar.gz');
    expect(pick(() => true, win.slice(1))).toBe('cpython-3.11.9+20240713-x86_64-pc-windows-msvc-shared-install_only.tar.gz');
  });
});

describe('the settings', () => {
  it('TPX_PYTHON_DOWNLOADS: automatic (the default) or never; anything else is named', () => {
    expect(downloadsAllowed({})).toBe(true);
    expect(downloadsAllowed({ TPX_PYTHON_DOWNLOADS: 'automatic' })).toBe(true);
    expect(downloadsAllowed({ TPX_PYTHON_DOWNLOADS: 'Never' })).toBe(false);
    expect(() => downloadsAllowed({ TPX_PYTHON_DOWNLOADS: 'sometimes' })).toThrow(
      /TPX_PYTHON_DOWNLOADS="sometimes" is not automatic or never/,
    );
  });

  it('TPX_PYTHON_MIRROR: https, http to this machine, or a file:// folder; credentials never shown', () => {
    expect(mirrorSetting({})).toBeNull();
    expect(mirrorSetting({ TPX_PYTHON_MIRROR: 'https://m.example/pbs/20240713/' })).toEqual({
      url: 'https://m.example/pbs/20240713',
      dir: null,
    });
    expect(mirrorSetting({ TPX_PYTHON_MIRROR: 'http://127.0.0.1:8080/p' })).toEqual({ url: 'http://127.0.0.1:8080/p', dir: null });
    expect(mirrorSetting({ TPX_PYTHON_MIRROR: 'file:///srv/pythons' })).toEqual({ url: 'file:///srv/pythons', dir: '/srv/pythons' });
    expect(() => mirrorSetting({ TPX_PYTHON_MIRROR: 'http://user:secret@m.example/p' })).toThrow(/https only/);
    try {
      mirrorSetting({ TPX_PYTHON_MIRROR: 'http://user:secret@m.example/p' });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('secret');
    }
    expect(() => mirrorSetting({ TPX_PYTHON_MIRROR: '/srv/pythons' })).toThrow(/is not a URL/);
  });
});

describe('what a request can be downloaded for', () => {
  const ctx = (env: NodeJS.ProcessEnv = {}) => ({ ...ctxIn(tempDir()), env });

  it('a version, python3.X, or the default python3; never a path or another command', () => {
    expect(versionAskedFor(ctx(), '3.12')).toBe('3.12');
    expect(versionAskedFor(ctx(), '3.12.4')).toBe('3.12.4');
    expect(versionAskedFor(ctx(), 'python3.13')).toBe('3.13');
    expect(versionAskedFor(ctx(), null)).toBe('3');
    expect(versionAskedFor(ctx({ TPX_DEFAULT_PYTHON: '3.11' }), null)).toBe('3.11');
    expect(versionAskedFor(ctx({ TPX_DEFAULT_PYTHON: '/opt/py/bin/python3' }), null)).toBeNull();
    for (const other of ['/usr/bin/python3.12', 'pypy3', 'python2.7', '2.7', 'python3.12t'])
      expect(versionAskedFor(ctx(), other), other).toBeNull();
  });

  it('`tpx python install VERSION` takes 3, 3.X, 3.X.Y and python3.X', () => {
    expect(['3', '3.12', '3.12.4', 'python3.12'].map(parsePythonVersion)).toEqual(['3', '3.12', '3.12.4', '3.12']);
    expect(() => parsePythonVersion('latest')).toThrow(/"latest" is not a Python version/);
  });
});
