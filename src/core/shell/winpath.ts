/**
 * `tpx ensurepath` on Windows: the user's `Path` in the registry (HKCU\Environment), where new
 * terminals and programs read it from. Read and written through PowerShell with .NET's registry API
 * rather than `reg`: `reg add` cannot tell running programs (Explorer) that the environment changed,
 * and [Environment]::SetEnvironmentVariable would expand `%USERPROFILE%`-style entries for good. The
 * new value travels in an environment variable, never inside the script text, so no quoting is involved.
 */
import * as path from 'node:path';
import { TpxError } from '../base/errors.js';

export interface Command {
  file: string;
  args: string[];
  env?: Record<string, string>;
}

const POWERSHELL = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command'];

/** Prints the user's Path as stored (REG_EXPAND_SZ: `%VAR%` references unexpanded); nothing when it has none. */
export function readUserPathCommand(): Command {
  const script = [
    "$k = [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Environment')",
    "if ($k) { [Console]::Out.Write($k.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)) }",
  ].join('; ');
  return { file: 'powershell.exe', args: [...POWERSHELL, script] };
}

/**
 * Stores `value` as the user's Path (REG_EXPAND_SZ), then sets and removes a variable through
 * SetEnvironmentVariable, whose broadcast (WM_SETTINGCHANGE) makes Explorer hand the new Path to
 * programs started from now on.
 */
export function writeUserPathCommand(value: string): Command {
  const script = [
    "$k = [Microsoft.Win32.Registry]::CurrentUser.CreateSubKey('Environment')",
    "$k.SetValue('Path', $env:TPX_NEW_PATH, [Microsoft.Win32.RegistryValueKind]::ExpandString)",
    "[Environment]::SetEnvironmentVariable('TPX_ENSUREPATH', '1', 'User')",
    "[Environment]::SetEnvironmentVariable('TPX_ENSUREPATH', $null, 'User')",
  ].join('; ');
  return { file: 'powershell.exe', args: [...POWERSHELL, script], env: { TPX_NEW_PATH: value } };
}

/**
 * The user's Path with `bin` added (first with `prepend`, else last), or null when it is already
 * there. Entries compare as Windows does: case-insensitive, a trailing backslash ignored, `%VAR%`
 * expanded from `env`.
 */
export function withDir(current: string, bin: string, prepend: boolean, env: NodeJS.ProcessEnv): string | null {
  const entries = current.split(';').filter((e) => e.trim() !== '');
  const norm = (p: string) =>
    path.win32
      .normalize(
        p.replace(
          /%([^%]+)%/g,
          (m, name: string) => env[name] ?? env[Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase()) ?? ''] ?? m,
        ),
      )
      .replace(/\\+$/, '')
      .toLowerCase();
  if (entries.some((e) => norm(e) === norm(bin))) return null;
  return (prepend ? [bin, ...entries] : [...entries, bin]).join(';');
}

/** The PowerShell line a user can run to add `bin` to their Path themselves (the PATH warning's hint). */
export function powershellLine(bin: string): string {
  const q = `'${bin.replace(/'/g, "''")}'`;
  return `[Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + ';' + ${q}, 'User')`;
}

/** Runs a command and captures its output (proc.ts's captureSync; a fake in tests). */
export type Runner = (cmd: Command) => { code: number; stdout: string; stderr: string };

/** Adds `bin` to the user's Path unless it is there; `dryRun` only says what it would do. */
export function ensureUserPath(opts: { bin: string; prepend: boolean; dryRun: boolean; env: NodeJS.ProcessEnv; run: Runner }): {
  status: 'present' | 'added' | 'would add';
  value: string;
} {
  const failed = (what: string, r: { stdout: string; stderr: string }) =>
    new TpxError('path-update-failed', `could not ${what} your Path in the registry (HKCU\\Environment)`, {
      details: (r.stderr || r.stdout).trim() || undefined,
      hint: `nothing was changed; add it in PowerShell yourself:\n  ${powershellLine(opts.bin)}`,
    });
  const read = opts.run(readUserPathCommand());
  if (read.code !== 0) throw failed('read', read);
  const value = withDir(read.stdout.trim(), opts.bin, opts.prepend, opts.env);
  if (value === null) return { status: 'present', value: read.stdout.trim() };
  if (opts.dryRun) return { status: 'would add', value };
  const write = opts.run(writeUserPathCommand(value));
  if (write.code !== 0) throw failed('update', write);
  return { status: 'added', value };
}
