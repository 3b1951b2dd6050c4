/**
 * What the user asked for: the `Request` a receipt records and upgrade, reinstall, export and sync
 * replay (docs/architecture.md, "Receipts"). It holds no path of tpx's and names no file on disk
 * but the user's own. Each field's default, checks and forms in files are in fields.ts, its table;
 * what is made from the table is exported here too, so a user of the model imports one file.
 */
export { defaultRequest, injectedPackage, withoutCredentials } from './fields.js';

/**
 * What `spec` is: a package pip installs (a requirement, path or URL); a project pip installs
 * editable (`install -e`); or a PEP 723 script (a `.py` path or URL) whose dependencies make the venv.
 */
export type RequestKind = 'package' | 'editable' | 'script';

/** A package added with `tpx inject`. */
export interface Injected {
  /** As given. */
  spec: string;
  /** Normalised distribution name ('' until pip has said, for a path or URL). */
  name: string;
  /** Link its apps (and man pages, completions). */
  includeApps: boolean;
  /** With includeApps: its dependencies' too. */
  includeDeps: boolean;
  /** `inject --pip-args`: pip arguments it was injected with; they apply to the tool's whole build. */
  pipArgs: string[];
  /** `pin --injected-only`: held at its installed version by `upgrade --include-injected`. */
  pinned: boolean;
  /**
   * `inject --include-resources-from`: normalised names of dependencies whose apps, man pages and
   * completions are linked too, for as long as this package is injected. Absent: none.
   */
  includeResourcesFrom?: string[];
}

/**
 * How the tool was asked for: replayed verbatim by upgrade and reinstall. A new field is added
 * here and in fields.ts's REQUEST_FIELDS (TypeScript refuses a table without it); one added after
 * the first receipts has a default that means what an older tpx did.
 */
export interface Request {
  spec: string;
  /** Default 'package'. */
  kind: RequestKind;
  indexUrl: string | null;
  pipArgs: string[];
  /**
   * `--cooldown` (or TPX_COOLDOWN when it was made): files uploaded to the index less than this long
   * before each pip run are not used, in the recorded form (`7d`, `1d12h`; args.ts, parseCooldown);
   * "0": none, on purpose; null: none given (TPX_COOLDOWN at each run applies). Relative, so every
   * upgrade computes its own cut-off.
   */
  cooldown: string | null;
  /** What the user passed to --python, if anything (reinstall re-resolves it). */
  python: string | null;
  systemSitePackages: boolean;
  includeDeps: boolean;
  suffix: string;
  /** `--app`: link only these apps (a script's: its app's name); null: all of them. */
  apps: string[] | null;
  /** `--preinstall`: installed first, in a pip run of their own. */
  preinstall: string[];
  /** `--include-resources-from`: normalised names of dependencies whose apps, man pages and completions are linked too. */
  includeResourcesFrom: string[];
  injected: Injected[];
  /**
   * Installed from a lock (`tpx install --lock`, `tpx sync` with one): exactly these files, hashes
   * required, nothing resolved; reinstall replays it, upgrade and inject drop it. Absent or null: not locked.
   */
  lock?: LockedDist[] | null;
}

/** One distribution of a locked install: the exact file, known by its hash (locking.ts). */
export interface LockedDist {
  name: string;
  version: string;
  /** The file's name: a wheel, an sdist, an archive. */
  file: string;
  /** Where it was locked from (informative for an index's file, which pip finds by name, version and hash). */
  url: string | null;
  /** Installed from `url` itself (a direct reference), not found on an index. */
  direct: boolean;
  /** `sha256:<hex>` (or sha384, sha512): pip refuses any other file. */
  hash: string;
}
