import * as path from 'node:path';
import type { Context } from '../core/context.js';
import { writeFileAtomic } from '../core/fsx.js';
import { collectToolbox } from '../core/toolbox.js';
import type { Cli } from './cli-types.js';

export function register(cli: Cli): void {
  cli.program
    .command('export')
    .description('write every tool with its request and the exact versions in its venv, for `tpx install-all`')
    .argument('[file]', 'where to write it (default, or "-": stdout)')
    .action((file: string | undefined) => cli.run((ctx) => exportToolbox(ctx, file)));
}

/** Exit 1 when a tool could not be exported (the file still holds the others). */
async function exportToolbox(ctx: Context, file: string | undefined): Promise<number> {
  const { toolbox, skipped, stripped } = collectToolbox(ctx);
  for (const s of skipped) ctx.out.warn(`not exported: ${s}; fix it with \`tpx reinstall\` and export again`);
  if (stripped.length > 0) {
    ctx.out.warn(`credentials were removed from the URLs of ${stripped.join(', ')}; supply them on the new machine through pip's configuration or keyring`);
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
