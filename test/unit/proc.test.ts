// Build children (pip, venv creation) are started so that an interrupt or a timeout stops them and
// everything they started (src/core/base/proc.ts). Real processes: a shell that starts a helper, both
// holding a FIFO open, whose reader sees end-of-file only once every one of them is gone.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import type { TpxError } from '../../src/core/base/errors.js';
import { capture } from '../../src/core/base/proc.js';
import { createVenv } from '../../src/core/python/venv.js';
import { ctxIn } from '../helpers/context.js';

/**
 * A script that starts a helper and waits, both with a FIFO open for writing: `started` resolves with
 * what it says first ("started"), `gone` once it and its helper have both exited (end-of-file).
 */
function hangingTree(): { root: string; script: string; started: Promise<unknown[]>; gone: Promise<unknown[]> } {
  const root = tempDir('tpx-proc-');
  const fifo = join(root, 'tree.fifo');
  execFileSync('mkfifo', [fifo]);
  const script = join(root, 'hang');
  writeFileSync(script, `#!/bin/sh\nexec 3>"${fifo}"\necho started >&3\nsleep 600 &\nwait\n`, { mode: 0o755 });
  const reader = createReadStream(fifo, 'utf8');
  // Listening for 'data' lets the stream flow, without which it never reaches 'end'.
  return { root, script, started: once(reader, 'data'), gone: once(reader, 'end') };
}

const PATH = { PATH: process.env.PATH ?? '' };

describe('build children', () => {
  it('a timeout stops the child and all it started, and says it timed out', async () => {
    const { root, script, started, gone } = hangingTree();
    const r = await capture(ctxIn(root), script, [], { env: PATH, timeoutMs: 500 });
    expect(await started).toEqual(['started\n']);
    expect(r.timedOut).toBe(true);
    expect(r.code).not.toBe(0);
    // The helper (`sleep 600`) is gone too, or this never resolves.
    await gone;
  });

  it('an interrupt stops the child and all it started', async () => {
    const { root, script, started, gone } = hangingTree();
    const ctx = ctxIn(root);
    const running = capture(ctx, script, [], { env: PATH, timeoutMs: 600_000 });
    await started;
    ctx.interrupts.runAll();
    expect((await running).timedOut).toBe(false);
    await gone;
  });

  it('a missing executable is 127, as a shell says', async () => {
    const root = tempDir('tpx-proc-');
    expect(await capture(ctxIn(root), join(root, 'nothing'), [], { env: {}, timeoutMs: 10_000 })).toMatchObject({
      code: 127,
      stderr: expect.stringContaining('ENOENT'),
    });
  });

  it('`python -m venv` that does not finish: a clear error saying it timed out', async () => {
    const { root, script, started, gone } = hangingTree();
    const py = { executable: script, version: '3.12.0', pipWheels: [] };
    const err = (await createVenv(ctxIn(root), py, join(root, 'venv'), { systemSitePackages: false, timeoutMs: 500 }).catch(
      (e: unknown) => e,
    )) as TpxError;
    expect(err.code).toBe('venv-failed');
    expect(err.message).toBe(`could not create a virtual environment with ${script}: it did not finish within 0.5 s (timed out)`);
    expect(await started).toEqual(['started\n']);
    await gone;
  });
});
