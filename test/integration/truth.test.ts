// Health that tells the truth, and advice that works (issue 20): a home damaged the way people and
// kills damage it — moved, a generation deleted by hand, a venv's python deleted, an upgrade killed
// -9 — and each time the test does what `tpx list` says (the `fix:` line, taken literally) until
// list, doctor and every app agree. Then text from packages and pip: nothing a terminal obeys
// reaches it. One world for the file, its tests in order.
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcessesUnder } from '../helpers/procs.js';
import { receipt } from '../helpers/tools.js';
import { makeWorld, type RunResult, type World } from '../helpers/world.js';

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterAll(async () => world?.dispose());

const bin = (app: string) => join(world.binDir, app);
const tool = (key: string) => join(world.tpxHome, 'tools', key);
const generation = (key: string) => join(world.tpxHome, 'envs', (world.readlink(tool(key)) ?? '').split('/').pop() ?? '');
const onPath = () => ({ PATH: `${world.binDir}${delimiter}${world.env.PATH}` });

/**
 * The command of a `fix:` line, as argv: `fix: tpx reinstall x  (or: …)` → ['reinstall', 'x'];
 * SPEC, where tpx cannot know it (the receipt is gone), is what the test installed `key` from.
 */
function advice(line: string, key: string, spec: Record<string, string>): string[] {
  const command = line.replace(/^\s*fix: /, '').split(/ {2}\(or:| \(|, or /)[0] ?? '';
  expect(command, line).toMatch(/^tpx /);
  return command
    .split(' ')
    .slice(1)
    .map((a) => (a === 'SPEC' ? (spec[key] ?? key) : a));
}

/** Runs what `tpx list` advises, a tool at a time, until list finds nothing wrong; returns the commands it ran. */
async function followList(spec: Record<string, string> = {}): Promise<string[][]> {
  const ran: string[][] = [];
  for (let round = 0; round < 6; round++) {
    const list = await world.run(['list']);
    expect(list.stderr).toBe('');
    if (list.code === 0) return ran;
    const lines = list.stdout.split('\n');
    const at = lines.findIndex((l) => /^\s+fix: /.test(l));
    expect(at, list.stdout).toBeGreaterThan(0);
    // The tool the line is about: the last line above it that is not indented.
    const key =
      [...lines.slice(0, at)]
        .reverse()
        .find((l) => /^\S/.test(l))
        ?.split(' ')[0] ?? '';
    const argv = advice(lines[at] ?? '', key, spec);
    const r = await world.run(argv);
    expect(r.code, `tpx ${argv.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
    ran.push(argv);
  }
  throw new Error(`list still finds problems after ${ran.map((a) => a.join(' ')).join('; ')}`);
}

/** list, doctor and every app agree that all is well. */
async function allWell(apps: Record<string, string>): Promise<void> {
  const list = await world.run(['list']);
  expect(list.code, list.stdout).toBe(0);
  const doctor = await world.run(['doctor'], { env: onPath() });
  expect(doctor.code, doctor.stdout).toBe(0);
  for (const [app, says] of Object.entries(apps)) {
    const r = await world.exec(bin(app), ['--version']);
    expect(r.code, `${app}: ${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(says);
  }
}

function expectOneError(r: RunResult, message: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/ENOENT|spawn |internal error|\n\s+at /);
}

describe('health that tells the truth, and advice that works', () => {
  it('a moved data home: list and doctor say so; what list advises rebuilds every tool, and then list, doctor and every app agree', async () => {
    expect((await world.run(['install', 'tpxdemo', 'oneapp'])).code).toBe(0);
    const old = world.tpxHome;
    const moved = join(world.root, 'moved-data');
    renameSync(old, moved);
    world.tpxHome = moved;
    world.env.TPX_HOME = moved;

    const list = await world.run(['list']);
    expect(list.code).toBe(1);
    expect(list.stdout).toContain(`! its venv was made at ${join(old, 'envs')}`);
    expect(list.stdout).toContain(`tpxdemo  (link points into ${join(old, 'tools', 'tpxdemo')}, which is gone`);
    expect(list.stdout).not.toContain('does not own');
    const doctor = await world.run(['doctor']);
    expect(doctor.stdout).toContain(`oneapp: its venv was made at ${join(old, 'envs')}`);
    expect(doctor.stdout).not.toContain('out of the way');
    // The apps cannot start; exec says why instead of Node's spawn error.
    expectOneError(
      await world.run(['exec', 'tpxdemo', 'tpxdemo', '--version']),
      /error: tpxdemo cannot run: its venv was made at .*\nhint: .*tpx doctor --fix tpxdemo/,
    );

    const ran = await followList();
    expect(ran.length).toBeGreaterThan(0);
    await allWell({ tpxdemo: 'tpxdemo 1.0', 'tpxdemo-admin': 'tpxdemo-admin 1.0', 'oneapp-cli': 'oneapp-cli 1.0' });
    expect(world.readlink(bin('tpxdemo'))).toBe(join(moved, 'tools', 'tpxdemo', 'bin', 'tpxdemo'));
    expect((await world.run(['exec', 'tpxdemo', 'tpxdemo', '--version'])).stdout).toContain('tpxdemo 1.0');
    // The generation the rebuild keeps for rollback was made in the old place: rollback does not
    // switch back to it (it would undo the fix), and changes nothing.
    const back = await world.run(['rollback', 'tpxdemo']);
    expect(back.code).toBe(1);
    expect(back.stderr).toContain(`tpxdemo has no previous version to roll back to: its venv was made at ${join(old, 'envs')}`);
    await allWell({ tpxdemo: 'tpxdemo 1.0' });
  });

  it('a moved cache dir: tpx run rebuilds the environment it cached there, instead of failing to start it', async () => {
    expect((await world.run(['run', 'oneapp', '--version'])).code).toBe(0);
    const moved = join(world.root, 'moved-cache');
    renameSync(join(world.cacheDir, 'tpx'), moved);
    const r = await world.run(['run', 'oneapp', '--version'], { env: { TPX_CACHE_DIR: moved } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('oneapp-cli 1.0');
    expect(r.stderr).not.toMatch(/could not start|\n\s+at /);
  });

  it('a generation deleted by hand: with an older one, doctor --fix points the tool back; with none, install --force SPEC replaces it — as list, doctor and reinstall all say', async () => {
    world.publish('tpxdemo-2.0');
    expect((await world.run(['upgrade', 'tpxdemo'])).code).toBe(0);
    expect((await world.run(['install', 'withdep'])).code).toBe(0);
    rmSync(generation('tpxdemo'), { recursive: true });
    rmSync(generation('withdep'), { recursive: true });

    const list = await world.run(['list']);
    expect(list.code).toBe(1);
    const lost =
      'tpx install --force SPEC (SPEC: what withdep was installed from; its receipt went with its generation), or tpx uninstall withdep';
    expect(list.stdout).toContain('fix: tpx doctor --fix tpxdemo');
    expect(list.stdout).toContain(`fix: ${lost}`);
    const doctor = await world.run(['doctor']);
    expect(doctor.stdout).toContain(`fix: ${lost}`);
    expect(doctor.stdout).not.toContain('then install it again');
    // Every command that refuses the broken tool names the same way out.
    for (const argv of [
      ['reinstall', 'withdep'],
      ['install', 'withdep'],
      ['upgrade', 'withdep'],
    ]) {
      const r = await world.run(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toContain('tpx install --force SPEC');
    }
    const back = await world.run(['reinstall', 'tpxdemo']);
    expect(back.stderr).toContain('tpx doctor --fix tpxdemo');

    const ran = await followList({ withdep: 'withdep' });
    expect(ran).toContainEqual(['install', '--force', 'withdep']);
    await allWell({ tpxdemo: 'tpxdemo 1.0', 'tpxdemo-admin': 'tpxdemo-admin 1.0', withdep: 'withdep 1.0' });
  });

  it("a venv's own bin/python deleted is named as that, not as its base Python gone; reinstall, as list says, fixes it", async () => {
    const base = receipt(world, 'oneapp').python.executable as string;
    rmSync(join(tool('oneapp'), 'bin', 'python'));
    const list = await world.run(['list']);
    expect(list.stdout).toContain(
      `! its venv's python (${join(generation('oneapp'), 'bin', 'python')}) is missing; its base Python ${base} is still there`,
    );
    expect(list.stdout).not.toContain('its Python is gone');
    const up = await world.run(['upgrade', 'oneapp']);
    expect(up.stderr).toContain("error: oneapp's venv's python");
    expect(await followList()).toEqual([['reinstall', 'oneapp']]);
    await allWell({ 'oneapp-cli': 'oneapp-cli 1.0' });
  });

  it('after kill -9 in an upgrade that adds an app, list names the link it left, and the next command on the tool, even one with nothing to do, collects the generation it orphaned', async () => {
    const envs = join(world.tpxHome, 'envs');
    const before = world.ls(envs);
    // Killed while pip installs: the new generation is left, marked as being built by a tpx that is gone.
    world.index.pause();
    const child = world.spawn(['upgrade', 'tpxdemo']);
    await world.index.waitForRequest();
    child.kill('SIGKILL');
    await child.done;
    await stopProcessesUnder(join(world.tpxHome, 'envs'));
    world.index.resume();
    const orphan = world.ls(envs).filter((g) => !before.includes(g));
    expect(orphan).toHaveLength(1);
    // What a kill between linking the new app and the switch leaves: its link, into the old generation,
    // and the temp link the switch would have renamed over tools/tpxdemo, named with the dead pid.
    symlinkSync(join(tool('tpxdemo'), 'bin', 'tpxdemo-serve'), bin('tpxdemo-serve'));
    const temp = `${tool('tpxdemo')}.tmp-${child.pid}-0badcafe`;
    symlinkSync(`../envs/${orphan[0]}`, temp);

    const list = await world.run(['list']);
    expect(list.code).toBe(1);
    expect(list.stdout).toContain(`! ${bin('tpxdemo-serve')} links into it but is not one of its apps`);
    const nothing = await world.run(['uninject', 'tpxdemo', 'helperlib']);
    expect(nothing.code).toBe(1);
    expect(world.ls(envs)).toEqual(before);
    expect(await followList()).toEqual([['doctor', '--fix', 'tpxdemo']]);
    // The temp link is the home's, not the tool's: doctor names it as what it is and removes it
    // at once (its writer is gone), not a minute later.
    const doctor = await world.run(['doctor']);
    expect(doctor.stdout).toContain(`${temp} is not a tool tpx made (the temp link of an interrupted switch)`);
    expect(doctor.stdout).toContain('fix: `tpx doctor --fix` removes it');
    const fixed = await world.run(['doctor', '--fix'], { env: onPath() });
    expect(fixed.code, fixed.stdout).toBe(0);
    await allWell({ tpxdemo: 'tpxdemo 1.0', 'tpxdemo-admin': 'tpxdemo-admin 1.0' });
    expect(world.ls(world.binDir)).not.toContain('tpxdemo-serve');
    expect(world.readlink(temp)).toBeNull();
  });
});

describe('text from packages and pip', () => {
  it('reaches the terminal without control characters or escape sequences, with -v too', async () => {
    // A project whose build backend writes what a terminal would obey (a title, a screen clear,
    // colours, a line rewritten by a carriage return, a C1 CSI) and then fails: pip shows its output.
    const project = join(world.root, 'evilbuild');
    mkdirSync(project);
    writeFileSync(
      join(project, 'pyproject.toml'),
      '[project]\nname = "evilbuild"\nversion = "1.0"\n[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    );
    writeFileSync(
      join(project, 'backend.py'),
      [
        'import sys',
        'def get_requires_for_build_wheel(config_settings=None):',
        '    sys.stderr.write("\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mBUILD-SAYS-RED\\x1b[0m honest\\rLIE \\u009b31mC1 \\x00nul\\x08\\n")',
        '    raise SystemExit(1)',
        '',
      ].join('\n'),
    );
    for (const argv of [
      ['install', project],
      ['install', '-v', project],
    ]) {
      const r = await world.run(argv);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('BUILD-SAYS-RED');
      expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
  });
});
