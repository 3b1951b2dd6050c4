// Windows cannot run here: these check the decisions and the exact commands tpx would run there,
// with the registry played by a fake runner.
import { describe, expect, it } from 'vitest';
import { TpxError } from '../../src/core/base/errors.js';
import { ensureUserPath, powershellLine, readUserPathCommand, withDir, writeUserPathCommand } from '../../src/core/shell/winpath.js';
import type { Command } from '../../src/core/shell/winpath.js';

const bin = 'C:\\Users\\you\\.local\\bin';
const env = { USERPROFILE: 'C:\\Users\\you' };

describe('withDir', () => {
  it('adds the dir last (or first), and finds it however Windows would match it', () => {
    expect(withDir('C:\\Windows;C:\\Tools', bin, false, env)).toBe(`C:\\Windows;C:\\Tools;${bin}`);
    expect(withDir('C:\\Windows;', bin, true, env)).toBe(`${bin};C:\\Windows`);
    expect(withDir('', bin, false, env)).toBe(bin);
    expect(withDir('c:\\users\\YOU\\.local\\bin\\;C:\\Windows', bin, false, env)).toBeNull();
    expect(withDir('%USERPROFILE%\\.local\\bin', bin, false, env)).toBeNull();
    expect(withDir('%userprofile%\\.local\\bin', bin, false, env)).toBeNull();
    expect(withDir('C:\\Users\\you\\.local\\bin2', bin, false, env)).toBe(`C:\\Users\\you\\.local\\bin2;${bin}`);
  });
});

describe('the registry commands', () => {
  it('read the raw value and write an expandable one, with the value passed in the environment only', () => {
    const read = readUserPathCommand();
    expect(read.file).toBe('powershell.exe');
    expect(read.args.slice(0, 3)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive']);
    expect(read.args.at(-1)).toContain('DoNotExpandEnvironmentNames');

    const value = "C:\\it's; $(evil)";
    const write = writeUserPathCommand(value);
    expect(write.env).toEqual({ TPX_NEW_PATH: value });
    expect(write.args.join(' ')).not.toContain('evil');
    expect(write.args.at(-1)).toContain("SetValue('Path', $env:TPX_NEW_PATH, [Microsoft.Win32.RegistryValueKind]::ExpandString)");
  });

  it("the hint's PowerShell line quotes the dir", () => {
    expect(powershellLine("C:\\it's\\bin")).toBe(
      "[Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + ';' + 'C:\\it''s\\bin', 'User')",
    );
  });
});

describe('ensureUserPath', () => {
  /** A registry holding one user Path; records what was run. */
  function registry(path: string, fail: 'read' | 'write' | null = null) {
    const ran: Command[] = [];
    const state = { path };
    const run = (cmd: Command) => {
      ran.push(cmd);
      const writing = cmd.env?.TPX_NEW_PATH !== undefined;
      if (fail === (writing ? 'write' : 'read')) return { code: 1, stdout: '', stderr: 'Access is denied.' };
      if (writing) state.path = cmd.env?.TPX_NEW_PATH ?? '';
      return { code: 0, stdout: writing ? '' : state.path, stderr: '' };
    };
    return { ran, state, run };
  }

  it('adds the dir once; a second run changes nothing; a dry run only reads', () => {
    const reg = registry('C:\\Windows');
    expect(ensureUserPath({ bin, prepend: false, dryRun: true, env, run: reg.run }).status).toBe('would add');
    expect(reg.ran).toHaveLength(1);
    expect(ensureUserPath({ bin, prepend: false, dryRun: false, env, run: reg.run })).toEqual({
      status: 'added',
      value: `C:\\Windows;${bin}`,
    });
    expect(reg.state.path).toBe(`C:\\Windows;${bin}`);
    expect(ensureUserPath({ bin, prepend: false, dryRun: false, env, run: reg.run }).status).toBe('present');
    expect(reg.ran).toHaveLength(4); // read; read, write; read
  });

  it('a failure says what could not be done and how to do it by hand', () => {
    for (const fail of ['read', 'write'] as const) {
      const reg = registry('C:\\Windows', fail);
      let err: unknown;
      try {
        ensureUserPath({ bin, prepend: false, dryRun: false, env, run: reg.run });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TpxError);
      expect((err as TpxError).code).toBe('path-update-failed');
      expect((err as TpxError).message).toBe(
        `could not ${fail === 'read' ? 'read' : 'update'} your Path in the registry (HKCU\\Environment)`,
      );
      expect((err as TpxError).details).toBe('Access is denied.');
      expect((err as TpxError).hint).toContain(powershellLine(bin));
      expect(reg.state.path).toBe('C:\\Windows');
    }
  });
});
