/**
 * The health of an installed tool, judged from disk alone (no Python is spawned): list shows it,
 * upgrade-all and reinstall use it to decide what to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { lstatOrNull } from './fsx.js';
import { linkOwner } from './links.js';
import { readInstalled, toolPath } from './store.js';
import type { Installed } from './store.js';
import { venvBinDir, venvPython } from './venv.js';
import type { Receipt } from './receipt.js';

export interface AppStatus {
  name: string;
  link: string;
  /** null when fine; otherwise what is wrong with this app's link. */
  problem: string | null;
}

export interface ToolStatus {
  key: string;
  receipt: Receipt | null;
  installed: Installed;
  apps: AppStatus[];
  /** Problems that make the tool not work as installed; empty when it is healthy. */
  problems: string[];
}

export function toolStatus(ctx: Context, key: string): ToolStatus | null {
  const inst = readInstalled(ctx, key);
  if (!inst) return null;
  const problems: string[] = [];
  const receipt = inst.receipt;
  if (!fs.existsSync(inst.dir)) problems.push(`its environment ${inst.dir} is missing`);
  else if (!receipt) problems.push(`its receipt is unreadable (${inst.receiptError})`);
  // existsSync follows the venv's python symlink to the base interpreter: false when that was removed.
  if (fs.existsSync(inst.dir) && !fs.existsSync(venvPython(toolPath(ctx, key)))) {
    problems.push(`its Python is gone${receipt ? ` (${receipt.python.executable})` : ''}`);
  }
  const apps: AppStatus[] = (receipt?.apps ?? []).map((a) => {
    const st = lstatOrNull(a.link);
    let problem: string | null = null;
    if (!st) problem = 'link missing';
    else if (!st.isSymbolicLink() || linkOwner(ctx, a.link) !== key) {
      const owner = st.isSymbolicLink() ? linkOwner(ctx, a.link) : null;
      problem = owner ? `link now belongs to ${owner}` : 'link replaced by a file tpx does not own';
    } else if (!fs.existsSync(path.join(venvBinDir(inst.dir), path.basename(fs.readlinkSync(a.link))))) problem = 'app missing from its venv';
    if (problem) problems.push(`${a.name}: ${problem}`);
    return { name: a.name, link: a.link, problem };
  });
  return { key, receipt, installed: inst, apps, problems };
}
