import { Option } from 'commander';
import { parseCooldown, requestFlags } from '../../core/request/args.js';
import type { SharedFlags } from '../../core/request/args.js';
import type { Context, Place } from '../../core/base/context.js';
import { TpxError, usageError } from '../../core/base/errors.js';
import { parseDistName, validateAppName, validateSuffix } from '../../core/packaging/names.js';
import { checkWith } from '../../core/request/pipargs.js';
import { defaultRequest } from '../../core/request/request.js';
import type { Request, RequestKind } from '../../core/request/request.js';
import { isScriptTarget, parseSpec } from '../../core/packaging/spec.js';

export interface RequestFlags extends SharedFlags {
  systemSitePackages?: boolean;
  includeDeps?: boolean;
  suffix?: string;
  editable?: boolean;
  app?: string[];
  preinstall?: string[];
  includeResourcesFrom?: string[];
  /** false with --no-python-downloads. */
  pythonDownloads?: boolean;
}

/**
 * The flags every command that builds an environment from a spec shares. `recorded`: whether they go
 * into a receipt that upgrade and reinstall replay (install), or only shape this build (run).
 */
export function requestOptions(opts: { recorded: boolean } = { recorded: true }): Option[] {
  const kept = opts.recorded ? ' (recorded; reused by upgrade)' : '';
  return [
    new Option('--index-url <url>', `the package index to install from${kept}`),
    new Option('--pip-args <args>', `extra arguments for pip install, as one quoted string${kept}`),
    new Option('--python <python>', 'interpreter: a path, a command like python3.12, or a version like 3.12'),
    new Option('--no-python-downloads', 'never download a Python this machine lacks (as TPX_PYTHON_DOWNLOADS=never)'),
    cooldownOption(opts.recorded ? ' (recorded; each upgrade counts back from its own time)' : ''),
  ];
}

/**
 * `--cooldown DURATION` (README, "Supply-chain safety"): files uploaded to the index less than this
 * long ago are not installed. TPX_COOLDOWN is its default.
 */
export function cooldownOption(kept = ''): Option {
  return new Option(
    '--cooldown <duration>',
    `skip files uploaded less than DURATION ago (7d, 36h, P7D; 0: none; default: $TPX_COOLDOWN)${kept}`,
  );
}

/** A `--cooldown` value as recorded (core/request/args.ts), or undefined when not given. */
export function cooldownFlag(flag: string | undefined): string | undefined {
  return flag === undefined ? undefined : parseCooldown(flag, '--cooldown');
}

/** The context with `--no-python-downloads` applied: the setting it stands for, which core/python/download.ts reads. */
export function withPythonDownloads(ctx: Context, flags: { pythonDownloads?: boolean }): Context {
  return flags.pythonDownloads === false ? { ...ctx, env: { ...ctx.env, TPX_PYTHON_DOWNLOADS: 'never' } } : ctx;
}

const repeat = (v: string, prev: string[] = []) => [...prev, v];

/** What `install` adds to the request flags: how to install, and what to link. All recorded. */
export function installOptions(): Option[] {
  return [
    new Option('-e, --editable', 'install the project directory editable (pip -e): its code is used from where it is'),
    new Option('--app <name>', 'link only this app (repeatable); a script: the name of its app').argParser(repeat),
    new Option(
      '--preinstall <spec>',
      'install this package first, in a pip run of its own (repeatable), e.g. a build tool or plugin',
    ).argParser(repeat),
    new Option('--include-resources-from <dep>', 'also link the apps, man pages and completions of this dependency (repeatable)').argParser(
      repeat,
    ),
  ];
}

/** The request to record for SPEC: relative paths (in --pip-args, --index-url, --python) are made absolute against `at.cwd`. */
export function requestFrom(spec: string, flags: RequestFlags, at: Place): Request {
  const kind = requestKind(spec, flags, at);
  const apps = flags.app === undefined ? null : [...new Set(flags.app.map(validateAppName))];
  if (kind === 'script' && apps && apps.length > 1)
    throw usageError(`a script has one app: give --app once, not ${apps.length} times`, 'e.g. `tpx install --app mytool ./tool.py`');
  return defaultRequest(spec, {
    kind,
    ...requestFlags(flags, at),
    systemSitePackages: Boolean(flags.systemSitePackages),
    includeDeps: Boolean(flags.includeDeps),
    suffix: validateSuffix(flags.suffix ?? ''),
    apps,
    preinstall: checkWith(flags.preinstall ?? [], '--preinstall'),
    includeResourcesFrom: [...new Set((flags.includeResourcesFrom ?? []).map((d) => parseDistName(d, 'include-resources-from')))],
  });
}

/** A `.py` file (`tool.py` too, when it is one here) or URL (or a file without an extension holding a script block) is a script; with -e, a project (a path or a VCS URL, as pip takes for -e). */
function requestKind(spec: string, flags: RequestFlags, at: Place): RequestKind {
  if (!flags.editable) return isScriptTarget(spec, at) ? 'script' : 'package';
  if (isScriptTarget(spec, at))
    throw usageError('-e installs a project directory, not a script', `install the script without -e: \`tpx install ${spec}\``);
  if (parseSpec(spec, at).kind === 'requirement') {
    throw new TpxError('bad-spec', `-e needs a project directory (or a VCS URL), not ${JSON.stringify(spec)}`, {
      hint: 'e.g. `tpx install -e ./my-project`',
    });
  }
  return 'editable';
}
