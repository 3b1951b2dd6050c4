import { describe, expect, it } from 'vitest';
import { printable } from '../../src/core/base/printable.js';

describe('printable: what a terminal would obey is taken out of text tpx did not write', () => {
  it.each([
    ['colours and cursor moves (CSI)', 'a\x1b[31mred\x1b[0m\x1b[2J\x1b[1;1H\x1b[?25lb', 'aredb'],
    ['a window title (OSC, ended by BEL or ST)', 'x\x1b]0;owned\x07y\x1b]8;;http://e.vil/\x1b\\link\x1b]8;;\x1b\\z', 'xylinkz'],
    [
      'device control and private strings (DCS, APC, PM, SOS)',
      'a\x1bPq#0;2;0;0;0\x1b\\b\x1b_hidden\x1b\\c\x1b^pm\x1b\\d\x1bXsos\x1b\\e',
      'abcde',
    ],
    ['two-character escapes (reset, charset)', 'a\x1bcb\x1b(Bc\x1b7d', 'abcd'],
    ['C1 controls, a CSI among them', 'a\u009b31mb\u0090dcs\u009cc\u0085d', 'abcd'],
    ['C0 controls but tab and newline; an ESC takes the character after it', 'a\x00b\x07c\x08d\te\nf\x7fg\x1bhi\x1b', 'abcd\te\nfgi'],
    ['a carriage return that would rewrite the line', 'honest\rLIE', 'honestLIE'],
    ['Windows line ends', 'one\r\ntwo\r\n', 'one\ntwo\n'],
    ['bidi overrides that reorder what is shown', 'a\u202eevil\u202cb\u2066c\u2069', 'aevilbc'],
  ])('%s', (_what, text, want) => {
    expect(printable(text)).toBe(want);
  });

  it('leaves ordinary text, non-ASCII letters and symbols alone', () => {
    const text = 'tpxdemo 1.0 → 2.0 ✓ Grüße, 日本語, emoji 🐍\n  | pip: ok\ttabbed';
    expect(printable(text)).toBe(text);
  });
});
