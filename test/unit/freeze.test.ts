import { describe, expect, it } from 'vitest';
import { pinLine } from '../../src/core/installer/freeze.js';

describe('pinLine', () => {
  it.each([
    ['1.0', 'tool==1.0\n'],
    ['2.0rc1', 'tool==2.0rc1\n'],
    ['1!1.0.post1.dev2', 'tool==1!1.0.post1.dev2\n'],
    ['1.0+ubuntu-1', 'tool==1.0+ubuntu-1\n'],
    ['V1.0-RC.1', 'tool==V1.0-RC.1\n'],
    // Not PEP 440, but installed: held by the exact string.
    ['1.0.0-SNAPSHOT', 'tool===1.0.0-SNAPSHOT\n'],
    ['latest', 'tool===latest\n'],
  ])('%s → %j', (version, line) => {
    expect(pinLine({ name: 'tool', version })).toBe(line);
  });
});
