// tpx in the user's shell, tried in real shells: ensurepath and a new bash/zsh/fish finding the apps,
// completion scripts driven by bash's, zsh's and fish's own completion machinery, `tpx environment`.
// zsh and fish are needed (.ci/run installs them).
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

const bash = { SHELL: '/bin/bash' };
const countLines = (file: string, text: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(text)).length;

describe('tpx ensurepath', () => {
  it('adds one line per startup file, changes nothing the second time, and new shells find the apps', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo==1.0'], { env: bash })).code).toBe(0);
    const bashrc = join(world.home, '.bashrc');
    const profile = join(world.home, '.profile');
    const line = `export PATH="$PATH:${world.binDir}"`;
    expect((await world.exec('bash', ['-lc', 'command -v tpxdemo'])).code).not.toBe(0);

    const first = await world.run(['ensurepath'], { env: bash });
    expect(first.code, first.stderr).toBe(0);
    // No login file existed: a login bash would have read nothing, so ~/.profile gets the line too.
    expect(first.stderr).toBe(
      `added to ${bashrc}:\n  ${line}\nadded to ${profile}:\n  ${line}\nopen a new shell (or \`source ${bashrc}\` in this one) to have ${world.binDir} on PATH\n`,
    );
    const [rcText, profileText] = [readFileSync(bashrc, 'utf8'), readFileSync(profile, 'utf8')];
    const second = await world.run(['ensurepath'], { env: bash });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(
      `${bashrc} already puts ${world.binDir} on PATH\n${profile} already puts ${world.binDir} on PATH\nnothing changed\n`,
    );
    expect(readFileSync(bashrc, 'utf8')).toBe(rcText);
    expect(readFileSync(profile, 'utf8')).toBe(profileText);
    expect(countLines(bashrc, world.binDir)).toBe(1);

    for (const args of [
      ['-i', '-c', 'tpxdemo --version'],
      ['-lc', 'tpxdemo --version'],
    ]) {
      const app = await world.exec('bash', args);
      expect(app.stdout.trim(), `bash ${args.join(' ')}: ${app.stderr}`).toBe('tpxdemo 1.0');
    }

    const zsh = await world.run(['ensurepath'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(zsh.stderr).toContain(`added to ${join(world.home, '.zshrc')}:\n  ${line}\n`);
    expect((await world.exec('zsh', ['-i', '-c', 'tpxdemo --version'])).stdout.trim()).toBe('tpxdemo 1.0');

    const fishConf = join(world.home, '.config', 'fish', 'conf.d', 'tpx.fish');
    const fish = await world.run(['ensurepath'], { env: { SHELL: '/usr/bin/fish' } });
    expect(fish.stderr).toContain(`added to ${fishConf}:\n  fish_add_path --path --append "${world.binDir}"\n`);
    expect((await world.exec('fish', ['-c', 'tpxdemo --version'])).stdout.trim()).toBe('tpxdemo 1.0');

    // Every shell is set up by now: a dry run for all of them finds every line in place and writes nothing.
    const dry = await world.run(['ensurepath', '--dry-run', '--all-shells'], { env: bash });
    expect(dry.stderr).toBe(
      `${[bashrc, profile, join(world.home, '.zshrc'), fishConf].map((f) => `${f} already puts ${world.binDir} on PATH\n`).join('')}dry run: nothing was changed\n`,
    );

    // On PATH already: nothing to look at.
    const onPath = await world.run(['ensurepath'], { env: { ...bash, PATH: `${world.binDir}:${world.env.PATH}` } });
    expect(onPath.stderr).toBe(`${world.binDir} is already on your PATH: nothing to do\n`);
  });

  it('refuses a read-only startup file, naming it, and leaves it as it was; an unknown shell gets the line to add', async () => {
    world = await makeWorld();
    const zdot = join(world.home, 'zdot');
    mkdirSync(zdot);
    writeFileSync(join(zdot, '.zshrc'), 'setopt autocd\n');
    chmodSync(join(zdot, '.zshrc'), 0o444);
    const r = await world.run(['ensurepath'], { env: { SHELL: '/usr/bin/zsh', ZDOTDIR: zdot } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot add tpx's bin dir to ${join(zdot, '.zshrc')}: it is read-only\n` +
        `hint: nothing was changed; fix that and run \`tpx ensurepath\` again, or add this line to it yourself:\nhint:   export PATH="$PATH:${world.binDir}"\n`,
    );
    expect(readFileSync(join(zdot, '.zshrc'), 'utf8')).toBe('setopt autocd\n');
    expect(readdirSync(zdot)).toEqual(['.zshrc']);

    const tcsh = await world.run(['ensurepath'], { env: { SHELL: '/bin/tcsh' } });
    expect(tcsh.code).toBe(1);
    expect(tcsh.stderr).toContain('error: tpx does not know the startup files of your shell (tcsh)');
    expect(tcsh.stderr).toContain(`hint:   export PATH="$PATH:${world.binDir}"`);
    expect(existsSync(join(world.home, '.profile'))).toBe(false);
  });
});

describe('tpx completions and tpx environment', () => {
  it('complete commands, options and installed tools in real bash, zsh and fish', async () => {
    world = await makeWorld();
    expect((await world.run(['install', 'tpxdemo', 'oneapp', 'mantool'])).code).toBe(0);
    const scripts: Record<string, string> = {};
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await world.run(['completions', shell]);
      expect(r.code, r.stderr).toBe(0);
      scripts[shell] = join(world.root, `completion.${shell}`);
      writeFileSync(scripts[shell] as string, r.stdout);
    }

    // bash: the function bash calls on TAB, with COMP_WORDS/COMP_CWORD as bash sets them (it splits `--opt=value` at `=`).
    const probe = `source ${scripts.bash}
complete -p tpx
complete -p mantool
t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _tpx; echo "\${COMPREPLY[*]}"; }
t tpx upg; t tpx uninstall ''; t tpx pin o; t tpx pin oneapp ''; t tpx --color = al; t tpx install --sys
t tpx environment --value sh; t tpx cache p; t tpx upgrade-all --skip t; t tpx -q --color never rollb
TPX_HOME=${world.root}/elsewhere t tpx uninstall ''`;
    const b = await world.exec('bash', ['--norc', '--noprofile', '-c', probe]);
    expect(b.stderr).toBe('');
    expect(b.stdout.split('\n')).toEqual([
      'complete -F _tpx tpx',
      // The tool's own completion file, which tpx linked and the script sources.
      "complete -W '--version --help' mantool",
      'upgrade upgrade-all upgrade-shared',
      'mantool oneapp tpxdemo',
      'oneapp',
      '',
      'always',
      '--system-site-packages',
      'shared-pip',
      'purge prune',
      'tpxdemo',
      'rollback',
      '',
      '',
    ]);

    const z = await world.exec('zsh', [
      '-f',
      join(repoRoot, 'test', 'helpers', 'zsh-complete.zsh'),
      scripts.zsh as string,
      'tpx upg',
      'tpx uninstall ',
      'tpx --color=n',
      'tpx completions ',
      'mantool --',
    ]);
    const offered = z.stdout
      .split('<done>')
      .slice(0, -1)
      .map((part) => [...part.matchAll(/<match>([^\r\n]*)/g)].map((m) => m[1]).sort());
    expect(offered).toEqual([
      ['upgrade', 'upgrade-all', 'upgrade-shared'],
      ['mantool', 'oneapp', 'tpxdemo'],
      ['never'],
      ['bash', 'fish', 'powershell', 'zsh'],
      ['--help', '--version'],
    ]);

    const fish = async (line: string, env: Record<string, string> = {}) => {
      const r = await world.exec('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C '${line}'`], { env });
      expect(r.stderr).toBe('');
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    };
    expect(await fish('tpx upg')).toEqual(['upgrade', 'upgrade-all', 'upgrade-shared']);
    expect(await fish('tpx rollback ')).toEqual(['mantool', 'oneapp', 'tpxdemo']);
    // fish completes only commands it finds on PATH.
    expect(await fish('mantool --', { PATH: `${world.binDir}:${world.env.PATH}` })).toEqual(['--version']);
    expect(await fish('tpx rollback oneapp ')).toEqual([]);
    expect(await fish('tpx cache ')).toEqual(['dir', 'prune', 'purge']);
    expect(await fish('tpx environment --value ho')).toEqual(['home']);
  });

  it('environment shows every dir and where it came from, without starting Python', async () => {
    world = await makeWorld({ fresh: true });
    // A "python" that leaves a mark if anything starts it.
    const mark = join(world.root, 'python-was-started');
    const fake = join(world.root, 'fakepy');
    mkdirSync(fake);
    writeFileSync(join(fake, 'python3'), `#!/bin/sh\ntouch ${mark}\n`, { mode: 0o755 });
    const env = { TPX_DEFAULT_PYTHON: join(fake, 'python3'), PATH: `${fake}:${world.env.PATH}` };

    const r = await world.run(['environment', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.schema).toBe(1);
    const pick = (name: string) => ({ value: e.environment[name].value, source: e.environment[name].source });
    expect(pick('home')).toEqual({ value: world.tpxHome, source: 'TPX_HOME' });
    expect(pick('bin')).toEqual({ value: world.binDir, source: 'TPX_BIN_DIR' });
    expect(pick('man')).toEqual({ value: world.manDir, source: 'TPX_MAN_DIR' });
    expect(pick('cache')).toEqual({ value: join(world.cacheDir, 'tpx'), source: 'XDG_CACHE_HOME' });
    expect(pick('logs')).toEqual({ value: join(world.cacheDir, 'tpx', 'logs'), source: 'in cache' });
    expect(pick('completions')).toEqual({ value: join(world.tpxHome, 'completions'), source: 'in home' });
    expect(pick('python')).toEqual({ value: join(fake, 'python3'), source: 'TPX_DEFAULT_PYTHON' });
    expect(pick('cooldown')).toEqual({ value: '0 (none)', source: 'default' });
    expect(pick('shared-pip')).toEqual({ value: 'not bootstrapped yet', source: 'on disk' });

    const table = await world.run(['environment'], { env: { ...env, TPX_HOME: undefined, TPX_BIN_DIR: undefined } });
    expect(table.stdout).toMatch(new RegExp(`^home +${join(world.home, '.local', 'share', 'tpx')} +XDG_DATA_HOME$`, 'm'));
    expect(table.stdout).toMatch(
      new RegExp(`^bin +${join(world.home, '.local', 'bin')} +default \\(set TPX_BIN_DIR or XDG_BIN_HOME to change\\)$`, 'm'),
    );

    const bare = await world.run(['environment', '--value', 'bin'], { env });
    expect(bare).toMatchObject({ code: 0, stdout: `${world.binDir}\n`, stderr: '' });
    // The variable's name, as pipx users type it (`pipx environment --value PIPX_HOME`), in any case.
    for (const [name, value] of [
      ['TPX_BIN_DIR', world.binDir],
      ['TPX_HOME', world.tpxHome],
      ['tpx_man_dir', world.manDir],
      ['TPX_CACHE_DIR', join(world.cacheDir, 'tpx')],
      ['TPX_DEFAULT_PYTHON', join(fake, 'python3')],
      ['BIN', world.binDir],
    ]) {
      expect(await world.run(['environment', '--value', name as string], { env }), name).toMatchObject({
        code: 0,
        stdout: `${value}\n`,
        stderr: '',
      });
    }
    const unknown = await world.run(['environment', '--value', 'bindir'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'Allowed choices are home, bin, man, completions, cache, logs, python, pythons, python-downloads, python-mirror, cooldown, shared-pip, or the variable that sets one: TPX_HOME, TPX_BIN_DIR, TPX_MAN_DIR, TPX_CACHE_DIR, TPX_DEFAULT_PYTHON, TPX_PYTHON_DOWNLOADS, TPX_PYTHON_MIRROR, TPX_COOLDOWN',
    );
    expect(existsSync(mark)).toBe(false);

    expect((await world.run(['install', 'oneapp'])).code).toBe(0);
    const pip = await world.run(['environment', '--value', 'shared-pip']);
    expect(pip.stdout).toBe(
      `${readdirSync(join(world.tpxHome, 'shared'))
        .find((d) => d.startsWith('pip-'))
        ?.slice(4)}\n`,
    );
  });
});
