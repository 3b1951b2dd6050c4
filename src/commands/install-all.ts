import * as fs from 'node:fs';
import type { Context } from '../core/base/context.js';
import { TpxError } from '../core/base/errors.js';
import { without, withPins } from '../core/installer/freeze.js';
import { prepareInstall } from '../core/ops/install.js';
import { defaultJobs } from '../core/base/pool.js';
import { choosePython } from '../core/python/choose.js';
import { versionMatches } from '../core/python/python.js';
import type { Request } from '../core/request/request.js';
import { readInstalled } from '../core/store/store.js';
import { parseToolbox } from '../core/files/toolbox.js';
import type { ExportedTool } from '../core/files/toolbox.js';
import { failedResult } from '../core/ops/outcome.js';
import { installMany } from './shared/many.js';
import { warnIfBinNotOnPath } from './shared/report.js';
import type { Cli } from './cli-types.js';
import { jsonOption } from './shared/json.js';
import type { Results } from './shared/json.js';
import { installResult } from '../core/ops/install.js';

interface Flags {
  latest?: boolean;
  force?: boolean;
}

export function register(cli: Cli): void {
  cli.program
    .command('install-all')
    .description('install every tool in a file written by `tpx export`, at the exact versions it records')
    .argument('<file>', 'the export file ("-": stdin)')
    .option('--latest', 'resolve the newest versions the requests allow instead of the recorded ones')
    .option('-f, --force', 'replace tools already installed, and bin files tpx does not own')
    .addOption(jsonOption())
    .action((file: string, flags: Flags) => cli.change((ctx, results) => installAll(ctx, results, file, flags)));
}

/** Built in parallel, linked after a check across all (shared/many.ts); a failure does not stop the rest. Exit 1 if any failed. */
async function installAll(ctx: Context, results: Results, file: string, flags: Flags): Promise<number> {
  const toolbox = parseToolbox(readSource(file), file === '-' ? 'stdin' : file);
  if (toolbox.tools.length === 0) ctx.out.info(`${file} lists no tools`);
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
  const outcomes = await installMany(ctx, items, defaultJobs(), (outcome) => {
    if (outcome.status === 'already') {
      ctx.out.info(
        `${outcome.key} is already installed${outcome.version ? ` (${outcome.version})` : ''}; left as it is (--force replaces it)`,
      );
    } else {
      const r = outcome.receipt;
      ctx.out.info(`installed ${r.key} ${r.version} (Python ${r.python.version})`);
    }
    results.add(installResult(outcome));
  });
  const failed = outcomes.filter((o) => o.status === 'failed');
  for (const o of failed) results.add(failedResult(o.key, o.error));
  if (toolbox.tools.length > 0) warnIfBinNotOnPath(ctx);
  if (failed.length > 0) {
    ctx.out.info(
      `${toolbox.tools.length - failed.length} of ${toolbox.tools.length} tools installed; failed: ${failed.map((o) => o.key).join(', ')}`,
    );
    return 1;
  }
  if (toolbox.tools.length > 1) ctx.out.info(`all ${toolbox.tools.length} tools installed`);
  return 0;
}

function readSource(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read ${file}`, { cause, hint: 'give the path of a file written by `tpx export`' });
  }
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
