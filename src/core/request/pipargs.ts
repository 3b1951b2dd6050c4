/**
 * The pip options tpx refuses, wherever pip arguments come from: `--pip-args`, `--with`, a receipt
 * or an export file. tpx decides where a tool is installed (its venv); an option that makes pip
 * write somewhere else, run for another interpreter, or take tpx's own report away would break
 * that promise (or write outside tpx's directories), so it is refused before anything is built.
 */
import { TpxError } from '../base/errors.js';

/** Long options pip must not get from the user, and why. */
const REFUSED: Record<string, string> = {
  '--target': "installs outside the tool's environment",
  '--prefix': "installs outside the tool's environment",
  '--root': "installs outside the tool's environment",
  '--user': "installs outside the tool's environment",
  '--src': "checks out editable projects outside the tool's environment",
  '--python': 'runs pip for another interpreter',
  '--report': 'is set by tpx, which reads the report',
};
/** Short forms: -t is --target; pip's short options that take a value end a cluster like `-Ut DIR`. */
const REFUSED_SHORT: Record<string, string> = { t: '--target' };
const SHORT_WITH_VALUE = new Set(['r', 'c', 'e', 'i', 'f', 't', 'C']);
/** pip options that are themselves an abbreviation of a refused one (pip's parser takes the exact one). */
const LEGITIMATE = new Set(['--pre']);

/** The refused option `arg` is (pip accepts unique abbreviations: `--targ` is `--target`), or null. */
function refusedOption(arg: string): string | null {
  if (arg.startsWith('--')) {
    const name = arg.split('=')[0] as string;
    if (LEGITIMATE.has(name) || name.length < 4) return null;
    return Object.keys(REFUSED).find((o) => o.startsWith(name)) ?? null;
  }
  if (arg.startsWith('-') && arg.length > 1) {
    for (const c of arg.slice(1)) {
      if (REFUSED_SHORT[c]) return REFUSED_SHORT[c] as string;
      if (SHORT_WITH_VALUE.has(c)) return null;
    }
  }
  return null;
}

/** Refuses pip arguments that would redirect the install (`where` names their source in the error). */
export function checkPipArgs(args: string[], where = '--pip-args'): string[] {
  for (const arg of args) {
    const option = refusedOption(arg);
    if (option) {
      throw new TpxError('bad-pip-args', `${where}: ${arg === option ? option : `${arg} (${option})`} ${REFUSED[option]}`, {
        hint: 'tpx decides where a tool is installed: leave that option out',
      });
    }
  }
  return args;
}

/** Refuses `--with` (or `--preinstall`) values that are options rather than packages (`--with --target=DIR`, `--with -e .`). */
export function checkWith(specs: string[], option = '--with'): string[] {
  for (const spec of specs) {
    if (spec.trim().startsWith('-')) {
      throw new TpxError('bad-pip-args', `${option} ${spec}: ${option} takes a package, not a pip option`, {
        hint: `name a package (e.g. ${option} 'rich>=13'); pip options go in --pip-args`,
      });
    }
  }
  return specs;
}
