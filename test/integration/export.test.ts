import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
let other: World | undefined;
afterEach(async () => {
  await world?.dispose();
  await other?.dispose();
  other = undefined;
});

/** `tpx list --json` without what differs between two homes by nature: paths and times. */
async function listed(w: World) {
  const json = JSON.parse((await w.run(['list', '--json'])).stdout);
  return json.tools.map((t: Record<string, unknown> & { apps: { link: string }[] }) => ({
    ...t,
    installedAt: null,
    updatedAt: null,
    apps: t.apps.map((a) => ({ ...a, link: basename(a.link) })),
  }));
}

async function exported(w: World) {
  const r = await w.run(['export']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('tpx export / install-all', () => {
  it('recreates the same toolbox on a fresh home, at the exact versions, even when newer ones exist', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['install', '--suffix', '@x', 'oneapp'])).code).toBe(0);
    expect((await world.run(['inject', '--include-apps', 'tpxdemo', 'withdep'])).code).toBe(0);
    const file = join(world.root, 'toolbox.json');
    const e = await world.run(['export', file]);
    expect(e.code).toBe(0);
    expect(e.stderr).toBe(`exported 2 tools to ${file}\n`);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.schema).toBe(1);
    expect(data.tools[1]).toMatchObject({
      name: 'tpxdemo',
      package: 'tpxdemo',
      version: '1.0',
      request: { spec: 'tpxdemo', injected: [{ spec: 'withdep', name: 'withdep', includeApps: true }] },
      freeze: [
        { name: 'helperlib', version: '1.0' },
        { name: 'tpxdemo', version: '1.0' },
        { name: 'withdep', version: '1.0' },
      ],
    });

    other = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0', 'helperlib-1.0', 'withdep-1.0', 'oneapp-1.0'] });
    const r = await other.run(['install-all', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('installed oneapp@x 1.0');
    expect(r.stderr).toContain('installed tpxdemo 1.0');
    expect(r.stderr).toContain('all 2 tools installed');
    expect(await listed(other)).toEqual(await listed(world));
    expect((await exported(other)).tools).toEqual(data.tools);
    expect((await other.exec(join(other.binDir, 'withdep'), [])).code).toBe(0);

    // Again: everything is there already.
    const again = await other.run(['install-all', file]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('tpxdemo is already installed (1.0); left as it is (--force replaces it)');
  });

  it('--latest resolves the newest versions instead', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    const file = join(world.root, 'toolbox.json');
    writeFileSync(file, (await world.run(['export'])).stdout);
    other = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0'] });
    expect((await other.run(['install-all', '--latest', file])).code).toBe(0);
    expect((await exported(other)).tools[0].freeze).toEqual([{ name: 'tpxdemo', version: '2.0' }]);
  });

  it('holds no credentials: receipts never recorded them', async () => {
    world = await makeWorld();
    const url = world.index.url.replace('http://', 'http://someone:s3cret@');
    expect((await world.run(['install', '--index-url', url, '--pip-args', `--extra-index-url ${url}`, 'tpxdemo'])).code).toBe(0);
    const r = await world.run(['export']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('s3cret');
    expect(JSON.parse(r.stdout).tools[0].request).toMatchObject({
      indexUrl: world.index.url,
      pipArgs: ['--extra-index-url', world.index.url],
    });
  });

  it('continues past a tool that fails, with a summary and exit 1; another Python falls back to the default', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const data = await exported(world);
    data.tools[1].python.version = '3.99.0';
    const file = join(world.root, 'toolbox.json');
    writeFileSync(file, JSON.stringify(data));
    other = await makeWorld({ packages: ['tpxdemo-1.0'] });
    const r = await other.run(['install-all', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: pip could not install oneapp$/m);
    expect(r.stderr).toMatch(
      /^warning: tpxdemo was exported with Python 3\.99\.0, which is not available here; using the default Python 3\.\d+\.\d+$/m,
    );
    expect(r.stderr).toContain('installed tpxdemo 1.0');
    expect(r.stderr).toMatch(/1 of 2 tools installed; failed: oneapp\n$/);
    expect(other.ls(join(other.tpxHome, 'tools'))).toEqual(['tpxdemo']);
  });

  it('refuses a file that is not JSON, has an unknown schema or lacks a field, installing nothing', async () => {
    world = await makeWorld({ fresh: true });
    const file = join(world.root, 'toolbox.json');
    const tool = {
      name: 'tpxdemo',
      package: 'tpxdemo',
      version: '1.0',
      request: { spec: 'tpxdemo' },
      python: { version: '3.11.0' },
      freeze: [],
    };
    const cases: [string, string][] = [
      ['{"schema": 1, "tools": [', `error: ${file} is not valid JSON`],
      ['[1, 2]', `error: ${file} is not a tpx export file: it has no "schema"\nhint: give a file written by \`tpx export\`\n`],
      [
        JSON.stringify({ schema: 2, tools: [] }),
        `error: ${file} has schema 2; this tpx reads schema 1\nhint: export it again with this version of tpx, or use the tpx version that wrote it\n`,
      ],
      [
        JSON.stringify({ schema: 1, tools: [tool, { ...tool, request: {} }] }),
        `error: ${file}: tools[1].request.spec is missing or not a non-empty string\nhint: give a file written by \`tpx export\`\n`,
      ],
      [
        JSON.stringify({ schema: 1, tools: [{ ...tool, freeze: [{ name: 'x' }] }] }),
        `error: ${file}: tools[0].freeze[0].version is missing or not a non-empty string\n`,
      ],
    ];
    for (const [text, stderr] of cases) {
      writeFileSync(file, text);
      const r = await world.run(['install-all', file]);
      expect(r.code, text).toBe(1);
      expect(r.stderr.startsWith(stderr), r.stderr).toBe(true);
    }
    const none = await world.run(['install-all', join(world.root, 'missing.json')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `error: cannot read ${join(world.root, 'missing.json')}\nhint: give the path of a file written by \`tpx export\`\n`,
    );
    expect(world.ls(world.tpxHome)).toEqual([]);
  });
});
