// Standalone-layout CPython archives made from Pythons this machine has, and a loopback mirror
// serving them, for tests of `tpx python` and downloads (src/core/python/download.ts) without
// internet. An archive is built once (build_standalone.py) and cached in test/.cache/pythons, under
// the builder's own hash so that a change to it builds them anew.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pythonTargets } from '../../src/core/base/platform.js';
import { repoRoot } from './fixtures.js';
import { serve } from './servers.js';
import type { Served } from './servers.js';

const cacheDir = join(repoRoot, 'test', '.cache', 'pythons');
const builder = join(repoRoot, 'test', 'helpers', 'build_standalone.py');
/** The release tag the test archives carry. */
const TAG = '20240101';

export interface LocalPython {
  version: string;
  /** The real interpreter file. */
  executable: string;
  prefix: string;
}

/** A CPython this machine has: pyenv's versions and /usr/bin's python3.X, by version (`3.12.1`). */
export function localPythons(): LocalPython[] {
  const root = process.env.PYENV_ROOT || join(process.env.HOME ?? '/root', '.pyenv');
  const candidates = [
    ...readdirSafe(join(root, 'versions'))
      .filter((v) => /^3\.\d+\.\d+$/.test(v))
      .map((v) => join(root, 'versions', v, 'bin', 'python3')),
    ...readdirSafe('/usr/bin')
      .filter((f) => /^python3\.\d+$/.test(f))
      .map((f) => join('/usr/bin', f)),
  ];
  return candidates.flatMap((exe) => {
    const r = spawnSync(
      exe,
      ['-I', '-c', 'import os, sys; print("%d.%d.%d" % sys.version_info[:3], os.path.realpath(sys.executable), sys.base_prefix)'],
      {
        encoding: 'utf8',
      },
    );
    const [version, executable, prefix] = (r.stdout ?? '').trim().split(' ');
    return r.status === 0 && version && executable && prefix ? [{ version, executable, prefix }] : [];
  });
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The one local Python of `version` (`3.12`: any 3.12.x); throws when this machine has none. */
export function localPython(version: string): LocalPython {
  const found = localPythons().find((p) => p.version === version || p.version.startsWith(`${version}.`));
  if (!found) throw new Error(`this machine has no Python ${version} (pyenv's versions, /usr/bin) to make a test archive from`);
  return found;
}

/** Two local Pythons of one minor version, older first: for a patch upgrade. */
export function twoPatches(): [LocalPython, LocalPython] {
  const all = localPythons();
  for (const a of all)
    for (const b of all) {
      const [am, bm] = [a.version, b.version].map((v) => v.split('.').slice(0, 2).join('.'));
      if (am === bm && Number(a.version.split('.')[2]) < Number(b.version.split('.')[2])) return [a, b];
    }
  throw new Error(`this machine has no two patch releases of one Python minor version (found ${all.map((p) => p.version).join(', ')})`);
}

export interface Archive {
  /** Its name as python-build-standalone names it: `cpython-3.12.1+20240101-x86_64-unknown-linux-gnu-install_only.tar.gz`. */
  file: string;
  path: string;
  sha256: string;
  version: string;
  target: string;
  /** The folder tpx publishes it as: `cpython-3.12.1-x86_64-unknown-linux-gnu`. */
  managed: string;
}

/** The standalone-layout archive of `py` for this machine's target, built once and cached. */
export function standaloneArchive(py: LocalPython): Archive {
  const target = pythonTargets(process.platform, process.arch, 'glibc')[0];
  if (!target) throw new Error(`no python-build-standalone target for ${process.platform} ${process.arch}`);
  const file = `cpython-${py.version}+${TAG}-${target}-install_only.tar.gz`;
  const dir = join(cacheDir, createHash('sha256').update(readFileSync(builder)).digest('hex').slice(0, 12));
  const path = join(dir, file);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('python3', [builder, py.prefix, py.executable, py.version, path], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building ${file} failed: ${r.stderr}`);
  }
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  return { file, path, sha256, version: py.version, target, managed: `cpython-${py.version}-${target}` };
}

/** What the mirror does with an archive's body. */
export type Delivery = 'whole' | 'truncated' | 'stalled';

export interface Mirror extends Served {
  /** Its base URL: TPX_PYTHON_MIRROR. */
  base: string;
  dir: string;
  /** Copies the archive in and lists it in SHA256SUMS (with `sha256`, to list a wrong one). */
  publish(archive: Archive, sha256?: string): void;
  /** How archives are sent from now on: whole; half, then the connection closed; half, then nothing more. */
  deliver(how: Delivery): void;
  /** Requests for archives (not SHA256SUMS) so far. */
  archiveRequests(): string[];
}

/** A folder `dir` of archives and their SHA256SUMS, served on loopback as a python-build-standalone release is. */
export async function startMirror(dir: string): Promise<Mirror> {
  mkdirSync(dir, { recursive: true });
  const sums = new Map<string, string>();
  let delivery: Delivery = 'whole';
  const writeSums = () => writeFileSync(join(dir, 'SHA256SUMS'), [...sums].map(([f, h]) => `${h}  ${f}\n`).join(''));
  writeSums();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/pythons\//, ''));
    const file = join(dir, basename(name));
    if (!existsSync(file)) return void res.writeHead(404).end('not found\n');
    const body = readFileSync(file);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    if (name === 'SHA256SUMS' || delivery === 'whole') return void res.end(body);
    res.write(body.subarray(0, body.length >> 1));
    if (delivery === 'truncated') res.destroy();
  };
  const served = await serve(handler);
  return {
    ...served,
    base: `${served.url}/pythons`,
    dir,
    publish(archive, sha256 = archive.sha256) {
      copyFileSync(archive.path, join(dir, archive.file));
      sums.set(archive.file, sha256);
      writeSums();
    },
    deliver(how) {
      delivery = how;
    },
    archiveRequests: () => served.received.map((r) => r.target).filter((t) => t.endsWith('.tar.gz')),
  };
}
