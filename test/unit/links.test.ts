import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/core/context.js';
import { linkOwner } from '../../src/core/gate.js';
import { applyLinks, planLinks, removeOwnedLinks } from '../../src/core/links.js';
import { ctxIn as makeCtx } from '../helpers/context.js';

function ctxIn(root: string): Context {
  return makeCtx(root);
}

describe('link policy', () => {
  it('missing → create; ours → keep or replace; anything else → refuse unless forced', async () => {
    const ctx = ctxIn(mkdtempSync(join(tmpdir(), 'tpx-unit-')));
    symlinkSync(join(ctx.paths.tools, 'black', 'bin', 'black'), join(ctx.paths.bin, 'black'));
    symlinkSync(join(ctx.paths.tools, 'black', 'bin', 'old-name'), join(ctx.paths.bin, 'blackd'));
    expect((await planLinks(ctx, 'black', ['black', 'blackd', 'new'], '', false)).map((p) => [p.name, p.action])).toEqual([
      ['black', 'keep'],
      ['blackd', 'replace'],
      ['new', 'create'],
    ]);
    writeFileSync(join(ctx.paths.bin, 'mine'), 'x');
    symlinkSync(join(ctx.paths.tools, 'other', 'bin', 'theirs'), join(ctx.paths.bin, 'theirs'));
    await expect(planLinks(ctx, 'black', ['mine', 'theirs'], '', false)).rejects.toThrow(
      `files are in the way: ${join(ctx.paths.bin, 'mine')} (a file tpx did not make), ${join(ctx.paths.bin, 'theirs')} (an app of tpx tool other)`,
    );
    expect((await planLinks(ctx, 'black', ['mine'], '', true))[0]?.action).toBe('overwrite');
  });

  it('ownership compares with a trailing separator: tool "bla" does not own links into "black"', () => {
    const ctx = ctxIn(mkdtempSync(join(tmpdir(), 'tpx-unit-')));
    symlinkSync(join(ctx.paths.tools, 'black', 'bin', 'black'), join(ctx.paths.bin, 'black'));
    expect(linkOwner(ctx, join(ctx.paths.bin, 'black'))).toBe('black');
    expect(removeOwnedLinks(ctx, 'bla', [join(ctx.paths.bin, 'black')])).toEqual([]);
    expect(existsSync(join(ctx.paths.bin, 'black')) || readlinkSync(join(ctx.paths.bin, 'black'))).toBeTruthy();
  });

  it('a failure half-way puts every slot back exactly as it was (fault injection)', async () => {
    const ctx = ctxIn(mkdtempSync(join(tmpdir(), 'tpx-unit-')));
    writeFileSync(join(ctx.paths.bin, 'a'), 'original a');
    const plans = await planLinks(ctx, 't', ['a', 'b', 'c'], '', true);
    // The third slot cannot be written: a directory is in the way of the rename.
    mkdirSync(join(ctx.paths.bin, 'c'));
    writeFileSync(join(ctx.paths.bin, 'c', 'x'), '');
    plans[2] = { ...plans[2]!, action: 'create' };
    expect(() => applyLinks(ctx, plans)).toThrow(/could not link/);
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['a', 'c']);
    expect(readFileSync(join(ctx.paths.bin, 'a'), 'utf8')).toBe('original a');
  });

  it('an interrupt after linking rolls the links back', async () => {
    const ctx = ctxIn(mkdtempSync(join(tmpdir(), 'tpx-unit-')));
    applyLinks(ctx, await planLinks(ctx, 't', ['a', 'b'], '', false));
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['a', 'b']);
    ctx.interrupts.runAll();
    expect(readdirSync(ctx.paths.bin)).toEqual([]);
  });
});
