/**
 * Build-time only (scripts/build.mjs): tpx's man page from the commander program, so the page and
 * --help never disagree. Not part of the shipped CLI.
 */
import { buildProgram } from './cli.js';
import { describeCommand } from './commands/shared/describe.js';
import { describeEnvironment } from './core/shell/environment.js';
import { manPage } from './core/shell/manpage.js';
import { resolvePaths } from './core/base/paths.js';
import { platformFor } from './core/base/platform.js';

declare const TPX_VERSION: string;

export function renderManPage(): string {
  const program = buildProgram(async () => {});
  // An empty environment on Linux: man pages are read on POSIX systems, and the page describes
  // defaults, not the build machine's settings.
  return manPage(describeCommand(program), describeEnvironment(resolvePaths({ HOME: '~' }), {}, platformFor('linux')), TPX_VERSION);
}
