import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { lockToolFile } from '../core/files/writelocks.js';
import type { Cli } from './cli-types.js';
import { jobsFrom, jobsOption } from './shared/jobs.js';
import { cooldownFlag, cooldownOption } from './shared/request.js';

export function register(cli: Cli): void {
  cli.program
    .command('lock')
    .description(
      "write a PEP 751 lock (pylock.<tool>.toml, beside the file) of every tool in a tpx.toml: each distribution's exact file and hash, for this Python and platform",
    )
    .argument('[file]', 'the toolbox file', 'tpx.toml')
    .addOption(cooldownOption(' for every tool, over the file’s'))
    .addOption(jobsOption())
    .action((file: string, flags: Flags) => cli.run((ctx) => lock(ctx, file, flags)));
}

type Flags = { jobs?: string; cooldown?: string };

async function lock(ctx: Context, file: string, flags: Flags): Promise<number> {
  const jobs = jobsFrom(flags);
  const cooldown = cooldownFlag(flags.cooldown);
  const show = (f: string) => path.relative(ctx.cwd, f) || f;
  const { tools, failed } = await lockToolFile(
    ctx,
    file,
    jobs,
    (w) => {
      if ('error' in w) {
        const e = w.error;
        return void ctx.out.error(e.message.startsWith(w.key) ? e : e.rephrase({ message: `${w.key}: ${e.message}` }));
      }
      const made = w.lock;
      const where = made.environments?.[0]?.replace(/\w+ == '([^']*)'/g, '$1').replace(/ and /g, ' ') ?? 'any platform';
      ctx.out.info(
        `locked ${w.key}: ${made.packages.length} distribution${made.packages.length === 1 ? '' : 's'} for Python ${made.requiresPython?.replace(/^==|\.\*$/g, '')} on ${where} → ${show(w.file)}`,
      );
    },
    cooldown === undefined ? {} : { cooldown },
  );
  if (failed > 0) ctx.out.info(`${tools - failed} of ${tools} tools locked`);
  return failed > 0 ? 1 : 0;
}
