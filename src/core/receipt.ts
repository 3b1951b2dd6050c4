import * as path from 'node:path';
import type { AppKind } from './distinfo.js';
import { TpxError } from './errors.js';
import { readTextOrNull, writeFileAtomic } from './fsx.js';

export const RECEIPT_FILE = 'tpx.json';
export const RECEIPT_SCHEMA = 1;

/** How the tool was asked for: replayed verbatim by upgrade and reinstall. */
export interface Request {
  spec: string;
  indexUrl: string | null;
  pipArgs: string[];
  /** What the user passed to --python, if anything (reinstall re-resolves it). */
  python: string | null;
  systemSitePackages: boolean;
  includeDeps: boolean;
  suffix: string;
  /** Packages added with `tpx inject`: spec as given, normalised name, whether their apps are linked. */
  injected: { spec: string; name: string; includeApps: boolean }[];
}

export interface LinkedApp {
  name: string;
  kind: AppKind;
  dist: string;
  /** Absolute path of the link in the bin dir. */
  link: string;
}

/**
 * A tool's receipt, one per generation, stored beside its venv. It is the last thing written before
 * a generation is committed, so a committed generation always has one.
 */
export interface Receipt {
  schema: number;
  /** Folder and lock name: normalised name + suffix. */
  key: string;
  name: string;
  version: string;
  request: Request;
  python: { executable: string; version: string };
  apps: LinkedApp[];
  pinned: boolean;
  generation: string;
  previousGeneration: string | null;
  installedAt: string;
  updatedAt: string;
}

export function receiptPath(envDir: string): string {
  return path.join(envDir, RECEIPT_FILE);
}

export function writeReceipt(envDir: string, receipt: Receipt): void {
  // 0600: an index URL may carry credentials.
  writeFileAtomic(receiptPath(envDir), `${JSON.stringify(receipt, null, 2)}\n`, 0o600);
}

/** Reads a receipt; null when absent, a TpxError when present but unreadable or of another schema. */
export function readReceipt(envDir: string): Receipt | null {
  const text = readTextOrNull(receiptPath(envDir));
  if (text === null) return null;
  let data: Receipt;
  try {
    data = JSON.parse(text) as Receipt;
  } catch (cause) {
    throw new TpxError('bad-receipt', `${receiptPath(envDir)} is not valid JSON`, { cause });
  }
  if (data?.schema !== RECEIPT_SCHEMA || typeof data.key !== 'string' || !Array.isArray(data.apps)) {
    throw new TpxError('bad-receipt', `${receiptPath(envDir)} is not a tpx receipt of schema ${RECEIPT_SCHEMA}`);
  }
  return data;
}
