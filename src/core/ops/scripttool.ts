/**
 * A PEP 723 script as a tool (`tpx install ./tool.py`): its generation is a venv holding the
 * script's dependencies (on an interpreter satisfying its requires-python, chosen as `tpx run` does:
 * runscript.ts), a copy of the script kept in `script/`, and one app — a launcher in the venv's bin
 * that runs the kept copy with the venv's Python. Upgrade and reinstall read the script again from
 * where it was installed from, as pipx does (an edited script is a new version: its hash), and
 * rebuild from the kept copy when that is gone (rebuild.ts); inject and uninject keep the kept copy.
 * The tool is named after its app: the script's file name without `.py` (a script may have no
 * extension: `./mytool` with a `# /// script` block), or `--app`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Built, BuildOptions } from '../build/build.js';
import { installOrThrow, preinstall } from '../build/build.js';
import type { Context } from '../base/context.js';
import { TpxError } from '../base/errors.js';
import { listDists } from '../packaging/distinfo.js';
import { lstatOrNull, readdirOrEmpty } from '../base/fsx.js';
import { isValidDistName, MAX_NAME } from '../packaging/names.js';
import { parseScriptMetadata } from '../packaging/pep723.js';
import { pythonToRecord } from '../python/choose.js';
import { installerFor } from '../installer/installer.js';
import type { Request } from '../request/request.js';
import { fnv1a64 } from '../run/runcache.js';
import { loadScript, pickInterpreter } from '../run/runscript.js';
import { createVenv, sitePackages, venvBinDir, venvPython } from '../python/venv.js';

/** The script's text and its file name, which the kept copy keeps (tracebacks and `__file__` name it). */
export interface ToolScript {
  file: string;
  text: string;
}

/** Where a generation keeps its script. */
const KEPT = 'script';

/** Reads the script a request names: a file, or an https URL (fetched, as `tpx run` fetches one). */
export async function fetchToolScript(ctx: Context, spec: string): Promise<ToolScript> {
  const loaded = await loadScript(ctx, spec, false);
  loaded.dispose();
  const file = path.basename(spec.split(/[?#]/)[0] ?? '') || 'script.py';
  return { file, text: loaded.source };
}

/** The copy a generation keeps; null when there is none (not a script tool's generation), or it is not a plain file. */
export function keptScript(genDir: string): ToolScript | null {
  const dir = path.join(genDir, KEPT);
  // Named as the file it came from was: `tool.py`, or a script without an extension (`mytool`).
  const files = readdirOrEmpty(dir);
  const file = files.length === 1 ? (files[0] as string) : null;
  if (!file || !lstatOrNull(path.join(dir, file))?.isFile()) return null;
  return { file, text: fs.readFileSync(path.join(dir, file), 'utf8') };
}

/** The tool's name from the script's file name: `tool.py` → `tool`, `mytool` → `mytool`. */
export function scriptToolName(script: ToolScript, req: Request): string {
  const name = req.apps?.[0] ?? script.file.replace(/\.py$/i, '');
  if (!isValidDistName(name) || name.length > MAX_NAME) {
    throw new TpxError('bad-name', `${JSON.stringify(name)} cannot name a tool (from the script ${script.file})`, {
      hint: 'name its app with --app, e.g. `tpx install --app mytool ./my tool.py`',
    });
  }
  return name;
}

/** Builds the script tool into `dir`: venv, preinstalled and injected packages and the script's dependencies, the kept copy, the launcher. */
export async function buildScriptTool(ctx: Context, dir: string, req: Request, script: ToolScript, opts: BuildOptions): Promise<Built> {
  const name = scriptToolName(script, req);
  const meta = await parseScriptMetadata(script.text, script.file);
  const py = await pickInterpreter(ctx, req.python, meta, script.file);
  // Recorded like a package's requires-python choice, so upgrade and reinstall keep to it.
  const chosenPython = req.python === null ? await pythonToRecord(ctx, py) : null;
  const specs = [...(meta?.dependencies ?? []), ...req.injected.map((i) => i.spec)];
  let requested: Built['requested'] = [];
  if (specs.length > 0 || req.preinstall.length > 0) {
    const installer = installerFor(ctx);
    const env = await installer.createEnvironment(ctx, py, dir, { systemSitePackages: req.systemSitePackages });
    await preinstall(ctx, installer, env, req, opts);
    if (specs.length > 0) {
      const job = {
        request: req,
        specs,
        extraPipArgs: opts.extraPipArgs,
        what: `the dependencies of ${script.file}`,
        logName: opts.logName,
      };
      requested = await installOrThrow(ctx, installer, env, job);
    }
  } else {
    // Nothing to install: a plain venv, and no installer needed (no pip fetched for an interpreter that ships none).
    await createVenv(ctx, py, dir, { systemSitePackages: req.systemSitePackages });
  }
  const kept = path.join(dir, KEPT, script.file);
  fs.mkdirSync(path.dirname(kept), { recursive: true });
  fs.writeFileSync(kept, script.text);
  writeLauncher(path.join(venvBinDir(ctx, dir), name), venvPython(ctx, dir), kept);
  const site = sitePackages(ctx, dir);
  return { py, venv: dir, name, version: scriptVersion(script), site, dists: listDists(site), requested, chosenPython };
}

/**
 * A script has no version: its content's hash stands for one (`script-1a2b3c4d5e6f`), so a changed
 * script is a new version and an upgrade that only re-resolved the dependencies is not.
 */
export function scriptVersion(script: ToolScript): string {
  return `script-${fnv1a64(script.text).slice(0, 12)}`;
}

/**
 * The app: `exec` the venv's Python on the kept copy, like an installed app runs (`-E`: the user's
 * PYTHONPATH and PYTHONHOME, meant for another Python, change nothing — venv.isolateApps), with the
 * script's directory first on sys.path as `python tool.py` has it. A shell script, as pip's own
 * launcher for long paths is; exec replaces the shell, so signals, stdin and the exit code are the
 * script's.
 */
function writeLauncher(file: string, python: string, script: string): void {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `#!/bin/sh\n# A tpx script tool: runs the copy of the script kept beside its environment.\nexec ${q(python)} -E ${q(script)} "$@"\n`,
    { mode: 0o755 },
  );
}
