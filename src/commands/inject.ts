import * as fs from 'node:fs';
import type { Context } from '../core/context.js';
import { TpxError, usageError } from '../core/errors.js';
import { freeze, without } from '../core/freeze.js';
import { isValidDistName, normalizeName, parseToolArg, toolKey } from '../core/names.js';
import type { Request } from '../core/receipt.js';
import { rebuild } from '../core/rebuild.js';
import type { Ready } from '../core/rebuild.js';
import type { Receipt } from '../core/receipt.js';
import type { Pin } from '../core/freeze.js';
import { parseSpec } from '../core/spec.js';
import { envPath, requireInstalled } from '../core/store.js';
import type { Cli } from './cli-types.js';

type Injected = Request['injected'][number];

export function register(cli: Cli): void {
  cli.program
    .command('inject')
    .description("add packages to a tool's venv (recorded: upgrade and reinstall keep them)")
    .argument('<name>', 'the installed tool, as `tpx list` shows it')
    .argument('[spec...]', 'packages to add, in any form `tpx install` accepts')
    .option('-r, --requirement <file>', 'also inject every requirement in FILE (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--include-apps', "link the injected packages' apps too")
    .option('-f, --force', 'rebuild even if already injected; replace bin files tpx does not own')
    .action((name: string, specs: string[], flags: InjectFlags) => cli.run((ctx) => inject(ctx, name, specs, flags)));
  cli.program
    .command('uninject')
    .description("remove injected packages from a tool's venv, and the dependencies nothing else needs")
    .argument('<name>', 'the installed tool')
    .argument('<package...>', 'injected packages to remove, by name')
    .option('--leave-deps', "keep the removed packages' dependencies installed")
    .action((name: string, pkgs: string[], flags: { leaveDeps?: boolean }) => cli.run((ctx) => uninject(ctx, name, pkgs, flags)));
}

interface InjectFlags {
  requirement?: string[];
  includeApps?: boolean;
  force?: boolean;
}

async function inject(ctx: Context, name: string, args: string[], flags: InjectFlags): Promise<number> {
  const inst = requireInstalled(ctx, parseToolArg(name));
  const { key, receipt } = inst;
  const specs = [...args, ...(flags.requirement ?? []).flatMap((f) => readRequirements(ctx, f))];
  if (specs.length === 0) throw usageError('name at least one package to inject', `e.g. \`tpx inject ${key} SPEC\`, or \`-r requirements.txt\``);
  const injected = [...receipt.request.injected];
  const added: Injected[] = [];
  for (const raw of specs) {
    const spec = parseSpec(raw, process.cwd());
    const entry: Injected = { spec: spec.spec, name: spec.name ?? '', includeApps: Boolean(flags.includeApps) };
    if (spec.name === toolKey(receipt.name)) {
      throw new TpxError('main-package', `${spec.name} is ${key}'s own package; it cannot be injected into itself`, { hint: `to change its version, use \`tpx upgrade ${key}\`` });
    }
    const at = injected.findIndex((i) => i.spec === entry.spec || (entry.name !== '' && i.name === entry.name));
    if (at >= 0 && same(injected[at] as Injected, entry) && !flags.force) {
      ctx.out.info(`${entry.name || entry.spec} is already injected into ${key}`);
      continue;
    }
    if (at >= 0) injected[at] = entry;
    else injected.push(entry);
    added.push(entry);
  }
  if (added.length === 0) return 0;

  const before = freeze(inst.dir);
  const addedNames = added.map((a) => a.name).filter(Boolean);
  ctx.out.info(`injecting ${added.map((a) => a.name || a.spec).join(', ')} into ${key} (a new environment; the current one stays until it is ready)`);
  const rebuilt = await rebuildInPlaceOf(ctx, inst, { ...receipt.request, injected }, {
    // Everything stays at its version and stays installed; only what the user named may move.
    pins: { constraints: without(before, addedNames), requirements: without(before, [receipt.name, ...injected.map((i) => i.name), ...addedNames]) },
    forceLinks: Boolean(flags.force),
  });
  for (const a of added) {
    const dist = nameOf(rebuilt, a);
    const version = rebuilt.after.find((p) => normalizeName(p.name) === dist)?.version ?? '?';
    ctx.out.info(`injected ${dist} ${version} into ${key}`);
    const apps = rebuilt.receipt.apps.filter((app) => app.dist === dist);
    for (const app of apps) ctx.out.info(`  ${app.link}`);
    if (a.includeApps && apps.length === 0) ctx.out.info(`  (${dist} has no apps to link)`);
  }
  return 0;
}

async function uninject(ctx: Context, name: string, pkgs: string[], flags: { leaveDeps?: boolean }): Promise<number> {
  const inst = requireInstalled(ctx, parseToolArg(name));
  const { key, receipt } = inst;
  const drop = new Set<string>();
  for (const raw of pkgs) {
    if (!isValidDistName(raw)) throw new TpxError('bad-name', `${JSON.stringify(raw)} is not a package name`, { hint: 'name injected packages as `tpx list` shows them' });
    const n = normalizeName(raw);
    if (n === toolKey(receipt.name)) {
      throw new TpxError('main-package', `${n} is ${key}'s own package, not an injected one`, { hint: `to remove the whole tool, run \`tpx uninstall ${key}\`` });
    }
    if (!receipt.request.injected.some((i) => i.name === n)) {
      const names = receipt.request.injected.map((i) => i.name);
      throw new TpxError('not-injected', `${n} is not injected into ${key}`, { hint: names.length > 0 ? `injected into ${key}: ${names.join(', ')}` : `nothing is injected into ${key}` });
    }
    drop.add(n);
  }
  const injected = receipt.request.injected.filter((i) => !drop.has(i.name));
  const before = freeze(inst.dir);
  const kept = without(before, drop);
  const rebuilt = await rebuildInPlaceOf(ctx, inst, { ...receipt.request, injected }, {
    // Constraints install nothing, so all of `before` is held (a removed package still needed keeps its
    // version); without --leave-deps only what the request still names is installed: orphans go.
    pins: { constraints: before, requirements: flags.leaveDeps ? without(kept, [receipt.name, ...injected.map((i) => i.name)]) : [] },
  });
  const remaining = new Set(rebuilt.after.map((p) => normalizeName(p.name)));
  for (const n of drop) {
    ctx.out.info(remaining.has(n) ? `uninjected ${n} from ${key}; it stays installed because another package in ${key} needs it` : `uninjected ${n} from ${key}`);
  }
  const orphans = before.filter((p) => !drop.has(normalizeName(p.name)) && !remaining.has(normalizeName(p.name)));
  if (orphans.length > 0) ctx.out.info(`removed dependencies nothing else needs: ${orphans.map((p) => `${p.name} ${p.version}`).join(', ')}`);
  return 0;
}

interface Rebuilt {
  receipt: Receipt;
  /** The new generation's distributions. */
  after: Pin[];
}

/**
 * Rebuilds the tool with a changed request (core/rebuild.ts). The user asked to change the tool's
 * venv, so a failure says that it was left as it was.
 */
async function rebuildInPlaceOf(ctx: Context, t: Ready['inst'], request: Request, opts: { pins: { constraints: Pin[]; requirements: Pin[] }; forceLinks?: boolean }): Promise<Rebuilt> {
  let receipt: Receipt | null;
  try {
    receipt = await rebuild(ctx, { key: t.key, inst: t, receipt: t.receipt }, request, { ...opts, verb: 'rebuilding', cwd: process.cwd() });
  } catch (err) {
    if (!(err instanceof TpxError) || (err.code !== 'pip-failed' && err.code !== 'no-such-path')) throw err;
    throw err.rephrase({ hint: [`${t.key} was left as it was.`, err.hint].filter(Boolean).join('\n') });
  }
  if (!receipt) throw new TpxError('changed', `${t.key} changed while it was rebuilt`, { hint: 'run the command again' });
  return { receipt, after: freeze(envPath(ctx, receipt.generation)) };
}

function same(a: Injected, b: Injected): boolean {
  return a.spec === b.spec && a.includeApps === b.includeApps;
}

/** The normalised name an injected entry ended up with in the new receipt. */
function nameOf(rebuilt: Rebuilt, a: Injected): string {
  return a.name || (rebuilt.receipt.request.injected.find((i) => i.spec === a.spec)?.name ?? a.spec);
}

/**
 * The requirements in a requirements file: one per line, `#` comments and blank lines skipped.
 * Option lines (`-e`, `-r`, `--index-url`, …) are skipped with a warning: inject records specs only.
 */
export function readRequirements(ctx: Context, file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TpxError('no-such-file', `cannot read requirements file ${file}`, { cause, hint: 'give the path of a requirements.txt file: one package spec per line' });
  }
  const out: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, '').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('-')) ctx.out.warn(`${file}: skipped ${JSON.stringify(line)} (inject takes package specs only)`);
    else out.push(line);
  }
  return out;
}
