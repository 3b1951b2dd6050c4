import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/core/base/context.js';
import { fnv1a64, runKey } from '../../src/core/run/runcache.js';
import type { RunRequest } from '../../src/core/run/runcache.js';

const ctx = (env: Record<string, string> = {}) => ({ env }) as unknown as Context;
const req: RunRequest = {
  kind: 'app',
  spec: 'black==24.1.0',
  with: ['a', 'b'],
  python: null,
  indexUrl: null,
  pipArgs: [],
  cooldown: null,
  requiresPython: null,
  source: null,
};

describe('fnv1a64', () => {
  it('is FNV-1a 64 (the published test vectors), as 16 hex digits', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });
});

describe('runKey: the run cache key', () => {
  it('is the same for the same request, whatever the order of --with', () => {
    expect(runKey(ctx(), req)).toEqual(runKey(ctx(), { ...req, with: ['b', 'a'] }));
  });

  it.each<[string, Partial<RunRequest>]>([
    ['the spec', { spec: 'black==24.2.0' }],
    ['a --with package', { with: ['a'] }],
    ['--python', { python: '3.12' }],
    ['--index-url', { indexUrl: 'https://h/simple' }],
    ['--pip-args', { pipArgs: ['--pre'] }],
    ['--cooldown', { cooldown: '7d' }],
    ['requires-python', { requiresPython: '>=3.12' }],
    ["a project's build files", { source: 'pyproject.toml:10@1' }],
    ['app or script', { kind: 'script' }],
  ])('changes with %s', (_what, change) => {
    expect(runKey(ctx(), { ...req, ...change }).key).not.toBe(runKey(ctx(), req).key);
  });

  it.each(['TPX_DEFAULT_PYTHON', 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS'])(
    'changes with %s, which changes what gets installed',
    (name) => {
      expect(runKey(ctx({ [name]: 'x' }), req).key).not.toBe(runKey(ctx(), req).key);
    },
  );

  it('does not change with other variables', () => {
    expect(runKey(ctx({ HOME: '/elsewhere', PIP_NO_INPUT: '1' }), req)).toEqual(runKey(ctx(), req));
  });

  it('records the exact material it hashed, which lookups compare', () => {
    const k = runKey(ctx(), req);
    expect(k.key).toBe(fnv1a64(k.material));
    expect(JSON.parse(k.material)).toMatchObject({ spec: 'black==24.1.0', with: ['a', 'b'] });
  });
});
