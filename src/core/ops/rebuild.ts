/**
 * Rebuilding an installed tool from a request — upgrade, reinstall, inject, uninject all do it the
 * same way: the install pipeline builds a new generation beside the current one and switches to it,
 * never changing the live venv. A failure at any point leaves the tool exactly as it was, and the old
 * generation stays for rollback (docs/architecture.md, "Generations and the commit point").
 */
import type { Context, Output } from '../base/context.js';
import { TpxError, toTpxError } from '../base/errors.js';
import { freeze, withPins } from '../installer/freeze.js';
import type { Pin } from '../installer/freeze.js';
import { installTool } from './install.js';
import type { Interpreter } from '../python/python.js';
import type { Receipt } from '../store/receipt.js';
import type { Request } from '../request/request.js';
import { envPath, requireInstalled } from '../store/store.js';
import type { Installed } from '../store/store.js';
import { venvProblems } from '../store/status.js';
import { fetchToolScript, keptScript } from './scripttool.js';
import type { ToolScript } from './scripttool.js';

/** An installed tool with a readable receipt, ready to be rebuilt. */
export interface Ready {
  key: string;
  inst: Installed & { receipt: Receipt };
  receipt: Receipt;
}

/** A tool that failed before anything was built. */
export interface NotReady {
  key: string;
  status: 'failed';
  error: TpxError;
}

/**
 * A tool that can be rebuilt from its receipt, or why not. With `needVenv`, a tool whose venv is
 * broken is refused with the rebuild that fixes it (upgrade keeps the interpreter and compares
 * with what the venv holds; reinstall can pick another interpreter and replaces the venv).
 */
export function readyTool(ctx: Context, key: string, needVenv: boolean): Ready | NotReady {
  let inst: Installed & { receipt: Receipt };
  try {
    inst = requireInstalled(ctx, key);
  } catch (err) {
    return { key, status: 'failed', error: toTpxError(err) };
  }
  // Its base interpreter removed or replaced, its own python deleted, or the venv moved (status.ts, from disk).
  const [problem] = needVenv ? venvProblems(ctx, inst.dir, inst.receipt) : [];
  if (problem) {
    const base = problem.kind.startsWith('python-');
    const hint = `rebuild it: tpx reinstall ${key}${base ? ' (--python PY picks another interpreter)' : ''}`;
    const error = new TpxError(base ? 'python-gone' : 'broken-tool', problem.text.replace(/^its /, `${key}'s `), { hint });
    return { key, status: 'failed', error };
  }
  return { key, inst, receipt: inst.receipt };
}

export interface RebuildOptions {
  /** The progress line's verb: "upgrading black", "reinstalling black". */
  verb: string;
  /** Distributions held during the build: pip `-c` constraints and `-r` requirements (freeze.ts). */
  pins?: { constraints: Pin[]; requirements: Pin[] };
  /** Replace bin entries tpx does not own. */
  forceLinks?: boolean;
  /** Keep the current generation when the build holds exactly the same distributions. */
  unlessUnchanged?: boolean;
  /**
   * A script tool's script is read again from where it was installed from (upgrade, reinstall: as
   * pipx does), the kept copy only when that is gone; otherwise (inject, uninject, sync) the kept copy.
   */
  rereadScript?: boolean;
  /** Build on this interpreter (chosen already) rather than the one the request names. */
  py?: Interpreter;
  /** Install what the current generation holds, without resolving, when the installer recorded it and the request is the same (reinstall). */
  replay?: boolean;
}

/**
 * Builds `request` as a new generation of tool `t` and switches to it — unless another tpx process
 * changed the tool meanwhile (then this one fails rather than undo that change), or, with
 * `unlessUnchanged`, the build holds what the tool already has (null: nothing changed).
 */
export async function rebuild(ctx: Context, t: Ready, request: Request, opts: RebuildOptions): Promise<Receipt | null> {
  // The build's progress line names what is happening to this tool, not "installing".
  const out: Output = { ...ctx.out, task: (_text, work) => ctx.out.task(`${opts.verb} ${t.key}`, work) };
  const pins = opts.pins ?? { constraints: [], requirements: [] };
  try {
    const script = request.kind === 'script' ? await toolScript(ctx, t, request.spec, Boolean(opts.rereadScript)) : undefined;
    const outcome = await withPins(ctx, pins, (extraPipArgs) =>
      installTool(
        { ...ctx, out },
        {
          request,
          replace: true,
          forceLinks: Boolean(opts.forceLinks),
          expectKey: t.key,
          expectGeneration: t.inst.gen,
          carry: { pinned: t.receipt.pinned, installedAt: t.receipt.installedAt, exposed: t.receipt.exposed },
          script,
          extraPipArgs,
          unlessUnchanged: opts.unlessUnchanged,
          py: opts.py,
          replayFrom: opts.replay ? t.inst.dir : undefined,
        },
      ),
    );
    return outcome.status === 'installed' ? outcome.receipt : null;
  } catch (err) {
    throw explainRebuildFailure(t.key, err, pins.constraints.length > 0);
  }
}

/**
 * The script a script tool is rebuilt from: with `reread`, the file or URL it was installed from,
 * read again; else, or when that cannot be read (moved, deleted, offline), the copy its generation
 * keeps (scripttool.ts), said so.
 */
async function toolScript(ctx: Context, t: Ready, spec: string, reread: boolean): Promise<ToolScript> {
  if (reread) {
    try {
      return await fetchToolScript(ctx, spec);
    } catch (err) {
      ctx.out.info(`note: cannot read ${t.key}'s script from ${spec} (${toTpxError(err).message}): rebuilt from the copy tpx kept`);
    }
  }
  return requireKeptScript(t);
}

/** The copy of its script a script tool's generation keeps (scripttool.ts). */
function requireKeptScript(t: Ready): ToolScript {
  const script = keptScript(t.inst.dir);
  if (!script) {
    throw new TpxError('no-such-script', `${t.key} cannot be rebuilt: the copy of its script is missing from ${t.inst.dir}`, {
      hint: `install it again from the script: \`tpx install --force ${t.receipt.request.spec}\``,
    });
  }
  return script;
}

/**
 * A recorded path that is gone gets a hint about the tool, not about typing a path; a resolver
 * conflict under held versions says that the holding may be the cause.
 */
export function explainRebuildFailure(key: string, err: unknown, held = false): TpxError {
  const e = toTpxError(err);
  if (e.code === 'no-such-path') {
    return e.rephrase({
      message: `${key} cannot be rebuilt: ${e.message}`,
      hint: 'it was installed from that path, which is gone; install it from where the project is now (`tpx install --force PATH`)',
    });
  }
  // Scraped only to add a hint: a conflict may come from holding the installed versions.
  if (e.code === 'pip-failed' && held && /ResolutionImpossible|conflict/i.test(e.details ?? '')) {
    const why = `Every package already in it is held at its installed version. If the new one needs a newer version of one of them, name that one too (it is then recorded as injected), or upgrade the tool first (\`tpx upgrade ${key}\`).`;
    return e.rephrase({ hint: [why, e.hint].filter(Boolean).join('\n') });
  }
  return e;
}

export interface Rebuilt {
  receipt: Receipt;
  /** The new generation's distributions. */
  after: Pin[];
}

/**
 * Rebuilds the tool with a changed request (inject, uninject). The user asked to change the tool's
 * venv, so a failure says that it was left as it was.
 */
export async function rebuildInPlaceOf(
  ctx: Context,
  t: Ready['inst'],
  request: Request,
  opts: { pins: { constraints: Pin[]; requirements: Pin[] }; forceLinks?: boolean },
): Promise<Rebuilt> {
  let receipt: Receipt | null;
  // Inject and uninject refuse a tool installed from a lock (inject.lockedTool): the rebuild resolves.
  try {
    receipt = await rebuild(ctx, { key: t.key, inst: t, receipt: t.receipt }, { ...request, lock: null }, { ...opts, verb: 'rebuilding' });
  } catch (err) {
    if (!(err instanceof TpxError) || (err.code !== 'pip-failed' && err.code !== 'no-such-path')) throw err;
    throw err.rephrase({ hint: [`${t.key} was left as it was.`, err.hint].filter(Boolean).join('\n') });
  }
  if (!receipt) throw new TpxError('changed', `${t.key} changed while it was rebuilt`, { hint: 'run the command again' });
  return { receipt, after: freeze(ctx, envPath(ctx, receipt.generation)) };
}
