import { describe, expect, it } from 'vitest';
import { splitArgs } from '../../src/core/args.js';

describe('splitArgs', () => {
  it('splits like a POSIX shell without running one', () => {
    expect(splitArgs('--no-binary :all: --pre')).toEqual(['--no-binary', ':all:', '--pre']);
    expect(splitArgs(`-c "a b" 'c d' e\\ f ""`)).toEqual(['-c', 'a b', 'c d', 'e f', '']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('$(rm -rf ~) `x`;')).toEqual(['$(rm', '-rf', '~)', '`x`;']);
  });

  it('refuses an unterminated quote', () => {
    expect(() => splitArgs('"abc')).toThrow(/unterminated/);
  });
});
