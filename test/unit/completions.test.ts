// The generated scripts' own logic where the integration test cannot reach: awkward home paths (run
// in the real shells), and the PowerShell script, which cannot run here (no PowerShell): its content.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { describeCommand } from '../../src/commands/shared/describe.js';
import { completionScript } from '../../src/core/shell/completions.js';

vi.stubGlobal('TPX_VERSION', '0.0.0-test'); // defined by the bundler in a build
const { buildProgram } = await import('../../src/cli.js');
const root = describeCommand(buildProgram(async () => {}));

const home = tempDir('tpx-completions-');

describe('the tools a script lists', () => {
  // A data home whose path needs quoting in every shell, with two tools and a half-made switch.
  const dataHome = join(home, "it's a $HOME", 'tpx');
  for (const t of ['black', 'ruff', 'ruff.tmp-123-ab']) mkdirSync(join(dataHome, 'tools', t), { recursive: true });
  const env = { defaultHome: dataHome, userHome: home, version: '0.0.0-test' };
  const run = (shell: string, args: string[], extra: Record<string, string> = {}) =>
    spawnSync(shell, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home, ...extra } });

  it('bash: under $HOME by default, under $TPX_HOME when it is set', () => {
    const script = completionScript('bash', root, env);
    expect(script).toContain(`home=$HOME'/it'\\''s a $HOME/tpx'`);
    expect(run('bash', ['--norc', '-c', `${script}\n_tpx_tools`]).stdout).toBe('black\nruff\n');
    expect(run('bash', ['--norc', '-c', `${script}\n_tpx_tools`], { TPX_HOME: join(home, 'none') }).stdout).toBe('');
  });

  it('fish: the same', () => {
    const script = completionScript('fish', root, env);
    expect(run('fish', ['--no-config', '-c', `${script}\n__tpx_tools`]).stdout).toBe('black\nruff\n');
  });

  it('a data home outside the home dir is written out whole', () => {
    const script = completionScript('bash', root, { ...env, userHome: join(home, 'elsewhere') });
    expect(script).toContain(`home='${home}/it'\\''s a $HOME/tpx'`);
    expect(run('bash', ['--norc', '-c', `${script}\n_tpx_tools`]).stdout).toBe('black\nruff\n');
  });
});

describe('the PowerShell script', () => {
  const script = completionScript('powershell', root, {
    defaultHome: "C:\\Users\\o'k\\AppData\\Local\\tpx\\Data",
    userHome: "C:\\Users\\o'k",
    version: '1',
  });
  it('registers a native completer with every command, its options and what its arguments complete with', () => {
    expect(script).toContain('Register-ArgumentCompleter -Native -CommandName tpx -ScriptBlock {');
    expect(script).toContain(
      `  'uninstall' = @{ subs = @(); opts = @('--json', '-v', '--verbose', '-q', '--quiet', '--color', '--global', '-h', '--help'); valued = @{ '--color' = '=auto,always,never' }; args = @('@tool...') }`,
    );
    expect(script).toContain(`  'inject' = @{ subs = @(); opts = @('-r', '--requirement'`);
    expect(script).toMatch(/ {2}'' = @\{ subs = @\('install', 'install-all', 'list',/);
    expect(script).toContain("'environment' = @{");
    expect(script).toContain(
      "'--value' = '=home,bin,man,completions,cache,logs,python,pythons,python-downloads,python-mirror,cooldown,shared-pip'",
    );
  });
});
