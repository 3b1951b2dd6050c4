import type { Context } from '../core/base/context.js';
import { upgradeSharedPip } from '../core/installer/pip/shared.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('upgrade-shared')
    .description(
      "fetch a newer pip from the package index for every tool's builds (the interpreters' bundled pip stays the offline fallback)",
    )
    .option('--pip <version>', 'this pip version instead of the newest (also an older one)')
    .action((flags: { pip?: string }) => cli.run((ctx) => upgradeShared(ctx, flags)));
}

async function upgradeShared(ctx: Context, flags: { pip?: string }): Promise<void> {
  const r = await upgradeSharedPip(ctx, { version: flags.pip });
  if (r.status === 'already')
    return void ctx.out.info(`the shared pip is already ${r.version}${flags.pip ? '' : ', the newest the index has for this Python'}`);
  ctx.out.info(`pip ${r.to} is now the shared pip (was ${r.from}): installs, upgrades and runpip use it from now on`);
  if (r.requiresPython) ctx.out.info(`  it needs Python ${r.requiresPython}; tools on another Python keep their interpreter's bundled pip`);
}
