/**
 * Text tpx did not write — package names, versions and summaries, pip's output and a build's,
 * URLs, paths read from disk — may hold what a terminal obeys rather than shows: escape sequences
 * that colour, move the cursor, clear the screen, set the window title or a hyperlink, control
 * characters that rewrite a line (`\r`, backspace), bidi overrides that reorder it. printable()
 * takes them out, the whole sequence, so nothing of it is left to show as `[31m`. Every line tpx
 * prints passes it (src/ui.ts, and proc.ts's --verbose streaming); tpx's own colours are added
 * after it (docs/architecture.md, "Output").
 */

/**
 * Escape sequences, whole: CSI (`ESC [` or U+009B, parameters, intermediates, a final byte);
 * OSC, DCS, SOS, PM, APC (`ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _` or their C1 forms) up to
 * BEL or ST, or to the end when unterminated; any other ESC with the character that follows.
 */
const SEQUENCES = new RegExp(
  [
    '(?:\\x1b\\[|\\x9b)[0-?]*[ -/]*[@-~]',
    '(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?',
    '\\x1b[ -/]*[0-~]',
  ].join('|'),
  'g',
);

/** What is left to take out: C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and isolates. */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every escape sequence and control character but tab and newline removed (a CRLF is a newline). */
export function printable(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(SEQUENCES, '').replace(CONTROLS, '');
}
