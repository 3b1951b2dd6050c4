import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { isolateApps } from '../../src/core/python/venv.js';
import { platformFor } from '../../src/core/base/platform.js';

const posix = { platform: platformFor('linux') };

describe('isolateApps', () => {
  const venv = tempDir('tpx-venv-');
  const bin = join(venv, 'bin');
  mkdirSync(bin);
  const body = 'import sys\nfrom black import main\nsys.exit(main())\n';
  const scripts: Record<string, string> = {
    direct: `#!${bin}/python\n${body}`,
    trampoline: `#!/bin/sh\n'''exec' ${bin}/python "$0" "$@"\n' '''\n${body}`,
    quoted: `#!/bin/sh\n'''exec' "${bin}/python" "$0" "$@"\n' '''\n${body}`,
    other: `#!/usr/bin/python3\n${body}`,
    options: `#!${bin}/python -X utf8\n${body}`,
    shell: '#!/bin/sh\necho hi\n',
  };
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(bin, name), text, { mode: 0o755 });
  isolateApps(posix, venv, [...Object.keys(scripts), 'missing']);
  const read = (name: string) => readFileSync(join(bin, name), 'utf8');

  it("makes the venv's python start with -E, directly or through pip's /bin/sh trampoline", () => {
    expect(read('direct')).toBe(`#!${bin}/python -E\n${body}`);
    expect(read('trampoline')).toBe(`#!/bin/sh\n'''exec' ${bin}/python -E "$0" "$@"\n' '''\n${body}`);
    expect(read('quoted')).toBe(`#!/bin/sh\n'''exec' "${bin}/python" -E "$0" "$@"\n' '''\n${body}`);
    expect(statSync(join(bin, 'direct')).mode & 0o777).toBe(0o755);
  });

  it("leaves alone what does not start the venv's python without options", () => {
    for (const name of ['other', 'options', 'shell']) expect(read(name)).toBe(scripts[name]);
  });

  it('is idempotent', () => {
    isolateApps(posix, venv, ['direct', 'trampoline']);
    expect(read('direct')).toBe(`#!${bin}/python -E\n${body}`);
    expect(read('trampoline')).toBe(`#!/bin/sh\n'''exec' ${bin}/python -E "$0" "$@"\n' '''\n${body}`);
  });
});
