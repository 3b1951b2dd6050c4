// Bundles the CLI into one file: importing commander+execa+ora unbundled costs ~0.12 s of start-up,
// bundled ~0.01 s (DESIGN.md, "Speed budget"). Heavy modules stay behind dynamic import() so the
// bundle splits them into chunks that only the paths needing them load.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync('dist', { recursive: true, force: true });
const common = {
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  define: { TPX_VERSION: JSON.stringify(version) },
};
// The CLI, split: commander is CommonJS and needs `require`.
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  splitting: true,
  banner: { js: 'import { createRequire as __tpxRequire } from "node:module"; const require = __tpxRequire(import.meta.url);' },
  chunkNames: 'chunks/[name]-[hash]',
});
// The entry, self-contained: a `tpx run` cache hit (measured against `node -e 0`) loads this one
// module and nothing else; every other command imports ./cli.js from it. (execa and ora are
// reached only through cli.js's own copies, which bundle them.)
await build({ ...common, entryPoints: { tpx: 'src/main.ts' }, external: ['./cli.js', 'execa', 'ora'], banner: { js: '#!/usr/bin/env node' } });
chmodSync('dist/tpx.js', 0o755);
