// Scratch directories for tests, removed when they are no longer needed, so that a run leaves
// nothing in the temp dir (global-setup.ts fails the run if it does).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRunner, afterAll, onTestFinished } from 'vitest';

/**
 * A new empty directory in the temp dir, removed when the test that made it finishes (passed or not);
 * made while a file is being collected (in a `describe` body or at the top of the file), removed once
 * that suite's tests are done.
 */
export function tempDir(prefix = 'tpx-unit-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (TestRunner.getCurrentTest()) onTestFinished(remove);
  else afterAll(remove);
  return dir;
}
