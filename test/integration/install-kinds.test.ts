import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const receipt = (w: World, key: string) => JSON.parse(readFileSync(join(w.tpxHome, 'tools', key, 'tpx.json'), 'utf8'));

/** A PEP 723 script that needs helperlib and says which copy of itself runs. */
const script = (says: string) => `# /// script
# requires-python = ">=3.8"
# dependencies = ["helperlib"]
# ///
import json
import sys

import helperlib

if sys.argv[1:2] == ["--exit"]:
    sys.exit(int(sys.argv[2]))
print("${says}", "helperlib", helperlib.__version__, json.dumps(sys.argv[1:]))
`;

describe('more ways to install', () => {
  it('a PEP 723 script as a tool: its dependencies, a kept copy, an app named after it; upgrade and export/install-all keep it; --app renames it', async () => {
    world = await makeWorld();
    const file = join(world.root, 'tool.py');
    const tool = join(world.binDir, 'tool');
    writeFileSync(file, script('first'));
    // A bare tool.py that is a file here is the script, as `tpx run tool.py` takes it; recorded absolute.
    const i = await world.run(['install', 'tool.py'], { cwd: world.root });
    expect(i.code, i.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['tool']);
    expect((await world.exec(tool, ['a b'])).stdout).toBe('first helperlib 1.0 ["a b"]\n');
    expect((await world.exec(tool, ['--exit', '3'])).code).toBe(3);
    expect(receipt(world, 'tool')).toMatchObject({ name: 'tool', request: { kind: 'script', spec: file } });
    expect(receipt(world, 'tool').version).toMatch(/^script-[0-9a-f]{12}$/);
    expect((await world.run(['list'])).stdout).toMatch(/^tool script-[0-9a-f]{12} \(Python [\d.]+\) \[script\]\n {4}tool$/m);
    // The kept copy runs, not the file it was installed from.
    writeFileSync(file, script('second'));
    expect((await world.exec(tool, [])).stdout).toBe('first helperlib 1.0 []\n');

    // upgrade reads the script again from where it was (as pipx) and re-resolves its dependencies.
    world.publish('helperlib-2.0');
    const up = await world.run(['upgrade', 'tool']);
    expect(up.code, up.stderr).toBe(0);
    expect((await world.exec(tool, [])).stdout).toBe('second helperlib 2.0 []\n');
    // reinstall does too; with the file gone, it rebuilds from the kept copy and says so.
    writeFileSync(file, script('first'));
    expect((await world.run(['reinstall', 'tool'])).code).toBe(0);
    expect((await world.exec(tool, [])).stdout).toBe('first helperlib 2.0 []\n');
    rmSync(file);
    const kept = await world.run(['reinstall', 'tool']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toContain(`note: cannot read tool's script from ${file} (${file}: no such file): rebuilt from the copy tpx kept`);
    expect((await world.exec(tool, [])).stdout).toBe('first helperlib 2.0 []\n');

    // A script without .py (with a metadata block) is a script too, named after its file (as pipx); one
    // without a block installs with no dependencies.
    const noext = join(world.root, 'noext');
    writeFileSync(noext, script('no extension'));
    writeFileSync(join(world.root, 'plain.py'), 'print("plain")\n');
    for (const f of [noext, join(world.root, 'plain.py')]) expect((await world.run(['install', f])).code).toBe(0);
    expect((await world.exec(join(world.binDir, 'noext'), [])).stdout).toBe('no extension helperlib 2.0 []\n');
    expect((await world.exec(join(world.binDir, 'plain'), [])).stdout).toBe('plain\n');
    expect((await world.run(['uninstall', 'noext', 'plain'])).code).toBe(0);

    // export carries the script itself: install-all needs no copy of the file.
    expect((await world.run(['export', join(world.root, 'toolbox.json')])).code).toBe(0);
    expect((await world.run(['uninstall', 'tool'])).code).toBe(0);
    const all = await world.run(['install-all', join(world.root, 'toolbox.json')]);
    expect(all.code, all.stderr).toBe(0);
    expect((await world.exec(tool, [])).stdout).toBe('first helperlib 2.0 []\n');

    writeFileSync(file, script('second'));
    const named = await world.run(['install', '--app', 'mytool', file]);
    expect(named.code, named.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['mytool', 'tool']);
    expect((await world.exec(join(world.binDir, 'mytool'), [])).stdout).toBe('second helperlib 2.0 []\n');

    // From a URL: fetched once, kept like a file's copy (the server is gone by the time it runs).
    const server = createServer((_req, res) => res.end(script('served')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/from-url.py?token=x`;
    const fetched = await world.run(['install', url]).finally(() => server.close());
    expect(fetched.code, fetched.stderr).toBe(0);
    expect((await world.exec(join(world.binDir, 'from-url'), [])).stdout).toBe('served helperlib 2.0 []\n');
  });

  it('-e installs a project editable; --app links only those; --preinstall goes first; all recorded and kept by reinstall', async () => {
    world = await makeWorld();
    const project = join(world.root, 'edittool');
    cpSync(join(__dirname, '..', '..', 'fixtures', 'projects', 'edittool'), project, { recursive: true });
    const app = join(world.binDir, 'edittool');
    const e = await world.run(['install', '-e', project]);
    expect(e.code, e.stderr).toBe(0);
    expect((await world.exec(app, ['x'])).stdout).toBe("edittool says: first ['x']\n");
    // Its code is used from where it is.
    const code = join(project, 'edittool', '__init__.py');
    writeFileSync(code, readFileSync(code, 'utf8').replace('"first"', '"edited"'));
    expect((await world.exec(app, [])).stdout).toBe('edittool says: edited []\n');
    expect(receipt(world, 'edittool').request).toMatchObject({ kind: 'editable', spec: project });
    expect((await world.run(['list'])).stdout).toMatch(/^edittool 0\.1 \(Python [\d.]+\) \[editable\]$/m);
    const all = await world.run(['upgrade-all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain(`editable: its code is used from ${project}`);
    expect((await world.run(['reinstall', 'edittool'])).code).toBe(0);
    writeFileSync(code, readFileSync(code, 'utf8').replace('"edited"', '"again"'));
    expect((await world.exec(app, [])).stdout).toBe('edittool says: again []\n');
    const bad = await world.run(['install', '-e', 'tpxdemo']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: -e needs a project directory (or a VCS URL), not "tpxdemo"');

    const only = await world.run(['install', '--app', 'tpxdemo-admin', 'tpxdemo']);
    expect(only.code, only.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['edittool', 'tpxdemo-admin']);
    expect(receipt(world, 'tpxdemo').request.apps).toEqual(['tpxdemo-admin']);
    const nope = await world.run(['install', '--app', 'nope', 'oneapp']);
    expect(nope.code).toBe(1);
    expect(nope.stderr).toContain('error: oneapp 1.0 has no app nope');
    expect(nope.stderr).toContain('hint: its apps: oneapp-cli');
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['edittool', 'tpxdemo']);

    const pre = await world.run(['install', '--preinstall', 'helperlib', 'oneapp']);
    expect(pre.code, pre.stderr).toBe(0);
    expect(receipt(world, 'oneapp').request.preinstall).toEqual(['helperlib']);
    expect((await world.run(['reinstall', 'oneapp', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['exec', 'oneapp', 'python', '-c', 'import helperlib'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['edittool', 'oneapp-cli', 'tpxdemo-admin']);
    expect((await world.run(['install', '--preinstall=--target=/tmp/x', 'oneapp'])).stderr).toContain(
      '--preinstall --target=/tmp/x: --preinstall takes a package, not a pip option',
    );
  });
});
