import { describe, expect, it } from 'vitest';
import {
  absolutePipArgs,
  givenCooldown,
  parseCooldown,
  parsePipArgs,
  requestFlags,
  shellWord,
  splitArgs,
} from '../../src/core/request/args.js';

describe('splitArgs', () => {
  it('splits like a POSIX shell without running one', () => {
    expect(splitArgs('--no-binary :all: --pre')).toEqual(['--no-binary', ':all:', '--pre']);
    expect(splitArgs(`-c "a b" 'c d' e\\ f ""`)).toEqual(['-c', 'a b', 'c d', 'e f', '']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('$(rm -rf ~) `x`;')).toEqual(['$(rm', '-rf', '~)', '`x`;']);
  });

  // What `sh -c 'printf "%s\n" ARGS'` and Python's shlex.split print for each.
  it.each([
    [String.raw`"a\b"`, [String.raw`a\b`]],
    [String.raw`"C:\dir\file.txt"`, [String.raw`C:\dir\file.txt`]],
    [String.raw`"a\"b"`, ['a"b']],
    [String.raw`"a\\b"`, [String.raw`a\b`]],
    [String.raw`"x\\"`, ['x\\']],
    [String.raw`'a\b'`, [String.raw`a\b`]],
    [String.raw`a\ b`, ['a b']],
    [String.raw`-f "\\server\share"`, ['-f', String.raw`\server\share`]],
  ])('keeps backslashes inside double quotes as a POSIX shell does: %s', (text, args) => {
    expect(splitArgs(text)).toEqual(args);
  });

  it('refuses an unterminated quote', () => {
    expect(() => splitArgs('"abc')).toThrow(/unterminated/);
  });
});

describe('absolutePipArgs', () => {
  const cwd = '/work/project';
  const env = { HOME: '/home/u' };
  it.each([
    [
      ['-c', 'constraints.txt'],
      ['-c', '/work/project/constraints.txt'],
    ],
    [['-cconstraints.txt'], ['-c/work/project/constraints.txt']],
    [
      ['--constraint', '../c.txt'],
      ['--constraint', '/work/c.txt'],
    ],
    [['--constraint=c.txt'], ['--constraint=/work/project/c.txt']],
    [
      ['-r', 'req.txt', '--requirement=sub/req.txt'],
      ['-r', '/work/project/req.txt', '--requirement=/work/project/sub/req.txt'],
    ],
    [
      ['-f', 'wheels'],
      ['-f', '/work/project/wheels'],
    ],
    [['--find-links=./w'], ['--find-links=/work/project/w']],
    [
      ['-f', 'https://example.org/wheels/'],
      ['-f', 'https://example.org/wheels/'],
    ],
    [['--find-links=file:///srv/w'], ['--find-links=file:///srv/w']],
    [
      ['-e', '.'],
      ['-e', '/work/project'],
    ],
    [
      ['-e', 'git+https://h/x.git#egg=x'],
      ['-e', 'git+https://h/x.git#egg=x'],
    ],
    [
      ['-i', './simple'],
      ['-i', '/work/project/simple'],
    ],
    [
      ['--cert', '~/ca.pem'],
      ['--cert', '/home/u/ca.pem'],
    ],
    [
      ['-c', '/etc/c.txt'],
      ['-c', '/etc/c.txt'],
    ],
    [
      ['--no-binary', ':all:', '--pre', '-q'],
      ['--no-binary', ':all:', '--pre', '-q'],
    ],
    [
      ['--no-deps', '-c'],
      ['--no-deps', '-c'],
    ],
  ])('%j → %j', (args, expected) => {
    expect(absolutePipArgs(args, { cwd, env })).toEqual(expected);
  });

  it('parsePipArgs splits, then makes paths absolute', () => {
    expect(parsePipArgs('-c "my constraints.txt" --pre', { cwd, env })).toEqual(['-c', '/work/project/my constraints.txt', '--pre']);
  });

  it('requestFlags makes --index-url and a --python path absolute, but not a version or a command', () => {
    expect(requestFlags({ indexUrl: 'simple', python: './venv/bin/python' }, { cwd, env })).toEqual({
      indexUrl: '/work/project/simple',
      pipArgs: [],
      python: '/work/project/venv/bin/python',
      cooldown: null,
    });
    expect(requestFlags({ indexUrl: 'https://h/simple', python: '3.12' }, { cwd, env })).toEqual({
      indexUrl: 'https://h/simple',
      pipArgs: [],
      python: '3.12',
      cooldown: null,
    });
    expect(requestFlags({ python: 'python3.12' }, { cwd, env }).python).toBe('python3.12');
    expect(requestFlags({}, { cwd, env })).toEqual({ indexUrl: null, pipArgs: [], python: null, cooldown: null });
  });
});

describe('shellWord', () => {
  it.each([
    ['black', 'black'],
    ['black==22.12.0', 'black==22.12.0'],
    ['black[d]', "'black[d]'"],
    ['black>=22,<23', "'black>=22,<23'"],
    ["it's", "'it'\\''s'"],
  ])('%s → %s', (text, word) => {
    expect(shellWord(text)).toBe(word);
  });
});

describe('parseCooldown: a duration in its recorded form', () => {
  it.each([
    ['7d', '7d'],
    ['36h', '1d12h'],
    ['2w', '14d'],
    ['90m', '1h30m'],
    ['P7D', '7d'],
    ['p1w', '7d'],
    ['PT36H', '1d12h'],
    ['P1DT12H', '1d12h'],
    ['PT45S', '45s'],
    ['0', '0'],
    [' 7d ', '7d'],
  ])('%s is %s', (given, recorded) => {
    expect(parseCooldown(given, '--cooldown')).toBe(recorded);
  });

  it.each(['', '7', 'seven days', 'P', 'PT', 'P1Y', 'P1M', '7x', '-1d', 'd'])('%j is refused, naming where it came from', (given) => {
    expect(() => parseCooldown(given, '--cooldown')).toThrow(`--cooldown: ${JSON.stringify(given)} is not a duration`);
  });

  it('months have no fixed length: the hint says to give days', () => {
    expect(() => parseCooldown('P1M', 'TPX_COOLDOWN')).toThrow(expect.objectContaining({ hint: expect.stringContaining('P30D') }));
  });

  it('the flag wins over TPX_COOLDOWN, which is recorded when no flag is given', () => {
    const at = (env: Record<string, string>) => ({ cwd: '/', env });
    expect(givenCooldown('0', at({ TPX_COOLDOWN: '7d' }))).toBe('0');
    expect(givenCooldown(undefined, at({ TPX_COOLDOWN: 'P2D' }))).toBe('2d');
    expect(givenCooldown(undefined, at({}))).toBeNull();
  });
});
