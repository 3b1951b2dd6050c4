import { Option } from 'commander';
import { requestFlags } from '../../core/args.js';
import { validateSuffix } from '../../core/names.js';
import type { Request } from '../../core/receipt.js';

export interface RequestFlags {
  indexUrl?: string;
  pipArgs?: string;
  python?: string;
  systemSitePackages?: boolean;
  includeDeps?: boolean;
  suffix?: string;
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
  ];
}

/** The request to record for SPEC: relative paths (in --pip-args, --index-url, --python) are made absolute against `cwd`. */
export function requestFrom(spec: string, flags: RequestFlags, cwd = process.cwd()): Request {
  return {
    spec,
    ...requestFlags(flags, cwd, process.env),
    systemSitePackages: Boolean(flags.systemSitePackages),
    includeDeps: Boolean(flags.includeDeps),
    suffix: validateSuffix(flags.suffix ?? ''),
    injected: [],
  };
}
