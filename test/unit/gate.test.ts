import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import type { Context } from '../../src/core/base/context.js';
import { isMine, linkOwner, makeTempDir, removeMine, removeRootIfEmpty, removeToolLink } from '../../src/core/base/gate.js';
import { ctxIn as makeCtx } from '../helpers/context.js';

function ctxIn(root: string): Context {
  return makeCtx(root, { dirs: ['bin', 'envs', 'tools', 'cache'] });
}

describe('the delete gate', () => {
  it('tpx owns what is strictly inside its data home and its cache, nothing else', () => {
    const root = tempDir();
    const ctx = ctxIn(root);
    expect(isMine(ctx.paths, join(ctx.paths.envs, 'g'))).toBe(true);
    expect(isMine(ctx.paths, join(ctx.paths.cache, 'logs'))).toBe(true);
    for (const p of [
      ctx.paths.home,
      ctx.paths.cache,
      root,
      '/',
      join(ctx.paths.envs, '..', '..'),
      join(ctx.paths.bin, 'x'),
      `${ctx.paths.home}2/x`,
    ]) {
      expect(isMine(ctx.paths, p), p).toBe(false);
    }
    expect(() => removeMine(ctx, join(ctx.paths.envs, '..', '..', 'bin'))).toThrow(/refusing to delete/);
    // A temp dir of its own, directly in the system temp dir; nothing else there.
    const temp = makeTempDir('unit');
    expect(isMine(ctx.paths, temp)).toBe(true);
    removeMine(ctx, temp);
    expect(existsSync(temp)).toBe(false);
    expect(isMine(ctx.paths, join(tmpdir(), 'other'))).toBe(false);
    expect(isMine(ctx.paths, join(temp, 'y'))).toBe(false);
    expect(existsSync(ctx.paths.bin)).toBe(true);
  });

  it("a directory of tpx replaced by a link elsewhere does not make what is there tpx's", () => {
    const root = tempDir();
    const ctx = ctxIn(root);
    const precious = join(root, 'precious');
    mkdirSync(join(precious, 'usr'), { recursive: true });
    mkdirSync(join(ctx.paths.home, 'x'));
    symlinkSync(precious, join(ctx.paths.home, 'x', 'envs'));
    expect(isMine(ctx.paths, join(ctx.paths.home, 'x', 'envs', 'usr'))).toBe(false);
    expect(() => removeMine(ctx, join(ctx.paths.home, 'x', 'envs', 'usr'))).toThrow(/refusing/);
    expect(existsSync(join(precious, 'usr'))).toBe(true);
    // The link itself is tpx's: removing it removes the link, never what it points at.
    removeMine(ctx, join(ctx.paths.home, 'x', 'envs'));
    expect(existsSync(join(precious, 'usr'))).toBe(true);
  });

  it('a bin entry is removed only if it is a link directly in the bin dir into that tool', () => {
    const root = tempDir();
    const ctx = ctxIn(root);
    const into = (key: string) => join(ctx.paths.tools, key, 'bin', 'app');
    symlinkSync(into('black'), join(ctx.paths.bin, 'black'));
    symlinkSync(into('blackd'), join(ctx.paths.bin, 'blackd'));
    writeFileSync(join(ctx.paths.bin, 'file'), 'x');
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(into('black'), join(root, 'elsewhere', 'black'));
    symlinkSync(join(ctx.paths.tools, 'black', '..', '..', 'x'), join(ctx.paths.bin, 'escape'));
    expect(linkOwner(ctx, join(ctx.paths.bin, 'escape'))).toBeNull();
    expect(removeToolLink(ctx, join(root, 'elsewhere', 'black'), 'black')).toBe(false);
    expect(removeToolLink(ctx, join(ctx.paths.bin, 'blackd'), 'black')).toBe(false);
    expect(removeToolLink(ctx, join(ctx.paths.bin, 'file'), 'black')).toBe(false);
    expect(removeToolLink(ctx, join(ctx.paths.bin, 'escape'), 'black')).toBe(false);
    expect(removeToolLink(ctx, join(ctx.paths.bin, 'black'), 'black')).toBe(true);
    expect(lstatSync(join(root, 'elsewhere', 'black')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(ctx.paths.bin, 'file'))).toBe(true);
    // The man sections and completion dirs are link dirs too; the man dir itself and deeper dirs are not.
    for (const dir of [join(ctx.paths.man, 'man1'), join(ctx.paths.completions, 'fish'), ctx.paths.man, join(ctx.paths.man, 'man1', 'sub')])
      mkdirSync(dir, { recursive: true });
    for (const dir of [join(ctx.paths.man, 'man1'), join(ctx.paths.completions, 'fish'), ctx.paths.man, join(ctx.paths.man, 'man1', 'sub')])
      symlinkSync(into('black'), join(dir, 'black.x'));
    expect(removeToolLink(ctx, join(ctx.paths.man, 'man1', 'black.x'), 'black')).toBe(true);
    expect(removeToolLink(ctx, join(ctx.paths.completions, 'fish', 'black.x'), 'black')).toBe(true);
    expect(removeToolLink(ctx, join(ctx.paths.man, 'black.x'), 'black')).toBe(false);
    expect(removeToolLink(ctx, join(ctx.paths.man, 'man1', 'sub', 'black.x'), 'black')).toBe(false);
  });

  it('removes the data home or the cache itself only when it is empty, and nothing else that way', () => {
    const root = tempDir();
    const ctx = ctxIn(root);
    expect(removeRootIfEmpty(ctx, ctx.paths.home)).toBe(false);
    expect(existsSync(ctx.paths.envs)).toBe(true);
    expect(() => removeRootIfEmpty(ctx, ctx.paths.bin)).toThrow(/refusing to delete .*: it is neither tpx's data home nor its cache/);
    expect(() => removeRootIfEmpty(ctx, root)).toThrow(/refusing/);
    expect(removeRootIfEmpty(ctx, ctx.paths.cache)).toBe(true);
    expect(existsSync(ctx.paths.cache)).toBe(false);
  });
});
