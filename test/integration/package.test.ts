// The package as people get it: `npm pack` (its prepack step builds dist/ in a copy of the repo),
// installed globally into a temp prefix with npm offline (the tarball needs nothing from a registry),
// then run: --version, an install from the test index, and `man tpx` from the prefix.
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

describe('the npm package', () => {
  it('packs, installs globally with nothing to fetch, and works', async () => {
    world = await makeWorld();
    // A copy of the sources: the prepack build writes dist/ there, never under the repo other tests run.
    const src = join(world.root, 'src-copy');
    mkdirSync(src);
    for (const f of ['package.json', 'package-lock.json', 'README.md', 'LICENSE', 'tsconfig.json', 'src', 'scripts'])
      cpSync(join(repoRoot, f), join(src, f), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(src, 'node_modules'));
    const npmEnv = {
      npm_config_cache: join(world.root, 'npm-cache'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };

    const pack = await world.exec('npm', ['pack', '--pack-destination', world.root], { cwd: src, env: npmEnv, timeoutMs: 120_000 });
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = join(world.root, pack.stdout.trim().split('\n').at(-1) as string);
    expect(pack.stderr).toMatch(/dist\/man\/tpx\.1/);
    expect(pack.stderr).toMatch(/LICENSE/);

    const prefix = join(world.root, 'prefix');
    const install = await world.exec('npm', ['install', '--global', '--prefix', prefix, '--offline', tarball], {
      env: npmEnv,
      timeoutMs: 120_000,
    });
    expect(install.code, install.stderr).toBe(0);
    // Everything is bundled: the package arrives alone.
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['tpx']);
    expect(readdirSync(join(prefix, 'lib', 'node_modules', 'tpx'))).not.toContain('node_modules');

    const tpx = join(prefix, 'bin', 'tpx');
    const version = await world.exec(tpx, ['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const tool = await world.exec(tpx, ['install', 'tpxdemo==1.0']);
    expect(tool.code, tool.stderr).toBe(0);
    expect((await world.exec(join(world.binDir, 'tpxdemo'), ['--version'])).stdout.trim()).toBe('tpxdemo 1.0');

    const man = await world.exec('man', ['tpx'], {
      env: { MANPATH: join(prefix, 'share', 'man'), MANWIDTH: '100', MAN_KEEP_FORMATTING: undefined },
    });
    expect(man.code, man.stderr).toBe(0);
    expect(man.stdout).toMatch(/^NAME\n\s+tpx - Install and run Python command-line tools/m);
    expect(man.stdout).toContain('tpx ensurepath [options]');

    const npx = await world.exec('npx', ['--offline', '--yes', '--package', tarball, 'tpx', '--version'], {
      env: npmEnv,
      timeoutMs: 120_000,
    });
    expect(npx.stdout).toBe(version.stdout);
  });
});
