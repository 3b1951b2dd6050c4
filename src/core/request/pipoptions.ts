/**
 * The one place a request becomes pip options (docs/architecture.md, "Seams"): every pip run made
 * for a request — its install, the requires-python dry run, the version check, a lock — gets them
 * from here, so an option added to a request (a cooldown, say) reaches all of them at once.
 */
import { cooldownSeconds } from './args.js';
import { checkPipArgs } from './pipargs.js';
import type { Request } from './request.js';

/** The fields of a request that become pip options. */
export type PipOptionFields = Pick<Request, 'indexUrl' | 'pipArgs'> &
  Partial<Pick<Request, 'cooldown'>> & { injected: Pick<Request['injected'][number], 'pipArgs'>[] };

/**
 * The option tpx's runner takes for a cooldown, in seconds (installer/pip/runner.ts), and removes
 * before pip parses its arguments: the runner, not pip, holds the index's new files back, so the
 * pip a fresh home bootstraps can apply it (docs/architecture.md, "Cooldown").
 */
export const COOLDOWN_OPTION = '--tpx-cooldown';

/**
 * `--index-url`, the request's pip args and its injected packages' (pip resolves a tool and what is
 * injected into it in one run, so theirs apply to the whole build), and the cooldown (the request's,
 * else `TPX_COOLDOWN` in `env`). Pip args are checked wherever they come from (flags, receipts,
 * export files); here once more, where they are used.
 */
export function pipOptions(req: PipOptionFields, env: NodeJS.ProcessEnv): string[] {
  const cooldown = cooldownSeconds(req.cooldown, env);
  return [
    ...(req.indexUrl ? ['--index-url', req.indexUrl] : []),
    ...checkPipArgs(req.pipArgs),
    ...req.injected.flatMap((i) => checkPipArgs(i.pipArgs)),
    ...(cooldown > 0 ? [`${COOLDOWN_OPTION}=${cooldown}`] : []),
  ];
}
