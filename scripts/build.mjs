// Bundles the CLI: importing commander and ora unbundled costs ~0.12 s of start-up, bundled ~0.01 s
// (docs/architecture.md, "Start-up"). Start-up (bench/RESULTS.md has the profile): src/entry.ts answers
// --version before loading anything else; the plugin below keeps commander from loading
// child_process, which no command needs at start-up.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

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

// What only some commands need gets a bundle of its own, required on first use: the spinner (ora and
// its dependencies, ~115 KB: src/spinner.ts), smol-toml (tpx.toml, pylock files, PEP 723 scripts; imported
// only by core/packaging/toml.ts, a Biome rule says so), the completion script
// generators (~13 KB no other command should parse) and cmd-shim (Windows bin entries, core/base/shims.ts).
// name → [import specifier, source].
const SEPARATE = {
  spinner: [/^\.\/spinner\.js$/, { entryPoints: ['src/spinner.ts'] }],
  completions: [/^\.\.\/core\/shell\/completions\.js$/, { entryPoints: ['src/core/shell/completions.ts'] }],
  toml: [/^smol-toml$/, { stdin: { contents: "module.exports = require('smol-toml');", resolveDir: '.' } }],
  cmdshim: [/^cmd-shim$/, { stdin: { contents: "module.exports = require('cmd-shim');", resolveDir: '.' } }],
};
const separate = {
  name: 'separate-bundles',
  setup(b) {
    for (const [name, [filter]] of Object.entries(SEPARATE)) b.onResolve({ filter }, () => ({ path: `./${name}.cjs`, external: true }));
  },
};

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/**
 * `import * as fs from 'node:fs'` becomes `__toESM(require("node:fs"), 1)` in a CommonJS bundle: a
 * copy of the module with a getter per property and a `default`, made again at each of ~140 import
 * sites — ~15 ms of every command's start (--cpu-prof of `tpx reinstall`: `__copyProps`), and a
 * getter call on every `fs.x` after. Where the bundle never reads `.default` of that copy, the
 * module itself is the same namespace: it is used as it is.
 */
function plainBuiltins(file) {
  const text = readFileSync(file, 'utf8');
  const site = /\b(var |let |const )?([\w$]+) = __toESM\(require\("(node:[\w/]+)"\), 1\)/g;
  const out = text.replace(site, (whole, decl, name, mod) =>
    new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\.default\\b`).test(text) ? whole : `${decl ?? ''}${name} = require("${mod}")`,
  );
  // `const { createHash } = await import('node:crypto')`, likewise, unless it takes `default`.
  const lazy = /(const \{([^}]*)\} = await Promise\.resolve\(\)\.then\(\(\) => )__toESM\(require\("(node:[\w/]+)"\), 1\)\)/g;
  writeFileSync(
    file,
    out.replace(lazy, (whole, head, names, mod) => (/\bdefault\b/.test(names) ? whole : `${head}require("${mod}"))`)),
  );
}

rmSync('dist', { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  define: { TPX_VERSION: JSON.stringify(version) },
};

// The CLI: one CommonJS bundle. Loading it costs ~5 ms less than ES modules would: Node 20 starts its
// ES module loader for the first `import`, and each split chunk is another module graph to load
// (bench/RESULTS.md). What only some commands need (the spinner, the CLI behind a `tpx run` cache hit)
// is behind dynamic import(), which esbuild turns into lazy initialisers: parsed, but run only when used.
const cjs = {
  ...common,
  format: 'cjs',
  // import.meta.url (createRequire in proc.ts) means this file's URL in CommonJS too.
  define: { ...common.define, 'import.meta.url': '__tpxModuleUrl' },
  banner: { js: 'const __tpxModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // import() of a separate bundle becomes require(): an import() of a CommonJS file starts Node's
  // ES module loader, which also lexes the whole file for its export names first (--cpu-prof: ~45 ms
  // for a 250 KB bundle; loading spinner.cjs, best of 30: 79 ms by import(), 66 ms by require()).
  supported: { 'dynamic-import': false },
  plugins: [lazyChildProcessInCommander, separate],
};
await build({ ...cjs, entryPoints: { main: 'src/main.ts' }, outfile: 'dist/lib/main.cjs' });
plainBuiltins('dist/lib/main.cjs');
for (const [name, [, source]] of Object.entries(SEPARATE)) {
  await build({ ...common, ...source, outfile: `dist/lib/${name}.cjs`, format: 'cjs' });
}
// The executable: a few lines that answer `tpx --version` before loading the CLI (src/entry.ts).
await build({
  ...common,
  entryPoints: { tpx: 'src/entry.ts' },
  outfile: 'dist/tpx.js',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [
    {
      name: 'cli-external',
      setup: (b) => b.onResolve({ filter: /^\.\/lib\/main\.cjs$/ }, () => ({ path: './lib/main.cjs', external: true })),
    },
  ],
});
// package.json is "type": "module"; this says the files under dist/ are CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
// tpx(1), from the commander program itself (src/docs.ts): built, run once, and thrown away.
const docs = resolve('dist/lib/docs.cjs');
await build({ ...cjs, entryPoints: ['src/docs.ts'], outfile: docs });
mkdirSync('dist/man');
writeFileSync('dist/man/tpx.1', createRequire(import.meta.url)(docs).renderManPage());
rmSync(docs);
chmodSync('dist/tpx.js', 0o755);
