/**
 * PEP 440 version specifiers, only as far as `requires-python` needs them: a Python version is a
 * plain release (3.11.4), so pre-, post- and dev-releases and local versions are not handled.
 * Supports `>=`, `<=`, `<`, `>`, `==`, `!=`, `~=`, `===` and `.*` wildcards on `==`/`!=`.
 */

export interface Clause {
  op: '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';
  version: number[];
  wildcard: boolean;
  raw: string;
}

const CLAUSE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?\s*$/;

/** Parses `>=3.8, <4`; null when any clause is not one this matcher understands. */
export function parseSpecifierSet(text: string): Clause[] | null {
  const clauses: Clause[] = [];
  for (const part of text.split(',')) {
    const m = CLAUSE.exec(part);
    if (!m) return null;
    const op = m[1] as Clause['op'];
    const wildcard = m[3] !== undefined;
    // PEP 440: wildcards only with == and !=; ~= needs at least two release segments.
    if (wildcard && op !== '==' && op !== '!=') return null;
    const version = (m[2] as string).split('.').map(Number);
    if (op === '~=' && version.length < 2) return null;
    clauses.push({ op, version, wildcard, raw: part.trim() });
  }
  return clauses;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function prefixEquals(version: number[], prefix: number[]): boolean {
  return prefix.every((p, i) => (version[i] ?? 0) === p);
}

function matches(version: number[], c: Clause): boolean {
  switch (c.op) {
    case '==':
      return c.wildcard ? prefixEquals(version, c.version) : compare(version, c.version) === 0;
    case '!=':
      return c.wildcard ? !prefixEquals(version, c.version) : compare(version, c.version) !== 0;
    case '===':
      return version.join('.') === c.version.join('.');
    case '<=':
      return compare(version, c.version) <= 0;
    case '>=':
      return compare(version, c.version) >= 0;
    case '<':
      return compare(version, c.version) < 0;
    case '>':
      return compare(version, c.version) > 0;
    case '~=':
      // ~=3.8.1 means >=3.8.1, ==3.8.*
      return compare(version, c.version) >= 0 && prefixEquals(version, c.version.slice(0, -1));
  }
}

/** True when `version` (e.g. "3.11.4") satisfies every clause. */
export function satisfies(version: string, clauses: Clause[]): boolean {
  const v = version.split('.').map((x) => parseInt(x, 10) || 0);
  return clauses.every((c) => matches(v, c));
}
