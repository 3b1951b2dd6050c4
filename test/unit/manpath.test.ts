// Whether `man` looks in a dir, decided as man-db does from MANPATH and PATH (src/core/shell/manpath.ts).
import { describe, expect, it } from 'vitest';
import { platformFor } from '../../src/core/base/platform.js';
import { manLooksIn } from '../../src/core/shell/manpath.js';

const linux = platformFor('linux');
const looks = (dir: string, env: NodeJS.ProcessEnv) => manLooksIn(dir, env, linux);

describe('manLooksIn', () => {
  it.each([
    ['a PATH dir’s ../share/man', '/home/u/.local/share/man', { PATH: '/usr/bin:/home/u/.local/bin' }, true],
    ['a PATH dir’s ../man', '/opt/tpx-test/man', { PATH: '/opt/tpx-test/bin' }, true],
    ['not derived from any PATH dir', '/home/u/.local/share/man', { PATH: '/usr/bin:/bin' }, false],
    ['a system dir, whatever PATH says', '/usr/local/share/man', { PATH: '' }, true],
    ['MANPATH naming it', '/srv/man', { PATH: '/usr/bin', MANPATH: '/usr/share/man:/srv/man' }, true],
    [
      'MANPATH without it and without an empty element: PATH is not looked at',
      '/home/u/.local/share/man',
      { PATH: '/home/u/.local/bin', MANPATH: '/usr/share/man' },
      false,
    ],
    [
      'MANPATH with a leading :, the derived path too',
      '/home/u/.local/share/man',
      { PATH: '/home/u/.local/bin', MANPATH: ':/srv/man' },
      true,
    ],
    ['MANPATH with ::, the derived path too', '/home/u/.local/share/man', { PATH: '/home/u/.local/bin', MANPATH: '/srv/man::/x' }, true],
    ['the hint’s own line with MANPATH unset (":DIR")', '/srv/man', { PATH: '/usr/bin', MANPATH: ':/srv/man' }, true],
  ] as const)('%s', (_what, dir, env, expected) => {
    expect(looks(dir, env)).toBe(expected);
  });
});
