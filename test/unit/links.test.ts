import { mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import type { Context } from '../../src/core/base/context.js';
import { linkOwner } from '../../src/core/base/gate.js';
import { applyLinks, planLinks, removeOwnedLinks, resourceLinkFor, wantedLinks } from '../../src/core/store/links.js';
import { ctxIn as makeCtx } from '../helpers/context.js';

/** The links of these apps of tool `key`. */
const apps = (ctx: Context, key: string, names: string[]) =>
  wantedLinks(ctx, key, { apps: names.map((name) => ({ name })), resources: [] }, '');

function ctxIn(root: string): Context {
  return makeCtx(root);
}

describe('link policy', () => {
  it('missing → create; ours → keep or replace; anything else → refuse unless forced', async () => {
    const ctx = ctxIn(tempDir());
    symlinkSync(join(ctx.paths.tools, 'black', 'bin', 'black'), join(ctx.paths.bin, 'black'));
    symlinkSync(join(ctx.paths.tools, 'black', 'bin', 'old-name'), join(ctx.paths.bin, 'blackd'));
    expect((await planLinks(ctx, 'black', apps(ctx, 'black', ['black', 'blackd', 'new']), false)).map((p) => [p.name, p.action])).toEqual([
      ['black', 'keep'],
      ['blackd', 'replace'],
      ['new', 'create'],
    ]);
    writeFileSync(join(ctx.paths.bin, 'mine'), 'x');
    symlinkSync(join(ctx.paths.bin, 'mine'), join(ctx.paths.bin, 'theirs'));
    await expect(planLinks(ctx, 'black', apps(ctx, 'black', ['mine', 'theirs']), false)).rejects.toThrow(
      `files are in the way: ${join(ctx.paths.bin, 'mine')} (a file tpx did not make), ${join(ctx.paths.bin, 'theirs')} (a link tpx did not make)`,
    );
    expect((await planLinks(ctx, 'black', apps(ctx, 'black', ['mine']), true))[0]?.action).toBe('overwrite');
  });

  it("a link to nothing that is no installed tool's is replaced; a dependency's link in the way is left out (as pipx)", async () => {
    const ctx = ctxIn(tempDir());
    symlinkSync(join(ctx.paths.tools, 'gone', 'bin', 'old'), join(ctx.paths.bin, 'old'));
    symlinkSync('/nonexistent/x', join(ctx.paths.bin, 'x'));
    writeFileSync(join(ctx.paths.bin, 'mine'), 'x');
    const wanted = wantedLinks(
      ctx,
      'black',
      { apps: ['old', 'x', 'mine', 'dep'].map((name) => ({ name, dist: name === 'mine' ? 'lib' : 'black' })), resources: [] },
      '',
      new Set(['lib']),
    );
    expect((await planLinks(ctx, 'black', wanted, false)).map((p) => [p.name, p.action])).toEqual([
      ['old', 'overwrite'],
      ['x', 'overwrite'],
      ['dep', 'create'],
    ]);
    // Forced, the dependency's link replaces the file like any other.
    expect((await planLinks(ctx, 'black', wanted, true)).map((p) => p.name)).toEqual(['old', 'x', 'mine', 'dep']);
  });

  it('ownership compares with a trailing separator: tool "bla" does not own links into "black"', () => {
    const ctx = ctxIn(tempDir());
    symlinkSync(join(ctx.paths.tools, 'black', 'bin', 'black'), join(ctx.paths.bin, 'black'));
    expect(linkOwner(ctx, join(ctx.paths.bin, 'black'))).toBe('black');
    expect(removeOwnedLinks(ctx, 'bla', [join(ctx.paths.bin, 'black')])).toEqual([]);
    expect(existsSync(join(ctx.paths.bin, 'black')) || readlinkSync(join(ctx.paths.bin, 'black'))).toBeTruthy();
  });

  it('a failure half-way puts every slot back exactly as it was (fault injection)', async () => {
    const ctx = ctxIn(tempDir());
    writeFileSync(join(ctx.paths.bin, 'a'), 'original a');
    const plans = await planLinks(ctx, 't', apps(ctx, 't', ['a', 'b', 'c']), true);
    // The third slot cannot be written: a directory is in the way of the rename.
    mkdirSync(join(ctx.paths.bin, 'c'));
    writeFileSync(join(ctx.paths.bin, 'c', 'x'), '');
    plans[2] = { ...plans[2]!, action: 'create' };
    expect(() => applyLinks(ctx, plans)).toThrow(/could not link/);
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['a', 'c']);
    expect(readFileSync(join(ctx.paths.bin, 'a'), 'utf8')).toBe('original a');
  });

  it('man pages and completion files are links like apps: the same policy, in their own dirs', async () => {
    const ctx = ctxIn(tempDir());
    const wanted = wantedLinks(
      ctx,
      'black',
      { apps: [{ name: 'black' }], resources: [{ path: 'share/man/man1/black.1' }, { path: 'share/zsh/site-functions/_black' }] },
      '',
    );
    expect(wanted.map((w) => [w.kind, w.link, w.target])).toEqual([
      ['app', join(ctx.paths.bin, 'black'), join(ctx.paths.tools, 'black', 'bin', 'black')],
      ['man', join(ctx.paths.man, 'man1', 'black.1'), join(ctx.paths.tools, 'black', 'share', 'man', 'man1', 'black.1')],
      [
        'completion',
        join(ctx.paths.completions, 'zsh', '_black'),
        join(ctx.paths.tools, 'black', 'share', 'zsh', 'site-functions', '_black'),
      ],
    ]);
    mkdirSync(join(ctx.paths.man, 'man1'), { recursive: true });
    writeFileSync(join(ctx.paths.man, 'man1', 'black.1'), 'a page tpx did not make');
    await expect(planLinks(ctx, 'black', wanted, false)).rejects.toThrow(
      `a file is in the way: ${join(ctx.paths.man, 'man1', 'black.1')} (a file tpx did not make)`,
    );
    mkdirSync(join(ctx.paths.completions, 'zsh', '_black'), { recursive: true });
    await expect(planLinks(ctx, 'black', wanted, true)).rejects.toThrow('is a directory, in the way of the completion file _black');
    // The directories a link goes in are made when it is.
    applyLinks(ctx, await planLinks(ctx, 'black', wanted.slice(0, 2), true)).commit();
    expect(linkOwner(ctx, join(ctx.paths.man, 'man1', 'black.1'))).toBe('black');
    expect(removeOwnedLinks(ctx, 'black', [join(ctx.paths.man, 'man1', 'black.1')])).toEqual([join(ctx.paths.man, 'man1', 'black.1')]);
  });

  it("a suffix goes into a man page's name before its section; a suffixed tool's completions are not linked", () => {
    const ctx = ctxIn(tempDir());
    expect(resourceLinkFor(ctx, 'black@22', 'share/man/man1/black.1', '@22')?.link).toBe(join(ctx.paths.man, 'man1', 'black@22.1'));
    expect(resourceLinkFor(ctx, 'black@22', 'share/man/man5/black.conf.5.gz', '@22')?.link).toBe(
      join(ctx.paths.man, 'man5', 'black@22.conf.5.gz'),
    );
    expect(resourceLinkFor(ctx, 'black@22', 'share/fish/vendor_completions.d/black.fish', '@22')).toBeNull();
    for (const bad of [
      'share/man/man0/x.0',
      'share/man/man1/../../../x',
      'share/man/man1/',
      'lib/python3.11/site-packages/x',
      'share/bash-completion/completions/a/b',
    ]) {
      expect(resourceLinkFor(ctx, 'black', bad, ''), bad).toBeNull();
    }
  });

  it('an interrupt after linking rolls the links back', async () => {
    const ctx = ctxIn(tempDir());
    applyLinks(ctx, await planLinks(ctx, 't', apps(ctx, 't', ['a', 'b']), false));
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['a', 'b']);
    ctx.interrupts.runAll();
    expect(readdirSync(ctx.paths.bin)).toEqual([]);
  });
});
