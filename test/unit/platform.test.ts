// What tpx does on Windows, asked here on Linux with the platform injected (src/core/base/platform.ts):
// Windows cannot run on this machine, so each decision is checked with the real pieces that can
// run anywhere — cmd-shim writing its shims into temp dirs, real files, renames and links — and the
// rest (the py launcher's answer, PATHEXT) given as Windows would give it.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import type { Context } from '../../src/core/base/context.js';
import { appsOf, listDists } from '../../src/core/packaging/distinfo.js';
import { describeEnvironment } from '../../src/core/shell/environment.js';
import { linkOwner, removeToolLink } from '../../src/core/base/gate.js';
import {
  applyLinks,
  isOnPath,
  linkFor,
  linksByOwner,
  planLinks,
  removeLinksExcept,
  repairLinks,
  wantedLinks,
} from '../../src/core/store/links.js';
import { processStart } from '../../src/core/base/mutex.js';
import {
  asideOf,
  entryTarget,
  junctionSwitch,
  launcherChoices,
  parsePyLauncherList,
  platformFor,
  runSteps,
  writeEntry,
} from '../../src/core/base/platform.js';
import { treeKill } from '../../src/core/base/proc.js';
import { findInterpreter } from '../../src/core/python/python.js';
import { pythonProblem } from '../../src/core/store/status.js';
import { commitGeneration, readEntry, toolKeys, toolPath } from '../../src/core/store/store.js';
import { sitePackages, venvBinDir, venvPython } from '../../src/core/python/venv.js';
import { warnIfBinNotOnPath } from '../../src/commands/shared/report.js';
import { ctxIn } from '../helpers/context.js';
import { realPython } from '../helpers/fixtures.js';

/** The bin links of these apps of tool `key`. */
const appLinks = (ctx: Context, key: string, names: string[]) =>
  wantedLinks(ctx, key, { apps: names.map((name) => ({ name })), resources: [] }, '');

const win = { platform: platformFor('win32') };
const posix = { platform: platformFor('linux') };
const temp = () => tempDir('tpx-win-');
const winCtx = (root = temp(), env: NodeJS.ProcessEnv = {}) => ctxIn(root, { os: 'win32', env, dirs: ['bin', 'tools', 'envs'] });

describe('the venv layout', () => {
  it("Windows: Scripts\\python.exe, Lib\\site-packages, apps as pip's .exe launchers", () => {
    expect(venvBinDir(win, 'V')).toBe(join('V', 'Scripts'));
    expect(venvPython(win, 'V')).toBe(join('V', 'Scripts', 'python.exe'));
    expect(sitePackages(win, 'V')).toBe(join('V', 'Lib', 'site-packages'));
    expect(win.platform.appFile('black')).toBe('black.exe');
    for (const f of ['black.exe', 'black-script.py', 'black-script.pyw', 'black.cmd', 'BLACK.BAT'])
      expect(win.platform.appName(f).toLowerCase()).toBe('black');
    // POSIX for comparison: bin/python, and an app is its own file.
    expect(venvPython(posix, 'V')).toBe(join('V', 'bin', 'python'));
    expect(posix.platform.appName('black.exe')).toBe('black.exe');
  });

  it("an app's bin entry is named without .exe and starts the .exe through the tool's stable path", () => {
    const ctx = winCtx();
    expect(linkFor(ctx, 'black', 'blackd', '-old')).toEqual({
      link: join(ctx.paths.bin, 'blackd-old'),
      target: join(ctx.paths.tools, 'black', 'Scripts', 'blackd.exe'),
    });
  });

  it("apps are read from a Windows venv: RECORD's Scripts\\*.exe, wrappers stripped of their extension", () => {
    const venv = temp();
    const site = sitePackages(win, venv);
    const scripts = venvBinDir(win, venv);
    mkdirSync(join(site, 't-1.0.dist-info'), { recursive: true });
    mkdirSync(scripts, { recursive: true });
    writeFileSync(join(site, 't-1.0.dist-info', 'METADATA'), 'Name: t\nVersion: 1.0\n');
    writeFileSync(join(site, 't-1.0.dist-info', 'entry_points.txt'), '[console_scripts]\nt = t:main\n');
    writeFileSync(
      join(site, 't-1.0.dist-info', 'RECORD'),
      ['../../Scripts/t.exe,,', '../../Scripts/t-tool.exe,,', '../../Scripts/t-helper-script.py,,'].join('\r\n'),
    );
    for (const f of ['t.exe', 't-tool.exe', 't-helper-script.py']) writeFileSync(join(scripts, f), 'MZ');
    const [dist] = listDists(site);
    // t-helper has no t-helper.exe: only what can be started is an app.
    expect(appsOf(win, dist!, site, scripts).map((a) => [a.name, a.kind])).toEqual([
      ['t', 'console'],
      ['t-tool', 'script'],
    ]);
  });

  it("says nothing about a Windows venv's Python version it cannot read from the layout (no false alarm)", () => {
    const venv = temp();
    mkdirSync(venvBinDir(win, venv), { recursive: true });
    writeFileSync(venvPython(win, venv), 'MZ');
    writeFileSync(join(venv, 'pyvenv.cfg'), 'version = 3.12.1\n');
    expect(pythonProblem(win, venv, null)).toBeNull();
    expect(pythonProblem(win, temp(), { executable: 'C:\\Python312\\python.exe', version: '3.12.1' })?.kind).toBe('python-gone');
  });
});

describe('finding interpreters', () => {
  it('PATH is `Path` or any case, split on `;`; a command is looked for with the runnable PATHEXT extensions', () => {
    const env = { Path: 'C:\\Python312;;C:\\Windows', PATHEXT: '.COM;.EXE;.BAT;.CMD;.PY' };
    expect(win.platform.pathDirs(env)).toEqual(['C:\\Python312', 'C:\\Windows']);
    // .bat/.cmd need a shell, which tpx never uses; a name with an extension is taken as it is.
    expect(win.platform.commandFiles('python', env)).toEqual(['python.com', 'python.exe']);
    expect(win.platform.commandFiles('python3.12.exe', env)).toEqual(['python3.12.exe']);
    expect(win.platform.commandFiles('python', {})).toEqual(['python.com', 'python.exe']);
    expect(win.platform.defaultPython).toBe('python');
    expect(posix.platform.commandFiles('python', env)).toEqual(['python']);
  });

  it("reads the py launcher's list in both its formats", () => {
    const now = [
      ' -V:3.13t         C:\\Program Files\\Python313\\python3.13t.exe',
      ' -V:3.12 *        C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312\\python.exe',
      ' -V:3.12-32       C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312-32\\python.exe',
      ' -V:ContinuumAnalytics/Anaconda39-64 C:\\ProgramData\\Anaconda3\\python.exe',
    ].join('\r\n');
    expect(parsePyLauncherList(now)).toEqual([
      { tag: '3.13t', version: '3.13', path: 'C:\\Program Files\\Python313\\python3.13t.exe', isDefault: false },
      { tag: '3.12', version: '3.12', path: 'C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312\\python.exe', isDefault: true },
      {
        tag: '3.12-32',
        version: '3.12',
        path: 'C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312-32\\python.exe',
        isDefault: false,
      },
      { tag: 'ContinuumAnalytics/Anaconda39-64', version: null, path: 'C:\\ProgramData\\Anaconda3\\python.exe', isDefault: false },
    ]);
    const old =
      'Installed Pythons found by py Launcher for Windows\r\n -3.9-64        C:\\Python39\\python.exe *\r\n -3.8-32        C:\\Python38-32\\python.exe\r\n\r\n';
    const list = parsePyLauncherList(old);
    expect(list.map((p) => [p.version, p.isDefault])).toEqual([
      ['3.9', true],
      ['3.8', false],
    ]);
    expect(parsePyLauncherList('No installed Pythons found!\r\n')).toEqual([]);
    expect(launcherChoices(parsePyLauncherList(now), '3.12')).toEqual([
      'C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312\\python.exe',
      'C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312-32\\python.exe',
    ]);
    expect(launcherChoices(parsePyLauncherList(now), '3.12.1')).toHaveLength(2);
    expect(launcherChoices(parsePyLauncherList(now), '3.11')).toEqual([]);
    expect(launcherChoices(parsePyLauncherList(now), null)).toEqual([
      'C:\\Users\\you\\AppData\\Local\\Programs\\Python\\Python312\\python.exe',
    ]);
    expect(launcherChoices(parsePyLauncherList(' -V:3.11 C:\\P\\python.exe'), null)).toEqual(['C:\\P\\python.exe']);
    expect(launcherChoices([], null)).toEqual([]);
  });

  it("finds the default Python through the py launcher when PATH's python is the Store stub that does not run, and a version from its list", () => {
    const dir = temp();
    const exe = (name: string, body: string) => {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    };
    // What Windows 10/11 put on PATH: a stub that only says to install Python from the Store.
    exe('python.exe', 'echo "Python was not found; run without arguments to install from the Microsoft Store" >&2; exit 9');
    // A .bat needs a shell: never tried, though this one would work.
    symlinkSync(realPython(), join(dir, 'python.bat'));
    const ctx = winCtx(temp(), { PATH: dir, PATHEXT: '.COM;.EXE;.BAT' });
    const real = findInterpreter(ctx, realPython());
    const minor = real.version.split('.').slice(0, 2).join('.');
    exe('py', `printf ' -V:3.99          C:\\\\Python399\\\\python.exe\\r\\n -V:${minor} *        ${realPython()}\\r\\n'`);
    expect(findInterpreter(ctx).executable).toBe(real.executable);
    expect(findInterpreter(ctx, minor).executable).toBe(real.executable);
    // Without the launcher: the stub's own words.
    exe('py', 'exit 1');
    let said = '';
    expect(() => {
      try {
        findInterpreter(ctx);
      } catch (err) {
        said = (err as { hint?: string }).hint ?? '';
        throw err;
      }
    }).toThrow('the Python interpreter for "python" does not run');
    expect(said).toContain('said: Python was not found; run without arguments to install from the Microsoft Store');
  });
});

/** tools/<key> → a generation, as tpx leaves it. */
function installed(ctx: Context, key: string, gen: string, apps: string[] = []): string {
  const dir = join(ctx.paths.envs, gen);
  mkdirSync(join(dir, ctx.platform.venvBin), { recursive: true });
  for (const a of apps) writeFileSync(join(dir, ctx.platform.venvBin, ctx.platform.appFile(a)), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  commitGeneration(ctx, key, gen);
  return dir;
}

describe('bin entries on Windows: cmd-shim shims, ownership read back from them', () => {
  it('are the sh, .cmd and .ps1 shims cmd-shim writes, each starting the app by a path relative to itself', async () => {
    const ctx = winCtx();
    const { link, target } = linkFor(ctx, 'black', 'black', '');
    writeEntry(await ctx.platform.bin.render(ctx, target, link));
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['black', 'black.cmd', 'black.ps1']);
    const cmd = readFileSync(`${link}.cmd`, 'utf8');
    expect(cmd).toMatch(/^@ECHO off\r\n/);
    expect(cmd).toContain('"%dp0%\\..\\home\\tools\\black\\Scripts\\black.exe"   %*\r\n');
    expect(readFileSync(link, 'utf8')).toContain('exec "$basedir/../home/tools/black/Scripts/black.exe"   "$@"\n');
    expect(readFileSync(`${link}.ps1`, 'utf8')).toContain('& "$basedir/../home/tools/black/Scripts/black.exe"   $args');
    // Read back: every file names the target; the entry is black's.
    for (const f of ['', '.cmd', '.ps1']) expect(ctx.platform.bin.fileTarget(link + f)).toBe(target);
    expect(entryTarget(ctx.platform.bin, link)).toBe(target);
    expect(linkOwner(ctx, link)).toBe('black');
    // cmd-shim's temp dir is gone.
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('tpx-tmp-shims-'))).toEqual([]);
  });

  it("ownership: ours, another tool's, a foreign file, a partial set, an .exe in the way", async () => {
    const ctx = winCtx();
    const write = async (tool: string, app: string, name = app) =>
      writeEntry(await ctx.platform.bin.render(ctx, linkFor(ctx, tool, app, '').target, join(ctx.paths.bin, name)));
    await write('black', 'black');
    await write('isort', 'isort');
    expect(linkOwner(ctx, join(ctx.paths.bin, 'isort'))).toBe('isort');
    // A hand-written black.cmd beside a shim set: not one of ours (no @ECHO off head, no %dp0% path).
    await write('ruff', 'ruff');
    writeFileSync(join(ctx.paths.bin, 'ruff.cmd'), '@echo off\r\nC:\\tools\\ruff.exe %*\r\n');
    expect(linkOwner(ctx, join(ctx.paths.bin, 'ruff'))).toBeNull();
    // A shim into tools/ that escapes it, and one into a tool named like a prefix of another.
    writeFileSync(join(ctx.paths.bin, 'esc.cmd'), '@ECHO off\r\n"%dp0%\\..\\home\\tools\\..\\x.exe" %*\r\n');
    writeFileSync(join(ctx.paths.bin, 'bla.cmd'), '@ECHO off\r\n"%dp0%\\..\\home\\tools\\black\\Scripts\\bla.exe" %*\r\n');
    expect(linkOwner(ctx, join(ctx.paths.bin, 'esc'))).toBeNull();
    expect(linkOwner(ctx, join(ctx.paths.bin, 'bla'))).toBe('black');
    // Part of a set (a killed write): still ours to remove, but not a whole entry; an empty file is no shim.
    await write('mypy', 'mypy');
    unlinkSync(join(ctx.paths.bin, 'mypy.ps1'));
    expect(linkOwner(ctx, join(ctx.paths.bin, 'mypy'))).toBe('mypy');
    expect(entryTarget(ctx.platform.bin, join(ctx.paths.bin, 'mypy'))).toBeNull();
    writeFileSync(join(ctx.paths.bin, 'mypy.ps1'), '');
    expect(linkOwner(ctx, join(ctx.paths.bin, 'mypy'))).toBeNull();
    unlinkSync(join(ctx.paths.bin, 'mypy.ps1'));
    // pipx's black.exe copy beside our shims would shadow them in cmd: the slot is not ours.
    writeFileSync(join(ctx.paths.bin, 'black.exe'), 'MZ');
    expect(linkOwner(ctx, join(ctx.paths.bin, 'black'))).toBeNull();
    // Listing: one entry per shim set, under each tool some of its files point into (what uninstall scans).
    const bin = (n: string) => join(ctx.paths.bin, n);
    expect(Object.fromEntries([...linksByOwner(ctx)].map(([k, ls]) => [k, ls.sort()]))).toEqual({
      black: [bin('bla'), bin('black')],
      isort: [bin('isort')],
      mypy: [bin('mypy')],
      ruff: [bin('ruff')],
    });
  });

  it('the link policy: missing → create, ours → keep, partial → replace, another tool or an .exe → refuse unless --force', async () => {
    const ctx = winCtx();
    installed(ctx, 'black', 'g1-000001', ['black', 'blackd']);
    applyLinks(ctx, await planLinks(ctx, 'black', appLinks(ctx, 'black', ['black', 'blackd']), false)).commit();
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['black', 'black.cmd', 'black.ps1', 'blackd', 'blackd.cmd', 'blackd.ps1']);
    expect((await planLinks(ctx, 'black', appLinks(ctx, 'black', ['black']), false)).map((p) => p.action)).toEqual(['keep']);
    removeToolLink(ctx, join(ctx.paths.bin, 'blackd'), 'black');
    writeEntry(await ctx.platform.bin.render(ctx, linkFor(ctx, 'black', 'blackd', '').target, join(ctx.paths.bin, 'blackd')));
    // A shim set missing its .ps1 is replaced whole.
    unlinkSync(join(ctx.paths.bin, 'blackd.ps1'));
    expect((await planLinks(ctx, 'black', appLinks(ctx, 'black', ['blackd']), false)).map((p) => p.action)).toEqual(['replace']);
    writeFileSync(join(ctx.paths.bin, 'ruff.exe'), 'MZ');
    await expect(planLinks(ctx, 'ruff', appLinks(ctx, 'ruff', ['ruff', 'black']), false)).rejects.toThrow(
      `files are in the way: ${join(ctx.paths.bin, 'ruff.exe')} (a file tpx did not make), ${join(ctx.paths.bin, 'black')} (an app of tpx tool black)`,
    );
    // --force: the .exe is moved aside while the shims are written, and goes once committed.
    const plans = await planLinks(ctx, 'ruff', appLinks(ctx, 'ruff', ['ruff']), true);
    expect(plans.map((p) => p.action)).toEqual(['overwrite']);
    const tx = applyLinks(ctx, plans);
    expect(
      readdirSync(ctx.paths.bin)
        .filter((f) => f.startsWith('ruff'))
        .map((f) => f.replace(/-old-.*/, '-old-*')),
    ).toEqual(['ruff', 'ruff.cmd', 'ruff.exe.tpx-old-*', 'ruff.ps1']);
    tx.rollback();
    expect(readdirSync(ctx.paths.bin).filter((f) => f.startsWith('ruff'))).toEqual(['ruff.exe']);
    expect(readFileSync(join(ctx.paths.bin, 'ruff.exe'), 'utf8')).toBe('MZ');
  });

  it('an interrupt after linking takes every shim back; a file that appeared meanwhile is never replaced', async () => {
    const ctx = winCtx();
    applyLinks(ctx, await planLinks(ctx, 't', appLinks(ctx, 't', ['a', 'b']), false));
    expect(readdirSync(ctx.paths.bin)).toHaveLength(6);
    ctx.interrupts.runAll();
    expect(readdirSync(ctx.paths.bin)).toEqual([]);
    const plans = await planLinks(ctx, 't', appLinks(ctx, 't', ['a', 'b']), false);
    writeFileSync(join(ctx.paths.bin, 'b.ps1'), 'mine');
    expect(() => applyLinks(ctx, plans)).toThrow(/could not link/);
    expect(readdirSync(ctx.paths.bin)).toEqual(['b.ps1']);
    expect(readFileSync(join(ctx.paths.bin, 'b.ps1'), 'utf8')).toBe('mine');
  });

  it("uninstall removes all three shims of each app, and no file of anyone else's that shares a name", async () => {
    const ctx = winCtx();
    installed(ctx, 'black', 'g1-000001', ['black', 'blackd']);
    applyLinks(ctx, await planLinks(ctx, 'black', appLinks(ctx, 'black', ['black', 'blackd']), false)).commit();
    writeFileSync(join(ctx.paths.bin, 'blackd.ps1.keep'), '');
    // The user's own blackd.ps1 replaces ours: it stays, ours go.
    unlinkSync(join(ctx.paths.bin, 'blackd.ps1'));
    writeFileSync(join(ctx.paths.bin, 'blackd.ps1'), 'Write-Output mine\n');
    writeFileSync(join(ctx.paths.bin, 'other.cmd'), '@ECHO off\r\n"%dp0%\\..\\home\\tools\\isort\\Scripts\\isort.exe" %*\r\n');
    expect(removeLinksExcept(ctx, 'black', []).sort()).toEqual([join(ctx.paths.bin, 'black'), join(ctx.paths.bin, 'blackd')]);
    expect(readdirSync(ctx.paths.bin).sort()).toEqual(['blackd.ps1', 'blackd.ps1.keep', 'other.cmd']);
    // A relink fills empty slots only, with all three files.
    await repairLinks(ctx, 'black', appLinks(ctx, 'black', ['black']));
    expect(
      readdirSync(ctx.paths.bin)
        .filter((f) => f.startsWith('black.') || f === 'black')
        .sort(),
    ).toEqual(['black', 'black.cmd', 'black.ps1']);
  });
});

describe('the commit point on Windows: a junction switched by two renames', () => {
  it('writes an absolute target, read back as the generation (and a POSIX reading would call it broken)', () => {
    const ctx = winCtx();
    installed(ctx, 'black', 'g1-000001');
    expect(readlinkSync(toolPath(ctx, 'black'))).toBe(join(ctx.paths.envs, 'g1-000001'));
    expect(readEntry(ctx, 'black')).toEqual({ state: 'ok', gen: 'g1-000001' });
    expect(readEntry({ ...ctx, platform: platformFor('linux') }, 'black').state).toBe('broken');
    installed(ctx, 'black', 'g2-000002');
    expect(readEntry(ctx, 'black')).toEqual({ state: 'ok', gen: 'g2-000002' });
    expect(readdirSync(ctx.paths.tools)).toEqual(['black']);
  });

  it('a crash after any step leaves the tool at its old or its new generation, and the next look tidies up', () => {
    for (let crashAfter = 0; crashAfter <= 4; crashAfter++) {
      const ctx = winCtx();
      installed(ctx, 'black', 'g1-000001');
      mkdirSync(join(ctx.paths.envs, 'g2-000002'));
      const steps = junctionSwitch(join('..', 'envs', 'g2-000002'), toolPath(ctx, 'black'));
      expect(steps.map((s) => s.name)).toEqual([
        'make the new junction',
        'move tools/<key> aside',
        'put the new junction in its place',
        'remove the old junction',
      ]);
      // The process dies after `crashAfter` steps: nothing after them runs, no undo either.
      for (const s of steps.slice(0, crashAfter)) s.run();
      const entry = readEntry(ctx, 'black');
      expect(entry, `crash after ${crashAfter} steps`).toEqual({ state: 'ok', gen: crashAfter >= 3 ? 'g2-000002' : 'g1-000001' });
      expect(existsSync(asideOf(toolPath(ctx, 'black'))) ? crashAfter : -1, 'an aside beside the entry is left for the next switch').toBe(
        crashAfter === 3 ? 3 : -1,
      );
      expect(toolKeys(ctx)).toEqual(['black']);
      // The next commit goes through, whatever was left.
      mkdirSync(join(ctx.paths.envs, 'g3-000003'));
      commitGeneration(ctx, 'black', 'g3-000003');
      expect(readEntry(ctx, 'black')).toEqual({ state: 'ok', gen: 'g3-000003' });
      expect(readdirSync(ctx.paths.tools).filter((n) => !n.includes('.tmp-'))).toEqual(['black']);
    }
  });

  it('a failed second rename puts the old junction back', () => {
    const ctx = winCtx();
    installed(ctx, 'black', 'g1-000001');
    const steps = junctionSwitch(join('..', 'envs', 'g2-000002'), toolPath(ctx, 'black'));
    steps[2] = {
      name: 'fails',
      run: () => {
        throw new Error('EPERM');
      },
    };
    expect(() => runSteps(steps)).toThrow('EPERM');
    expect(readEntry(ctx, 'black')).toEqual({ state: 'ok', gen: 'g1-000001' });
    expect(readdirSync(ctx.paths.tools)).toEqual(['black']);
  });

  it('while another live tpx holds the lock (it is between its renames now), the aside is read, not moved', () => {
    const ctx = winCtx();
    installed(ctx, 'black', 'g1-000001');
    const steps = junctionSwitch(join('..', 'envs', 'g1-000001'), toolPath(ctx, 'black'));
    steps[0]?.run();
    steps[1]?.run();
    // Our parent process is alive and is not us: it holds black's lock.
    mkdirSync(join(ctx.paths.locks, 'black.lock'), { recursive: true });
    writeFileSync(join(ctx.paths.locks, 'black.lock', 'owner'), `${process.ppid} ${hostname()} ${processStart(process.ppid) ?? '-'}\n`);
    expect(readEntry(ctx, 'black')).toEqual({ state: 'ok', gen: 'g1-000001' });
    expect(existsSync(toolPath(ctx, 'black'))).toBe(false);
    expect(toolKeys(ctx)).toEqual(['black']);
  });
});

describe('the PATH helper on Windows', () => {
  it('compares Path entries as Windows does, and names `tpx ensurepath` and a PowerShell line when the bin dir is missing', () => {
    const root = temp();
    const ctx = winCtx(root, { Path: `C:\\Windows;${join(root, 'BIN')}\\` });
    expect(isOnPath(ctx, ctx.paths.bin)).toBe(true);
    expect(isOnPath({ ...ctx, env: { PATH: join(root, 'BIN') } }, ctx.paths.bin)).toBe(true);
    expect(isOnPath({ ...ctx, platform: platformFor('linux'), env: { PATH: join(root, 'BIN') } }, ctx.paths.bin)).toBe(false);
    const said: string[] = [];
    warnIfBinNotOnPath({
      ...ctx,
      env: { Path: 'C:\\Windows' },
      out: { ...ctx.out, warn: (m) => said.push(`warning: ${m}`), info: (m) => said.push(m) },
    });
    expect(said.join('\n')).toContain(
      `hint: run \`tpx ensurepath\` to add it to your user Path, or in PowerShell:\nhint:   [Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + ';' + '${ctx.paths.bin}', 'User')`,
    );
    expect(ctx.platform.pathSetup).toBe('registry');
    // --global is refused on Windows: there is no system-wide PATH file to write.
    expect([ctx.platform.systemPath, platformFor('linux').systemPath, platformFor('darwin').systemPath]).toEqual([
      null,
      'profile.d',
      'paths.d',
    ]);
  });

  it('`tpx environment`: Windows has no XDG directories and its default Python is `python`', () => {
    const ctx = winCtx();
    const settings = Object.fromEntries(describeEnvironment(ctx.paths, { XDG_DATA_HOME: '/x' }, ctx.platform).map((s) => [s.name, s]));
    expect(settings.home?.variables).toEqual(['TPX_HOME']);
    expect(settings.home?.source).toBe('default');
    expect(settings.python?.value).toBe('python');
    expect(describeEnvironment(ctx.paths, {}, platformFor('linux')).find((s) => s.name === 'home')?.variables).toEqual([
      'TPX_HOME',
      'XDG_DATA_HOME',
    ]);
    expect(describeEnvironment(ctx.paths, {}, platformFor('darwin')).find((s) => s.name === 'cache')?.variables).toEqual(['TPX_CACHE_DIR']);
  });
});

describe('build children on Windows', () => {
  it('are stopped with all they started by taskkill /T (no process groups there), never detached into a console of their own', () => {
    expect(treeKill(win.platform, 4242)).toEqual({ file: 'taskkill', args: ['/pid', '4242', '/T', '/F'] });
    expect(treeKill(posix.platform, 4242)).toEqual({ group: -4242 });
    // spawnBuildChild detaches only to lead a process group: on Windows `detached` opens a new console.
    expect(win.platform.childTree).toBe('taskkill');
  });
});

describe('POSIX stays as it was', () => {
  it('a bin entry is one symlink, tools/<key> a relative symlink switched by one rename', async () => {
    const ctx = ctxIn(temp(), { dirs: ['bin', 'tools', 'envs'] });
    installed(ctx, 'black', 'g1-000001', ['black']);
    expect(readlinkSync(toolPath(ctx, 'black'))).toBe(join('..', 'envs', 'g1-000001'));
    applyLinks(ctx, await planLinks(ctx, 'black', appLinks(ctx, 'black', ['black']), false)).commit();
    expect(readdirSync(ctx.paths.bin)).toEqual(['black']);
    expect(readlinkSync(join(ctx.paths.bin, 'black'))).toBe(join(ctx.paths.tools, 'black', 'bin', 'black'));
    symlinkSync('x', asideOf(toolPath(ctx, 'isort')));
    expect(toolKeys(ctx)).toEqual(['black', 'isort']);
  });
});
