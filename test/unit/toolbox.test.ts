import { describe, expect, it } from 'vitest';
import { shieldPipArgs } from '../../src/commands/runpip.js';
import { stripCredentials } from '../../src/core/base/redact.js';

describe('stripCredentials', () => {
  it.each([
    ['https://user:secret@my.index/simple', 'https://my.index/simple'],
    ['https://token@my.index/simple', 'https://my.index/simple'],
    ['git+https://tok:x-oauth@github.com/o/r.git@v1.0', 'git+https://github.com/o/r.git@v1.0'],
    ['--extra-index-url=https://u:p@h/simple', '--extra-index-url=https://h/simple'],
    ['https://my.index/simple', 'https://my.index/simple'],
    ['name @ https://host/pkg-1.0.whl', 'name @ https://host/pkg-1.0.whl'],
    ['black==24.1', 'black==24.1'],
  ])('%s → %s', (input, output) => expect(stripCredentials(input)).toBe(output));
});

describe('shieldPipArgs', () => {
  it.each([
    [
      ['runpip', 'black', 'list', '-v'],
      ['runpip', 'black', '--', 'list', '-v'],
    ],
    [
      ['-v', 'runpip', 'black', '--help'],
      ['-v', 'runpip', 'black', '--', '--help'],
    ],
    [
      ['runpip', 'black'],
      ['runpip', 'black', '--'],
    ],
    [
      ['runpip', 'black', '--', 'list'],
      ['runpip', 'black', '--', 'list'],
    ],
    [
      ['runpip', '--help'],
      ['runpip', '--help'],
    ],
    [
      ['install', 'runpip', '-v'],
      ['install', 'runpip', '-v'],
    ],
  ])('%j → %j', (input, output) => expect(shieldPipArgs(input)).toEqual(output));
});
