import type { Context } from '../core/base/context.js';
import { TpxError } from '../core/base/errors.js';
import { freeze, without } from '../core/installer/freeze.js';
import { isValidDistName, normalizeName, parseToolArg, toolKey } from '../core/packaging/names.js';
import { extrasOf, extrasOnly, withExtras } from '../core/packaging/spec.js';
import { requireInstalled } from '../core/store/store.js';
import { linkChanges, toolResult } from '../core/ops/outcome.js';
import type { ToolResult } from '../core/ops/outcome.js';
import type { Cli } from './cli-types.js';
import { forTool, jsonOption } from './shared/json.js';
import { rebuildInPlaceOf } from './shared/rebuild.js';

export function register(cli: Cli): void {
  cli.program
    .command('uninject')
    .description("remove injected packages from a tool's venv, and the dependencies nothing else needs")
    .argument('<name>', 'the installed tool')
    .argument('<package...>', 'injected packages to remove, by name')
    .option('--leave-deps', "keep the removed packages' dependencies installed")
    .addOption(jsonOption())
    .action((name: string, pkgs: string[], flags: { leaveDeps?: boolean }) =>
      cli.change((ctx, results) => {
        const key = parseToolArg(name);
        return forTool(ctx, results, key, () => uninject(ctx, key, pkgs, flags));
      }),
    );
}

async function uninject(ctx: Context, name: string, pkgs: string[], flags: { leaveDeps?: boolean }): Promise<ToolResult> {
  const inst = requireInstalled(ctx, name);
  const { key, receipt } = inst;
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
  const extras = extrasOf(receipt.request.spec).filter((e) => !extrasOf(spec).includes(e));
  if (extras.length > 0) ctx.out.info(`removed ${receipt.name}'s extra${extras.length > 1 ? 's' : ''} ${extras.join(', ')} from ${key}`);
  for (const n of drop) {
    ctx.out.info(
      remaining.has(n)
        ? `uninjected ${n} from ${key}; it stays installed because another package in ${key} needs it`
        : `uninjected ${n} from ${key}`,
    );
  }
  const orphans = before.filter((p) => !drop.has(normalizeName(p.name)) && !remaining.has(normalizeName(p.name)));
  if (orphans.length > 0)
    ctx.out.info(`removed dependencies nothing else needs: ${orphans.map((p) => `${p.name} ${p.version}`).join(', ')}`);
  return toolResult(key, 'uninjected', {
    from: receipt.version,
    to: rebuilt.receipt.version,
    apps: linkChanges(receipt.apps, rebuilt.receipt.apps),
  });
}
