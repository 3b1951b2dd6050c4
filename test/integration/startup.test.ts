// What the commands held to start-up time (docs/architecture.md, "Start-up") load: `list`,
// `uninstall` and a `tpx run` cache hit require none of the lazily required bundles and none of the
// HTTP client's Node modules; the paths that need them do (so this test can fail). Seen from inside
// the built CLI by a `--require` hook (test/helpers/loads.cjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterAll(async () => world?.dispose());

interface Loaded {
  bundles: string[];
  builtins: string[];
}

/** Runs tpx with the hook; what that one process loaded. */
async function loadsOf(args: string[]): Promise<Loaded & { code: number; stderr: string }> {
  const file = join(world.root, `loads-${Date.now()}-${Math.random()}.jsonl`);
  const r = await world.run(args, { env: { NODE_OPTIONS: `--require ${join(repoRoot, 'test/helpers/loads.cjs')}`, TPX_TEST_LOADS: file } });
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines, 'one tpx process').toHaveLength(1);
  const loaded = JSON.parse(lines[0] as string) as Loaded;
  return { ...loaded, code: r.code, stderr: r.stderr };
}

describe('start-up', () => {
  it('list, uninstall and a run cache hit load no lazy bundle (smol-toml, the spinner, …) and no HTTP module; the paths that need them do', async () => {
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['run', 'tpxdemo', '--version'])).code).toBe(0);
    expect(await loadsOf(['list'])).toMatchObject({ code: 0, bundles: ['main.cjs'], builtins: [] });
    // A hit starts the app: child_process, and nothing else.
    expect(await loadsOf(['run', 'tpxdemo', '--version'])).toMatchObject({ code: 0, bundles: ['main.cjs'], builtins: ['child_process'] });
    expect(await loadsOf(['uninstall', 'tpxdemo'])).toMatchObject({ code: 0, bundles: ['main.cjs'], builtins: [] });

    // A script's metadata block needs smol-toml (here it is bad TOML: parsed, refused, nothing built).
    writeFileSync(join(world.home, 'bad.py'), '# /// script\n# dependencies = [\n# ///\nprint(1)\n');
    const parsed = await loadsOf(['run', 'bad.py']);
    expect(parsed.stderr).toMatch(/^error: bad\.py:2: invalid TOML/m);
    expect(parsed.bundles).toEqual(['main.cjs', 'toml.cjs']);
    // A script from a URL needs the HTTP client; one without a block, no smol-toml.
    const server = createServer((_req, res) => res.end('print("fetched")\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const fetched = await loadsOf(['run', `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.py`]);
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(fetched.bundles).toEqual(['main.cjs']);
      expect(fetched.builtins).toEqual(expect.arrayContaining(['http', '_http_client', 'tls']));
    } finally {
      server.close();
    }
  });
});
