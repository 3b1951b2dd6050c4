/**
 * PEP 440 versions and version specifiers: the only module in src/ that knows PEP 440. It answers
 * exactly as Python's `packaging` 26 does (`Version`, `SpecifierSet.contains`), which is what pip
 * decides with; fixtures/pep440/cases.json holds packaging's own answers for a few hundred cases
 * (written by fixtures/pep440/generate.py) and test/unit/pep440.test.ts checks every one.
 *
 * Where packaging's behaviour is surprising it is kept, on purpose, and marked "as packaging" below:
 * a version tpx calls satisfying must be one pip would accept.
 *
 * Written here rather than wrapping @renovatebot/pep440 4.x: that library follows an older packaging
 * and gave 98 answers that differ from packaging 26's in the table (pre-releases, local versions
 * against `==`, `<V.postN`, whitespace, numbers beyond 2^53, `1.0+abc.007` normalised to `1.0+abc,7`).
 */

export type Operator = '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';

/** A parsed version. Numbers are bigints: `1.0.99999999999999999999` is a valid version. */
export interface Version {
  readonly epoch: bigint;
  readonly release: readonly bigint[];
  readonly pre: readonly ['a' | 'b' | 'rc', bigint] | null;
  readonly post: bigint | null;
  readonly dev: bigint | null;
  /** The local label's parts (`1.0+ubuntu-1` → ['ubuntu', 1n]): digits as numbers, text lower-cased. */
  readonly local: readonly (string | bigint)[] | null;
  /** An alpha, beta, release candidate or dev release (`1.0a1`, `1.0.dev0`, `1.0.post1.dev2`). */
  readonly isPrerelease: boolean;
}

export interface Specifier {
  readonly operator: Operator;
  /** As written, without the surrounding whitespace: `1.0.*`, `v1.0`, any string after `===`. */
  readonly version: string;
}

/** `>=3.8, !=3.9.0` as packaging's SpecifierSet holds it: every specifier must match. */
export interface SpecifierSet {
  readonly text: string;
  /** In the order written; none for "" (which allows every version). */
  readonly specifiers: readonly Specifier[];
}

// --- Parsing -------------------------------------------------------------------------------------

// What Python's `str.strip()` and `\s` remove (str.isspace()): JavaScript's `\s` without U+FEFF,
// plus U+001C–U+001F and U+0085.
const SPACE = String.raw`\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const TRIM = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const strip = (s: string): string => s.replace(TRIM, '');

// packaging's VERSION_PATTERN (packaging/version.py) in the form packaging itself uses on Pythons
// without possessive quantifiers, which JavaScript lacks too; both forms accept the same versions.
const VERSION = new RegExp(
  `^[${SPACE}]*v?` +
    String.raw`(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)` +
    String.raw`(?:[._-]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[._-]?(?<preN>[0-9]+)?)?` +
    String.raw`(?:-(?<postN1>[0-9]+)|[._-]?(?<postL>post|rev|r)[._-]?(?<postN2>[0-9]+)?)?` +
    String.raw`(?:[._-]?(?<devL>dev)[._-]?(?<devN>[0-9]+)?)?` +
    String.raw`(?:\+(?<local>[a-z0-9]+(?:[._-][a-z0-9]+)*))?` +
    `[${SPACE}]*$`,
  'i',
);

const PRE_SPELLINGS: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/** The version TEXT names, or null when it is not PEP 440 (`2013b`, `1.0.0-SNAPSHOT`, `latest`). */
export function parseVersion(text: string): Version | null {
  const g = VERSION.exec(text)?.groups;
  if (!g) return null;
  const num = (digits: string | undefined) => (digits === undefined ? 0n : BigInt(digits));
  const pre = g.preL === undefined ? null : ([PRE_SPELLINGS[g.preL.toLowerCase()] as 'a' | 'b' | 'rc', num(g.preN)] as const);
  // `1.0-1` is a post-release, the only one spelled without a word.
  const post = g.postN1 !== undefined ? BigInt(g.postN1) : g.postL !== undefined ? num(g.postN2) : null;
  const dev = g.devL === undefined ? null : num(g.devN);
  return {
    epoch: num(g.epoch),
    release: (g.release as string).split('.').map(BigInt),
    pre,
    post,
    dev,
    local: g.local === undefined ? null : g.local.split(/[._-]/).map((p) => (/^[0-9]+$/.test(p) ? BigInt(p) : p.toLowerCase())),
    isPrerelease: pre !== null || dev !== null,
  };
}

export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== null;
}

/** The canonical spelling (`V1.0-RC.1` → `1.0rc1`, `1.0-1` → `1.0.post1`): packaging's `str(Version(text))`. */
export function normalizeVersion(text: string): string | null {
  const v = parseVersion(text);
  return v && formatVersion(v);
}

function formatVersion(v: Version): string {
  let s = (v.epoch ? `${v.epoch}!` : '') + v.release.join('.');
  if (v.pre) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== null) s += `.post${v.post}`;
  if (v.dev !== null) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join('.')}`;
  return s;
}

// --- Order ---------------------------------------------------------------------------------------

/**
 * PEP 440's total order: epoch, then release (trailing zeros ignored: 1.0 == 1.0.0), then
 * X.dev < Xa < Xb < Xrc < X < X+local < X.post, then the local label. Negative, 0 or positive;
 * null when either string is not a version.
 */
export function compareVersions(a: Version, b: Version): number;
export function compareVersions(a: string | Version, b: string | Version): number | null;
export function compareVersions(a: string | Version, b: string | Version): number | null {
  const va = typeof a === 'string' ? parseVersion(a) : a;
  const vb = typeof b === 'string' ? parseVersion(b) : b;
  return va && vb && compare(va, vb);
}

/**
 * Whether upgrading from INSTALLED to CANDIDATE moves to a newer release: what "outdated" means for
 * `upgrade` and `list --outdated`. Local labels are ignored (1.0+local is a build of 1.0, neither newer
 * nor older); false when either is not a version.
 */
export function isNewer(candidate: string, installed: string): boolean {
  const c = parseVersion(candidate);
  const i = parseVersion(installed);
  return c !== null && i !== null && compare(publicPart(c), publicPart(i)) > 0;
}

function compare(a: Version, b: Version): number {
  return (
    cmp(a.epoch, b.epoch) ||
    compareLists(a.release, b.release, 0n) ||
    compareLists(suffixKey(a), suffixKey(b)) ||
    compareLocal(a.local, b.local)
  );
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Element by element; a shorter list is padded with PAD, or without one sorts first. */
function compareLists(a: readonly bigint[], b: readonly bigint[], pad?: bigint): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? pad;
    const y = b[i] ?? pad;
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const d = cmp(x, y);
    if (d) return d;
  }
  return 0;
}

const PRE_RANK = { a: 0n, b: 1n, rc: 2n };

/** packaging's `_cmpkey` suffix: (pre rank, pre number, has post, post number, has no dev, dev number). */
function suffixKey(v: Version): bigint[] {
  // A dev release of the final (1.0.dev1) sorts before every pre-release of it; no pre-release after them.
  const preRank = v.pre ? PRE_RANK[v.pre[0]] : v.post === null && v.dev !== null ? -1n : 3n;
  return [preRank, v.pre?.[1] ?? 0n, v.post === null ? 0n : 1n, v.post ?? 0n, v.dev === null ? 1n : 0n, v.dev ?? 0n];
}

/** No label sorts first; in a label, text parts sort before numbers, then shorter first. */
function compareLocal(a: Version['local'], b: Version['local']): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | bigint;
    const y = b[i] as string | bigint;
    if (typeof x !== typeof y) return typeof x === 'string' ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function publicPart(v: Version): Version {
  return v.local ? replace(v, { local: null }) : v;
}

/** V with some parts changed (packaging's `Version.__replace__`). */
function replace(v: Version, parts: Partial<Pick<Version, 'post' | 'dev' | 'local'>>): Version {
  const r = { ...v, ...parts };
  return { ...r, isPrerelease: r.pre !== null || r.dev !== null };
}

// --- Specifiers ----------------------------------------------------------------------------------

// packaging's Specifier._regex (packaging/specifiers.py), one branch per group of operators.
const PRE = String.raw`(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?`;
const POST = String.raw`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?`;
const DEV = String.raw`(?:[-_.]?dev[-_.]?[0-9]*)?`;
const LOCAL = String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?`;
const S = `[${SPACE}]*`;
const SPECIFIER = new RegExp(
  `^${S}(?:` +
    // === takes anything up to whitespace, `;` or `)`: an escape hatch for versions that are not PEP 440.
    `===${S}[^${SPACE};)]*` +
    // == and != also take a local label, or a .* wildcard instead of pre/post/dev/local.
    String.raw`|(?:==|!=)${S}v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:\.\*|${PRE}${POST}${DEV}${LOCAL})` +
    // ~= needs two release numbers.
    String.raw`|~=${S}v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+${PRE}${POST}${DEV}` +
    String.raw`|(?:<=|>=|<|>)${S}v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*${PRE}${POST}${DEV}` +
    `)${S}$`,
  'i',
);

/**
 * The comma-separated specifiers in TEXT (`>=3.8, <4`), or null when one is not PEP 440.
 * Empty parts are skipped, as packaging does: "" and " , " are the set that allows every version.
 */
export function parseSpecifiers(text: string): SpecifierSet | null {
  const specifiers: Specifier[] = [];
  for (const raw of text.split(',')) {
    const part = strip(raw);
    if (part === '') continue;
    if (!SPECIFIER.test(part)) return null;
    const width = part.startsWith('===') ? 3 : /^[~=!<>]=/.test(part) ? 2 : 1;
    specifiers.push({ operator: part.slice(0, width) as Operator, version: strip(part.slice(width)) });
  }
  return { text, specifiers };
}

/**
 * The version a set pins: its only specifier is `==` without a wildcard, or `===`. tpx drops such a
 * pin on upgrade; `>=1.0` or `==1.*` are not pins.
 */
export function pinnedVersion(set: SpecifierSet): string | null {
  const [only, ...rest] = set.specifiers;
  if (!only || rest.length > 0) return null;
  return only.operator === '===' || (only.operator === '==' && !only.version.endsWith('.*')) ? only.version : null;
}

/**
 * Whether VERSION satisfies every specifier in SET: packaging's `SpecifierSet.contains`.
 *
 * Pre-releases: packaging 26 accepts a pre-release that matches (`>=1.0` contains `2.0a1`) — its
 * "no pre-releases unless named" rule applies when choosing among several candidates, not to one
 * version asked about. `prereleases: false` refuses every pre-release, named or not; `true` is the
 * default's answer. A string that is not a version satisfies only `===` (and the empty set).
 */
export function satisfies(version: string, set: SpecifierSet, opts: { prereleases?: boolean } = {}): boolean {
  const v = parseVersion(version);
  if (opts.prereleases === false && v?.isPrerelease) return false;
  return set.specifiers.every((s) =>
    s.operator === '===' ? version.toLowerCase() === s.version.toLowerCase() : v !== null && matches(v, s.operator, s.version),
  );
}

/** One specifier other than `===`; SPEC is its version as written (the regex guarantees it parses). */
function matches(v: Version, op: Exclude<Operator, '==='>, spec: string): boolean {
  switch (op) {
    case '==':
      return equals(v, spec);
    case '!=':
      return !equals(v, spec);
    case '<=':
      return compare(publicPart(v), parsed(spec)) <= 0;
    case '>=':
      return compare(publicPart(v), parsed(spec)) >= 0;
    case '<':
      return lessThan(v, parsed(spec));
    case '>':
      return greaterThan(v, parsed(spec));
    case '~=':
      return compatible(v, spec);
  }
}

function parsed(spec: string): Version {
  return parseVersion(spec) as Version;
}

/** `==V`: a local label on V must match; without one, V's local builds match too. `==V.*`: a prefix. */
function equals(v: Version, spec: string): boolean {
  if (spec.endsWith('.*')) return prefixMatches(v, spec.slice(0, -2));
  const s = parsed(spec);
  return compare(s.local ? v : publicPart(v), s) === 0;
}

/** `<V` excludes V's own pre-releases unless V is one (`<2.0` refuses `2.0a1`, takes `1.9a1`). */
function lessThan(v: Version, s: Version): boolean {
  if (compare(v, s) >= 0) return false;
  return s.isPrerelease || !v.isPrerelease || compare(v, replace(s, { dev: 0n, local: null })) < 0;
}

/** `>V` excludes V's post-releases unless V is one, and V's local builds. */
function greaterThan(v: Version, s: Version): boolean {
  if (compare(v, s) <= 0) return false;
  if (s.post === null && v.post !== null && compare(replace(v, { post: null, dev: null, local: null }), s) === 0) return false;
  return !(v.local && compare(publicPart(v), s) === 0);
}

/**
 * `~=V` is `>=V, ==P.*` where P is V without its last release number. As packaging, P comes from the
 * text as written, so spellings it does not split (`~=v1.0`, `~=1.0.RC1`) give a prefix that
 * matches less, or nothing.
 */
function compatible(v: Version, spec: string): boolean {
  const parts = versionSplit(spec);
  const end = parts.findIndex((p) => ['dev', 'a', 'b', 'rc', 'post'].some((suffix) => p.startsWith(suffix)));
  const [epoch, ...release] = parts.slice(0, end === -1 ? parts.length : end).slice(0, -1);
  return compare(publicPart(v), parsed(spec)) >= 0 && prefixMatches(v, `${epoch}!${release.join('.')}`);
}

/**
 * `==PREFIX.*`: V's public version, padded with zeros, starts with PREFIX (`1.0rc1`, `1`, `1.0.5`
 * match `==1.0.*`). Compared as packaging does, as strings split at `!`, `.` and before a pre-release.
 */
function prefixMatches(v: Version, prefix: string): boolean {
  const want = versionSplit(normalizeVersion(prefix) ?? prefix);
  const have = versionSplit(formatVersion(publicPart(v)));
  const digits = (parts: string[]) => {
    const i = parts.findIndex((p) => !/^[0-9]+$/.test(p));
    return i === -1 ? parts.length : i;
  };
  const n = digits(have);
  const padded = [...have.slice(0, n), ...Array<string>(Math.max(0, digits(want) - n)).fill('0'), ...have.slice(n)];
  return want.every((part, i) => padded[i] === part);
}

/** `1!2.0rc1.post1` → ['1', '2', '0', 'rc1', 'post1']; the epoch is '0' when absent. */
function versionSplit(text: string): string[] {
  const bang = text.lastIndexOf('!');
  const parts = [text.slice(0, Math.max(bang, 0)) || '0'];
  for (const item of text.slice(bang + 1).split('.')) {
    const m = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/.exec(item);
    parts.push(...(m ? [m[1] as string, m[2] as string] : [item]));
  }
  return parts;
}
