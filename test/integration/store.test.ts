// The wheel store (docs/architecture.md, "The wheel store"): a venv it makes is the venv pip makes,
// compared file by file at the same path (test/helpers/compare_venvs.py says what may differ). The
// same comparison over real wheels is test/real/store-real.test.ts, outside `npm test`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcessesUnder } from '../helpers/procs.js';
import { compareVenvs, look, pipInstallAt, type Seen, site } from '../helpers/storediff.js';
import { makeWorld, type World } from '../helpers/world.js';

describe('the wheel store: a venv made by the store against one made by pip', () => {
  let world: World;
  let gen: string;
  const seen = {} as Record<'store' | 'pip', Seen>;
  const snapshot = join('/tmp', `tpx-store-diff-${process.pid}`);

  beforeAll(async () => {
    world = await makeWorld();
  });
  afterAll(async () => {
    await world?.dispose();
    execFileSync('rm', ['-rf', snapshot]);
  });

  it('installs every fixture (namespace packages, .pth, .data, odd names, a bad RECORD) as pip does; pip check, list, show and uninstall work', async () => {
    // A dry run that fails sends the install to pip, whose own error the user then sees.
    const missing = await world.run(['install', 'no-such-dist', '-v']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^no-such-dist: pip installs it \(its dry run failed: its own install says why\)$/m);
    const r = await world.run(['install', 'storemix', '-v']);
    expect(r.code, r.stderr).toBe(0);
    // -v says which path each distribution took.
    expect(r.stderr).toMatch(/^storemix 1\.0: from the store$/m);
    expect(r.stderr).toMatch(/^Tpx\.Dotted_Name 1\.0: from the store$/m);
    expect(r.stderr).toMatch(
      /^badrecord 1\.0: pip \(the store refused its wheel: badrecord\/__init__\.py does not match its RECORD hash\)$/m,
    );
    expect((await world.exec(join(world.binDir, 'storemix'), [])).stdout.trim()).toBe('storemix 1.0 one two dotted pth');
    // The wheels came from the index, and the store took them from what pip's dry run fetched: no
    // pip download ran, only the dry run and pip's own install of badrecord.
    const logs = world.ls(join(world.cacheDir, 'tpx', 'logs')).filter((l) => l.includes('install-storemix'));
    expect(logs.map((l) => l.replace(/^.*install-storemix/, '')).sort()).toEqual(['-resolve.log', '.log']);
    gen = realpathSync(join(world.tpxHome, 'tools', 'storemix'));
    // Files come from the store: a wheel entry's file and the venv's are one file (hard links here).
    const entry = readdirSync(join(world.tpxHome, 'store', 'wheels'))
      .map((w) => join(world.tpxHome, 'store', 'wheels', w, 'site', 'tpxns', 'one.py'))
      .find(existsSync) as string;
    expect(statSync(entry).ino).toBe(statSync(join(site(gen), 'tpxns', 'one.py')).ino);
    expect(statSync(entry).mode & 0o222).toBe(0);

    seen.store = await look(world, gen);
    const check = await world.run(['runpip', 'storemix', 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const list = await world.run(['runpip', 'storemix', 'list', '--format', 'json']);
    const names = (JSON.parse(list.stdout) as { name: string }[]).map((d) => d.name.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(['storemix', 'tpx.dotted_name', 'tpxns-one', 'badrecord', 'datamix', 'manymods']));
    const show = await world.run(['runpip', 'storemix', 'show', '-f', 'datamix']);
    expect(show.stdout).toMatch(/\.\.\/\.\.\/\.\.\/bin\/datamix-py/);
    execFileSync('cp', ['-a', gen, snapshot]);
    // pip uninstall reads RECORD: every file of the distribution goes, bytecode and scripts included.
    const un = await world.run(['runpip', 'storemix', 'uninstall', '-y', 'datamix']);
    expect(un.code, un.stderr).toBe(0);
    expect(existsSync(join(gen, 'bin', 'datamix-py'))).toBe(false);
    expect(existsSync(join(site(gen), 'datamix'))).toBe(false);
    expect(existsSync(join(gen, 'share', 'datamix', 'readme.txt'))).toBe(false);

    // pip alone, into a venv at the very same path.
    expect((await world.run(['uninstall', 'storemix'])).code).toBe(0);
    const pip = await pipInstallAt(world, gen, ['storemix']);
    expect(pip.code, pip.stderr).toBe(0);
    seen.pip = await look(world, gen);
    // The store's venv back at that path, to compare the two.
    execFileSync('mv', [gen, `${snapshot}-pip`]);
    execFileSync('mv', [snapshot, gen]);
    const diff = compareVenvs(`${snapshot}-pip`, gen);
    expect({ onlyPip: diff.onlyPip, onlyStore: diff.onlyStore, differ: diff.differ }).toEqual({ onlyPip: [], onlyStore: [], differ: [] });
    // What may differ, and only that: INSTALLER (and RECORD's hash of it) of every store-installed
    // dist, the .pyc files' embedded paths and mtimes, and -E on the linked app.
    expect(diff.allowed.INSTALLER).toBeGreaterThan(15);
    expect(diff.allowed.pyc).toBeGreaterThan(20);
    expect(diff.allowed['-E']).toBe(1);
    expect(seen.store.metadata).toBe(seen.pip.metadata);
    expect(seen.store.apps).toEqual(seen.pip.apps);
    expect(Object.keys(seen.store.apps)).toEqual(expect.arrayContaining(['Tpx.Dotted', 'datamix-py', 'datamix-sh', 'evil', 'tpxdemo']));
    expect(readFileSync(join(site(gen), 'storemix-1.0.dist-info', 'INSTALLER'), 'utf8')).toBe('tpx\n');
  }, 240_000);
});

describe('the wheel store under kill -9, and as a cache', () => {
  let world: World;
  afterAll(async () => world?.dispose());

  it('a kill -9 at each step of an install leaves no broken tool and no half-made entry; doctor, reinstall, cache, prune and reset', async () => {
    world = await makeWorld({ withBinOnPath: true });
    const store = join(world.tpxHome, 'store');
    const gens = () => world.ls(join(world.tpxHome, 'envs')).map((g) => join(world.tpxHome, 'envs', g));
    // Each step is where a kill may land, seen from disk (a later step may be reached before the kill: any state must do).
    const steps: [string, () => boolean][] = [
      ["pip's dry run", () => world.ls(join(store, 'tmp')).length > 0],
      ['wheels being unpacked', () => world.ls(join(store, 'tmp')).some((t) => existsSync(join(store, 'tmp', t, 'w0')))],
      ['an entry published', () => world.ls(join(store, 'wheels')).length > 0],
      ["the generation's store record", () => gens().some((g) => existsSync(join(g, 'tpx-store.json')))],
      ['files being linked', () => gens().some((g) => existsSync(join(g, 'bin', 'withdep')))],
      ['the receipt', () => gens().some((g) => existsSync(join(g, 'tpx.json')))],
    ];
    const problems = async (fix = false) => {
      const d = JSON.parse((await world.run(['doctor', '--json', ...(fix ? ['--fix'] : [])])).stdout) as {
        problems: { problem: string }[];
        fixed: string[];
      };
      return { left: d.problems.map((p) => p.problem), fixed: d.fixed };
    };
    for (const [step, reached] of steps) {
      const child = world.spawn(['install', 'withdep']);
      while (!reached() && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGKILL');
      await child.done;
      await stopProcessesUnder(world.root);
      // Never a broken tool: installed and working, or not installed.
      if (existsSync(join(world.tpxHome, 'tools', 'withdep')))
        expect((await world.exec(join(world.binDir, 'withdep'), [])).code, step).toBe(0);
      // What a kill leaves is debris --fix removes; never a published entry (doctor checks each against its RECORD).
      const { left, fixed } = await problems(true);
      expect(left, step).toEqual([]);
      for (const f of fixed) expect(f, step).not.toMatch(/store\/wheels|store\/bytecode/);
      await world.run(['uninstall', 'withdep']);
      expect((await world.run(['cache', 'prune'])).code).toBe(0);
      expect(world.ls(join(store, 'wheels')), step).toEqual([]);
    }
    const r = await world.run(['install', 'withdep']);
    expect(r.code, r.stderr).toBe(0);
    expect((await world.exec(join(world.binDir, 'withdep'), [])).code).toBe(0);
    // A damaged entry is found and removed; reinstall then takes the recorded files again, without resolving.
    const entry = join(store, 'wheels', world.ls(join(store, 'wheels'))[0] as string);
    execFileSync('chmod', ['-R', 'u+w', entry]);
    execFileSync('sh', ['-c', `echo damaged >> "$(find ${entry}/site -name '*.py' | head -1)"`]);
    const { left, fixed } = await problems(true);
    expect(left).toEqual([]);
    expect(fixed.join('\n')).toMatch(/removed .*store\/wheels\//);
    const again = await world.run(['reinstall', 'withdep', '-v']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/withdep: the files \S+ was built from, without resolving again/);
    expect(again.stderr).not.toMatch(/Would install/);
    expect((await problems()).left).toEqual([]);
    const cache = await world.run(['cache']);
    expect(cache.stdout).toMatch(/^wheel store .* \(2 wheels, 2 bytecode entries\)$/m);
    expect((await world.run(['reset', '--yes'])).code).toBe(0);
    expect(existsSync(world.tpxHome)).toBe(false);
  }, 240_000);
});

describe("the wheel store: pip's resolution, used again only while nothing pip read has changed", () => {
  let world: World;
  afterAll(async () => world?.dispose());

  it('installs again without pip while the index pages and constraints read as before; a new dependency version, a config and a constraint change each send it to pip, which then decides', async () => {
    world = await makeWorld({ packages: ['withdep-1.0', 'helperlib-1.0'] });
    const resolves = () => world.ls(join(world.cacheDir, 'tpx', 'logs')).filter((l) => l.endsWith('-resolve.log')).length;
    const freeze = async () => (await world.run(['runpip', 'withdep', 'freeze'])).stdout;
    const install = async () => {
      await world.run(['uninstall', 'withdep']);
      const r = await world.run(['install', 'withdep', '-v']);
      expect(r.code, r.stderr).toBe(0);
      expect((await world.exec(join(world.binDir, 'withdep'), [])).code).toBe(0);
      return r.stderr;
    };
    const reused = /^withdep: pip's resolution of \d{4}-\d\d-\d\d \d\d:\d\d UTC, the \d+ pages and files it read unchanged$/m;

    expect(await install()).not.toMatch(reused);
    expect(resolves()).toBe(1);
    // Nothing changed: the same files, and no pip at all.
    expect(await install()).toMatch(reused);
    expect(resolves()).toBe(1);
    expect(await freeze()).toBe('helperlib==1.0\nwithdep==1.0\n');

    // A new version of a dependency changes its index page: pip resolves, and takes it.
    world.publish('helperlib-2.0');
    expect(await install()).not.toMatch(reused);
    expect(resolves()).toBe(2);
    expect(await freeze()).toBe('helperlib==2.0\nwithdep==1.0\n');

    // pip's configuration changes (a constraints file): pip resolves, and honours it.
    const constraints = join(world.root, 'constraints.txt');
    writeFileSync(constraints, 'helperlib<2\n');
    writeFileSync(world.pipConf, `[global]\nconstraint = ${constraints}\n`);
    expect(await install()).not.toMatch(reused);
    expect(await freeze()).toBe('helperlib==1.0\nwithdep==1.0\n');
    expect(await install()).toMatch(reused);
    // The constraints file itself changes, the configuration not: pip resolves again.
    writeFileSync(constraints, 'helperlib<3\n');
    expect(await install()).not.toMatch(reused);
    expect(await freeze()).toBe('helperlib==2.0\nwithdep==1.0\n');
    expect(resolves()).toBe(4);

    // A kept resolution is read like input: one that names a file outside the store is not used.
    const dir = join(world.cacheDir, 'tpx', 'resolutions');
    const kept = () => world.ls(dir).filter((f) => f.endsWith('.json'));
    for (const f of kept()) {
      const resolution = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      resolution.plan[0].url = 'file:///etc/passwd';
      resolution.plan[0].name = '../../x';
      writeFileSync(join(dir, f), JSON.stringify(resolution));
    }
    expect(await install()).not.toMatch(reused);
    expect(await freeze()).toBe('helperlib==2.0\nwithdep==1.0\n');
    expect(kept().length).toBeGreaterThan(0);
    // A resolution whose wheels prune removed is removed with them.
    expect((await world.run(['uninstall', 'withdep'])).code).toBe(0);
    expect((await world.run(['cache', 'prune'])).code).toBe(0);
    expect(world.ls(dir)).toEqual(['CACHEDIR.TAG']);
  }, 240_000);

  it('the version check: upgrade-all with nothing newer starts no pip while the pages read the same; a release is seen at once', async () => {
    const w = await makeWorld({ packages: ['tpxdemo-1.0', 'withdep-1.0', 'helperlib-1.0'] });
    try {
      const checks = () => w.ls(join(w.cacheDir, 'tpx', 'logs')).filter((l) => l.endsWith('-check-latest.log')).length;
      expect((await w.run(['install', 'tpxdemo', 'withdep'])).code).toBe(0);
      // Right after installing, each tool's own resolution still holds (a build would give the same
      // files again): nothing to ask pip.
      const first = await w.run(['upgrade-all']);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain('tpxdemo is already at the latest version (1.0)');
      expect(first.stderr).toContain('withdep is already at the latest version (1.0)');
      expect(checks()).toBe(0);
      // A release of a dependency: withdep's resolution no longer holds, so pip is asked whether
      // withdep has a newer version (it has not; nothing is built). Its answer is kept, and used
      // again while withdep's page reads the same.
      w.publish('helperlib-2.0');
      const second = await w.run(['upgrade-all']);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toContain('withdep is already at the latest version (1.0)');
      expect(checks()).toBe(1);
      const again = await w.run(['upgrade-all']);
      expect(again.stderr).toBe(second.stderr);
      expect(checks()).toBe(1);
      expect((await w.run(['runpip', 'withdep', 'freeze'])).stdout).toBe('helperlib==1.0\nwithdep==1.0\n');
      // A release of the tool changes its page: pip is asked, and the tool upgraded.
      w.publish('tpxdemo-2.0');
      const r = await w.run(['upgrade-all']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('tpxdemo 1.0 → 2.0');
      expect(checks()).toBe(2);
      expect((await w.exec(join(w.binDir, 'tpxdemo'), ['--version'])).stdout.trim()).toBe('tpxdemo 2.0');
      // The upgraded generation's own resolution holds in turn.
      expect((await w.run(['upgrade-all'])).stderr).toContain('tpxdemo is already at the latest version (2.0)');
      expect(checks()).toBe(2);
    } finally {
      await w.dispose();
    }
  }, 240_000);
});

describe("the wheel store: pip's dry run reads a stored wheel's metadata from its entry, not from the index", () => {
  it('answers exactly as it does with the wheels downloaded, and downloads none the store holds: a version check, an install whose page changed', async () => {
    const w = await makeWorld({ packages: ['withdep-1.0', 'helperlib-1.0', 'tpxdemo-1.0'] });
    try {
      const wheels = () => w.index.requests.filter((r) => r.endsWith('.whl')).map((r) => r.replace(/^.*\//, ''));
      expect((await w.run(['install', 'withdep', 'tpxdemo'])).code).toBe(0);
      expect(wheels().sort()).toEqual(['helperlib-1.0-py3-none-any.whl', 'tpxdemo-1.0-py3-none-any.whl', 'withdep-1.0-py3-none-any.whl']);

      // The differential: pip's own dry run through tpx's runner, once as pip alone does it and once
      // reading the store, gives the same report, byte for byte; the second fetches no wheel.
      const gen = realpathSync(join(w.tpxHome, 'tools', 'withdep'));
      const shared = join(w.tpxHome, 'shared');
      const runner = join(shared, w.ls(shared).find((d) => d.startsWith('pip-')) as string, 'tpx-runner.py');
      const dryRun = async (name: string, env: Record<string, string>) => {
        const report = join(w.root, `${name}.json`);
        const args = [runner, 'install', '--dry-run', '--ignore-installed', '--no-input', '--report', report, 'withdep', 'tpxdemo[helper]'];
        const r = await w.exec(join(gen, 'bin', 'python'), args, { env });
        expect(r.code, r.stderr).toBe(0);
        return readFileSync(report, 'utf8');
      };
      const plain = await dryRun('plain', {});
      const before = wheels().length;
      const served = await dryRun('served', { TPX_METADATA_FROM: join(w.tpxHome, 'store', 'wheels') });
      expect(served).toBe(plain);
      expect(
        JSON.parse(served)
          .install.map((i: { metadata: { name: string } }) => i.metadata.name)
          .sort(),
      ).toEqual(['helperlib', 'tpxdemo', 'withdep']);
      expect(wheels().length).toBe(before);

      // A pre-release changes tpxdemo's page: upgrade-all asks pip about it, and pip reads tpxdemo's
      // metadata from the store (the pre-release is not a candidate).
      w.publish('tpxdemo-2.0rc1');
      const up = await w.run(['upgrade-all']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain('tpxdemo is already at the latest version (1.0)');
      expect(w.ls(join(w.cacheDir, 'tpx', 'logs')).filter((l) => l.endsWith('-check-latest.log'))).toHaveLength(1);
      expect(wheels().length).toBe(before);

      // A release changes helperlib's page: pip resolves the install again and fetches only the new wheel.
      w.publish('helperlib-2.0');
      expect((await w.run(['uninstall', 'withdep'])).code).toBe(0);
      const r = await w.run(['install', 'withdep', '-v']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^withdep 1\.0: from the store$/m);
      expect(wheels().slice(before)).toEqual(['helperlib-2.0-py3-none-any.whl']);
      expect((await w.run(['runpip', 'withdep', 'freeze'])).stdout).toBe('helperlib==2.0\nwithdep==1.0\n');
    } finally {
      await w.dispose();
    }
  }, 240_000);
});
