import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { cacheDir, expandHome, resolvePaths } from '../../src/core/base/paths.js';

describe('resolvePaths', () => {
  it('expands ~ in every TPX_* directory (a quoted or config-file value is not expanded by a shell)', () => {
    const p = resolvePaths({ HOME: '/home/u', TPX_HOME: '~/tpx', TPX_BIN_DIR: '~/bin', TPX_CACHE_DIR: '~', TPX_MAN_DIR: '~/man' });
    expect(p).toMatchObject({
      home: '/home/u/tpx',
      tools: '/home/u/tpx/tools',
      bin: '/home/u/bin',
      cache: '/home/u',
      logs: '/home/u/logs',
      man: '/home/u/man',
    });
  });

  it('leaves ~user and a ~ inside a path alone, and makes relative paths absolute', () => {
    expect(resolvePaths({ HOME: '/home/u', TPX_HOME: '~other/x' }).home).toBe(join(process.cwd(), '~other/x'));
    expect(resolvePaths({ HOME: '/home/u', TPX_BIN_DIR: '/a/~/b' }).bin).toBe('/a/~/b');
  });

  it('falls back to XDG_BIN_HOME, then ~/.local/bin', () => {
    expect(resolvePaths({ HOME: '/home/u', XDG_BIN_HOME: '/xdg/bin' }).bin).toBe('/xdg/bin');
    expect(resolvePaths({ HOME: '/home/u' }).bin).toBe('/home/u/.local/bin');
  });
});

describe('resolvePaths with --global', () => {
  it('is /opt/tpx, /usr/local/bin and /usr/local/share/man, moved only by TPX_GLOBAL_*; its cache is inside its home', () => {
    const user = {
      HOME: '/home/u',
      TPX_HOME: '/home/u/tpx',
      TPX_BIN_DIR: '/home/u/bin',
      TPX_CACHE_DIR: '/home/u/c',
      TPX_MAN_DIR: '/home/u/man',
    };
    expect(resolvePaths(user, { global: true })).toEqual({
      home: '/opt/tpx',
      tools: '/opt/tpx/tools',
      envs: '/opt/tpx/envs',
      shared: '/opt/tpx/shared',
      locks: '/opt/tpx/locks',
      completions: '/opt/tpx/completions',
      pythons: '/opt/tpx/pythons',
      store: '/opt/tpx/store',
      bin: '/usr/local/bin',
      man: '/usr/local/share/man',
      cache: '/opt/tpx/cache',
      logs: '/opt/tpx/cache/logs',
      global: true,
    });
    const moved = resolvePaths(
      { ...user, TPX_GLOBAL_HOME: '/srv/tpx', TPX_GLOBAL_BIN_DIR: '/srv/bin', TPX_GLOBAL_MAN_DIR: '/srv/man' },
      { global: true },
    );
    expect(moved).toMatchObject({ home: '/srv/tpx', bin: '/srv/bin', man: '/srv/man', cache: '/srv/tpx/cache' });
    expect(resolvePaths(user).global).toBe(false);
  });
});

describe('expandHome', () => {
  it.each([
    ['~', '/home/u'],
    ['~/x', '/home/u/x'],
    ['~x', '~x'],
    ['x/~', 'x/~'],
  ])('%s → %s', (p, expected) => {
    expect(expandHome(p, { HOME: '/home/u' })).toBe(expected);
  });
});

describe('cacheDir', () => {
  it('creates the directory and tags it and the cache root with CACHEDIR.TAG, once', () => {
    const root = join(tempDir('tpx-cache-'), 'cache');
    expect(cacheDir(root, join(root, 'run'))).toBe(join(root, 'run'));
    for (const d of [root, join(root, 'run')]) {
      expect(readFileSync(join(d, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);
    }
    expect(existsSync(join(root, 'run', 'CACHEDIR.TAG'))).toBe(true);
    expect(cacheDir(root)).toBe(root);
  });
});
