import type { Context } from '../core/base/context.js';
import { cacheSummary, pruneCache } from '../core/ops/cache.js';
import { runRoot, sweep } from '../core/run/runcache.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  const cache = cli.program
    .command('cache')
    .description('show the caches: `tpx run` environments and the wheel store (sizes on disk, linked files counted once)')
    .action(() => cli.run(async (ctx) => summary(ctx)));
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
  cache
    .command('prune')
    .description('remove the wheel store entries no installed tool or `tpx run` environment uses')
    .action(() => cli.run((ctx) => prune(ctx)));
}

async function purge(ctx: Context): Promise<number> {
  const removed = sweep(ctx, { force: true, all: true });
  ctx.out.info(`removed ${removed} cached environment${removed === 1 ? '' : 's'} from ${runRoot(ctx)}`);
  return 0;
}

async function summary(ctx: Context): Promise<number> {
  const s = cacheSummary(ctx);
  ctx.out.result(
    [
      `run environments  ${size(s.run.bytes).padStart(9)}  ${s.run.dir}`,
      `wheel store       ${size(s.store.bytes).padStart(9)}  ${s.store.dir} (${s.store.wheels} wheel${s.store.wheels === 1 ? '' : 's'}, ${s.store.bytecode} bytecode entr${s.store.bytecode === 1 ? 'y' : 'ies'})`,
    ].join('\n'),
  );
  return 0;
}

async function prune(ctx: Context): Promise<number> {
  const { removed, bytes } = pruneCache(ctx);
  ctx.out.info(
    `removed ${removed.length} store entr${removed.length === 1 ? 'y' : 'ies'} no tool uses (${size(bytes)}) from ${ctx.paths.store}`,
  );
  return 0;
}

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}
