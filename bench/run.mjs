// `npm run bench` entry point. The benchmark is TypeScript (bench/*.ts) so it can reuse the test
// harness as is (the wheel builder and the loopback index in test/helpers/*.ts). Node 20 cannot run
// TypeScript, so bundle it with esbuild (already a dev dependency, ~50 ms) and run the bundle.
// The bundle sits in bench/.work/, two levels below the repo like test/helpers/, so the helpers'
// `new URL('../../', import.meta.url)` still finds the repo root.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const outfile = fileURLToPath(new URL('./.work/run.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('./run.ts', import.meta.url))],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
