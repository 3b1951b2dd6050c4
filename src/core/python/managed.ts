/**
 * The Pythons tpx downloaded and manages (docs/architecture.md, "Pythons tpx manages"): one folder
 * per build under the data home's `pythons/` (`--global`: its own home's), named
 * `cpython-<version>-<target>`, published by one rename (python/download.ts). A name that is not
 * such a folder holding the build's interpreter is not a managed Python; `.tmp-*` entries are
 * downloads or removals under way — or left by a killed one, and removed by the next that holds
 * the lock.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { removeMine } from '../base/gate.js';
import { isExecutable, isInside, lstatOrNull, readdirOrEmpty, realpathOrNull, uniqueSuffix } from '../base/fsx.js';
import { withLock } from '../base/mutex.js';
import { compareVersions } from '../packaging/pep440.js';

/** One managed Python. */
export interface Managed {
  /** Its folder name: `cpython-3.12.4-x86_64-unknown-linux-gnu`. */
  name: string;
  dir: string;
  version: string;
  /** python-build-standalone's target triple it was built for. */
  target: string;
  /** Its interpreter (platform.standalonePython in `dir`). */
  executable: string;
}

const NAME = /^cpython-(\d+\.\d+\.\d+)-([a-z0-9_]+(?:-[a-z0-9_]+)+)$/;
/** Staging folders of downloads and removals. */
export const STAGING = '.tmp-';

/** The folder name of a build of `version` for `target`. */
export function managedName(version: string, target: string): string {
  return `cpython-${version}-${target}`;
}

/** Every managed Python, newest version first. */
export function managedPythons(ctx: Context): Managed[] {
  const found: Managed[] = [];
  for (const name of readdirOrEmpty(ctx.paths.pythons)) {
    const m = NAME.exec(name);
    const dir = path.join(ctx.paths.pythons, name);
    const executable = path.join(dir, ...ctx.platform.standalonePython.split('/'));
    if (!m?.[1] || !m[2] || !lstatOrNull(dir)?.isDirectory() || !isExecutable(executable)) continue;
    found.push({ name, dir, version: m[1], target: m[2], executable });
  }
  return found.sort((a, b) => compareVersions(b.version, a.version) ?? 0);
}

/** The managed Python an interpreter (a receipt's, a venv's base) is, or null: by its real path. */
export function managedOf(ctx: Context, executable: string): Managed | null {
  const real = realpathOrNull(executable) ?? path.resolve(executable);
  return managedPythons(ctx).find((m) => isInside(real, realpathOrNull(m.dir) ?? m.dir)) ?? null;
}

/**
 * Runs `work` holding the lock of the managed Pythons (one download, install or removal at a time,
 * also within one process: `install --python 3.12 a b` downloads once), after removing what a
 * killed one left: under the lock, any staging folder is one.
 */
export async function withPythonsLock<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
  // A name no tool key can be (keys have no dots: names.ts), so no tool's lock is this one.
  return withLock(ctx, 'python.downloads', async () => {
    for (const name of readdirOrEmpty(ctx.paths.pythons)) if (name.startsWith(STAGING)) removeMine(ctx, path.join(ctx.paths.pythons, name));
    return work();
  });
}

/** A staging folder in pythons/ (so its rename into place stays on one file system); call under the lock. */
export function stagingDir(ctx: Context): string {
  const dir = path.join(ctx.paths.pythons, `${STAGING}${uniqueSuffix()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes a managed Python: moved aside in one rename (it stops being one at once), then deleted through the gate. Under the lock. */
export function removeManaged(ctx: Context, m: Managed): void {
  const aside = path.join(ctx.paths.pythons, `${STAGING}${uniqueSuffix()}`);
  fs.renameSync(m.dir, aside);
  removeMine(ctx, aside);
}
