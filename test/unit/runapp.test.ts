// The cache-hit fast path parses `tpx run` arguments without commander. Whatever it accepts must
// mean exactly what commander makes of it, or a hit would run another environment than a miss builds.
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { register } from '../../src/commands/run.js';
import type { Context } from '../../src/core/base/context.js';
import type { TpxError } from '../../src/core/base/errors.js';
import { appEnv, chooseApp, parseRunArgv, runArgv, runTarget } from '../../src/core/run/runapp.js';
import type { RunFlags } from '../../src/core/run/runapp.js';
import type { RunReceipt } from '../../src/core/run/runcache.js';

function viaCommander(argv: string[]) {
  const program = new Command('tpx').enablePositionalOptions().exitOverride();
  register({ program, run: async () => {}, change: async () => {} });
  const cmd = program.commands[0] as Command;
  // The options cli.ts gives every command.
  cmd.option('-v, --verbose').option('-q, --quiet').option('--color <when>');
  program.parse(['run', ...argv], { from: 'user' });
  const [app, args] = cmd.processedArgs as [string, string[]];
  // As the run command's action normalises them.
  return { app, args, flags: { with: [], ...cmd.opts() } };
}

describe('parseRunArgv', () => {
  it.each([
    [['tpxdemo', '--version']],
    [['--spec', 'tpxdemo==1.0', 'tpxdemo', '--help', '--', '--x']],
    [['--spec=tpxdemo', '--with', 'a', '--with=b', '-v', 'tpxdemo', '-v']],
    [['--python', '3.11', '--index-url', 'http://x/simple', '--pip-args', '--no-compile -q', 'app', 'x', '--spec', 'y']],
    [['app', '--', 'a']],
    [['-q', '--color', 'never', 'tpxdemo', '-q']],
    [['--quiet', '--color=always', 'app', '--color=never']],
    [['--cooldown', '7d', '--offline', '--env', 'A=1', '--env=B=2', '--env-file', '.env', 'app', '--env', 'C=3']],
    [['--no-python-downloads', '--python', '3.12', 'tpxdemo']],
  ])('agrees with commander on %j', (argv) => {
    const fast = parseRunArgv(argv);
    const slow = viaCommander(argv);
    expect(fast).not.toBeNull();
    expect({ app: fast?.app, args: fast?.args }).toEqual({ app: slow.app, args: slow.args });
    expect({ ...fast?.flags }).toEqual(slow.flags);
  });

  it.each([[['--refresh', 'x']], [['--no-cache', 'x']], [['--help']], [['--spec']], [['--unknown', 'x']], [[]]])(
    'leaves %j to commander',
    (argv) => {
      expect(parseRunArgv(argv)).toBeNull();
    },
  );
});

describe('runTarget: what `tpx run TARGET` runs', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'project'));
  writeFileSync(join(dir, 'tool.py'), 'print(1)\n');
  writeFileSync(join(dir, 'tool'), 'print(1)\n');
  writeFileSync(join(dir, 'pkg-1.0-py3-none-any.whl'), '');
  const flags = (spec?: string): RunFlags => ({ with: [], cache: true, ...(spec ? { spec } : {}) });
  const what = (target: string, spec?: string) => {
    const t = runTarget(target, flags(spec), { cwd: dir, env: { HOME: dir } });
    return t.kind === 'script' ? 'script' : { spec: t.req.spec, app: t.app, source: t.req.source !== null };
  };

  it.each([
    ['black', { spec: 'black', app: { name: 'black', inferred: false }, source: false }],
    ['black==22.12.0', { spec: 'black==22.12.0', app: { name: 'black', inferred: true }, source: false }],
    ['black[d]', { spec: 'black[d]', app: { name: 'black', inferred: true }, source: false }],
    ['Black>=22,<23', { spec: 'Black>=22,<23', app: { name: 'black', inferred: true }, source: false }],
    ['git+https://h/x.git', { spec: 'git+https://h/x.git', app: { name: null, inferred: true }, source: false }],
    ['https://h/x-1.0.tar.gz', { spec: 'https://h/x-1.0.tar.gz', app: { name: null, inferred: true }, source: false }],
    ['./project', { spec: join(dir, 'project'), app: { name: null, inferred: true }, source: true }],
    ['~/project', { spec: join(dir, 'project'), app: { name: null, inferred: true }, source: true }],
    ['./pkg-1.0-py3-none-any.whl', { spec: join(dir, 'pkg-1.0-py3-none-any.whl'), app: { name: null, inferred: true }, source: true }],
    ['tool.py', 'script'],
    ['missing.py', 'script'],
    ['https://h/tool.py?x=1', 'script'],
    ['./tool', 'script'],
    ['/dev/null', 'script'],
  ])('%s → %j', (target, expected) => {
    expect(what(target)).toEqual(expected);
  });

  it('with --spec, TARGET is the app', () => {
    expect(what('blackd', 'black[d]==24.1.0')).toEqual({
      spec: 'black[d]==24.1.0',
      app: { name: 'blackd', inferred: false },
      source: false,
    });
    expect(() => what('some/app', 'black')).toThrow(/"some\/app" is not an app name/);
  });

  it('refuses what is neither an app, a spec, a path nor a script', () => {
    expect(() => what('black[=')).toThrow(/is not an app name or a package spec/);
    expect(() => what('./missing')).toThrow(/no such file or directory/);
  });

  it("a project's key changes when its build files do", () => {
    const before = runTarget('./project', flags(), { cwd: dir, env: {} });
    writeFileSync(join(dir, 'project', 'pyproject.toml'), '[project]\nname = "p"\n');
    const after = runTarget('./project', flags(), { cwd: dir, env: {} });
    expect(before.kind === 'app' && after.kind === 'app' && before.req.source !== after.req.source).toBe(true);
  });
});

describe('chooseApp', () => {
  const receipt = (apps: [string, boolean][]): RunReceipt =>
    ({ name: 'black', version: '24.1.0', apps: apps.map(([name, main]) => ({ name, dist: main ? 'black' : 'dep', main })) }) as RunReceipt;
  const said: string[] = [];
  const ctx = { out: { info: (m: string) => said.push(m) } } as unknown as Context;
  const choose = (r: RunReceipt, name: string | null, inferred: boolean) => {
    said.length = 0;
    return { app: chooseApp(ctx, r, { name, inferred }, 'black[d]'), said: [...said] };
  };

  it('runs the app named; for a spec, path or URL, says which one runs', () => {
    expect(
      choose(
        receipt([
          ['black', true],
          ['blackd', true],
        ]),
        'black',
        false,
      ),
    ).toEqual({ app: 'black', said: [] });
    expect(
      choose(
        receipt([
          ['black', true],
          ['blackd', true],
        ]),
        'black',
        true,
      ),
    ).toEqual({ app: 'black', said: ['running black from black 24.1.0'] });
    expect(
      choose(
        receipt([
          ['black', true],
          ['blackd', true],
        ]),
        null,
        true,
      ),
    ).toEqual({ app: 'black', said: ['running black from black 24.1.0'] });
  });

  it("else the package's only app, saying so; else an error listing them", () => {
    expect(
      choose(
        receipt([
          ['blackd', true],
          ['dep-cli', false],
        ]),
        'black',
        true,
      ),
    ).toEqual({ app: 'blackd', said: ['black 24.1.0 has no app named black; running its only app, blackd'] });
    expect(() =>
      choose(
        receipt([
          ['a', true],
          ['b', true],
        ]),
        'black',
        true,
      ),
    ).toThrow(/black 24.1.0 has no app named black/);
    try {
      choose(
        receipt([
          ['a', true],
          ['b', true],
        ]),
        'black',
        true,
      );
    } catch (err) {
      expect((err as TpxError).hint).toBe("its apps: a, b; run one with `tpx run --spec 'black[d]' a`");
    }
  });
});

describe('runArgv: the options that make the same request again (a refresh in the background)', () => {
  it('commander reads them back as the flags they came from, pins included (--no-config)', () => {
    const flags = {
      ...viaCommander(['--spec', 'x==1', '--with', 'a', '--with', 'b', '--python', '3.12', '--cooldown', 'P7D', 'app']).flags,
    };
    const again = viaCommander([...runArgv(flags as unknown as RunFlags), 'app']).flags;
    expect(again).toEqual({ ...flags, config: false });
  });
});

describe('appEnv: the app’s environment', () => {
  it('is tpx’s, then --env-file’s lines, then each --env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpx-appenv-'));
    writeFileSync(join(dir, 'vars'), '# comment\n\nexport A="quoted value"\nB = x \nC=\'single\'\n');
    const env = appEnv({ envFile: 'vars', env: ['C=flag', 'D=a=b'] }, { cwd: dir, env: { A: 'mine', KEEP: '1' } });
    expect(env).toEqual({ A: 'quoted value', B: 'x', C: 'flag', D: 'a=b', KEEP: '1' });
    writeFileSync(join(dir, 'bad'), 'A=1\nnot an assignment\n');
    expect(() => appEnv({ envFile: 'bad' }, { cwd: dir, env: {} })).toThrow('bad:2: "not an assignment" is not KEY=VALUE');
    expect(() => appEnv({ envFile: 'missing' }, { cwd: dir, env: {} })).toThrow(`--env-file: cannot read ${join(dir, 'missing')}`);
    rmSync(dir, { recursive: true });
  });
});
