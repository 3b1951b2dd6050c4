/**
 * What happened to one tool. Two shapes: `Outcome`, what commands that work on several tools
 * (upgrade-all, reinstall-all, install A B …) collect and print one line of as each finishes, then a summary
 * table — they never throw for one tool's failure; and `ToolResult`, the per-tool entry of the
 * `--json` result document every command that changes something prints
 * (src/commands/shared/json.ts; README, "Results a script can read").
 */
import type { ErrorCode } from '../base/errors.js';
import { toTpxError } from '../base/errors.js';
import type { TpxError } from '../base/errors.js';
import { redact } from '../base/redact.js';

/** The links a command made and removed for a tool: their paths. */
export interface LinkChanges {
  linked: string[];
  unlinked: string[];
}

export type Outcome =
  | { key: string; status: 'upgraded'; from: string; to: string; notes: string[]; apps?: LinkChanges }
  /** `spec`: the one the user gave, which the installed version already matches. */
  | { key: string; status: 'latest'; version: string; spec?: string | null }
  | { key: string; status: 'reinstalled'; version: string; python: string; from?: string; apps?: LinkChanges }
  | { key: string; status: 'installed'; version: string; python: string }
  /** `line`: what to say instead of `KEY skipped: REASON` (`upgrade NAME` of a pinned tool says it as pipx does). */
  | { key: string; status: 'skipped'; reason: string; version?: string; line?: string }
  | { key: string; status: 'failed'; error: TpxError };

/** What a command did to a tool. `unchanged`: nothing to do (already installed, at the latest version, already pinned…). */
export type ToolAction =
  | 'installed'
  | 'reinstalled'
  | 'upgraded'
  | 'downgraded'
  | 'unchanged'
  | 'skipped'
  | 'failed'
  | 'uninstalled'
  | 'injected'
  | 'uninjected'
  | 'pinned'
  | 'unpinned'
  | 'rolled-back'
  | 'exposed'
  | 'unexposed';

/** An error as the result document carries it: its code (the closed set in errors.ts), never its wording, is what scripts branch on. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint: string | null;
}

/** One tool's entry in the result document. Versions are null where there is none (before an install, after an uninstall). */
export interface ToolResult {
  /** The tool's key, as `tpx list` shows it; for a spec that failed before its name was known, the spec. */
  name: string;
  action: ToolAction;
  from: string | null;
  to: string | null;
  /** App links in the bin dir this command made and removed. */
  apps: LinkChanges;
  error: ErrorInfo | null;
  /** `inject` only: each package named, as pipx's result lists them (`unchanged`: already injected). */
  packages?: PackageResult[];
}

/** One package of an inject in the result document. */
export interface PackageResult {
  name: string;
  version: string | null;
  action: 'injected' | 'unchanged' | 'failed';
  error: ErrorInfo | null;
}

export function errorInfo(err: unknown): ErrorInfo {
  const e = toTpxError(err);
  return { code: e.code, message: redact(e.message), hint: e.hint === undefined ? null : redact(e.hint) };
}

export function toolResult(
  name: string,
  action: ToolAction,
  opts: { from?: string | null; to?: string | null; apps?: LinkChanges } = {},
): ToolResult {
  return {
    name: redact(name),
    action,
    from: opts.from ?? null,
    to: opts.to ?? null,
    apps: opts.apps ?? { linked: [], unlinked: [] },
    error: null,
  };
}

export function failedResult(name: string, err: unknown, opts: { from?: string | null } = {}): ToolResult {
  return { ...toolResult(name, 'failed', { from: opts.from, to: opts.from }), error: errorInfo(err) };
}

/** The links in `after` that were not in `before` (linked), and the other way round (unlinked). */
export function linkChanges(before: { link: string }[], after: { link: string }[]): LinkChanges {
  const had = new Set(before.map((a) => a.link));
  const has = new Set(after.map((a) => a.link));
  return { linked: [...has].filter((l) => !had.has(l)), unlinked: [...had].filter((l) => !has.has(l)) };
}

/** A multi-tool command's outcome as its result-document entry. */
export function outcomeResult(o: Outcome): ToolResult {
  switch (o.status) {
    case 'upgraded':
      return toolResult(o.key, 'upgraded', { from: o.from, to: o.to, apps: o.apps });
    case 'latest':
      return toolResult(o.key, 'unchanged', { from: o.version, to: o.version });
    case 'reinstalled':
      return toolResult(o.key, 'reinstalled', { from: o.from ?? null, to: o.version, apps: o.apps });
    case 'installed':
      return toolResult(o.key, 'installed', { from: null, to: o.version });
    case 'skipped':
      return toolResult(o.key, 'skipped', { from: o.version ?? null, to: o.version ?? null });
    case 'failed':
      return failedResult(o.key, o.error);
  }
}
