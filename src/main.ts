// The ES module side of the entry (src/entry.ts answers --version first). A `tpx run` cache hit is
// answered before the CLI (commander and every command) is even loaded; everything else goes to cli.ts.
import { runFromCache } from './runfast.js';

export async function main(argv: string[]): Promise<void> {
  const done = argv[0] === 'run' && (await runFromCache(argv.slice(1)));
  if (!done) await (await import('./cli.js')).main(argv);
}
