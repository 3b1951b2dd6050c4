/** Running pip (the shared pip, shared.ts) inside a venv, and reading its JSON install report. */
import * as fs from 'node:fs';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { tpxRunner } from './runner.js';
import { childEnv, runLogged } from '../../base/proc.js';
import type { Logged } from '../../base/proc.js';
import { quoteUserinfo } from '../../base/redact.js';
import type { LockedDist } from '../../request/request.js';

/**
 * Runs the shared pip inside the venv whose interpreter is `python`, through tpx's runner
 * (runner.ts: cached User-Agent facts, bytecode compiled in parallel). A raw `@` in a URL's password
 * goes to pip percent-encoded, so pip records no piece of it (redact.quoteUserinfo).
 */
export function runPip(ctx: Context, runner: string, python: string, args: string[], logName: string): Promise<Logged> {
  return runLogged(ctx, python, [tpxRunner(runner), ...args.map(quoteUserinfo)], { env: childEnv(ctx), logName });
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
