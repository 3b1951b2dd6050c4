import { describe, expect, it } from 'vitest';
import { checkPipArgs, checkWith } from '../../src/core/request/pipargs.js';

describe('pip options that redirect the install', () => {
  it.each([
    [['--target', '/x'], '--target'],
    [['--target=/x'], '--target'],
    [['--targ', '/x'], '--target'],
    [['-t', '/x'], '--target'],
    [['-t/x'], '--target'],
    [['-Ut', '/x'], '--target'],
    [['--prefix=/x'], '--prefix'],
    [['--root', '/x'], '--root'],
    [['--user'], '--user'],
    [['--src', '/x'], '--src'],
    [['--python', '/usr/bin/python3'], '--python'],
    [['--report', '/tmp/r.json'], '--report'],
  ])('%j is refused (%s)', (args, option) => {
    expect(() => checkPipArgs(args)).toThrow(option);
  });

  it.each([
    [['--pre']],
    [['--no-binary', ':all:']],
    [['--root-user-action=ignore']],
    [['-i', 'https://host/simple']],
    [['-r', 'requirements-t.txt']],
    [['-e', './project']],
    [['-U', '-v', '--python-version', '3.11']],
    [['--extra-index-url', 'https://host/-t']],
  ])('%j is left alone', (args) => {
    expect(checkPipArgs(args)).toEqual(args);
  });

  it('--with takes packages, never options', () => {
    expect(checkWith(['rich>=13', 'httpx[socks]'])).toEqual(['rich>=13', 'httpx[socks]']);
    for (const bad of ['--target=/x', '-e .', '-r reqs.txt', ' --user'])
      expect(() => checkWith([bad]), bad).toThrow('--with takes a package, not a pip option');
  });
});
