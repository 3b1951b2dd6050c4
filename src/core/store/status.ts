/**
 * The health of an installed tool, judged from disk alone — no Python is spawned (`tpx list` is
 * held to ~1.3× `node -e 0`): list shows it, upgrade and reinstall use it to decide what to do,
 * and `tpx doctor` repairs from it (core/ops/doctor.ts). Each problem has a kind, so the fix for it is
 * decided in one place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { entriesAt, linkOwner } from '../base/gate.js';
import { lstatOrNull, readTextOrNull, readlinkOrNull } from '../base/fsx.js';
import { linksByOwner, linkFor, notOneOf, resourceLinkFor } from './links.js';
import { installedAt, readEntry } from './store.js';
import type { Installed } from './store.js';
import { appFile } from '../packaging/distinfo.js';
import { venvBinDir, venvPython } from '../python/venv.js';
import { entryTarget } from '../base/platform.js';
import type { OnPlatform } from '../base/platform.js';
import type { Receipt } from './receipt.js';

export type ProblemKind =
  /** tools/<key> is not a link to one of its generations. */
  | 'entry'
  /** The receipt is missing or unreadable. */
  | 'receipt'
  /** The venv's base interpreter is gone, or is now another minor version. */
  | 'python-gone'
  | 'python-replaced'
  /** An app's link: missing; taken by something else; recorded outside the bin dir; pointing at nothing. */
  | 'link-missing'
  | 'link-taken'
  | 'link-outside'
  | 'link-dangling'
  /** A link in the bin dir into the tool that is not one of its apps (left by a killed upgrade). */
  | 'stray-link';

/**
 * The one repair for each kind of problem (`tpx doctor --fix` makes it; `tpx list` names it), or
 * null where none is safe and the user must act (doctor names the command).
 */
export const REPAIRS: Record<ProblemKind, 'reinstall' | 'relink' | 'restore' | null> = {
  entry: 'restore',
  receipt: null,
  'python-gone': 'reinstall',
  'python-replaced': 'reinstall',
  'link-missing': 'relink',
  'link-taken': null,
  'link-outside': 'reinstall',
  'link-dangling': 'reinstall',
  'stray-link': 'relink',
};

export interface Problem {
  kind: ProblemKind;
  text: string;
  /** The bin entry it is about, for link problems. */
  link?: string;
}

export interface AppStatus {
  name: string;
  link: string;
  /** null when fine; otherwise what is wrong with this app's link. */
  problem: string | null;
}

export interface ToolStatus {
  key: string;
  receipt: Receipt | null;
  /** null when the tool's entry is broken. */
  installed: Installed | null;
  apps: AppStatus[];
  /** Problems that make the tool not work as installed; empty when it is healthy. */
  problems: Problem[];
}

/**
 * Tool `key`'s health; null when it is not installed. `links` is linksByOwner(ctx), passed in when
 * several tools are looked at so the bin dir is read once.
 */
export function toolStatus(ctx: Context, key: string, links: Map<string, string[]> = linksByOwner(ctx)): ToolStatus | null {
  const entry = readEntry(ctx, key);
  if (entry.state === 'none') return null;
  if (entry.state === 'broken')
    return { key, receipt: null, installed: null, apps: [], problems: [{ kind: 'entry', text: entry.problem }] };
  const inst = installedAt(ctx, key, entry.gen);
  const receipt = inst.receipt;
  const problems: Problem[] = [];
  if (!receipt)
    problems.push({
      kind: 'receipt',
      text: inst.receiptError === 'missing' ? 'its receipt is missing' : `its receipt is unreadable: ${inst.receiptError}`,
    });
  const python = pythonProblem(ctx, inst.dir, receipt?.python ?? null);
  if (python) problems.push(python);
  if (!receipt) return { key, receipt, installed: inst, apps: [], problems };

  // A tool that is not exposed (`tpx unexpose`) has no links: any link into it is stray.
  const exposed = receipt.exposed;
  const expected: string[] = [];
  /** One recorded link: its problem, if any (added to `problems` under `label`). */
  const check = (label: string, recorded: string, want: { link: string; target: string } | null, file: string): string | null => {
    // A recorded link path is never used unless it is exactly the one tpx makes (trust nothing on disk).
    if (want) expected.push(want.link);
    if (recorded !== want?.link) {
      const dir = want ? path.dirname(want.link) : null;
      const problem = `link recorded as ${recorded}, not in ${dir === ctx.paths.bin ? `the bin dir ${dir}` : (dir ?? 'a dir tpx links into')}`;
      problems.push({ kind: 'link-outside', text: `${label}: ${problem}` });
      return problem;
    }
    const problem = linkProblem(ctx, key, want, file);
    if (problem) problems.push({ kind: problem.kind, text: `${label}: ${problem.text}`, link: recorded });
    return problem?.text ?? null;
  };
  const apps: AppStatus[] = receipt.apps.map((a) => {
    const problem = exposed
      ? check(a.name, a.link, linkFor(ctx, key, a.name, receipt.request.suffix), path.join(venvBinDir(ctx, inst.dir), appFile(ctx, a.name)))
      : null;
    return { name: a.name, link: a.link, problem };
  });
  for (const r of exposed ? receipt.resources : [])
    check(
      path.basename(r.path),
      r.link,
      resourceLinkFor(ctx, key, r.path, receipt.request.suffix),
      path.join(inst.dir, ...r.path.split('/')),
    );
  for (const link of links.get(key) ?? []) {
    if (!expected.includes(link))
      problems.push({
        kind: 'stray-link',
        text: `${link} links into it but is not ${notOneOf(ctx, link)}${exposed ? '' : ' (it is not exposed)'}`,
        link,
      });
  }
  return { key, receipt, installed: inst, apps, problems };
}

/** What is wrong with a link the tool should have, if anything; `file` is what it ends at in the venv. */
function linkProblem(
  ctx: Context,
  key: string,
  { link, target }: { link: string; target: string },
  file: string,
): { kind: ProblemKind; text: string } | null {
  const entries = entriesAt(ctx, link);
  if (!entries.slot(link).some((f) => lstatOrNull(f) !== null)) return { kind: 'link-missing', text: 'link missing' };
  const owner = linkOwner(ctx, link);
  if (owner !== key)
    return { kind: 'link-taken', text: owner ? `link now belongs to ${owner}` : 'link replaced by a file tpx does not own' };
  if (entryTarget(entries, link) !== target || !fs.existsSync(file))
    return { kind: 'link-dangling', text: `${path.dirname(link) === ctx.paths.bin ? 'app' : 'file'} missing from its venv` };
  return null;
}

/**
 * Whether the venv's base interpreter is still the one it was built with, from disk alone: the
 * venv's python link must resolve, and to the recorded minor version — told by the resolved
 * executable's name (`python3.13`), or else by which `lib/pythonX.Y` standard library sits under
 * its prefix. `recorded` is the receipt's version; without a receipt, pyvenv.cfg's.
 */
export function pythonProblem(on: OnPlatform, venv: string, recorded: Receipt['python'] | null): Problem | null {
  const link = venvPython(on, venv);
  let real: string;
  try {
    real = fs.realpathSync.native(link);
  } catch {
    return { kind: 'python-gone', text: `its Python is gone (${recorded?.executable ?? readlinkOrNull(link) ?? link})` };
  }
  const version = recorded?.version ?? /^version(?:_info)?\s*=\s*(\S+)/m.exec(readTextOrNull(path.join(venv, 'pyvenv.cfg')) ?? '')?.[1];
  const want = /^(\d+\.\d+)/.exec(version ?? '')?.[1];
  if (!want) return null;
  let now = /^python(\d+\.\d+)/.exec(path.basename(real))?.[1] ?? null;
  if (now === null) {
    const libs = on.platform.stdlibVersions(real);
    if (libs.length > 0 && !libs.includes(want)) now = libs.join(' or ');
  }
  if (now === null || now === want) return null;
  return {
    kind: 'python-replaced',
    text: `its Python was replaced: ${readlinkOrNull(link) ?? real} is now Python ${now}, and it was built with ${version}`,
  };
}

/** Links in the bin dir into tools/<key> for a `key` that is not installed: they belong to no tool. */
export function ownerlessLinks(ctx: Context, links: Map<string, string[]>): string[] {
  return [...links].filter(([key]) => readEntry(ctx, key).state === 'none').flatMap(([, l]) => l);
}
