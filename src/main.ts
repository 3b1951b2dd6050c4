// The entry point. A `tpx run` cache hit is answered before the CLI (commander and every command)
// is even loaded; everything else goes to cli.ts. Imported statically: one module fewer to load
// on the path measured against `node -e 0`.
import { runFromCache } from './runfast.js';

const argv = process.argv.slice(2);
const done = argv[0] === 'run' && (await runFromCache(argv.slice(1)));
if (!done) await import('./cli.js');
