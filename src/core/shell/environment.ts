/**
 * Every directory and setting tpx uses, with where its value came from (`tpx environment`, and the
 * ENVIRONMENT section of the man page). Values are paths.ts's own resolution; this only names the
 * variable that decided each one, in the order paths.ts reads them. Nothing here spawns: the shared
 * pip's version is what is unpacked under shared/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Paths } from '../base/paths.js';
import type { Platform } from '../base/platform.js';
import { readdirOrEmpty } from '../base/fsx.js';
import { compareVersions } from '../packaging/pep440.js';
import { selectedPip } from '../installer/pip/shared.js';

export interface Setting {
  name: string;
  value: string;
  /** The variable it was read from, `default`, or what it is derived from (`in home`). */
  source: string;
  /** The variables that set it, first wins; none for a derived value. */
  variables: string[];
  description: string;
}

interface Entry {
  name: string;
  description: string;
  variables: string[];
  /** When none of the variables is set. */
  fallback: 'default' | 'in home' | 'in cache' | 'on disk';
  value(paths: Paths, env: NodeJS.ProcessEnv, platform: Platform): string;
  /** Where the value came from when it is not a variable or the fallback; null: those. */
  source?(paths: Paths): string | null;
}

// env-paths honours XDG_DATA_HOME and XDG_CACHE_HOME on Linux only (macOS and Windows have their own places).
const XDG = ['XDG_DATA_HOME', 'XDG_CACHE_HOME'];

const ENTRIES: Entry[] = [
  {
    name: 'home',
    description: 'tools, their environments, receipts and the shared pip',
    variables: ['TPX_HOME', 'XDG_DATA_HOME'],
    fallback: 'default',
    value: (p) => p.home,
  },
  {
    name: 'bin',
    description: 'links to the apps of installed tools',
    variables: ['TPX_BIN_DIR', 'XDG_BIN_HOME'],
    fallback: 'default',
    value: (p) => p.bin,
  },
  { name: 'man', description: 'man pages of installed tools', variables: ['TPX_MAN_DIR'], fallback: 'default', value: (p) => p.man },
  {
    name: 'completions',
    description: 'shell completion files of installed tools, one dir per shell',
    variables: [],
    fallback: 'in home',
    value: (p) => p.completions,
  },
  {
    name: 'cache',
    description: 'logs, interpreter probes, `tpx run` environments',
    variables: ['TPX_CACHE_DIR', 'XDG_CACHE_HOME'],
    fallback: 'default',
    value: (p) => p.cache,
  },
  { name: 'logs', description: "pip's output of each build", variables: [], fallback: 'in cache', value: (p) => p.logs },
  {
    name: 'python',
    description: 'the interpreter used without --python: a path, a command or a version',
    variables: ['TPX_DEFAULT_PYTHON'],
    fallback: 'default',
    value: (_p, env, platform) => env.TPX_DEFAULT_PYTHON || platform.defaultPython,
  },
  {
    name: 'pythons',
    description: 'standalone Pythons tpx downloaded (`tpx python list`)',
    variables: [],
    fallback: 'in home',
    value: (p) => p.pythons,
  },
  {
    name: 'python-downloads',
    description: 'whether a Python that is not found is downloaded: automatic, or never (also --no-python-downloads)',
    variables: ['TPX_PYTHON_DOWNLOADS'],
    fallback: 'default',
    value: (_p, env) => env.TPX_PYTHON_DOWNLOADS || 'automatic',
  },
  {
    name: 'python-mirror',
    description: 'where Pythons are downloaded from: a folder (https or file://) of python-build-standalone archives and their SHA256SUMS',
    variables: ['TPX_PYTHON_MIRROR'],
    fallback: 'default',
    value: (_p, env) => env.TPX_PYTHON_MIRROR || 'the latest python-build-standalone release on GitHub',
  },
  {
    name: 'cooldown',
    description: 'the default --cooldown: files uploaded to an index less than this long ago are not installed',
    variables: ['TPX_COOLDOWN'],
    fallback: 'default',
    value: (_p, env) => env.TPX_COOLDOWN || '0 (none)',
  },
  {
    name: 'shared-pip',
    description: "the pip every tool environment is served by: the one `tpx upgrade-shared` chose, else each interpreter's bundled one",
    variables: [],
    fallback: 'on disk',
    value: (p) => selectedPip(p)?.version ?? (sharedPipVersions(p).join(', ') || 'not bootstrapped yet'),
    source: (p) => {
      const chosen = selectedPip(p);
      return chosen
        ? `tpx upgrade-shared${chosen.requiresPython ? ` (for Python ${chosen.requiresPython}; others: their bundled pip)` : ''}`
        : null;
    },
  },
];

export const SETTING_NAMES: readonly string[] = ENTRIES.map((e) => e.name);

/** The tpx variables that set a setting, as pipx users name one (`--value PIPX_HOME`): TPX_HOME → home. */
const BY_VARIABLE: ReadonlyMap<string, string> = new Map([
  ...ENTRIES.flatMap((e) => e.variables.filter((v) => v.startsWith('TPX_')).map((v) => [v, e.name] as const)),
  ...Object.entries({ TPX_GLOBAL_HOME: 'home', TPX_GLOBAL_BIN_DIR: 'bin', TPX_GLOBAL_MAN_DIR: 'man' }),
]);

/** A setting by its name or by the variable that sets it, in any case (`bin`, `TPX_BIN_DIR`); null when neither. */
export function settingNamed(text: string): string | null {
  const lower = text.toLowerCase();
  return SETTING_NAMES.find((n) => n === lower) ?? BY_VARIABLE.get(text.toUpperCase()) ?? null;
}

/** What `--value` takes, for its error: the names, then the variables (the --global ones left out). */
export function settingChoices(): string {
  const variables = [...BY_VARIABLE.keys()].filter((v) => !v.startsWith('TPX_GLOBAL_'));
  return `${SETTING_NAMES.join(', ')}, or the variable that sets one: ${variables.join(', ')}`;
}

/** With `--global` (paths.ts): the system-wide directories and the only variables that move them. */
const GLOBAL: Record<string, Pick<Entry, 'variables' | 'fallback'>> = {
  home: { variables: ['TPX_GLOBAL_HOME'], fallback: 'default' },
  bin: { variables: ['TPX_GLOBAL_BIN_DIR'], fallback: 'default' },
  man: { variables: ['TPX_GLOBAL_MAN_DIR'], fallback: 'default' },
  cache: { variables: [], fallback: 'in home' },
};

export function describeEnvironment(paths: Paths, env: NodeJS.ProcessEnv, platform: Platform): Setting[] {
  return ENTRIES.map((entry) => (paths.global && GLOBAL[entry.name] ? { ...entry, ...GLOBAL[entry.name] } : entry)).map((e) => {
    const variables = e.variables.filter((v) => platform.xdg || !XDG.includes(v));
    return {
      name: e.name,
      value: e.value(paths, env, platform),
      source: variables.find((v) => env[v]) ?? e.source?.(paths) ?? e.fallback,
      variables,
      description: e.description,
    };
  });
}

/** The pip versions unpacked under shared/ (sharedpip.ts), newest last. */
function sharedPipVersions(paths: Paths): string[] {
  return readdirOrEmpty(paths.shared)
    .filter((d) => /^pip-[^.]/.test(d) && fs.existsSync(path.join(paths.shared, d, 'pip', '__pip-runner__.py')))
    .map((d) => d.slice(4))
    .sort((a, b) => compareVersions(a, b) ?? 0);
}
