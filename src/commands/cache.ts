import type { Context } from '../core/base/context.js';
import { runRoot, sweep } from '../core/run/runcache.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  const cache = cli.program.command('cache').description('manage the cache of `tpx run` environments');
  cache
    .command('dir')
    .description('print the directory holding the `tpx run` environments')
    .action(() =>
      cli.run(async (ctx) => {
        ctx.out.result(runRoot(ctx));
        return 0;
      }),
    );
  cache
    .command('purge')
    .description('remove every cached `tpx run` environment (except ones being built right now)')
    .action(() => cli.run((ctx) => purge(ctx)));
}

async function purge(ctx: Context): Promise<number> {
  const removed = sweep(ctx, { force: true, all: true });
  ctx.out.info(`removed ${removed} cached environment${removed === 1 ? '' : 's'} from ${runRoot(ctx)}`);
  return 0;
}
