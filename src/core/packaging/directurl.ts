/**
 * PEP 610's record of where a distribution came from: a dist-info's `direct_url.json`, and the
 * same structure as pip's install report gives it (`download_info`). A lock needs the exact file
 * and its hash; a content-addressed store would need the same.
 */

/** Where a distribution's files came from. */
export interface Origin {
  /** As recorded (credentials and all: the caller strips them before writing it anywhere). */
  url: string | null;
  /** An archive (a wheel, an sdist, any file with a hash), a local directory, or a version-control checkout. */
  kind: 'archive' | 'directory' | 'vcs';
  /** The archive's hashes (`sha256` → hex): `archive_info.hashes`, else the older `archive_info.hash`; none known: {}. */
  hashes: Record<string, string>;
}

/** PEP 610 data read loosely (it comes from pip or from disk): anything missing is absent, never a TypeError. */
export function parseOrigin(info: unknown): Origin {
  const o = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
  const archive = (typeof o.archive_info === 'object' && o.archive_info !== null ? o.archive_info : {}) as Record<string, unknown>;
  return {
    url: typeof o.url === 'string' && o.url !== '' ? o.url : null,
    kind: o.vcs_info !== undefined ? 'vcs' : o.dir_info !== undefined ? 'directory' : 'archive',
    hashes: hashesOf(archive),
  };
}

function hashesOf(archive: Record<string, unknown>): Record<string, string> {
  const hashes = archive.hashes;
  if (typeof hashes === 'object' && hashes !== null && Object.keys(hashes).length > 0) return hashes as Record<string, string>;
  const one = /^(sha256|sha384|sha512)=([0-9a-f]+)$/.exec(typeof archive.hash === 'string' ? archive.hash : '');
  return one?.[1] && one[2] ? { [one[1]]: one[2] } : {};
}

/**
 * The URL a PEP 508 direct reference (`name @ URL`) needs to install the same thing again: an
 * archive's or a directory's URL, or a checkout's `vcs+URL@commit`; null when the data says none.
 */
export function directReference(info: unknown): string | null {
  const o = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
  const origin = parseOrigin(info);
  if (origin.url === null || origin.kind !== 'vcs') return origin.url;
  const vcs = (typeof o.vcs_info === 'object' && o.vcs_info !== null ? o.vcs_info : {}) as Record<string, unknown>;
  if (typeof vcs.vcs !== 'string') return null;
  const commit = typeof vcs.commit_id === 'string' ? `@${vcs.commit_id}` : '';
  return `${vcs.vcs}+${origin.url}${commit}`;
}
