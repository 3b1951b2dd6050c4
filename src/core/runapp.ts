/**
 * The parts of `tpx run APP` shared by the command (src/commands/run.ts) and the cache-hit fast
 * path (src/runfast.ts): the request an invocation stands for, which app to start, and starting
 * it. Nothing here loads commander, execa or ora, and nothing spawns before the app.
 */
import { splitArgs } from './args.js';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { isSafeFileName, isValidDistName } from './names.js';
import { checkPipArgs, checkWith } from './pipargs.js';
import { runApp } from './proc.js';
import { sweep } from './runcache.js';
import type { RunReceipt, RunRequest } from './runcache.js';
import { parseSpec } from './spec.js';
import type { Spec } from './spec.js';

/** `script.py` or an https URL ending in `.py` is a script; anything else names an app. */
export function isScriptTarget(target: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return /\.py$/i.test(target.split(/[?#]/)[0] ?? '');
  return /\.py$/i.test(target);
}

/** `tpx run` options, as commander or the fast path parsed them. */
export interface RunFlags {
  spec?: string;
  with: string[];
  python?: string;
  indexUrl?: string;
  pipArgs?: string;
  refresh?: boolean;
  /** false with --no-cache */
  cache: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** `--color`, as given: the fast path leaves a value that is not a choice to commander. */
  color?: string;
}

/** The request `tpx run [flags] APP` stands for; a bad APP is refused before anything is touched. */
export function appRequest(app: string, flags: RunFlags, cwd: string): { req: RunRequest; spec: Spec; specText: string } {
  if (!isSafeFileName(app)) {
    throw new TpxError('bad-app', `${JSON.stringify(app)} is not an app name`, { hint: 'name an app, e.g. `tpx run black`; a script must end in .py' });
  }
  if (flags.spec === undefined && !isValidDistName(app)) {
    throw new TpxError('bad-app', `${JSON.stringify(app)} is not a package name`, { hint: `to run a particular version, give the package with --spec, e.g. tpx run --spec 'black==22.12.0' black` });
  }
  const specText = flags.spec ?? app;
  const spec = parseSpec(specText, cwd);
  return { req: { kind: 'app', spec: spec.spec, ...common(flags, flags.with) }, spec, specText };
}

/** The request fields an app run and a script run share. */
export function common(flags: RunFlags, packages: string[]): Omit<RunRequest, 'kind' | 'spec'> {
  return {
    with: checkWith([...new Set(packages)].sort()),
    python: flags.python ?? null,
    indexUrl: flags.indexUrl ?? null,
    pipArgs: flags.pipArgs ? checkPipArgs(splitArgs(flags.pipArgs)) : [],
    requiresPython: null,
  };
}

/** APP itself; else the package's only app (saying so); else an error listing its apps. */
export function chooseApp(ctx: Context, receipt: RunReceipt, app: string, specText: string): string {
  const exact = receipt.apps.find((a) => a.name === app);
  if (exact) return exact.name;
  const main = receipt.apps.filter((a) => a.main).map((a) => a.name);
  if (main.length === 1) {
    ctx.out.info(`${receipt.name} has no app named ${app}; running its only app, ${main[0]}`);
    return main[0] as string;
  }
  throw new TpxError('no-such-app', `${receipt.name} ${receipt.version} has no app named ${app}`, {
    hint: `its apps: ${main.join(', ')}; run one with \`tpx run --spec ${specText} ${main[0]}\``,
  });
}

/** Starts the app, tidies the cache while it runs (never before), and returns its exit status. */
export async function launch(ctx: Context, file: string, args: string[]): Promise<number> {
  const status = runApp(file, args, ctx.env);
  sweep(ctx);
  return status;
}

/** Options that take a value; the fast path leaves anything else (--help, --refresh, typos) to commander. */
const VALUED: Record<string, keyof RunFlags> = { '--spec': 'spec', '--with': 'with', '--python': 'python', '--index-url': 'indexUrl', '--pip-args': 'pipArgs', '--color': 'color' };

const SWITCHES: Record<string, 'verbose' | 'quiet'> = { '-v': 'verbose', '--verbose': 'verbose', '-q': 'quiet', '--quiet': 'quiet' };

/**
 * Parses `run` arguments the way commander does for the common forms (`--opt value`, `--opt=value`,
 * `-v`), stopping at APP. Returns null for anything else, which then goes through commander.
 */
export function parseRunArgv(argv: string[]): { app: string; args: string[]; flags: RunFlags } | null {
  const flags: RunFlags = { with: [], cache: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') return { app: arg, args: argv.slice(i + 1), flags };
    const sw = SWITCHES[arg];
    if (sw) {
      flags[sw] = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUED[name];
    if (!key) return null;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return null;
    if (key === 'with') flags.with.push(value);
    else (flags as unknown as Record<string, string>)[key] = value;
  }
  return null;
}
