import { Option } from 'commander';
import * as path from 'node:path';
import type { Context } from '../core/base/context.js';
import { usageError } from '../core/base/errors.js';
import { writeFileAtomic } from '../core/base/fsx.js';
import { exportLocks as writeLocks } from '../core/files/writelocks.js';
import { collectToolbox } from '../core/files/toolbox.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('export')
    .description('write every tool with its request and the exact versions in its venv, for `tpx install-all`')
    .argument('[file]', 'where to write it (default, or "-": stdout); with --format pylock, the folder for the lock files (default: .)')
    .addOption(
      new Option('--format <format>', 'json: one file for `tpx install-all`; pylock: a PEP 751 pylock.<tool>.toml per tool')
        .choices(['json', 'pylock'])
        .default('json'),
    )
    .action((file: string | undefined, flags: { format: string }) =>
      cli.run((ctx) => (flags.format === 'pylock' ? exportLocks(ctx, file ?? '.') : exportToolbox(ctx, file))),
    );
}

/**
 * `--format pylock`: each installed tool's lock (core/files/writelocks.ts); the notes say where its
 * files and hashes came from. Exit 1 when a tool could not be.
 */
async function exportLocks(ctx: Context, dir: string): Promise<number> {
  if (dir === '-') throw usageError('--format pylock writes one file per tool: give a folder, not "-"');
  let failed = 0;
  await writeLocks(ctx, path.resolve(dir), (w) => {
    if ('error' in w) {
      failed++;
      const e = w.error;
      return void ctx.out.error(e.message.startsWith(w.key) ? e : e.rephrase({ message: `${w.key} was not exported: ${e.message}` }));
    }
    const n = w.lock.packages.length;
    ctx.out.info(`exported ${w.key}: ${n} distribution${n === 1 ? '' : 's'} → ${path.relative(ctx.cwd, w.file) || w.file}`);
    for (const note of w.notes) ctx.out.info(`  note: ${note}`);
  });
  return failed > 0 ? 1 : 0;
}

/** Exit 1 when a tool could not be exported (the file still holds the others). */
async function exportToolbox(ctx: Context, file: string | undefined): Promise<number> {
  const { toolbox, skipped, stripped } = collectToolbox(ctx);
  for (const s of skipped) ctx.out.warn(`not exported: ${s}; fix it with \`tpx reinstall\` and export again`);
  if (stripped.length > 0) {
    ctx.out.warn(
      `credentials were removed from the URLs of ${stripped.join(', ')}; supply them on the new machine through pip's configuration or keyring`,
    );
  }
  const text = `${JSON.stringify(toolbox, null, 2)}\n`;
  if (file === undefined || file === '-') {
    ctx.out.result(text);
  } else {
    writeFileAtomic(path.resolve(file), text);
    ctx.out.info(`exported ${toolbox.tools.length} tool${toolbox.tools.length === 1 ? '' : 's'} to ${file}`);
  }
  return skipped.length > 0 ? 1 : 0;
}
