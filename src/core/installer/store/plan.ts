/**
 * What an install into a venv will take, and which path each distribution takes: the store, or pip
 * (docs/architecture.md, "The wheel store"). The list comes from pip's dry run, from a lock, or from
 * the record a previous generation kept (an exact source: no resolver runs); `route` decides, from
 * facts alone, what the store can install exactly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { parseOrigin } from '../../packaging/directurl.js';
import { normalizeName } from '../../packaging/names.js';
import { pipOptions } from '../../request/pipoptions.js';
import { pipVariables } from '../pip/sources.js';
import type { InstallJob } from '../installer.js';
import type { Environment } from '../installer.js';
import type { RecordedDist, RecordedInstall } from './entries.js';

/** One distribution the install takes. */
export interface Planned {
  name: string;
  version: string;
  requested: boolean;
  direct: boolean;
  /** Where its file is (`file:` or `http(s):`); null when pip gave none. */
  url: string | null;
  /** The file's sha256 (hex), when known. */
  sha256: string | null;
  /** A local directory or a VCS checkout (pip builds it), rather than an archive. */
  built: boolean;
  /** PEP 610 data for `direct_url.json` (direct only), as pip would write it. */
  downloadInfo: unknown;
}

/** The store installs it, or pip does, and why. */
export type Route = { store: true } | { store: false; why: string };

/** Whether the store can install `p` exactly (its file found, checked and unpacked later may still refuse it). */
export function route(p: Planned): Route {
  const file = p.url ? decodeURIComponent(new URL(p.url).pathname.split('/').pop() ?? '') : '';
  if (p.built) return { store: false, why: 'a project directory or a VCS checkout: pip builds it' };
  if (!p.url) return { store: false, why: 'pip named no file for it' };
  if (!file.endsWith('.whl')) return { store: false, why: 'a source distribution: pip builds it' };
  const local = p.url.startsWith('file:');
  if (p.direct && !local) return { store: false, why: 'a direct URL: pip fetches it' };
  if (!local && !p.sha256) return { store: false, why: 'the index gave no sha256 for it' };
  return { store: true };
}

/** The items of pip's install report (`--dry-run --report`) as planned distributions. */
export function fromReport(items: ReportItem[]): Planned[] {
  return items.map((i) => {
    const origin = parseOrigin(i.download_info);
    return {
      name: i.metadata.name,
      version: i.metadata.version,
      requested: i.requested === true,
      direct: i.is_direct === true,
      url: origin.url,
      sha256: origin.hashes.sha256 ?? null,
      built: origin.kind !== 'archive',
      downloadInfo: i.is_direct === true ? i.download_info : null,
    };
  });
}

export interface ReportItem {
  requested?: boolean;
  is_direct?: boolean;
  metadata: { name: string; version: string };
  download_info?: unknown;
}

/** A lock's files: every one requested (pip's `-r`), each known by its hash. */
export function fromLock(lock: NonNullable<InstallJob['lock']>): Planned[] {
  return lock.map((d) => {
    const sha256 = /^sha256:([0-9a-f]{64})$/.exec(d.hash)?.[1] ?? null;
    const url = d.url ?? null;
    return {
      name: d.name,
      version: d.version,
      requested: true,
      direct: d.direct,
      url,
      sha256,
      built: false,
      downloadInfo: d.direct && sha256 ? { archive_info: { hash: `sha256=${sha256}`, hashes: { sha256 } }, url } : null,
    };
  });
}

export function fromRecord(dists: RecordedDist[]): Planned[] {
  return dists.map((d) => ({ ...d, built: false, url: d.url, sha256: d.sha256 }));
}

/** What is recorded in the generation of an install that went through the store. */
export function toRecord(key: string, env: Environment, plan: Planned[]): RecordedInstall {
  return {
    key,
    python: `${env.py.executable} ${env.py.version}`,
    dists: plan.map((p) => ({
      name: p.name,
      version: p.version,
      sha256: p.sha256 ?? '',
      url: p.url ?? '',
      requested: p.requested,
      direct: p.direct,
      downloadInfo: p.downloadInfo,
    })),
  };
}

/**
 * Everything that decides what an install resolves to: the specs, the request's pip options, the
 * job's extra arguments, the lock, and pip's own variables (`PIP_INDEX_URL`, …). A rebuild whose key
 * is the recorded one, on the same interpreter, may take the recorded files without resolving.
 */
export async function jobKey(ctx: Context, job: InstallJob): Promise<string> {
  const facts = [
    job.specs,
    job.editable === true,
    job.lock ?? null,
    pipOptions(job.request, ctx.env),
    job.extraPipArgs ?? [],
    pipVariables(ctx.env),
  ];
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

/** Why this whole install goes to pip before anything is resolved, or null when the store may take part. */
export function pipOnly(ctx: Context, env: Environment, job: InstallJob): string | null {
  if (ctx.platform.storeLinks.length === 0) return 'the store is not used on this platform';
  if (!env.py.venv) return 'the store needs CPython on POSIX';
  if (job.editable) return 'an editable install';
  const project = job.specs.find((s) => !job.lock && /^[./~]/.test(s) && isDir(s));
  if (project) return `${project} is a project: pip builds it`;
  return null;
}

function isDir(p: string): boolean {
  return fs.statSync(path.resolve(p), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Whether anything planned is in the venv already (a `--preinstall` dist pip would replace): pip then does it all. */
export function replacesInstalled(plan: Planned[], installed: string[]): boolean {
  const have = new Set(installed.map(normalizeName));
  return plan.some((p) => have.has(normalizeName(p.name)));
}
