import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isNewer,
  isValidVersion,
  normalizeVersion,
  parseSpecifiers,
  parseVersion,
  pinnedVersion,
  satisfies,
} from '../../src/core/packaging/pep440.js';
import type { SpecifierSet } from '../../src/core/packaging/pep440.js';

/** Python packaging's answers, written by fixtures/pep440/generate.py. */
interface Cases {
  packaging: string;
  versions: (
    | { input: string; valid: false }
    | { input: string; valid: true; normalized: string; public: string; is_prerelease: boolean }
  )[];
  comparisons: [string, string, -1 | 0 | 1][];
  specifiers: ({ input: string; valid: false } | { input: string; valid: true; specifiers: [string, string][] })[];
  contains: { specifiers: string; version: string; default: boolean; prereleases: boolean; no_prereleases: boolean }[];
}

const cases = JSON.parse(fs.readFileSync(new URL('../../fixtures/pep440/cases.json', import.meta.url), 'utf8')) as Cases;
const set = (text: string): SpecifierSet => {
  const s = parseSpecifiers(text);
  if (!s) throw new Error(`not a specifier set: ${text}`);
  return s;
};

describe('the table of packaging answers', () => {
  it('is the one generated with packaging 26, and complete', () => {
    // A truncated or regenerated-by-mistake file must not pass as a smaller table.
    expect(cases.packaging).toMatch(/^26\./);
    expect(cases.versions.length).toBeGreaterThanOrEqual(90);
    expect(cases.comparisons.length).toBeGreaterThanOrEqual(1000);
    expect(cases.specifiers.length).toBeGreaterThanOrEqual(80);
    expect(cases.contains.length).toBeGreaterThanOrEqual(240);
  });

  it.each(cases.versions)('version $input', (c) => {
    expect(isValidVersion(c.input)).toBe(c.valid);
    if (!c.valid) {
      expect(parseVersion(c.input)).toBeNull();
      expect(normalizeVersion(c.input)).toBeNull();
      return;
    }
    expect(normalizeVersion(c.input)).toBe(c.normalized);
    expect(parseVersion(c.input)?.isPrerelease).toBe(c.is_prerelease);
    // The public version (without the local label) compares equal to the version when there is no label.
    expect(compareVersions(c.input, c.public) === 0).toBe(c.normalized === c.public);
  });

  it.each(cases.comparisons)('compare %s with %s', (a, b, want) => {
    expect(Math.sign(compareVersions(a, b) as number)).toBe(want);
    expect(Math.sign(compareVersions(b, a) as number)).toBe(-want || 0);
  });

  it.each(cases.specifiers)('specifier set "$input"', (c) => {
    const s = parseSpecifiers(c.input);
    if (!c.valid) return void expect(s).toBeNull();
    expect(s?.specifiers.map((x) => [x.operator, x.version])).toEqual(c.specifiers);
  });

  it.each(cases.contains)('"$specifiers" contains "$version"', (c) => {
    const s = set(c.specifiers);
    expect(satisfies(c.version, s)).toBe(c.default);
    expect(satisfies(c.version, s, { prereleases: true })).toBe(c.prereleases);
    expect(satisfies(c.version, s, { prereleases: false })).toBe(c.no_prereleases);
  });
});

describe('what users see', () => {
  it('offers 2.0 to a tool at 2.0rc1, and nothing older', () => {
    expect(isNewer('2.0', '2.0rc1')).toBe(true);
    expect(isNewer('2.0rc1', '2.0')).toBe(false);
    expect(isNewer('2.0rc2', '2.0rc1')).toBe(true);
    expect(isNewer('1.10', '1.9')).toBe(true);
  });

  it('counts post-releases and epochs as newer', () => {
    expect(isNewer('1.0.post1', '1.0')).toBe(true);
    expect(isNewer('1!1.0', '2.0')).toBe(true);
    expect(isNewer('2.0', '1!1.0')).toBe(false);
    expect(isNewer('1.0', '1.0.dev0')).toBe(true);
  });

  it('treats a local build as its release: 1.0+local is not newer than 1.0, nor 1.0 than it', () => {
    expect(isNewer('1.0+local', '1.0')).toBe(false);
    expect(isNewer('1.0', '1.0+local')).toBe(false);
    expect(isNewer('1.1', '1.0+local')).toBe(true);
  });

  it('never calls the same version, or a version that is not PEP 440, newer', () => {
    expect(isNewer('1.0', '1.0.0')).toBe(false);
    expect(isNewer('1.0', 'V1.0')).toBe(false);
    expect(isNewer('2.0', '2013b')).toBe(false);
    expect(isNewer('latest', '1.0')).toBe(false);
    expect(compareVersions('latest', '1.0')).toBeNull();
  });

  it('accepts requires-python that names a release candidate', () => {
    const rp = set('>=3.13.0rc1');
    expect(satisfies('3.13.0', rp)).toBe(true);
    expect(satisfies('3.13.0rc2', rp)).toBe(true);
    expect(satisfies('3.12.7', rp)).toBe(false);
  });

  it('lets a matching pre-release through unless asked not to, as packaging 26 does', () => {
    expect(satisfies('2.0a1', set('>=1.0'))).toBe(true);
    expect(satisfies('2.0a1', set('>=1.0'), { prereleases: false })).toBe(false);
    // <V never takes V's own pre-releases.
    expect(satisfies('2.0a1', set('<2.0'))).toBe(false);
  });

  it('tells a pin from other specifiers', () => {
    expect(pinnedVersion(set('==22.12.0'))).toBe('22.12.0');
    expect(pinnedVersion(set(' === 2013b '))).toBe('2013b');
    expect(pinnedVersion(set('==22.*'))).toBeNull();
    expect(pinnedVersion(set('>=22'))).toBeNull();
    expect(pinnedVersion(set('==22.1,!=22.1.1'))).toBeNull();
    expect(pinnedVersion(set(''))).toBeNull();
  });

  it('sorts newest first with compareVersions on parsed versions', () => {
    const parsed = ['3.9.1', '3.13.0', '3.10.12', '3.13.0rc2'].map((v) => ({ v, p: parseVersion(v) }));
    const sorted = parsed.flatMap((x) => (x.p ? [{ v: x.v, p: x.p }] : [])).sort((a, b) => compareVersions(b.p, a.p));
    expect(sorted.map((x) => x.v)).toEqual(['3.13.0', '3.13.0rc2', '3.10.12', '3.9.1']);
  });
});
