/**
 * The wheel files of distributions the store does not hold yet. A `file:` URL (a local index, a
 * path) is read where it is; a wheel pip's dry run already fetched is taken from where the runner
 * kept it (`keptWheels`, pip/runner.ts); anything else is fetched by pip (`pip download --no-deps
 * --require-hashes` of `name==version --hash`), so the user's index, configuration, credentials,
 * certificates and pip's own HTTP cache apply as for any install. Every file is checked against the
 * sha256 the resolver or lock gave; one that is not is left to pip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../../base/context.js';
import { readdirOrEmpty } from '../../base/fsx.js';
import { isValidVersion } from '../../packaging/pep440.js';
import { venvPython } from '../../python/venv.js';
import { pipOptions } from '../../request/pipoptions.js';
import type { Environment, InstallJob } from '../installer.js';
import { runPip } from '../pip/pip.js';
import { sharedPip } from '../pip/shared.js';
import type { Planned } from './plan.js';

export type Fetched = Map<Planned, string | { why: string }>;

/** Each planned dist's wheel file (sha256 checked, and filled in where the resolver gave none), or why the store cannot have it. */
export async function fetchWheels(ctx: Context, env: Environment, job: InstallJob, wanted: Planned[], tmp: string): Promise<Fetched> {
  const got: Fetched = new Map();
  const remote: Planned[] = [];
  for (const p of wanted) {
    if (!p.url?.startsWith('file:')) {
      remote.push(p);
      continue;
    }
    const file = fileURLToPath(p.url.split('#')[0] ?? '');
    const sha = fs.existsSync(file) ? await sha256Of(file) : null;
    if (sha === null) got.set(p, { why: `${file} is not there` });
    else if (p.sha256 && sha !== p.sha256) got.set(p, { why: `${path.basename(file)} does not match its sha256` });
    else {
      p.sha256 = sha;
      got.set(p, file);
    }
  }
  const kept = new Map<string, string>();
  if (remote.length > 0)
    for (const f of readdirOrEmpty(keptWheels(tmp))) kept.set(await sha256Of(path.join(keptWheels(tmp), f)), path.join(keptWheels(tmp), f));
  const left = remote.filter((p) => {
    const file = p.sha256 ? kept.get(p.sha256) : undefined;
    if (file) got.set(p, file);
    return !file;
  });
  if (left.length > 0) for (const [p, r] of await download(ctx, env, job, left, tmp)) got.set(p, r);
  return got;
}

/** Where, in the install's store temp dir, the runner keeps the wheels pip's dry run fetched. */
export function keptWheels(tmp: string): string {
  return path.join(tmp, 'kept');
}

async function download(ctx: Context, env: Environment, job: InstallJob, wanted: Planned[], tmp: string): Promise<Fetched> {
  const dest = path.join(tmp, 'download');
  const reqs = path.join(tmp, 'download.txt');
  const line = (p: Planned) => `${p.name}${isValidVersion(p.version) ? '==' : '==='}${p.version} --hash=sha256:${p.sha256}\n`;
  fs.writeFileSync(reqs, wanted.map(line).join(''));
  const args = ['download', '--no-deps', '--only-binary', ':all:', '--require-hashes', '--no-input', '--progress-bar', 'off', '-d', dest];
  const runner = await sharedPip(ctx, env.py);
  const pip = await runPip(
    ctx,
    runner,
    venvPython(ctx, env.dir),
    [...args, ...pipOptions(job.request, ctx.env), '-r', reqs],
    `${job.logName}-download`,
  );
  const bySha = new Map<string, string>();
  for (const f of readdirOrEmpty(dest)) bySha.set(await sha256Of(path.join(dest, f)), path.join(dest, f));
  const got: Fetched = new Map();
  for (const p of wanted) {
    const file = p.sha256 ? bySha.get(p.sha256) : undefined;
    got.set(p, file ?? { why: pip.code === 0 ? 'pip download did not fetch it' : 'pip download failed (see the log)' });
  }
  return got;
}

export async function sha256Of(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
