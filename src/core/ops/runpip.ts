/**
 * `tpx runpip`: the user's own pip command run in a tool's current venv, under the tool's lock; then
 * the receipt is brought back in line with what pip left (version, injected packages, lock, links).
 */
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { appFile, listDists } from '../packaging/distinfo.js';
import { freeze } from '../installer/freeze.js';
import type { Pin } from '../installer/freeze.js';
import { applyLinks, planLinks, removeOwnedLinks, wantedLinks } from '../store/links.js';
import type { WantedLink } from '../store/links.js';
import { selectLinks } from '../build/linkset.js';
import type { LinkSet } from '../build/linkset.js';
import { withLock } from '../base/mutex.js';
import { parseToolArg, toolKey } from '../packaging/names.js';
import { choosePython } from '../python/choose.js';
import { installerFor } from '../installer/installer.js';
import type { Interpreter } from '../python/python.js';
import { receiptMode, writeReceipt } from '../store/receipt.js';
import { injectedPackage } from '../request/request.js';
import { splitArgs } from '../request/args.js';
import type { Receipt } from '../store/receipt.js';
import { requireInstalled } from '../store/store.js';
import type { Installed } from '../store/store.js';
import { isolateApps, sitePackages } from '../python/venv.js';

/** pip changes the tool's current venv in place: that is what the user asked for. Exit code: pip's. */
export async function runpip(ctx: Context, name: string, args: string[]): Promise<number> {
  const key = parseToolArg(name);
  requireInstalled(ctx, key);
  return withLock(ctx, key, async () => {
    const inst = requireInstalled(ctx, key);
    let py: Interpreter;
    try {
      py = await choosePython(ctx, { requested: inst.receipt.python.executable });
    } catch (cause) {
      throw new TpxError('no-python', `${key}'s Python (${inst.receipt.python.executable}) no longer runs`, {
        cause,
        hint: `reinstall it with \`tpx reinstall ${key}\``,
      });
    }
    const before = freeze(ctx, inst.dir);
    const code = await installerFor(ctx).runPip(ctx, { py, dir: inst.dir }, pipWords(args));
    await reconcile(ctx, inst, py, before);
    return code;
  });
}

/**
 * The arguments for pip. One argument holding several words (`tpx runpip black 'list --format=freeze'`)
 * is split as a shell would, as pipx does: no pip command or option has a space in it, so pip could
 * only refuse it as it is.
 */
export function pipWords(args: string[]): string[] {
  const [only] = args;
  return args.length === 1 && only !== undefined && /\s/.test(only.trim()) ? splitArgs(only) : args;
}

/**
 * Brings the receipt back in line with the venv: the main package's version; injected packages
 * pip removed are dropped; packages this run added that nothing else requires (what the user
 * installed) are recorded as injected, so upgrade and reinstall keep them; apps are relinked.
 */
async function reconcile(ctx: Context, inst: Installed & { receipt: Receipt }, py: Interpreter, before: Pin[]): Promise<void> {
  const { key, receipt: rec } = inst;
  const site = sitePackages(ctx, inst.dir);
  const dists = listDists(site);
  const installed = new Set(dists.map((d) => toolKey(d.name)));
  // A script tool has no distribution of its own: its venv holds only what its script needs.
  const main = rec.request.kind === 'script' ? null : dists.find((d) => toolKey(d.name) === toolKey(rec.name));
  if (main === undefined) {
    ctx.out.warn(`pip removed ${rec.name}, ${key}'s own package: ${key} no longer works`);
    ctx.out.info(`hint: reinstall it with \`tpx reinstall ${key}\`, or remove it with \`tpx uninstall ${key}\``);
    return;
  }
  const injected = rec.request.injected.filter((i) => {
    if (installed.has(i.name)) return true;
    ctx.out.info(`${i.name} is no longer installed in ${key}, so it is no longer recorded as injected`);
    return false;
  });
  const old = new Set(before.map((p) => toolKey(p.name)));
  const required = new Set(dists.flatMap((d) => d.requires.map((r) => toolKey(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(r)?.[1] ?? ''))));
  for (const d of dists) {
    const n = toolKey(d.name);
    if (old.has(n) || required.has(n) || injected.some((i) => i.name === n)) continue;
    injected.push(injectedPackage(n, n));
    ctx.out.info(`recorded ${d.name} ${d.version} as injected into ${key}: upgrade and reinstall will keep it`);
  }
  const request = { ...rec.request, injected };
  // A venv pip changed is no longer the lock's: from now on it is rebuilt by resolving (receipt.ts, `lock`).
  if (rec.request.lock && JSON.stringify(freeze(ctx, inst.dir)) !== JSON.stringify(before)) {
    request.lock = null;
    ctx.out.info(`${key} no longer holds exactly the files of its lock: upgrade and reinstall resolve it from its spec`);
  }
  const linked = new Set<string>();
  let wanted: WantedLink[] = [];
  let selected: LinkSet = { apps: [], resources: [], dependencies: new Set() };
  try {
    selected = selectLinks(ctx, request, {
      py,
      venv: inst.dir,
      name: main?.name ?? rec.name,
      version: main?.version ?? rec.version,
      site,
      dists,
      requested: [],
      chosenPython: null,
    });
    // pip may have rewritten the apps' scripts: they start Python with -E again (venv.ts).
    isolateApps(
      ctx,
      inst.dir,
      selected.apps.filter((a) => a.dist !== toolKey(rec.name) || rec.request.kind !== 'script').map((a) => appFile(ctx, a.name)),
    );
    wanted = wantedLinks(ctx, key, selected, rec.request.suffix, selected.dependencies);
    for (const w of rec.exposed ? wanted : []) {
      // One link at a time: a file in the way costs that app (or man page) its link, not the others theirs.
      try {
        const plans = await planLinks(ctx, key, [w], false);
        applyLinks(ctx, plans).commit();
        if (plans.length > 0) linked.add(w.link);
      } catch (err) {
        ctx.out.warn(`${w.name} was not linked: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } catch (err) {
    ctx.out.warn(err instanceof Error ? err.message : String(err));
  }
  // Recorded: what is linked; for a tool that is not exposed, everything it would link.
  const kept = (link: string) => !rec.exposed || linked.has(link);
  const linkOf = (app: boolean, name: string) => wanted.find((w) => (w.kind === 'app') === app && w.name === name)?.link ?? '';
  const apps = selected.apps
    .map((a) => ({ name: a.name, kind: a.kind, dist: a.dist, link: linkOf(true, a.name) }))
    .filter((a) => a.link !== '' && kept(a.link));
  const resources = selected.resources.map((r) => ({ ...r, link: linkOf(false, r.path) })).filter((r) => r.link !== '' && kept(r.link));
  removeOwnedLinks(
    ctx,
    key,
    [...rec.apps, ...rec.resources].map((a) => a.link).filter((l) => !linked.has(l)),
  );
  const version = main?.version ?? rec.version;
  if (version !== rec.version) ctx.out.info(`${key} is now ${version} (was ${rec.version})`);
  writeReceipt(inst.dir, { ...rec, version, request, apps, resources, updatedAt: new Date().toISOString() }, receiptMode(ctx.paths));
}
