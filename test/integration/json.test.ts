// `--json` on every command that changes something: exactly one result document on stdout, whatever
// happened, with the exit code the command has without --json, and no human text on stdout.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeWorld, type RunResult, type World } from '../helpers/world.js';

let world: World;
afterEach(async () => world?.dispose());

/** The one document on stdout (JSON.parse fails on anything before or after it). */
function doc(r: RunResult): any {
  return JSON.parse(r.stdout);
}

const noApps = { linked: [], unlinked: [] };

describe('--json', () => {
  it('prints one result document per command, with the same exit codes as without it', async () => {
    world = await makeWorld();
    const bin = (app: string) => join(world.binDir, app);

    const installed = await world.run(['install', '--json', 'tpxdemo==1.0', 'brokendep']);
    expect(installed.code).toBe(1);
    expect(doc(installed)).toEqual({
      schema: 1,
      command: ['install', '--json', 'tpxdemo==1.0', 'brokendep'],
      status: 'partial',
      exitCode: 1,
      tools: [
        {
          name: 'tpxdemo',
          action: 'installed',
          from: null,
          to: '1.0',
          apps: { linked: [bin('tpxdemo'), bin('tpxdemo-admin')], unlinked: [] },
          error: null,
        },
        {
          name: 'brokendep',
          action: 'failed',
          from: null,
          to: null,
          apps: noApps,
          error: { code: 'pip-failed', message: 'pip could not install brokendep', hint: expect.stringContaining('full log:') },
        },
      ],
      error: null,
    });
    // Nothing goes to stderr, errors included: they are in the document (as pipx's --output json).
    expect(installed.stderr).toBe('');

    const again = await world.run(['install', '--json', 'tpxdemo']);
    expect([again.code, doc(again).status, doc(again).tools[0].action]).toEqual([0, 'success', 'unchanged']);

    // Bad usage, commander's own or tpx's, before any tool is touched: a document too, exit 2.
    for (const args of [
      ['install', '--json', '--no-such-flag', 'x'],
      ['upgrade-all', '--json', '--jobs', '0'],
      ['install', '--json'],
    ]) {
      const r = await world.run(args);
      expect([r.code, doc(r).status, doc(r).exitCode, doc(r).error.code, doc(r).tools, r.stderr], args.join(' ')).toEqual([
        2,
        'error',
        2,
        'usage',
        [],
        '',
      ]);
    }
    // Without --json, the same error prints no document.
    expect((await world.run(['upgrade-all', '--jobs', '0'])).stdout).toBe('');

    world.publish('tpxdemo-2.0');
    const upgraded = await world.run(['upgrade', '--json', 'tpxdemo']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(doc(upgraded).tools).toEqual([
      {
        name: 'tpxdemo',
        action: 'upgraded',
        from: '1.0',
        to: '2.0',
        apps: { linked: [bin('tpxdemo-serve')], unlinked: [bin('tpxdemo-admin')] },
        error: null,
      },
    ]);

    const pinned = await world.run(['pin', '--json', 'tpxdemo']);
    expect(doc(pinned).tools[0]).toMatchObject({ name: 'tpxdemo', action: 'pinned', from: '2.0', to: '2.0' });
    const all = await world.run(['upgrade-all', '--json']);
    expect([all.code, doc(all).tools]).toEqual([
      0,
      [{ name: 'tpxdemo', action: 'skipped', from: '2.0', to: '2.0', apps: noApps, error: null }],
    ]);
    // upgrade of a pinned tool leaves it, exit 0 (pipx: "Not upgrading pinned package").
    const left = await world.run(['upgrade', '--json', 'tpxdemo']);
    expect([left.code, doc(left).status, doc(left).tools[0].action]).toEqual([0, 'success', 'skipped']);

    const rolled = await world.run(['rollback', '--json', 'tpxdemo']);
    expect(doc(rolled).tools).toEqual([
      {
        name: 'tpxdemo',
        action: 'rolled-back',
        from: '2.0',
        to: '1.0',
        apps: { linked: [bin('tpxdemo-admin')], unlinked: [bin('tpxdemo-serve')] },
        error: null,
      },
    ]);

    const injected = await world.run(['inject', '--json', '--include-apps', 'tpxdemo', 'helperlib']);
    const helperlib = { name: 'helperlib', version: '1.0', action: 'injected', error: null };
    expect(doc(injected).tools).toEqual([
      {
        name: 'tpxdemo',
        action: 'injected',
        from: '1.0',
        to: '1.0',
        apps: { linked: [bin('helperlib-cli')], unlinked: [] },
        error: null,
        packages: [helperlib],
      },
    ]);
    // One entry per package named; one that cannot be injected does not stop the others (partial, exit 1).
    const missing = join(world.root, 'missing');
    const partial = await world.run(['inject', '--json', '--include-apps', 'tpxdemo', 'helperlib', 'oneapp', 'brokendep', missing]);
    expect([partial.code, doc(partial).status, partial.stderr]).toEqual([1, 'partial', '']);
    expect(doc(partial).tools[0]).toMatchObject({ action: 'injected', error: null });
    expect(doc(partial).tools[0].packages).toEqual([
      { ...helperlib, action: 'unchanged' },
      { name: missing, version: null, action: 'failed', error: expect.objectContaining({ code: 'no-such-path' }) },
      { name: 'oneapp', version: '1.0', action: 'injected', error: null },
      {
        name: 'brokendep',
        version: null,
        action: 'failed',
        error: expect.objectContaining({ code: 'pip-failed', message: 'pip could not inject brokendep into tpxdemo' }),
      },
    ]);
    expect(doc(await world.run(['list', '--json'])).tools[0].injected).toEqual(['helperlib', 'oneapp']);
    expect((await world.run(['uninject', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const uninjected = await world.run(['uninject', '--json', 'tpxdemo', 'helperlib']);
    expect(doc(uninjected).tools[0]).toMatchObject({ action: 'uninjected', apps: { linked: [], unlinked: [bin('helperlib-cli')] } });
    const notInjected = await world.run(['uninject', '--json', 'tpxdemo', 'helperlib']);
    expect([notInjected.code, doc(notInjected).tools[0].error.code]).toEqual([1, 'not-injected']);

    const reinstalled = await world.run(['reinstall-all', '--json']);
    expect(doc(reinstalled).tools).toEqual([{ name: 'tpxdemo', action: 'reinstalled', from: '1.0', to: '1.0', apps: noApps, error: null }]);

    const removed = await world.run(['uninstall', '--json', 'tpxdemo', 'nothere']);
    expect(removed.code).toBe(1);
    expect(doc(removed).tools).toEqual([
      {
        name: 'tpxdemo',
        action: 'uninstalled',
        from: '1.0',
        to: null,
        apps: { linked: [], unlinked: [bin('tpxdemo'), bin('tpxdemo-admin')] },
        error: null,
      },
      {
        name: 'nothere',
        action: 'failed',
        from: null,
        to: null,
        apps: noApps,
        error: { code: 'not-installed', message: 'nothere is not installed', hint: expect.any(String) },
      },
    ]);
    const none = await world.run(['uninstall-all', '--json']);
    expect([none.code, doc(none)]).toMatchObject([0, { status: 'success', tools: [] }]);
  });
});
