/**
 * Changing what is in a tool's venv (inject, uninject) by building a new generation held to the
 * current one's exact versions, never by changing the live venv: a failure at any point leaves the
 * tool exactly as it was, and the old generation stays for rollback.
 */
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { freeze, withPins } from './freeze.js';
import type { Pin } from './freeze.js';
import { installTool } from './install.js';
import type { Receipt, Request } from './receipt.js';
import type { Installed } from './store.js';
import { envPath } from './store.js';

export interface Rebuilt {
  receipt: Receipt;
  /** The new generation's distributions. */
  after: Pin[];
}

/**
 * A tool installed from a local path that is gone cannot be rebuilt (inject, upgrade, reinstall):
 * the hint is about the tool, not about typing a path.
 */
export function cannotRebuild(key: string, err: TpxError): TpxError {
  return new TpxError(err.code, `${key} cannot be rebuilt: ${err.message}`, {
    cause: err,
    hint: 'it was installed from that path, which is gone; install it from where the project is now (`tpx install --force PATH`)',
  });
}

export async function rebuildTool(
  ctx: Context,
  inst: Installed & { receipt: Receipt },
  request: Request,
  pins: { constraints: Pin[]; requirements: Pin[] },
  forceLinks: boolean,
): Promise<Rebuilt> {
  try {
    const outcome = await withPins(ctx, pins, (pipArgs) =>
      installTool(ctx, {
        request,
        replace: true,
        forceLinks,
        expectKey: inst.key,
        // Another tpx process changing the tool meanwhile makes this one fail rather than undo that change.
        expectGeneration: inst.gen,
        extraPipArgs: pipArgs,
        carry: { pinned: inst.receipt.pinned, installedAt: inst.receipt.installedAt },
        cwd: process.cwd(),
      }),
    );
    if (outcome.status !== 'installed') throw new Error(`rebuilding ${inst.key} did not replace it`);
    return { receipt: outcome.receipt, after: freeze(envPath(ctx, outcome.receipt.generation)) };
  } catch (err) {
    if (err instanceof TpxError && err.code === 'no-such-path') {
      const gone = cannotRebuild(inst.key, err);
      throw new TpxError(gone.code, gone.message, { cause: err, hint: `${inst.key} was left as it was.\n${gone.hint}` });
    }
    if (!(err instanceof TpxError) || err.code !== 'pip-failed') throw err;
    throw new TpxError(err.code, err.message, {
      details: err.details,
      cause: err,
      hint: [
        `${inst.key} was left as it was.`,
        // Scraped only to add a hint: a conflict may come from holding the installed versions.
        /ResolutionImpossible|conflict/i.test(err.details ?? '')
          ? `Every package already in it is held at its installed version. If the new one needs a newer version of one of them, name that one too (it is then recorded as injected), or upgrade the tool first (\`tpx upgrade ${inst.key}\`).`
          : null,
        err.hint,
      ]
        .filter(Boolean)
        .join('\n'),
    });
  }
}
