/** Running pip (the shared pip, shared.ts) inside a venv, and reading its JSON install report. */
import * as fs from 'node:fs';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import * as path from 'node:path';
import { tpxRunner } from './runner.js';
import { withTempDir } from '../../base/gate.js';
import { childEnv, logHint, runLogged } from '../../base/proc.js';
import type { Logged } from '../../base/proc.js';
import { quoteUserinfo, redact } from '../../base/redact.js';
import { formatDuration } from '../../request/args.js';
import { COOLDOWN_OPTION } from '../../request/pipoptions.js';
import type { LockedDist } from '../../request/request.js';

/**
 * Runs the shared pip inside the venv whose interpreter is `python`, through tpx's runner
 * (runner.ts: cached User-Agent facts, bytecode compiled in parallel, a cooldown, the wheels a dry run
 * fetched kept), with `extraEnv` for the runner. A raw `@` in a
 * URL's password goes to pip percent-encoded, so pip records no piece of it (redact.quoteUserinfo).
 */
export function runPip(
  ctx: Context,
  runner: string,
  python: string,
  args: string[],
  logName: string,
  extraEnv: Record<string, string> = {},
): Promise<Logged> {
  const cooldown = args.find((a) => a.startsWith(`${COOLDOWN_OPTION}=`));
  const run = (env: Record<string, string>) => runLogged(ctx, python, [tpxRunner(runner), ...args.map(quoteUserinfo)], { env, logName });
  if (cooldown === undefined) return run(childEnv(ctx, extraEnv));
  return withTempDir(ctx, 'cooldown', async (tmp) => {
    const report = path.join(tmp, 'cooldown.json');
    const pip = await run(childEnv(ctx, { ...extraEnv, TPX_COOLDOWN_REPORT: report }));
    readCooldownReport(ctx, report, pip, formatDuration(Number(cooldown.split('=')[1])));
    return pip;
  });
}

/** What the runner did with a cooldown (runner.ts): indexes without upload times are warned of; one it could not apply is an error. */
interface CooldownReport {
  applied: boolean;
  why?: string;
  untimed: string[];
  held: string[];
}

function readCooldownReport(ctx: Context, file: string, pip: Logged, duration: string): void {
  let report: CooldownReport | null = null;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8')) as CooldownReport;
  } catch {
    // not written: the runner did not run (pip's own ran instead, or Python failed first)
  }
  if (!report?.applied) {
    throw new TpxError('cooldown-failed', `the cooldown (${duration}) could not be applied${report?.why ? `: ${report.why}` : ''}`, {
      hint: `${logHint(ctx, pip)}\n\`--cooldown 0\` installs without one`,
    });
  }
  for (const index of report.untimed)
    ctx.out.warn(`${redact(index)} gives no upload times: the cooldown (${duration}) cannot hold back its new files`);
  if (report.held.length > 0 && ctx.verbose)
    ctx.out.info(`the cooldown (${duration}) held back ${report.held.length} file(s) uploaded since: ${report.held.join(', ')}`);
}

/** The parts of pip's JSON install report (`--report`, schema version 1) tpx reads. */
export interface InstallReport {
  version: string;
  install: {
    requested: boolean;
    is_direct?: boolean;
    metadata: { name: string; version: string; requires_python?: string };
    /** PEP 610 data (packaging/directurl.ts). */
    download_info?: { url?: string };
  }[];
  /** The marker environment pip resolved for. */
  environment?: Record<string, string>;
}

export function readInstallReport(file: string): InstallReport {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as InstallReport;
  if (report.version !== '1' || !Array.isArray(report.install)) {
    throw new TpxError('bad-report', `pip wrote an install report tpx does not understand (version ${report.version})`);
  }
  return report;
}

/** The requirements file of a locked install: each file by name, version and hash (an index's), or by URL and hash (a direct one). */
export function writeLockRequirements(file: string, lock: LockedDist[]): string {
  const line = (d: LockedDist) => `${d.direct && d.url ? `${d.name} @ ${d.url}` : `${d.name}==${d.version}`} --hash=${d.hash}\n`;
  fs.writeFileSync(file, lock.map(line).join(''));
  return file;
}
