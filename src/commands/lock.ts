import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { quiet } from '../core/base/context.js';
import { toTpxError } from '../core/base/errors.js';
import { readTextOrNull, readdirOrEmpty, writeFileAtomic } from '../core/base/fsx.js';
import { lockRequest } from '../core/files/locking.js';
import { mapPool } from '../core/base/pool.js';
import { lockFileName, renderPylock } from '../core/packaging/pylock.js';
import { readToolFile } from '../core/files/toolfile.js';
import type { Cli } from './cli-types.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';

export function register(cli: Cli): void {
  cli.program
    .command('lock')
    .description(
      "write a PEP 751 lock (pylock.<tool>.toml, beside the file) of every tool in a tpx.toml: each distribution's exact file and hash, for this Python and platform",
    )
    .argument('[file]', 'the toolbox file', 'tpx.toml')
    .addOption(jobsOption())
    .action((file: string, flags: { jobs?: string }) => cli.run((ctx) => lock(ctx, file, flags)));
}

async function lock(ctx: Context, file: string, flags: { jobs?: string }): Promise<number> {
  const jobs = jobsFrom(flags);
  const toolfile = await readToolFile(file, ctx.env);
  const dir = path.dirname(toolfile.file);
  const show = (f: string) => path.relative(ctx.cwd, f) || f;
  let failed = 0;
  await mapPool(toolfile.tools, jobs, async (entry) => {
    try {
      const made = await lockRequest(toolfile.tools.length > 1 ? quiet(ctx) : ctx, entry.key, entry.request, dir);
      const target = path.join(dir, lockFileName(entry.key));
      writeFileAtomic(target, renderPylock(made));
      const where = made.environments?.[0]?.replace(/\w+ == '([^']*)'/g, '$1').replace(/ and /g, ' ') ?? 'any platform';
      ctx.out.info(
        `locked ${entry.key}: ${made.packages.length} distribution${made.packages.length === 1 ? '' : 's'} for Python ${made.requiresPython?.replace(/^==|\.\*$/g, '')} on ${where} → ${show(target)}`,
      );
    } catch (err) {
      failed++;
      const e = toTpxError(err);
      ctx.out.error(e.message.startsWith(entry.key) ? e : e.rephrase({ message: `${entry.key}: ${e.message}` }));
    }
  });
  // A lock of a tool the file no longer lists is the user's file: named, never deleted.
  const keys = new Set(toolfile.tools.map((t) => lockFileName(t.key)));
  for (const name of readdirOrEmpty(dir).filter((f) => /^pylock\.[^.]+\.toml$/.test(f) && !keys.has(f))) {
    if (/^\[tool\.tpx\]$/m.test(readTextOrNull(path.join(dir, name)) ?? ''))
      ctx.out.warn(`${show(path.join(dir, name))} locks a tool ${show(toolfile.file)} no longer lists: remove it`);
  }
  if (failed > 0) ctx.out.info(`${toolfile.tools.length - failed} of ${toolfile.tools.length} tools locked`);
  return failed > 0 ? 1 : 0;
}
