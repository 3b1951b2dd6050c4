import { describe, expect, it } from 'vitest';
import { colorWanted, paintPrefixes } from '../../src/ui.js';
import type { ColorChoice } from '../../src/ui.js';

describe('colorWanted', () => {
  const tty = () => true;
  const pipe = () => false;
  it.each<[ColorChoice, NodeJS.ProcessEnv, () => boolean, boolean]>([
    ['auto', {}, tty, true],
    ['auto', {}, pipe, false],
    ['auto', { NO_COLOR: '1' }, tty, false],
    ['auto', { NO_COLOR: '' }, tty, true], // an empty NO_COLOR does not count (no-color.org)
    ['auto', { TERM: 'dumb' }, tty, false],
    ['auto', { FORCE_COLOR: '1' }, pipe, true],
    ['auto', { FORCE_COLOR: '0' }, tty, false],
    ['auto', { FORCE_COLOR: 'false' }, tty, false],
    ['auto', { FORCE_COLOR: '1', NO_COLOR: '1' }, pipe, true],
    ['always', { NO_COLOR: '1' }, pipe, true],
    ['never', { FORCE_COLOR: '1' }, tty, false],
  ])('--color %s with %j (terminal: %o) → %s', (choice, env, isTerminal, want) => {
    expect(colorWanted(choice, env, isTerminal)).toBe(want);
  });
});

describe('paintPrefixes', () => {
  it('colours the prefix at the start of each line only', () => {
    expect(paintPrefixes('error: x\nhint: y\n  note: z')).toBe(
      '\x1b[1;31merror:\x1b[0m x\n\x1b[1;36mhint:\x1b[0m y\n  \x1b[1;36mnote:\x1b[0m z',
    );
    expect(paintPrefixes('warning: a hint: inside')).toBe('\x1b[1;33mwarning:\x1b[0m a hint: inside');
    expect(paintPrefixes('  | error: from pip')).toBe('  | error: from pip');
  });
});
