import { existsSync, readFileSync, readdirSync, realpathSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const receiptOf = (w: World, key: string) => JSON.parse(readFileSync(join(w.tpxHome, 'tools', key, 'tpx.json'), 'utf8'));

describe('tpx install', () => {
  it('installs a tool, links only its own apps, and the apps run; "already installed", --force, and the receipt of the request', async () => {
    world = await makeWorld({ fresh: true });
    const r = await world.run(['install', 'tpxdemo==1.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('installed tpxdemo 1.0');
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin']);
    // The link goes through the tool's stable path, not a generation.
    expect(world.readlink(join(world.binDir, 'tpxdemo'))).toBe(join(world.tpxHome, 'tools', 'tpxdemo', 'bin', 'tpxdemo'));
    const app = await world.exec(join(world.binDir, 'tpxdemo'), ['--version']);
    expect(app.stdout.trim()).toBe('tpxdemo 1.0');
    // No pip in the tool's venv: one shared pip serves all.
    expect(readdirSync(join(world.tpxHome, 'shared'))).toEqual([expect.stringMatching(/^pip-\d/)]);
    const site = join(world.tpxHome, 'tools', 'tpxdemo', 'lib');
    const pyDir = readdirSync(site)[0] as string;
    expect(readdirSync(join(site, pyDir, 'site-packages')).some((f) => f.startsWith('pip'))).toBe(false);

    // The same world: installing it again says "already installed" with exit 0, and --force reinstalls.
    const again = await world.run(['install', 'tpxdemo']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('tpxdemo is already installed (1.0)');
    expect(again.stderr).toMatch(/tpx upgrade tpxdemo.*--force/);
    const gen = world.readlink(join(world.tpxHome, 'tools', 'tpxdemo'));
    const forced = await world.run(['install', '--force', 'tpxdemo==1.0', '--pip-args=--no-compile', '--index-url', world.index.url]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(world.readlink(join(world.tpxHome, 'tools', 'tpxdemo'))).not.toBe(gen);
    expect((await world.exec(join(world.binDir, 'tpxdemo'), ['--version'])).stdout.trim()).toBe('tpxdemo 1.0');

    // It writes a schema-versioned receipt recording the request (here the forced one).
    const receipt = receiptOf(world, 'tpxdemo');
    expect(receipt).toMatchObject({
      schema: 1,
      key: 'tpxdemo',
      name: 'tpxdemo',
      version: '1.0',
      request: { spec: 'tpxdemo==1.0', indexUrl: world.index.url, pipArgs: ['--no-compile'], suffix: '' },
      python: { version: expect.stringMatching(/^3\.\d+\.\d+$/) },
    });
    expect(receipt.apps.map((a: { name: string; link: string }) => [a.name, a.link])).toEqual([
      ['tpxdemo', join(world.binDir, 'tpxdemo')],
      ['tpxdemo-admin', join(world.binDir, 'tpxdemo-admin')],
    ]);
  });

  it('links RECORD scripts and gui scripts', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'shscript', 'guitool'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['guitool', 'shscript']);
    expect((await world.exec(join(world.binDir, 'shscript'), [])).stdout).toContain('shscript 1.0');
  });

  it('installs from a wheel file and from a local path, naming the tool from what pip reports; leaves dependencies invisible unless --include-deps', async () => {
    world = await makeWorld();
    const wheel = join(world.indexDir, readdirSync(world.indexDir).find((f) => f.startsWith('oneapp-')) as string);
    const r = await world.run(['install', wheel]);
    expect(r.code, r.stderr).toBe(0);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['oneapp']);
    expect(receiptOf(world, 'oneapp').request.spec).toBe(wheel);
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli']);
    expect((await world.run(['uninstall', 'oneapp'])).code).toBe(0);

    // The same world: dependencies stay invisible unless --include-deps.
    expect((await world.run(['install', 'withdep'])).code).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['withdep']);
    expect((await world.run(['uninstall', 'withdep'])).code).toBe(0);
    const deps = await world.run(['install', '--include-deps', 'withdep']);
    expect(deps.code, deps.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['helperlib-cli', 'withdep']);
  });

  it('installs several specs at once: a failure does not stop the others, requested tools never share an app, a summary by name', async () => {
    world = await makeWorld();
    const r = await world.run(['install', 'tpxdemo', 'no-such-package-tpx', 'oneapp', 'clash-b', 'clash-a', 'helperlib']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('installed tpxdemo 1.0');
    expect(r.stderr).toContain('installed oneapp 1.0');
    expect(r.stderr).toMatch(/error: pip could not install no-such-package-tpx/);
    // clash-a and clash-b both have the app `clash`: the first by name gets it, the other is not installed.
    expect(r.stderr).toMatch(/error: clash-b was not installed: .*bin\/clash is also an app of clash-a, in the same command/);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['clash-a', 'helperlib', 'oneapp', 'tpxdemo']);
    expect((await world.exec(join(world.binDir, 'clash'), [])).stdout.trim()).toBe('clash from clash-a 1.0');
    expect(world.ls(world.binDir)).toEqual(['clash', 'helperlib-cli', 'oneapp-cli', 'tpxdemo', 'tpxdemo-admin']);
    expect(world.ls(join(world.tpxHome, 'envs'))).toHaveLength(4); // nothing left of the refused or failed builds
    const summary = r.stderr.slice(r.stderr.indexOf('summary:')).split('\n');
    expect(summary[0]).toBe('summary: 4 installed, 2 failed');
    expect(summary.slice(2, 8).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'clash-a installed',
      'clash-b FAILED',
      'helperlib installed',
      'no-such-package-tpx FAILED',
      'oneapp installed',
      'tpxdemo installed',
    ]);
    expect(r.stderr).toContain('2 of 6 packages failed to install');
  });

  it('installs a second copy under --suffix', async () => {
    world = await makeWorld({ packages: ['tpxdemo-1.0', 'tpxdemo-2.0'] });
    expect((await world.run(['install', 'tpxdemo==1.0'])).code).toBe(0);
    const r = await world.run(['install', 'tpxdemo==2.0', '--suffix', '@2']);
    expect(r.code, r.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual(['tpxdemo', 'tpxdemo-admin', 'tpxdemo-serve@2', 'tpxdemo@2']);
    expect((await world.exec(join(world.binDir, 'tpxdemo@2'), ['--version'])).stdout.trim()).toBe('tpxdemo 2.0');
    expect((await world.exec(join(world.binDir, 'tpxdemo'), ['--version'])).stdout.trim()).toBe('tpxdemo 1.0');
  });

  it('a suffix with separators (_old) is addressable by every command, however it is typed', async () => {
    world = await makeWorld({ packages: ['oneapp-1.0', 'tpxdemo-1.0'] });
    expect((await world.run(['install', 'oneapp', '--suffix', '_old'])).code).toBe(0);
    expect((await world.run(['install', 'tpxdemo', '--suffix', '-Dev'])).code).toBe(0);
    // Apps keep the suffix as typed; the tool is listed under its normalised key.
    expect(world.ls(world.binDir)).toEqual(['oneapp-cli_old', 'tpxdemo-Dev', 'tpxdemo-admin-Dev']);
    expect((await world.run(['list', '--short'])).stdout).toBe('oneapp-old 1.0\ntpxdemo-dev 1.0\n');
    const pin = await world.run(['pin', 'oneapp_old']);
    expect(pin.code, pin.stderr).toBe(0);
    expect((await world.run(['unpin', 'ONEAPP.old'])).code).toBe(0);
    const skip = await world.run(['upgrade-all', '--skip', 'oneapp_old', '--skip', 'tpxdemo-Dev']);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/oneapp-old +skipped +--skip/);
    expect(skip.stderr).not.toContain('no such tool');
    const un = await world.run(['uninstall', 'oneapp_old']);
    expect(un.code, un.stderr).toBe(0);
    const all = await world.run(['uninstall-all']);
    expect(all.code, all.stderr).toBe(0);
    expect(world.ls(world.binDir)).toEqual([]);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual([]);
  });

  it('warns with the exact fix for your shell when the bin dir is not on PATH, and not when it is; --verbose; pip config, PIP_TARGET, --system-site-packages', async () => {
    world = await makeWorld();
    const r = await world.run(['install', 'oneapp'], { env: { SHELL: '/bin/bash' } });
    expect(r.stderr).toContain(`warning: ${world.binDir} is not on your PATH`);
    expect(r.stderr).toContain(
      `hint: run \`tpx ensurepath\` to add it to ${join(world.home, '.bashrc')}, or add this line yourself:\nhint:   export PATH="$PATH:${world.binDir}"\n`,
    );
    const fish = await world.run(['install', 'multiapp'], { env: { SHELL: '/usr/bin/fish' } });
    expect(fish.stderr).toContain(`hint:   fish_add_path --path --append "${world.binDir}"\n`);
    const onPath = await world.run(['install', 'tpxdemo'], { env: { PATH: `${world.binDir}:${world.env.PATH}` } });
    expect(onPath.code).toBe(0);
    expect(onPath.stderr).not.toContain('not on your PATH');
    // Without --verbose pip stays quiet.
    expect(onPath.stderr).not.toMatch(/Successfully installed|Would install/);
    expect(onPath.stderr).toContain('installing tpxdemo…');
    // With it, pip's resolution streams, and each distribution's path is named (the wheel store's, or pip's).
    const v = await world.run(['--verbose', 'install', 'withdep']);
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/Would install .*withdep-1\.0/);
    expect(v.stderr).toContain('withdep 1.0: from the store\nhelperlib 1.0: from the store\n');
    expect(v.stderr.match(/installing withdep…/g)).toHaveLength(1);

    // The same world: the user pip configuration keeps working (an index set only in PIP_CONFIG_FILE).
    writeFileSync(world.pipConf, `[global]\nindex-url = ${world.index.url}\n`);
    const conf = await world.run(['install', 'shscript'], { env: { PIP_INDEX_URL: undefined } });
    expect(conf.code, conf.stderr).toBe(0);

    // PYTHONPATH or PIP_TARGET never redirect the install.
    const target = join(world.root, 'elsewhere');
    mkdirSync(target);
    const redirected = await world.run(['install', 'guitool'], { env: { PIP_TARGET: target, PIP_USER: '1', PYTHONPATH: target } });
    expect(redirected.code, redirected.stderr).toBe(0);
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(world.binDir, 'guitool'))).toBe(true);

    // --system-site-packages gives the venv the interpreter site-packages.
    const ssp = await world.run(['install', '--system-site-packages', 'clash-a']);
    expect(ssp.code, ssp.stderr).toBe(0);
    expect(readFileSync(join(world.tpxHome, 'tools', 'clash-a', 'pyvenv.cfg'), 'utf8')).toContain('include-system-site-packages = true');
    const py = join(world.tpxHome, 'tools', 'clash-a', 'bin', 'python');
    const paths = await world.exec(py, [
      '-c',
      'import site, sys; print(sys.prefix != sys.base_prefix, any(p.startswith(sys.base_prefix) and p.endswith("-packages") for p in sys.path))',
    ]);
    expect(paths.stdout.trim()).toBe('True True');
    expect(receiptOf(world, 'clash-a').request.systemSitePackages).toBe(true);
  });
});

describe('tpx install: other spec forms and output', () => {
  it('installs a local project directory (built by pip) and a wheel URL', async () => {
    world = await makeWorld();
    const project = join(__dirname, '..', '..', 'fixtures', 'projects', 'localtool');
    const r = await world.run(['install', project]);
    expect(r.code, r.stderr).toBe(0);
    expect((await world.exec(join(world.binDir, 'localtool'), ['x'])).stdout).toBe('localtool 0.1 args: x\n');
    expect(receiptOf(world, 'localtool').request.spec).toBe(project);

    const wheel = readdirSync(world.indexDir).find((f) => f.startsWith('oneapp-')) as string;
    const url = `${world.index.url.replace(/\/simple\/?$/, '')}/files/${wheel}`;
    const u = await world.run(['install', url]);
    expect(u.code, u.stderr).toBe(0);
    expect(world.ls(join(world.tpxHome, 'tools'))).toEqual(['localtool', 'oneapp']);
  });
});

describe('tpx install: interpreters and venvs', () => {
  it('remembers an interpreter probe while the executable is unchanged, and re-probes when it changes', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const cacheFile = join(world.cacheDir, 'tpx', 'interpreters.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    const [real] = Object.keys(cache) as [string];
    expect(cache[real].info.version).toMatch(/^3\.\d+\.\d+$/);
    const probed = cache[real].info.version;
    // Same size and mtime: the cached answer is used (this fake version shows it was not re-asked).
    cache[real].info.version = '3.99.0';
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await world.run(['install', 'tpxdemo'])).code).toBe(0);
    expect(receiptOf(world, 'tpxdemo').python.version).toBe('3.99.0');
    // The executable "changed" (another size): probed again.
    cache[real].size = 1;
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await world.run(['install', 'withdep'])).code).toBe(0);
    expect(receiptOf(world, 'withdep').python.version).toBe(probed);
  });
});

describe('tpx install: interpreters behind pyenv shims', () => {
  it('finds the interpreter a pyenv shim would run without running it, and falls back to the shim when pyenv must decide', async () => {
    world = await makeWorld();
    // A pyenv root whose 3.11.7 is the real interpreter, and a shim whose pyenv counts its calls.
    const root = join(world.root, 'pyenv');
    const count = join(world.root, 'shim-calls');
    mkdirSync(join(root, 'versions', '3.11.7', 'bin'), { recursive: true });
    mkdirSync(join(root, 'libexec'));
    mkdirSync(join(root, 'shims'));
    const realPy = world.env.TPX_DEFAULT_PYTHON as string;
    symlinkSync(realPy, join(root, 'versions', '3.11.7', 'bin', 'python3'));
    writeFileSync(join(root, 'version'), '3.11.7\n');
    writeFileSync(join(root, 'libexec', 'pyenv'), `#!/bin/sh\necho call >> '${count}'\nshift 2\nexec '${realPy}' "$@"\n`, { mode: 0o755 });
    const shim = `#!/usr/bin/env bash\nset -e\nprogram="\${0##*/}"\n\nexport PYENV_ROOT="${root}"\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`;
    writeFileSync(join(root, 'shims', 'python3'), shim, { mode: 0o755 });
    const env = { TPX_DEFAULT_PYTHON: undefined, PATH: `${join(root, 'shims')}:${world.env.PATH}` };
    const calls = () => (existsSync(count) ? readFileSync(count, 'utf8').split('\n').filter(Boolean).length : 0);

    const first = await world.run(['install', 'tpxdemo'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(calls()).toBe(0);
    // The receipt names the version's interpreter, never the shim.
    expect(receiptOf(world, 'tpxdemo').python.executable).toBe(join(root, 'versions', '3.11.7', 'bin', 'python3'));
    expect((await world.run(['install', '--force', 'tpxdemo'], { env })).code).toBe(0);
    expect(calls()).toBe(0);

    // `system` is pyenv's to decide: the shim runs, and the install still works.
    const system = await world.run(['install', '--force', 'tpxdemo'], { env: { ...env, PYENV_VERSION: 'system' } });
    expect(system.code, system.stderr).toBe(0);
    expect(calls()).toBeGreaterThan(0);
    expect(receiptOf(world, 'tpxdemo').python.executable).toBe(realPy);
  });
});

describe('tpx install: what pip leaves on disk', () => {
  it("installs exactly the files pip's own runner does, bytecode and RECORD included", async () => {
    world = await makeWorld({ fresh: true });
    // tpx's pip runner, not the wheel store (store.test.ts compares that one with pip).
    const r = await world.run(['install', 'manymods'], { env: { TPX_INSTALLER: 'pip' } });
    expect(r.code, r.stderr).toBe(0);
    expect((await world.exec(join(world.binDir, 'manymods'), [])).stdout.trim()).toBe('manymods 1.0 total 310');
    const site = (venv: string) => join(venv, 'lib', readdirSync(join(venv, 'lib'))[0] as string, 'site-packages');
    const tree = (dir: string, rel = ''): string[] =>
      readdirSync(join(dir, rel), { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? tree(dir, join(rel, e.name)) : [join(rel, e.name)]))
        .sort();
    // Bytecode names its source's path: pip alone installs into a venv at the very same path.
    const gen = realpathSync(join(world.tpxHome, 'tools', 'manymods'));
    const mine = new Map(tree(site(gen)).map((f) => [f, readFileSync(join(site(gen), f))]));
    expect((await world.run(['uninstall', 'manymods'])).code).toBe(0);
    const shared = join(world.tpxHome, 'shared', readdirSync(join(world.tpxHome, 'shared')).find((d) => d.startsWith('pip-')) as string);
    expect((await world.exec(world.env.TPX_DEFAULT_PYTHON as string, ['-m', 'venv', '--without-pip', gen])).code).toBe(0);
    const pip = await world.exec(join(gen, 'bin', 'python'), [
      join(shared, 'pip', '__pip-runner__.py'),
      'install',
      '--no-input',
      'manymods',
    ]);
    expect(pip.code, pip.stderr).toBe(0);

    expect([...mine.keys()]).toEqual(tree(site(gen)));
    expect([...mine.keys()].filter((f) => f.endsWith('.pyc')).length).toBe(24); // every module but broken.py
    for (const [f, a] of mine) {
      // A .pyc starts with its source's mtime and size (16 bytes); the code after must be the same.
      const b = readFileSync(join(site(gen), f));
      expect(f.endsWith('.pyc') ? a.subarray(16).equals(b.subarray(16)) : a.equals(b), f).toBe(true);
    }
    // The User-Agent's machine facts were kept for the next pip run.
    expect(JSON.parse(readFileSync(join(shared, 'tpx-facts.json'), 'utf8'))).toHaveProperty('at');
  });
});
