// A Context for unit tests: paths under `root` (home, bin, man, cache), an output that says nothing, and
// the platform to act as — 'win32' asks what tpx would do on Windows (src/core/base/platform.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Interrupts, SILENT, type Context, type Output } from '../../src/core/base/context.js';
import { resolvePaths } from '../../src/core/base/paths.js';
import { platformFor } from '../../src/core/base/platform.js';

export const quiet: Output = { info() {}, warn() {}, error: () => 1, result() {}, task: (_, w) => w(SILENT) };

export function ctxIn(
  root: string,
  opts: { os?: NodeJS.Platform; env?: NodeJS.ProcessEnv; dirs?: Exclude<keyof Context['paths'], 'global'>[] } = {},
): Context {
  const paths = resolvePaths({
    TPX_HOME: join(root, 'home'),
    TPX_BIN_DIR: join(root, 'bin'),
    TPX_CACHE_DIR: join(root, 'cache'),
    TPX_MAN_DIR: join(root, 'man'),
    HOME: root,
  });
  for (const d of opts.dirs ?? ['bin']) mkdirSync(paths[d], { recursive: true });
  return {
    paths,
    platform: platformFor(opts.os ?? 'linux'),
    // No network but loopback: a Python not found is never downloaded here.
    env: { TPX_PYTHON_DOWNLOADS: 'never', ...opts.env },
    cwd: root,
    verbose: false,
    out: quiet,
    interrupts: new Interrupts(),
  };
}
