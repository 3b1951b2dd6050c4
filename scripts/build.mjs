// Bundles the CLI into one file: importing commander+execa+ora unbundled costs ~0.12 s of start-up,
// bundled ~0.01 s (DESIGN.md, "Speed budget"). Heavy modules stay behind dynamic import() so the
// bundle splits them into chunks that only the paths needing them load.
//
// Start-up (bench/RESULTS.md has the profile): src/entry.ts answers --version before loading anything;
// the two plugins below keep Node from loading built-in modules no command needs.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';

// Built-ins with lazy getters through require(), not ESM import: importing a built-in from ESM builds
// a namespace of all its exports, which runs the getters (fs.promises and fs.ReadStream load streams,
// process.stdin/stdout/stderr create the stdio streams, crypto.webcrypto…). require() returns the object
// and getters run only when used. Built-ins without getters (path, os…) stay ESM imports: the require()
// route costs a copy of the exports per importing module (esbuild's __toESM).
const require = createRequire(import.meta.url);
const hasGetters = (name) => Object.values(Object.getOwnPropertyDescriptors(require(name))).some((d) => d.get);
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      // A dynamic import() already runs only when needed, and a CommonJS wrapper would change its result.
      if (args.kind === 'dynamic-import' || args.namespace === 'builtin' || !builtinModules.includes(name) || !hasGetters(name)) return undefined;
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
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning', define: { TPX_VERSION: JSON.stringify(version) } };

// The CLI: ES modules, split so execa and ora are chunks loaded only by the paths that need them.
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts', main: 'src/main.ts' },
  outdir: 'dist/lib',
  splitting: true,
  format: 'esm',
  banner: { js: 'import { createRequire as __tpxRequire } from "node:module"; const require = __tpxRequire(import.meta.url);' },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [builtinsViaRequire, lazyChildProcessInCommander],
});
// The executable: CommonJS, so `tpx --version` never starts the ES module loader (src/entry.ts).
await build({
  ...common,
  entryPoints: { tpx: 'src/entry.ts' },
  outfile: 'dist/tpx.js',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [{ name: 'cli-external', setup: (b) => b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './lib/main.js', external: true })) }],
});
// package.json is "type": "module"; these say which files under dist/ are which.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
writeFileSync('dist/lib/package.json', '{ "type": "module" }\n');
chmodSync('dist/tpx.js', 0o755);
