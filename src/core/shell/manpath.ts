/**
 * Whether `man` looks in tpx's man dir, decided from the environment alone, the way man-db derives
 * its search path (manpath(5)): MANPATH when it is set, where an empty element (a leading or
 * trailing `:`, or `::`) stands for the path man would derive itself; else that derived path: for
 * each PATH dir P, P/../man, P/man, P/../share/man and P/share/man, and the system's own man dirs.
 * macOS's and the BSDs' man derive P/man and P/../man alike, which this covers. A MANPATH_MAP in
 * /etc/man_db.conf (mostly system dirs onto /usr/share/man) is not read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Platform } from '../base/platform.js';

/** Where man-db and the BSDs' man look whatever PATH says (their configuration's mandatory dirs). */
const SYSTEM_MAN_DIRS = ['/usr/share/man', '/usr/local/share/man', '/usr/man', '/usr/local/man'];

/** The man dirs `man` derives from one PATH dir. */
export function manDirsFor(binDir: string): string[] {
  return [
    path.join(binDir, '..', 'man'),
    path.join(binDir, 'man'),
    path.join(binDir, '..', 'share', 'man'),
    path.join(binDir, 'share', 'man'),
  ];
}

/** Whether `man` looks in `dir`, given the environment (pure but for resolving symlinks). */
export function manLooksIn(dir: string, env: NodeJS.ProcessEnv, platform: Pick<Platform, 'pathDirs' | 'samePath'>): boolean {
  const same = (other: string) => [dir, realpath(dir)].some((d) => platform.samePath(d, other) || platform.samePath(d, realpath(other)));
  const manpath = env.MANPATH;
  if (manpath) {
    const parts = manpath.split(':');
    if (parts.filter(Boolean).some(same)) return true;
    if (!parts.includes('')) return false;
  }
  const derived = [...platform.pathDirs(env).flatMap(manDirsFor), ...SYSTEM_MAN_DIRS];
  return derived.some(same);
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
