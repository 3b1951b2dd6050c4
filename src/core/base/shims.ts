/**
 * Windows bin entries, written by cmd-shim (npm's): for an app, `<bin>\black` (sh, for Git Bash
 * and MSYS), `black.cmd` (cmd.exe) and `black.ps1` (PowerShell), each starting
 * tools\<key>\Scripts\black.exe by a path relative to the shim's own folder. Loaded, with
 * cmd-shim (a bundle of its own, scripts/build.mjs), only when such an entry is written.
 *
 * cmd-shim is not called on the bin dir itself, for two reasons: it first deletes whatever is in
 * the three slots (tpx never replaces a file it has not checked and moved aside), and it needs the
 * target to exist (an entry is written before the commit point, when tools/<key> may still point
 * at a generation without that app, or not exist). So it writes into a temp dir, laid out so that
 * the target is reached by the same relative path, at an empty stand-in file (no `#!` line: the
 * shims start the .exe directly, as they must); the three texts are then written into the bin dir
 * by writeEntry, each with exclusive create.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { makeTempDir, removeMine } from './gate.js';
import type { RenderedEntry } from './platform.js';

type CmdShim = (from: string, to: string) => Promise<void>;

export async function renderShims(ctx: Context, target: string, entry: string): Promise<RenderedEntry> {
  const rel = path.relative(path.dirname(entry), target);
  // cmd-shim can only write a path relative to the shim: there is none from one drive to another.
  if (path.isAbsolute(rel)) {
    throw new TpxError('link-failed', `cannot make ${entry} start ${target}: the bin dir and tpx's home are on different drives`, {
      hint: "nothing was changed; set TPX_BIN_DIR to a folder on the drive of TPX_HOME (or TPX_HOME to one on the bin dir's drive)",
    });
  }
  const up = rel.split(path.sep).findIndex((part) => part !== '..');
  const stage = makeTempDir('shims');
  try {
    const bin = path.join(stage, ...Array<string>(Math.max(0, up)).fill('b'));
    const from = path.resolve(bin, rel);
    fs.mkdirSync(path.dirname(from), { recursive: true });
    fs.writeFileSync(from, '');
    const to = path.join(bin, path.basename(entry));
    const cmdShim = ((await import('cmd-shim')) as unknown as { default: CmdShim }).default;
    await cmdShim(from, to);
    return { entry, target, files: ['', '.cmd', '.ps1'].map((ext) => ({ path: entry + ext, text: fs.readFileSync(to + ext, 'utf8') })) };
  } finally {
    removeMine(ctx, stage);
  }
}
