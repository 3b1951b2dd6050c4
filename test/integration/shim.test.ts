// Windows bin entries are cmd-shim's shims (src/core/base/shims.ts). The .cmd and .ps1 cannot run here;
// the sh shim (what Git Bash and MSYS run) can: written by tpx's Windows code path with the real
// cmd-shim, pointed through tools/<key> at an app tpx installed for real, run by a real /bin/sh.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContext } from '../../src/core/base/context.js';
import { linkOwner } from '../../src/core/base/gate.js';
import { entryTarget, writeEntry } from '../../src/core/base/platform.js';
import { toolPath } from '../../src/core/store/store.js';
import { quiet } from '../helpers/context.js';
import { makeWorld, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

describe("cmd-shim's sh shim", () => {
  it('starts the app with its arguments, stdin and exit code intact', async () => {
    world = await makeWorld();
    const installed = await world.run(['install', 'tpxdemo']);
    expect(installed.code, installed.stderr).toBe(0);

    const ctx = makeContext({ env: world.env, os: 'win32', arch: 'x64', cwd: world.root, verbose: false, out: quiet });
    const bin = join(world.root, 'winbin');
    ctx.paths.bin = bin;
    // This machine's app, through the tool's stable path, as a Windows shim reaches Scripts\tpxdemo.exe.
    const target = join(toolPath(ctx, 'tpxdemo'), 'bin', 'tpxdemo');
    const shim = join(bin, 'tpxdemo');
    mkdirSync(bin);
    writeEntry(await ctx.platform.bin.render(ctx, target, shim));
    expect(world.ls(bin)).toEqual(['tpxdemo', 'tpxdemo.cmd', 'tpxdemo.ps1']);
    expect(entryTarget(ctx.platform.bin, shim)).toBe(target);
    expect(linkOwner(ctx, shim)).toBe('tpxdemo');

    const args = ['a b', '', '"quoted"', "it's", '$HOME', '*', '--flag=x y', 'ünï'];
    const echoed = await world.exec(shim, args);
    expect(echoed.code, echoed.stderr).toBe(0);
    expect(echoed.stdout).toMatch(/^tpxdemo 1\.0 args: /);
    expect(JSON.parse(echoed.stdout.slice('tpxdemo 1.0 args: '.length))).toEqual(args);

    const input = 'line one\nsecond line with \u00e9\n\0binary\n';
    const cat = await world.exec(shim, ['--cat'], { input });
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toBe(input);

    const exit = await world.exec(shim, ['--exit', '37']);
    expect(exit).toMatchObject({ code: 37, stdout: '', stderr: '' });
  });
});
