// The cache-hit fast path parses `tpx run` arguments without commander. Whatever it accepts must
// mean exactly what commander makes of it, or a hit would run another environment than a miss builds.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/commands/run.js';
import { parseRunArgv } from '../../src/core/runapp.js';

function viaCommander(argv: string[]) {
  const program = new Command('tpx').enablePositionalOptions().exitOverride();
  register({ program, run: async () => {} });
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
  ])('agrees with commander on %j', (argv) => {
    const fast = parseRunArgv(argv);
    const slow = viaCommander(argv);
    expect(fast).not.toBeNull();
    expect({ app: fast?.app, args: fast?.args }).toEqual({ app: slow.app, args: slow.args });
    expect({ ...fast?.flags }).toEqual(slow.flags);
  });

  it.each([[['--refresh', 'x']], [['--no-cache', 'x']], [['--help']], [['--spec']], [['--unknown', 'x']], [[]]])('leaves %j to commander', (argv) => {
    expect(parseRunArgv(argv)).toBeNull();
  });
});
