/**
 * The health of an installed tool, judged from disk alone — no Python is spawned (`tpx list` is
 * held to ~1.3× `node -e 0`): list shows it, upgrade and reinstall use it to decide what to do,
 * and `tpx doctor` repairs from it (core/ops/doctor.ts). Each problem has a kind, so the fix for it is
 * decided in one place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { entriesAt, linkOwner, movedInto } from '../base/gate.js';
import { isInside, lstatOrNull, readTextOrNull, readlinkOrNull, realpathOrNull } from '../base/fsx.js';
import { linksByOwner, linkFor, notOneOf, resourceLinkFor } from './links.js';
import { installedAt, readEntry } from './store.js';
import type { Installed } from './store.js';
import { appFile } from '../packaging/distinfo.js';
import { madeAt, venvBinDir, venvPython } from '../python/venv.js';
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
  /** The venv's own python (bin/python) is missing, while its base interpreter is there. */
  | 'venv-python'
  /** The venv was made at another path (its data home was moved): its apps name the old one. */
  | 'venv-moved'
  /** An app's link: missing; taken by something else; recorded outside the bin dir; pointing at nothing; into the home this one was before it moved. */
  | 'link-missing'
  | 'link-taken'
  | 'link-outside'
  | 'link-dangling'
  | 'link-moved'
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
  'venv-python': 'reinstall',
  'venv-moved': 'reinstall',
  'link-missing': 'relink',
  'link-taken': null,
  'link-outside': 'reinstall',
  'link-dangling': 'reinstall',
  'link-moved': 'relink',
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
  problems.push(...venvProblems(ctx, inst.dir, receipt));
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
  const at = entryTarget(entries, link);
  const moved = at !== null && !isInside(at, ctx.paths.tools) ? movedInto(ctx, at) : null;
  if (moved) return { kind: 'link-moved', text: `link points into ${moved.dir}, which is gone` };
  if (at !== target || !fs.existsSync(file))
    return { kind: 'link-dangling', text: `${path.dirname(link) === ctx.paths.bin ? 'app' : 'file'} missing from its venv` };
  return null;
}

/**
 * What is wrong with a tool's venv itself, from disk: its python (pythonProblem), and where it was
 * made (movedProblem). `receipt` gives the recorded Python and the apps; without one, pyvenv.cfg.
 */
export function venvProblems(on: OnPlatform, venv: string, receipt: Pick<Receipt, 'python' | 'apps'> | null): Problem[] {
  const apps = (receipt?.apps ?? []).map((a) => appFile(on, a.name));
  return [pythonProblem(on, venv, receipt?.python ?? null), movedProblem(on, venv, apps)].filter((p): p is Problem => p !== null);
}

/**
 * Whether the venv was made where it is: a venv cannot be moved, since its apps start its python by
 * absolute path (venv.madeAt reads where from pyvenv.cfg, else an app's `#!` line). The same place
 * reached by another path (a symlink) is not a move.
 */
export function movedProblem(on: OnPlatform, venv: string, apps: string[]): Problem | null {
  const made = madeAt(on, venv, apps);
  if (made === null || on.platform.samePath(made, venv)) return null;
  const real = realpathOrNull(made);
  if (real !== null && real === realpathOrNull(venv)) return null;
  return {
    kind: 'venv-moved',
    text: `its venv was made at ${made} and has moved since; its apps still start ${venvPython(on, made)}`,
  };
}

/**
 * Whether the venv's base interpreter is still the one it was built with, from disk alone: the
 * venv's python link must resolve, and to the recorded minor version — told by the resolved
 * executable's name (`python3.13`), or else by which `lib/pythonX.Y` standard library sits under
 * its prefix. `recorded` is the receipt's version; without a receipt, pyvenv.cfg's. A venv whose
 * python itself is gone (deleted by hand) while the base is there says that, not that the Python is.
 */
export function pythonProblem(on: OnPlatform, venv: string, recorded: Receipt['python'] | null): Problem | null {
  const link = venvPython(on, venv);
  // Read only when the receipt does not say (`tpx list` reads pyvenv.cfg once per tool already: venv.madeAt).
  const cfg = () => readTextOrNull(path.join(venv, 'pyvenv.cfg')) ?? '';
  let real: string;
  try {
    real = fs.realpathSync.native(link);
  } catch {
    const base = recorded?.executable ?? /^executable\s*=\s*(.+?)\s*$/m.exec(cfg())?.[1];
    if (lstatOrNull(link) === null && base && fs.existsSync(base))
      return { kind: 'venv-python', text: `its venv's python (${link}) is missing; its base Python ${base} is still there` };
    return { kind: 'python-gone', text: `its Python is gone (${recorded?.executable ?? readlinkOrNull(link) ?? link})` };
  }
  const version = recorded?.version ?? /^version(?:_info)?\s*=\s*(\S+)/m.exec(cfg())?.[1];
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
