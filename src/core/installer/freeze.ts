/**
 * A venv's exact contents — every distribution's name and version, read from its dist-info on disk
 * (no Python) — and the pip files that hold a rebuild to them. Inject, uninject and install-all
 * rebuild a tool in a new generation; these pins are what keep that rebuild from silently
 * upgrading anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { listDists } from '../packaging/distinfo.js';
import { removeMine } from '../base/gate.js';
import { readJsonOrNull, uniqueSuffix } from '../base/fsx.js';
import { directReference } from '../packaging/directurl.js';
import { normalizeName } from '../packaging/names.js';
import { isValidVersion } from '../packaging/pep440.js';
import type { OnPlatform } from '../base/platform.js';
import { sitePackages } from '../python/venv.js';

export interface Pin {
  name: string;
  version: string;
  /**
   * Installed from a direct reference (PEP 610 `direct_url.json`: a dependency declared as
   * `x @ file:///…`, a VCS checkout), not from an index: where to get exactly it again.
   */
  url?: string;
}

/** Every distribution installed in the venv at `dir`, sorted by normalised name. */
export function freeze(on: OnPlatform, dir: string): Pin[] {
  return listDists(sitePackages(on, dir))
    .map((d) => {
      const url = directReference(readJsonOrNull(path.join(d.dir, 'direct_url.json')));
      return url === null ? { name: d.name, version: d.version } : { name: d.name, version: d.version, url };
    })
    .sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name)));
}

/** The pins whose names are not in `names` (normalised or not). */
export function without(pins: Pin[], names: Iterable<string>): Pin[] {
  const drop = new Set([...names].map(normalizeName));
  return pins.filter((p) => !drop.has(normalizeName(p.name)));
}

/**
 * Runs `work` with pip arguments that hold a build to `pins`: `-c` constraints (a distribution
 * that gets installed must be at its pinned version) and `-r` requirements (these get installed,
 * at exactly that version). The files live in the cache dir only while `work` runs.
 */
export async function withPins<T>(
  ctx: Context,
  pins: { constraints: Pin[]; requirements: Pin[] },
  work: (pipArgs: string[]) => Promise<T>,
): Promise<T> {
  const dir = path.join(ctx.paths.cache, `pins-${uniqueSuffix()}`);
  const remove = () => removeMine(ctx, dir);
  const unregister = ctx.interrupts.register(remove);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const args: string[] = [];
    for (const [flag, list] of [
      ['-c', pins.constraints],
      ['-r', pins.requirements],
    ] as const) {
      if (list.length === 0) continue;
      const file = path.join(dir, flag === '-c' ? 'constraints.txt' : 'requirements.txt');
      fs.writeFileSync(file, list.map(flag === '-c' ? pinLine : requirementLine).join(''));
      args.push(flag, file);
    }
    return await work(args);
  } finally {
    unregister();
    remove();
  }
}

/**
 * A requirement for exactly what is installed: its direct reference when it came from one (the
 * index may not have it at all: by name and version pip would look there, and fail), else pinLine.
 * A constraint stays a pinLine: it holds the version whichever way the requirement names it.
 */
function requirementLine(p: Pin): string {
  return p.url ? `${p.name} @ ${p.url}\n` : pinLine(p);
}

/** `==` for versions PEP 440 can compare; `===` (exact string) for anything else pip still installed. */
export function pinLine(p: Pin): string {
  return `${p.name}${isValidVersion(p.version) ? '==' : '==='}${p.version}\n`;
}
