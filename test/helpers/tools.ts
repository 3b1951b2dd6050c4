// Small readers and fault injectors for installed tools, shared by the integration tests.
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { World } from './world.js';

export const receiptFile = (w: World, key: string): string => join(w.tpxHome, 'tools', key, 'tpx.json');
export const receipt = (w: World, key: string): any => JSON.parse(readFileSync(receiptFile(w, key), 'utf8'));

/** The venv's python link now dangles, as after its base interpreter was removed. */
export function removePython(w: World, key: string): void {
  const py = join(w.tpxHome, 'tools', key, 'bin', 'python');
  rmSync(py);
  symlinkSync(join(w.root, 'gone', 'python3'), py);
}
