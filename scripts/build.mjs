// Bundles the CLI into one file: importing commander+execa+ora unbundled costs ~0.12 s of start-up,
// bundled ~0.01 s (DESIGN.md, "Speed budget"). Heavy modules stay behind dynamic import() so the
// bundle splits them into chunks that only the paths needing them load.
//
// Start-up (bench/RESULTS.md has the profile): src/entry.ts answers --version before loading anything;
// the two plugins below keep Node from loading built-in modules no command needs.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';

// Built-ins through require(), not ESM import: importing a built-in from ESM builds a namespace of all
// its exports, which runs their lazy getters (fs.promises and fs.ReadStream load streams and readline,
// process.report, crypto.webcrypto…). require() returns the object; getters run only when used.
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (args.namespace === 'builtin' || !builtinModules.includes(args.path.replace(/^node:/, ''))) return undefined;
      return { path: args.path, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// commander requires child_process at load time only for git-style executable subcommands, which tpx
// does not use; that require pulls in net, dgram and streams. Load it when a subcommand is spawned.
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(eager)) throw new Error(`${args.path} changed: update lazyChildProcessInCommander in scripts/build.mjs`);
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { tpx: 'src/entry.ts' },
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
  plugins: [builtinsViaRequire, lazyChildProcessInCommander],
});
chmodSync('dist/tpx.js', 0o755);
