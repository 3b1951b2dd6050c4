import { describe, expect, it } from 'vitest';
import { defaultRequest } from '../../src/core/request/request.js';
import type { Request } from '../../src/core/request/request.js';
import { upgradeRequest, upgradeTarget } from '../../src/core/ops/upgrade.js';

describe('upgradeTarget: what `tpx upgrade ARG` addresses', () => {
  const installed = new Set(['black', 'black@22', 'isort-old']);
  const target = (arg: string) => upgradeTarget(arg, (k) => installed.has(k), { cwd: '/', env: {} });

  it.each([
    ['black', { key: 'black', spec: null }],
    ['Black', { key: 'black', spec: null }],
    // An installed key is a NAME first, suffixed ones too.
    ['black@22', { key: 'black@22', spec: null }],
    ['isort_old', { key: 'isort-old', spec: null }],
    // Otherwise a requirement names the tool, and is applied.
    ['black[d]', { key: 'black', spec: 'black[d]' }],
    ['black==24.1.0', { key: 'black', spec: 'black==24.1.0' }],
    ['black>=22,<23', { key: 'black', spec: 'black>=22,<23' }],
    ['Black [d] >=22', { key: 'black', spec: 'Black [d] >=22' }],
    // Not installed: a NAME the caller reports, or the spec it would install.
    ['ruff', { key: 'ruff', spec: null }],
    ['ruff@1', { key: 'ruff@1', spec: null }],
    ['ruff==0.4.0', { key: 'ruff', spec: 'ruff==0.4.0' }],
  ])('%s → %j', (arg, expected) => {
    expect(target(arg)).toEqual(expected);
  });

  it('refuses what is neither, and paths or URLs (install --force does that)', () => {
    expect(() => target('black[')).toThrow(/"black\[" is neither an installed tool's name nor a package spec/);
    expect(() => target('https://h/black-1.0-py3-none-any.whl')).toThrow(
      "upgrade takes a tool's name or a requirement, not a URL: https://h/black-1.0-py3-none-any.whl",
    );
  });
});

describe('upgradeRequest', () => {
  const recorded: Request = defaultRequest('black==22.12.0', { pipArgs: ['--pre'] });

  it('drops a recorded pin, keeping the rest of the request', () => {
    expect(upgradeRequest(recorded, {})).toEqual({
      request: { ...recorded, spec: 'black', lock: null },
      droppedPin: '==22.12.0',
      givenSpec: null,
    });
  });

  it('resolves a tool installed from a lock: the locked files are no longer the request', () => {
    const locked: Request = {
      ...recorded,
      spec: 'black',
      lock: [
        {
          name: 'black',
          version: '24.1.0',
          file: 'black-24.1.0-py3-none-any.whl',
          url: null,
          direct: false,
          hash: `sha256:${'a'.repeat(64)}`,
        },
      ],
    };
    expect(upgradeRequest(locked, {}).request.lock).toBeNull();
  });

  it('takes a given spec as it is (no pin dropped), and the overrides', () => {
    expect(upgradeRequest(recorded, { spec: 'black==24.1.0', pipArgs: [], indexUrl: 'https://h/simple' })).toEqual({
      request: { ...recorded, spec: 'black==24.1.0', pipArgs: [], indexUrl: 'https://h/simple', lock: null },
      droppedPin: null,
      givenSpec: 'black==24.1.0',
    });
  });
});
