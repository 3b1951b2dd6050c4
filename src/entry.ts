/**
 * The executable's entry point, built as a few lines of CommonJS (scripts/build.mjs): `tpx --version`
 * is answered before anything else is loaded — not even Node's ES module loader — since it is held to
 * within 1.3× of `node -e 0`. Everything else loads src/main.ts (the `tpx run` cache-hit path, then
 * the CLI) from dist/lib/main.cjs.
 */
import { writeSync } from 'node:fs';

declare const TPX_VERSION: string;

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // writeSync, not process.stdout: creating the stdout stream loads Node's stream modules (~2 ms).
  writeSync(1, `${TPX_VERSION}\n`);
} else {
  let cli: typeof import('./main.js') | undefined;
  try {
    // The CLI is a CommonJS bundle beside this file (scripts/build.mjs): require(), no ES module loader.
    cli = require('./lib/main.cjs') as typeof import('./main.js');
  } catch (err) {
    process.stderr.write(`tpx: cannot load its own code (a broken install?)\n${String(err)}\n`);
    process.exitCode = 2;
  }
  void cli?.main(argv);
}
