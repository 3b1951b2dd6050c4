/**
 * What happened to one tool in a command that works on several (upgrade-all, reinstall-all, install A B …):
 * commands print one line per outcome as it arrives and a summary table at the end, and never
 * throw for one tool's failure.
 */
import type { TpxError } from './errors.js';

export type Outcome =
  | { key: string; status: 'upgraded'; from: string; to: string; notes: string[] }
  /** `spec`: the one the user gave, which the installed version already matches. */
  | { key: string; status: 'latest'; version: string; spec?: string | null }
  | { key: string; status: 'reinstalled'; version: string; python: string }
  | { key: string; status: 'installed'; version: string; python: string }
  | { key: string; status: 'skipped'; reason: string }
  | { key: string; status: 'failed'; error: TpxError };
