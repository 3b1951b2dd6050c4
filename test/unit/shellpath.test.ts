import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { TpxError } from '../../src/core/base/errors.js';
import { writeFileAtomic } from '../../src/core/base/fsx.js';
import { applyEdits, mentionsDir, pathLine, planEdits, planSystemEdits, startupFiles, userShell } from '../../src/core/shell/shellpath.js';
import type { Shell } from '../../src/core/shell/shellpath.js';

const home = '/home/you';

const tempHome = (): string => tempDir('tpx-shellpath-');

describe('pathLine', () => {
  it('appends by default, prepends on request, and names a dir under home through $HOME', () => {
    expect(pathLine('bash', '/home/you/.local/bin', home, false)).toBe('export PATH="$PATH:$HOME/.local/bin"');
    expect(pathLine('sh', '/home/you/.local/bin', home, true)).toBe('export PATH="$HOME/.local/bin:$PATH"');
    expect(pathLine('zsh', '/opt/tools/bin', home, false)).toBe('export PATH="$PATH:/opt/tools/bin"');
    expect(pathLine('fish', '/home/you/.local/bin', home, false)).toBe('fish_add_path --path --append "$HOME/.local/bin"');
    expect(pathLine('fish', '/opt/bin', home, true)).toBe('fish_add_path --path --prepend "/opt/bin"');
  });

  it('quotes what a double-quoted string would expand', () => {
    expect(pathLine('bash', '/opt/a"b$c`d\\e', home, false)).toBe('export PATH="$PATH:/opt/a\\"b\\$c\\`d\\\\e"');
    expect(pathLine('fish', '/opt/a"b$c', home, false)).toBe('fish_add_path --path --append "/opt/a\\"b\\$c"');
  });
});

describe('mentionsDir', () => {
  it('finds the dir in any of the forms people write, but not in comments or longer names', () => {
    const bin = '/home/you/.local/bin';
    expect(mentionsDir('export PATH="$PATH:$HOME/.local/bin"\n', bin, home)).toBe(true);
    expect(mentionsDir('PATH="${HOME}/.local/bin:$PATH"', bin, home)).toBe(true);
    expect(mentionsDir('export PATH=~/.local/bin:$PATH', bin, home)).toBe(true);
    expect(mentionsDir("fish_add_path --path --append '/home/you/.local/bin/'", bin, home)).toBe(true);
    expect(mentionsDir('# export PATH="$PATH:$HOME/.local/bin"', bin, home)).toBe(false);
    expect(mentionsDir('export PATH="$PATH:$HOME/.local/bin2"', bin, home)).toBe(false);
    expect(mentionsDir('alias x=$HOME/.local/bin/tool', bin, home)).toBe(false);
  });
});

describe('startupFiles', () => {
  it('bash: ~/.bashrc, plus the login file unless it reads ~/.bashrc', () => {
    const h = tempHome();
    // No login file at all: a login bash would read none, so ~/.profile is created.
    expect(startupFiles('bash', {}, h)).toEqual([join(h, '.bashrc'), join(h, '.profile')]);
    writeFileSync(join(h, '.profile'), 'if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n');
    expect(startupFiles('bash', {}, h)).toEqual([join(h, '.bashrc')]);
    // ~/.bash_profile wins over ~/.profile; this one does not read ~/.bashrc (a comment does not count).
    writeFileSync(join(h, '.bash_profile'), '# source ~/.bashrc\nexport EDITOR=vi\n');
    expect(startupFiles('bash', {}, h)).toEqual([join(h, '.bashrc'), join(h, '.bash_profile')]);
  });

  it('zsh follows ZDOTDIR, fish XDG_CONFIG_HOME, sh reads ~/.profile', () => {
    expect(startupFiles('zsh', {}, home)).toEqual(['/home/you/.zshrc']);
    expect(startupFiles('zsh', { ZDOTDIR: '/home/you/.config/zsh' }, home)).toEqual(['/home/you/.config/zsh/.zshrc']);
    expect(startupFiles('fish', {}, home)).toEqual(['/home/you/.config/fish/conf.d/tpx.fish']);
    expect(startupFiles('fish', { XDG_CONFIG_HOME: '/cfg' }, home)).toEqual(['/cfg/fish/conf.d/tpx.fish']);
    expect(startupFiles('sh', {}, home)).toEqual(['/home/you/.profile']);
  });
});

describe('planSystemEdits (ensurepath --global)', () => {
  it('profile.d: a script for sh-family login shells, and fish conf.d when fish is set up; macOS: paths.d, the dir alone', () => {
    const etc = tempHome();
    const req = { setup: 'profile.d' as const, etc, bin: '/usr/local/tools', prepend: false, allShells: false };
    expect(planSystemEdits(req)).toEqual([
      { shell: 'sh', file: join(etc, 'profile.d', 'tpx.sh'), line: 'export PATH="$PATH:/usr/local/tools"', present: false },
    ]);
    mkdirSync(join(etc, 'fish'));
    expect(planSystemEdits({ ...req, prepend: true }).map((e) => e.line)).toEqual([
      'export PATH="/usr/local/tools:$PATH"',
      'fish_add_path --path --prepend "/usr/local/tools"',
    ]);
    const paths = planSystemEdits({ ...req, setup: 'paths.d' });
    expect(paths).toEqual([{ shell: 'sh', file: join(etc, 'paths.d', 'tpx'), line: '/usr/local/tools', present: false, bare: true }]);
    // Written as data: the line alone; a second plan finds it there.
    applyEdits(paths);
    expect(readFileSync(join(etc, 'paths.d', 'tpx'), 'utf8')).toBe('/usr/local/tools\n');
    expect(planSystemEdits({ ...req, setup: 'paths.d' })[0]?.present).toBe(true);
  });
});

describe('userShell', () => {
  it.each([
    ['/bin/bash', 'bash'],
    ['/usr/bin/zsh', 'zsh'],
    ['/usr/local/bin/fish', 'fish'],
    ['/bin/dash', 'sh'],
    ['/bin/ksh', 'sh'],
    ['/bin/tcsh', null],
  ])('%s → %s', (SHELL, shell) => {
    expect(userShell({ SHELL }).shell).toBe(shell as Shell | null);
  });
});

describe('applyEdits', () => {
  const bin = '/opt/tpx-bin';

  it('appends one line, keeps the mode, writes through a symlink, and a second plan finds it present', () => {
    const h = tempHome();
    mkdirSync(join(h, 'dotfiles'));
    writeFileSync(join(h, 'dotfiles', 'zshrc'), 'setopt autocd'); // no final newline
    chmodSync(join(h, 'dotfiles', 'zshrc'), 0o640);
    symlinkSync(join(h, 'dotfiles', 'zshrc'), join(h, '.zshrc'));
    const req = { shells: ['zsh'] as Shell[], env: {}, home: h, bin, prepend: false };

    const edits = planEdits(req);
    expect(edits).toEqual([{ shell: 'zsh', file: join(h, '.zshrc'), line: `export PATH="$PATH:${bin}"`, present: false }]);
    applyEdits(edits);

    expect(lstatSync(join(h, '.zshrc')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(h, '.zshrc'))).toBe(join(h, 'dotfiles', 'zshrc'));
    const text = readFileSync(join(h, 'dotfiles', 'zshrc'), 'utf8');
    expect(text.startsWith('setopt autocd\n\n# Added by `tpx ensurepath`')).toBe(true);
    expect(text.endsWith(`export PATH="$PATH:${bin}"\n`)).toBe(true);
    expect(statSync(join(h, 'dotfiles', 'zshrc')).mode & 0o777).toBe(0o640);
    expect(planEdits(req).map((e) => e.present)).toEqual([true]);
  });

  it('refuses a read-only file before writing anything, naming it', () => {
    const h = tempHome();
    writeFileSync(join(h, '.profile'), '# mine\n');
    chmodSync(join(h, '.profile'), 0o444);
    const edits = planEdits({ shells: ['bash', 'sh'], env: {}, home: h, bin, prepend: false });
    expect(edits.map((e) => e.file)).toEqual([join(h, '.bashrc'), join(h, '.profile')]);

    const err = (() => {
      try {
        applyEdits(edits);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TpxError);
    expect((err as TpxError).code).toBe('unwritable');
    expect((err as TpxError).message).toBe(`cannot add tpx's bin dir to ${join(h, '.profile')}: it is read-only`);
    expect((err as TpxError).hint).toContain(`export PATH="$PATH:${bin}"`);
    expect(() => statSync(join(h, '.bashrc'))).toThrow(); // not created
    expect(readFileSync(join(h, '.profile'), 'utf8')).toBe('# mine\n');
  });

  it('puts back the files already written when a later write fails', () => {
    const h = tempHome();
    writeFileSync(join(h, '.bashrc'), 'alias ll="ls -l"\n');
    const edits = planEdits({ shells: ['bash'], env: {}, home: h, bin, prepend: false });
    expect(edits).toHaveLength(2); // ~/.bashrc, and ~/.profile (created)
    let writes = 0;
    const failSecond: typeof writeFileAtomic = (...args) => {
      if (++writes === 2) throw new Error('ENOSPC: no space left on device');
      writeFileAtomic(...args);
    };
    expect(() => applyEdits(edits, failSecond)).toThrow(`cannot add tpx's bin dir to ${join(h, '.profile')}: ENOSPC`);
    expect(readFileSync(join(h, '.bashrc'), 'utf8')).toBe('alias ll="ls -l"\n');
    expect(() => statSync(join(h, '.profile'))).toThrow();
  });

  it('refuses a path whose parent is not a directory', () => {
    const h = tempHome();
    writeFileSync(join(h, '.config'), 'not a dir');
    const edits = planEdits({ shells: ['fish'], env: {}, home: h, bin, prepend: false });
    expect(() => applyEdits(edits)).toThrow(`${join(h, '.config')} is not a writable directory`);
  });
});
