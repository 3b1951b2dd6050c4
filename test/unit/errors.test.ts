import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { type TpxError, fromErrno, toTpxError } from '../../src/core/base/errors.js';

/** An error as node:fs throws it (the machine's answer cannot be produced on demand here: a full disk, a read-only mount). */
function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

describe('the machine saying no is one clear error', () => {
  it('a full disk names the directory and how much is free there', () => {
    const dir = tempDir();
    const e = fromErrno(errno('ENOSPC', 'write', join(dir, 'x.log'))) as TpxError;
    expect(e.code).toBe('disk-full');
    expect(e.message).toBe(`could not write ${join(dir, 'x.log')}: no space left on the device`);
    expect(e.hint).toMatch(
      new RegExp(`^free some space on the disk holding ${dir} \\(\\d+(\\.\\d)? [KMG]B free now\\), then run the command again$`),
    );
    expect(fromErrno(errno('EDQUOT', 'mkdir', '/q/d'))?.code).toBe('disk-full');
  });

  it('a read-only or forbidden directory names it and what to do', () => {
    const e = fromErrno(errno('EROFS', 'unlink', '/ro/bin/black')) as TpxError;
    expect(e.code).toBe('fs-failed');
    expect(e.message).toBe('could not remove /ro/bin/black: read-only file system');
    expect(e.hint).toContain('tpx needs to write in /ro/bin');
    expect(fromErrno(errno('EACCES', 'open', '/x/y'))?.message).toBe('could not write /x/y: permission denied');
  });

  it('anything else stays a bug (its stack is shown), and toTpxError keeps the clear ones', () => {
    expect(fromErrno(errno('ENOENT', 'open', '/x'))).toBeNull();
    expect(fromErrno(new TypeError('x is undefined'))).toBeNull();
    expect(toTpxError(errno('ENOSPC', 'write', '/x/y')).code).toBe('disk-full');
    expect(toTpxError(new TypeError('boom')).code).toBe('internal');
  });
});
