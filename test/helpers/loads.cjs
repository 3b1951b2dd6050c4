// Preloaded with `node --require` (NODE_OPTIONS) by test/integration/startup.test.ts: when the process
// exits, appends to the file TPX_TEST_LOADS names one JSON line of what it loaded — tpx's lazily
// required bundles (dist/lib/*.cjs) and the Node modules that only some paths should need.
const { appendFileSync } = require('node:fs');
const { basename } = require('node:path');

const WATCHED = new Set(['http', 'https', 'tls', '_http_client', 'child_process', 'crypto']);

process.on('exit', () => {
  const file = process.env.TPX_TEST_LOADS;
  if (!file) return;
  const bundles = Object.keys(require.cache)
    .filter((f) => /[\\/]dist[\\/]lib[\\/][^\\/]+\.cjs$/.test(f))
    .map((f) => basename(f));
  const builtins = process.moduleLoadList.map((m) => m.replace(/^NativeModule /, '')).filter((m) => WATCHED.has(m));
  appendFileSync(file, `${JSON.stringify({ argv: process.argv.slice(2), bundles, builtins })}\n`);
});
