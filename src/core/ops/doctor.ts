/**
 * `tpx doctor`: everything that can be wrong with a tpx home, found from disk (no Python spawned),
 * and the repairs that are safe. The per-tool checks are status.ts's, the ones `tpx list` shows;
 * doctor adds what is too slow for list (the receipt against the venv's dist-info) and what
 * belongs to no tool (orphaned generations, stale locks, links into tools that are gone, temp
 * names left in tools/, the bin dir missing from PATH). Each finding carries the one repair for it,
 * or the command that would fix it when no repair is safe (docs/architecture.md, "Health, from disk").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from '../base/context.js';
import { listDists } from '../packaging/distinfo.js';
import { removeMine, removeToolLink } from '../base/gate.js';
import { lstatOrNull, readTextOrNull, readdirOrEmpty, readlinkOrNull } from '../base/fsx.js';
import { linksByOwner, isOnPath, repairToolLinks } from '../store/links.js';
import { isStaleLock, isTempOrphan, lockDir, takeOver, withLock } from '../base/mutex.js';
import { isToolKey, toolKey } from '../packaging/names.js';
import { ASIDE } from '../base/platform.js';
import type { Receipt } from '../store/receipt.js';
import { reinstallTool } from './reinstall.js';
import { damagedEntries, storeFindings } from './cache.js';
import { storeWheelsOf } from '../installer/store/entries.js';
import { selectedFile, selectedPip } from '../installer/pip/shared.js';
import { REPAIRS, ownerlessLinks, toolStatus, venvProblems } from '../store/status.js';
import type { Problem, ToolStatus } from '../store/status.js';
import { pathAdvice } from '../shell/shellpath.js';
import {
  brokenFix,
  collectGarbage,
  envPath,
  generationsOf,
  lostFix,
  notInstalled,
  orphanGenerations,
  peekReceipt,
  readEntry,
  switchEntry,
  toolKeys,
  toolPath,
} from '../store/store.js';
import { sitePackages } from '../python/venv.js';
import { verifyVenv } from '../store/verify.js';
import { choosePython, minorVersion } from '../python/choose.js';

/** What `--fix` does about a finding. */
export type Repair =
  /** `onMinor`: its Python is gone or replaced, so it is rebuilt on one of the same minor version (installed, else downloaded). */
  | { kind: 'reinstall'; key: string; onMinor?: string }
  | { kind: 'relink'; key: string }
  | { kind: 'restore'; key: string; gen: string; version: string }
  | { kind: 'collect' }
  | { kind: 'unlock'; dir: string }
  | { kind: 'unlink'; link: string; owner: string }
  | { kind: 'remove'; path: string };

export interface Finding {
  /** The tool it is about; null for the home as a whole. */
  tool: string | null;
  problem: string;
  /** What --fix does; null when nothing is safe to do automatically. */
  repair: Repair | null;
  /** The command (or step) that fixes it by hand. */
  command: string;
}

/** What `tpx doctor` found and, with `fix`, did: what is still wrong, the repairs made and failed, and how many tools it checked. */
export interface Checkup {
  findings: Finding[];
  fixed: string[];
  failed: string[];
  checked: number;
}

/**
 * `tpx doctor [NAME…] [--fix]`: diagnose, and with `fix` repair what is safe. A repair can uncover
 * the next (a tool pointed back at its generation, whose Python is gone): a few rounds, while they
 * do something. A name that is neither installed nor owns a link is an error.
 */
export async function checkup(ctx: Context, keys: string[], fix: boolean, opts: { verify?: boolean } = {}): Promise<Checkup> {
  for (const key of keys) if (readEntry(ctx, key).state === 'none' && !linksByOwner(ctx).has(key)) throw notInstalled(ctx, key);
  // The wheel store belongs to no tool: checked with the whole home.
  const look = async () => [
    ...diagnose(ctx, keys),
    ...(opts.verify ? await verifyFindings(ctx, keys) : []),
    ...(keys.length === 0 ? await storeFindings(ctx) : []),
  ];
  let findings = await look();
  const fixed: string[] = [];
  const failed: string[] = [];
  for (let round = 0; fix && round < 3 && findings.some((f) => f.repair); round++) {
    const r = await repair(ctx, findings);
    fixed.push(...r.done);
    failed.push(...r.failed);
    findings = await look();
    if (r.done.length === 0) break;
  }
  return { findings, fixed, failed, checked: keys.length > 0 ? keys.length : toolKeys(ctx).length };
}

/** Everything wrong, for the named tools (with their locks and stray links) or, without names, the whole home. */
export function diagnose(ctx: Context, names: string[] = []): Finding[] {
  const links = linksByOwner(ctx);
  const keys = names.length > 0 ? names : toolKeys(ctx);
  const findings: Finding[] = keys.flatMap((key) => toolFindings(ctx, key, links));
  const ownerless = ownerlessLinks(ctx, links).filter((l) => names.length === 0 || keys.includes(ownerOf(links, l)));
  for (const link of ownerless) {
    findings.push({
      tool: null,
      problem: `${link} links into ${path.join(ctx.paths.tools, ownerOf(links, link))}, which is not installed`,
      repair: { kind: 'unlink', link, owner: ownerOf(links, link) },
      command: `rm ${link}`,
    });
  }
  for (const key of keys) findings.push(...lockFindings(ctx, `${key}.lock`));
  if (names.length > 0) return findings;
  for (const entry of readdirOrEmpty(ctx.paths.locks))
    if (!keys.some((k) => entry === `${k}.lock`)) findings.push(...lockFindings(ctx, entry));
  for (const gen of orphanGenerations(ctx)) {
    const of = peekReceipt(envPath(ctx, gen)).key;
    findings.push({
      tool: null,
      problem: `${envPath(ctx, gen)} is a generation no tool points to${of ? ` (it was ${of}'s)` : ''}`,
      repair: { kind: 'collect' },
      command: 'tpx doctor --fix',
    });
  }
  for (const name of readdirOrEmpty(ctx.paths.tools).filter((n) => !isToolKey(n))) {
    const p = path.join(ctx.paths.tools, name);
    const aside = name.endsWith(ASIDE);
    // An aside without its entry is a Windows switch under way (one that was killed, readEntry renamed back).
    if (aside && !lstatOrNull(p.slice(0, -ASIDE.length))) continue;
    // The temp link of a switch a kill interrupted (a minute old, or its writer's pid gone and the
    // tool's lock held by no live tpx — one on another host sharing the home, say), or the old entry
    // a Windows switch moved aside and was killed before removing (platform.junctionSwitch);
    // anything else there tpx did not make, and leaves to the user.
    const old = /\.tmp-\d+-[0-9a-f]+$/.test(name) && Date.now() - (lstatOrNull(p)?.mtimeMs ?? 0) > 60_000;
    const lock = lockDir(ctx, name.replace(/\.tmp-.*$/, ''));
    const killed = isTempOrphan(name) && (!lstatOrNull(lock) || isStaleLock(lock));
    const temp = lstatOrNull(p)?.isSymbolicLink() === true && (aside || old || killed);
    findings.push({
      tool: null,
      problem: `${p} is not a tool tpx made${temp ? ' (the temp link of an interrupted switch)' : ''}`,
      repair: temp ? { kind: 'remove', path: p } : null,
      command: `rm -r ${p}`,
    });
  }
  const chosen = readTextOrNull(selectedFile(ctx.paths))?.trim();
  if (chosen !== undefined && !selectedPip(ctx.paths)) {
    const file = selectedFile(ctx.paths);
    findings.push({
      tool: null,
      problem: `${file} names pip ${JSON.stringify(chosen)}, which is not in ${ctx.paths.shared}: builds use each interpreter's bundled pip`,
      repair: { kind: 'remove', path: file },
      command: 'tpx upgrade-shared',
    });
  }
  if (!isOnPath(ctx, ctx.paths.bin)) {
    // The advice install gives (shell/shellpath.ts), on one line.
    const advice = pathAdvice(ctx);
    const command = `${advice.text} ${advice.line}`;
    findings.push({
      tool: null,
      problem: `the bin dir ${ctx.paths.bin} is not on your PATH, so apps cannot be run by name`,
      repair: null,
      command,
    });
  }
  return findings;
}

function ownerOf(links: Map<string, string[]>, link: string): string {
  return [...links].find(([, ls]) => ls.includes(link))?.[0] ?? '';
}

function toolFindings(ctx: Context, key: string, links: Map<string, string[]>): Finding[] {
  const status = toolStatus(ctx, key, links);
  if (!status) return [];
  const found = status.problems.map((p) => findingFor(ctx, key, p, status.receipt));
  const r = status.receipt;
  if (r && status.installed && !status.problems.some((p) => p.kind === 'python-gone')) {
    const mismatch = venvMismatch(ctx, status.installed.dir, r);
    if (mismatch)
      found.push({
        tool: key,
        problem: `its receipt does not match its environment: ${mismatch}`,
        repair: { kind: 'reinstall', key },
        command: `tpx reinstall ${key}`,
      });
  }
  return found;
}

/** One problem of tool `key` (status.ts) as a finding: its repair, or the command that fixes it when none is safe. */
function findingFor(ctx: Context, key: string, p: Problem, r: Receipt | null): Finding {
  const kind = REPAIRS[p.kind];
  if (kind === 'restore') {
    // Only a link is pointed back (a rename replaces it); with no generation left, only the user knows the spec.
    const link = lstatOrNull(toolPath(ctx, key))?.isSymbolicLink() === true;
    const gens = link ? generationsOf(ctx, key) : [];
    const to = gens.find((g) => venvProblems(ctx, envPath(ctx, g.generation), g).length === 0) ?? gens[0];
    if (to)
      return {
        tool: key,
        problem: p.text,
        repair: { kind, key, gen: to.generation, version: to.version },
        command: `tpx doctor --fix ${key}`,
      };
    return { tool: key, problem: p.text, repair: null, command: brokenFix(ctx, key) };
  }
  if (p.kind === 'receipt') return { tool: key, problem: p.text, repair: null, command: lostFix(key) };
  if (p.kind === 'link-taken')
    return {
      tool: key,
      problem: p.text,
      repair: null,
      command: `move ${p.link ?? 'that file'} out of the way, then run \`tpx doctor --fix ${key}\``,
    };
  // Its Python gone or replaced: rebuilt on the minor version it had (installed, else downloaded).
  const onMinor = (p.kind === 'python-gone' || p.kind === 'python-replaced') && r ? minorVersion(r.python.version) : undefined;
  const command = kind === 'reinstall' ? `tpx reinstall ${key}` : `tpx doctor --fix ${key}`;
  return { tool: key, problem: p.text, repair: kind ? { kind, key, ...(onMinor ? { onMinor } : {}) } : null, command };
}

/**
 * The one command `tpx list` shows for a broken tool, the same doctor names: what the user must do
 * first when some problem has no safe repair; else `tpx reinstall` when a rebuild fixes it all (the
 * command everyone knows); else `tpx doctor --fix`, which knows each repair.
 */
export function toolFix(ctx: Context, status: ToolStatus): string {
  const findings = status.problems.map((p) => findingFor(ctx, status.key, p, status.receipt));
  const manual = findings.find((f) => f.repair === null);
  if (manual) return manual.command;
  return findings.every((f) => f.repair?.kind === 'reinstall') ? `tpx reinstall ${status.key}` : `tpx doctor --fix ${status.key}`;
}

/**
 * `--verify`: each tool's files against its distributions' RECORDs (store/verify.ts); a tool whose
 * files differ is rebuilt from its receipt by `--fix`. Tools with other problems are left to those.
 */
async function verifyFindings(ctx: Context, names: string[]): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const key of names.length > 0 ? names : toolKeys(ctx)) {
    const entry = readEntry(ctx, key);
    if (entry.state !== 'ok') continue;
    const t = await verifyVenv(ctx, envPath(ctx, entry.gen));
    const parts = (['changed', 'added', 'deleted'] as const).filter((k) => t[k].length > 0).map((k) => `${k} ${shortList(t[k])}`);
    if (t.unrecorded.length > 0) parts.push(`no RECORD to check for ${t.unrecorded.join(', ')}`);
    if (parts.length === 0) continue;
    const n = t.changed.length + t.added.length + t.deleted.length;
    // A changed file may be one the wheel store shares with it: a reinstall must not link it back.
    if (t.changed.length > 0) found.push(...(await damagedEntries(ctx, storeWheelsOf(envPath(ctx, entry.gen)))));
    found.push({
      tool: key,
      problem: `${n} of its files ${n === 1 ? 'is' : 'are'} not what was installed (RECORD): ${parts.join('; ')}`,
      repair: n > 0 ? { kind: 'reinstall', key } : null,
      command: `tpx reinstall ${key}`,
    });
  }
  return found;
}

function shortList(files: string[], max = 10): string {
  return files.length > max ? `${files.slice(0, max).join(', ')} and ${files.length - max} more` : files.join(', ');
}

/** The receipt against the venv, from dist-info: the main distribution must be there at the recorded version. */
function venvMismatch(ctx: Context, dir: string, r: Receipt): string | null {
  let site: string;
  try {
    site = sitePackages(ctx, dir);
  } catch {
    return 'it has no site-packages';
  }
  const dist = listDists(site).find((d) => toolKey(d.name) === toolKey(r.name));
  if (!dist) return `${r.name} is not installed in it`;
  return dist.version === r.version ? null : `it records ${r.name} ${r.version}, but ${dist.version} is installed`;
}

function lockFindings(ctx: Context, entry: string): Finding[] {
  const dir = path.join(ctx.paths.locks, entry);
  if (/\.lock\.stale-/.test(entry))
    return [
      { tool: null, problem: `${dir} is a stale lock left half-removed`, repair: { kind: 'remove', path: dir }, command: `rm -r ${dir}` },
    ];
  if (!entry.endsWith('.lock') || !fs.existsSync(dir) || !isStaleLock(dir)) return [];
  return [
    {
      tool: entry.slice(0, -'.lock'.length),
      problem: `${dir} is a stale lock: the tpx that took it is gone`,
      repair: { kind: 'unlock', dir },
      command: `rm -r ${dir}`,
    },
  ];
}

/** Applies the repairs of `findings`, each once, in an order where one does not undo another; returns what was done. */
export async function repair(ctx: Context, findings: Finding[]): Promise<{ done: string[]; failed: string[] }> {
  const done: string[] = [];
  const failed: string[] = [];
  const repairs = findings.map((f) => f.repair).filter((r): r is Repair => r !== null);
  const once = new Set<string>();
  // Debris first (so what is removed is said, not swept up silently by a reinstall's garbage collection), then the tools.
  const order: Repair['kind'][] = ['unlock', 'collect', 'unlink', 'remove', 'restore', 'reinstall', 'relink'];
  for (const kind of order) {
    for (const r of repairs.filter((x) => x.kind === kind)) {
      const id = JSON.stringify(r.kind === 'relink' || r.kind === 'reinstall' ? { k: r.kind, key: r.key } : r);
      // A reinstall relinks too.
      if (once.has(id) || (r.kind === 'relink' && once.has(JSON.stringify({ k: 'reinstall', key: r.key })))) continue;
      once.add(id);
      try {
        const said = await apply(ctx, r);
        if (said) done.push(said);
      } catch (err) {
        failed.push(err instanceof Error ? err.message : String(err));
      }
    }
  }
  return { done, failed };
}

async function apply(ctx: Context, r: Repair): Promise<string | null> {
  switch (r.kind) {
    case 'unlock':
      if (!isStaleLock(r.dir)) return null;
      takeOver(ctx, r.dir);
      return `removed the stale lock ${r.dir}`;
    case 'restore':
      return withLock(ctx, r.key, async () => {
        const entry = readEntry(ctx, r.key);
        // Only a link is re-pointed (a rename replaces it, never touching what it pointed at); anything else is the user's to remove.
        if (entry.state !== 'broken' || !lstatOrNull(toolPath(ctx, r.key))?.isSymbolicLink())
          throw new Error(`${toolPath(ctx, r.key)} is not a link; \`tpx uninstall ${r.key}\` removes it`);
        switchEntry(ctx, r.key, r.gen);
        return `pointed tools/${r.key} back at its generation ${r.gen} (${r.key} ${r.version})`;
      });
    case 'reinstall': {
      const py = r.onMinor ? await choosePython(ctx, { requested: r.onMinor }) : undefined;
      const o = await reinstallTool(ctx, r.key, { py });
      if (o.status === 'failed')
        throw new Error(`could not reinstall ${r.key}: ${o.error.message}${o.error.hint ? ` (${o.error.hint.split('\n')[0]})` : ''}`);
      const same = r.onMinor ? `, on Python ${r.onMinor} as before` : '';
      return o.status === 'reinstalled' ? `reinstalled ${r.key} ${o.version} (Python ${o.python}) from its receipt${same}` : null;
    }
    case 'relink': {
      const said = await repairToolLinks({ ...ctx, out: { ...ctx.out, info: () => {} } }, r.key);
      return said.length ? said.join('; ') : null;
    }
    case 'unlink': {
      const target = readlinkOrNull(r.link);
      return removeToolLink(ctx, r.link, r.owner) ? `removed ${r.link} (→ ${target}): ${r.owner} is not installed` : null;
    }
    case 'remove':
      removeMine(ctx, r.path);
      return `removed ${r.path}`;
    case 'collect': {
      const removed = collectGarbage(ctx);
      return removed.length ? `removed ${removed.length} orphaned generation${removed.length > 1 ? 's' : ''}: ${removed.join(', ')}` : null;
    }
  }
}
