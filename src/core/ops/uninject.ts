import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { freeze, without } from '../installer/freeze.js';
import { isValidDistName, normalizeName, toolKey } from '../packaging/names.js';
import { extrasOf, extrasOnly, withExtras } from '../packaging/spec.js';
import { requireInstalled } from '../store/store.js';
import { lockedTool } from './inject.js';
import { linkChanges, toolResult } from './outcome.js';
import type { ToolResult } from './outcome.js';
import { rebuildInPlaceOf } from './rebuild.js';

/** What an uninject did, for the command to say. */
export interface Uninjection {
  result: ToolResult;
  /** The tool's own package and the extras of it that were removed. */
  extras: { name: string; removed: string[] };
  /** Each package uninjected, and whether it stays installed because another package needs it. */
  dropped: { name: string; stillInstalled: boolean }[];
  /** Dependencies nothing needs any more, removed with them (`name version`). */
  orphans: string[];
}

/**
 * `tpx uninject`: the tool rebuilt without the named packages (rebuild.ts); every version stays held,
 * and without `leaveDeps` only what the request still names is installed, so orphans go.
 */
export async function uninject(ctx: Context, name: string, pkgs: string[], flags: { leaveDeps?: boolean }): Promise<Uninjection> {
  const inst = requireInstalled(ctx, name);
  const { key, receipt } = inst;
  if (receipt.request.lock) throw lockedTool(key, 'uninject from');
  const drop = new Set<string>();
  let spec = receipt.request.spec;
  for (const raw of pkgs) {
    // `tpx uninject black 'black[d]'` takes back what `tpx inject black 'black[d]'` added.
    const own = extrasOnly(raw);
    if (own?.name === toolKey(receipt.name)) {
      const has = extrasOf(spec);
      const missing = own.extras.filter((e) => !has.includes(e));
      if (missing.length > 0)
        throw new TpxError('not-injected', `${key} has no extra ${missing.join(', ')}`, {
          hint: has.length > 0 ? `its extras: ${has.join(', ')}` : `${key} was installed without extras`,
        });
      spec = withExtras(spec, { remove: own.extras }) ?? spec;
      continue;
    }
    if (!isValidDistName(raw))
      throw new TpxError('bad-name', `${JSON.stringify(raw)} is not a package name`, {
        hint: 'name injected packages as `tpx list` shows them',
      });
    const n = normalizeName(raw);
    if (n === toolKey(receipt.name)) {
      throw new TpxError('main-package', `${n} is ${key}'s own package, not an injected one`, {
        hint: `to remove the whole tool, run \`tpx uninstall ${key}\``,
      });
    }
    if (!receipt.request.injected.some((i) => i.name === n)) {
      const names = receipt.request.injected.map((i) => i.name);
      throw new TpxError('not-injected', `${n} is not injected into ${key}`, {
        hint: names.length > 0 ? `injected into ${key}: ${names.join(', ')}` : `nothing is injected into ${key}`,
      });
    }
    drop.add(n);
  }
  const injected = receipt.request.injected.filter((i) => !drop.has(i.name));
  const before = freeze(ctx, inst.dir);
  const kept = without(before, drop);
  const rebuilt = await rebuildInPlaceOf(
    ctx,
    inst,
    { ...receipt.request, spec, injected },
    {
      // Constraints install nothing, so all of `before` is held (a removed package still needed keeps its
      // version); without --leave-deps only what the request still names is installed: orphans go.
      pins: { constraints: before, requirements: flags.leaveDeps ? without(kept, [receipt.name, ...injected.map((i) => i.name)]) : [] },
    },
  );
  const remaining = new Set(rebuilt.after.map((p) => normalizeName(p.name)));
  const orphans = before.filter((p) => !drop.has(normalizeName(p.name)) && !remaining.has(normalizeName(p.name)));
  return {
    result: toolResult(key, 'uninjected', {
      from: receipt.version,
      to: rebuilt.receipt.version,
      apps: linkChanges(receipt.apps, rebuilt.receipt.apps),
    }),
    extras: { name: receipt.name, removed: extrasOf(receipt.request.spec).filter((e) => !extrasOf(spec).includes(e)) },
    dropped: [...drop].map((n) => ({ name: n, stillInstalled: remaining.has(n) })),
    orphans: orphans.map((p) => `${p.name} ${p.version}`),
  };
}
