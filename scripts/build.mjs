// Bundles the CLI into one file: importing commander+execa+ora unbundled costs ~0.12 s of start-up,
// bundled ~0.01 s (DESIGN.md, "Speed budget"). Heavy modules stay behind dynamic import() so the
// bundle splits them into chunks that only the paths needing them load.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { tpx: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node\nimport { createRequire as __tpxRequire } from "node:module"; const require = __tpxRequire(import.meta.url);' },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  define: { TPX_VERSION: JSON.stringify(version) },
});
chmodSync('dist/tpx.js', 0o755);
