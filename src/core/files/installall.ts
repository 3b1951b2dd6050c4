/** `tpx install-all`: an export file's tools installed again, at the recorded versions and on a Python like the recorded one. */
import type { Context } from '../base/context.js';
import { without, withPins } from '../installer/freeze.js';
import { prepareInstall } from '../ops/install.js';
import type { InstallOutcome } from '../ops/install.js';
import { defaultJobs } from '../base/pool.js';
import { choosePython } from '../python/choose.js';
import { versionMatches } from '../python/python.js';
import type { Request } from '../request/request.js';
import { readInstalled } from '../store/store.js';
import { parseToolbox } from './toolbox.js';
import type { ExportedTool } from './toolbox.js';
import type { Outcome } from '../ops/outcome.js';
import { installMany } from '../ops/installmany.js';

/**
 * `tpx install-all`: every tool of an export file (`text`, read from `source`), built in parallel
 * and linked after a check across all (installmany.ts); a failure does not stop the rest. `report`
 * gets every install that landed; returns how many tools the file lists and the outcomes.
 */
export async function installAll(
  ctx: Context,
  text: string,
  source: string,
  flags: { latest: boolean; force: boolean },
  report: (o: InstallOutcome) => void,
): Promise<{ tools: number; outcomes: Outcome[] }> {
  const toolbox = parseToolbox(text, source);
  const pythons = new Map<string, string | null>();
  const items = toolbox.tools.map((tool) => ({
    label: tool.name,
    prepare: async (c: Context) => {
      // --latest resolves, so a lock the tool was installed from does not hold it; else the lock is exact already.
      const request: Request = {
        ...tool.request,
        python: await recordedPython(ctx, tool, pythons),
        ...(flags.latest ? { lock: null } : {}),
      };
      const names = [tool.package, ...request.injected.map((i) => i.name)];
      // The recorded versions of everything, and everything recorded gets installed: the same venv again.
      const pins =
        flags.latest || request.lock
          ? { constraints: [], requirements: [] }
          : { constraints: tool.freeze, requirements: without(tool.freeze, names) };
      const installedAt = readInstalled(ctx, tool.name)?.receipt?.installedAt ?? new Date().toISOString();
      return withPins(c, pins, (pipArgs) =>
        prepareInstall(c, {
          request,
          replace: Boolean(flags.force),
          forceLinks: Boolean(flags.force),
          extraPipArgs: pipArgs,
          carry: { pinned: tool.pinned, installedAt, exposed: tool.exposed },
          script: tool.script ?? undefined,
        }),
      );
    },
  }));
  return { tools: toolbox.tools.length, outcomes: await installMany(ctx, items, defaultJobs(), report) };
}

/**
 * The interpreter to record: the one asked for at export time if it exists here, else the same
 * major.minor as the exporting machine used, else the default (with a warning: the exact versions
 * may not all exist for another Python).
 */
async function recordedPython(ctx: Context, tool: ExportedTool, memo: Map<string, string | null>): Promise<string | null> {
  const minor = tool.python.version.split('.').slice(0, 2).join('.');
  const version = async (want: string | undefined): Promise<string | null> => {
    const k = want ?? '';
    if (!memo.has(k)) {
      try {
        memo.set(k, (await choosePython(ctx, { requested: want ?? null })).version);
      } catch {
        memo.set(k, null);
      }
    }
    return memo.get(k) ?? null;
  };
  if (tool.request.python !== null && (await version(tool.request.python)) !== null) return tool.request.python;
  if (tool.request.python === null && versionMatches((await version(undefined)) ?? '', minor)) return null;
  if ((await version(minor)) !== null) return minor;
  ctx.out.warn(
    `${tool.name} was exported with Python ${tool.python.version}, which is not available here; using the default Python ${(await version(undefined)) ?? ''}`.trimEnd(),
  );
  return null;
}
