/**
 * Per-directory pins for `tpx run` (README, "tpx run"): `tpx run ruff` inside a project whose
 * nearest tpx.toml lists ruff runs the spec, Python, cooldown, index and pip arguments that file
 * gives it (and its `with` packages), as `tpx sync` would install it; a flag given on the command
 * line wins; `--no-config` ignores the file. Only a bare app name is looked up (a spec, a path or
 * `--spec` says what to run already). The file is found by a few stats from the working directory
 * up, and parsed only when it names the app, so a cache hit elsewhere pays nothing measurable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { isValidDistName, toolKey } from '../packaging/names.js';
import { shellWord } from '../request/args.js';
import type { RunFlags } from '../run/runapp.js';
import { readToolFile } from './toolfile.js';

export const TOOL_FILE = 'tpx.toml';

/** The nearest tpx.toml from `cwd` up (the root included), or null. */
export function nearestToolFile(cwd: string): string | null {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, TOOL_FILE);
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) return null;
  }
}

/** `flags` with the pins of the nearest tpx.toml that lists the app `target`, saying so with -v. */
export async function withProjectPins(ctx: Context, target: string, flags: RunFlags): Promise<RunFlags> {
  if (flags.config === false || flags.spec !== undefined || !isValidDistName(target)) return flags;
  const file = nearestToolFile(ctx.cwd);
  if (file === null || !fs.readFileSync(file, 'utf8').toLowerCase().includes(target.toLowerCase())) return flags;
  const entry = (await readToolFile(file, ctx.env)).tools.find((t) => t.key === toolKey(target));
  if (!entry) return flags;
  const r = entry.request;
  if (ctx.verbose) ctx.out.info(`using ${r.spec} for ${target}, as ${file} pins it (--no-config ignores it)`);
  return {
    ...flags,
    spec: r.spec,
    with: [...new Set([...r.injected.map((i) => i.spec), ...flags.with])],
    python: flags.python ?? r.python ?? undefined,
    indexUrl: flags.indexUrl ?? r.indexUrl ?? undefined,
    pipArgs: flags.pipArgs ?? (r.pipArgs.length > 0 ? r.pipArgs.map(shellWord).join(' ') : undefined),
    cooldown: flags.cooldown ?? r.cooldown ?? undefined,
  };
}
