/**
 * The executable's entry point, built as a few lines of CommonJS (scripts/build.mjs): `tpx --version`
 * is answered before anything else is loaded — not even Node's ES module loader — since it is held to
 * within 1.3× of `node -e 0`. Everything else loads src/main.ts (the `tpx run` cache-hit path, then the CLI), ES modules in dist/lib/.
 */
import { writeSync } from 'node:fs';

declare const TPX_VERSION: string;

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // writeSync, not process.stdout: creating the stdout stream loads Node's stream modules (~2 ms).
  writeSync(1, `${TPX_VERSION}\n`);
} else {
  import('./main.js').then(
    ({ main }) => main(argv),
    (err: unknown) => {
      process.stderr.write(`tpx: cannot load its own code (a broken install?)\n${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
