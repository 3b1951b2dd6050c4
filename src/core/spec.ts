import * as fs from 'node:fs';
import * as path from 'node:path';
import { TpxError } from './errors.js';
import { isValidDistName, normalizeName } from './names.js';

/**
 * What the user asked to install. A requirement names its distribution up front, which lets
 * `install` answer "already installed" without spawning anything; for paths and URLs the name is
 * only known once pip has reported what it installed.
 */
export type Spec =
  | { kind: 'requirement'; spec: string; name: string; pinned: boolean }
  | { kind: 'path'; spec: string; name: string | null }
  | { kind: 'url'; spec: string; name: string | null };

const SPECIFIER = String.raw`\s*(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9_.*+!-]+\s*`;
const REQUIREMENT = new RegExp(
  String.raw`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*` + // name
    String.raw`(\[\s*(?:[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:,\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*)*)?\])?\s*` + // extras
    String.raw`(?:(\(?${SPECIFIER}(?:,${SPECIFIER})*\)?)|@\s*([a-z][a-z0-9+.-]*:\S+))?\s*` + // versions or direct URL
    String.raw`(?:;\s*(.+))?$`, // environment marker: checked by pip
);

/** Exactly one `==`/`===` without a wildcard. */
const PIN = /^\(?\s*===?\s*[^,*\s)]+\s*\)?$/;

/** Parses SPEC as pip would accept it; a malformed one fails here, before any venv exists. */
export function parseSpec(raw: string, cwd: string): Spec {
  const spec = raw.trim();
  if (spec === '') throw badSpec(raw, 'the package spec is empty');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return { kind: 'url', spec, name: nameFromFile(spec) };
  if (!/^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@/.test(spec) && looksLikePath(spec)) {
    const abs = path.resolve(cwd, spec.replace(/^~(?=$|[/\\])/, process.env.HOME ?? '~'));
    if (!fs.existsSync(abs)) {
      throw new TpxError('no-such-path', `${spec}: no such file or directory`, {
        hint: 'give the path of a project directory, a .whl or an sdist; or a package name like `black`',
      });
    }
    return { kind: 'path', spec: abs, name: nameFromFile(abs) };
  }
  const m = REQUIREMENT.exec(spec);
  if (!m) throw badSpec(raw, 'it is not a valid requirement');
  const name = m[1] ?? '';
  const versions = m[3];
  // Upgrades drop a pin (and say so).
  const pinned = versions !== undefined && PIN.test(versions);
  return { kind: 'requirement', spec, name: normalizeName(name), pinned };
}

/**
 * The spec without its pin (`black[d]==22.12.0; python_version>"3"` → `black[d]; python_version>"3"`),
 * and the pin (`==22.12.0`); null when SPEC is not a pinned requirement. Upgrades install this, as pipx does.
 */
export function dropPin(raw: string): { spec: string; pin: string } | null {
  const m = REQUIREMENT.exec(raw.trim());
  if (!m || m[4] !== undefined || !PIN.test(m[3] ?? '')) return null;
  return { spec: `${m[1]}${m[2] ?? ''}${m[5] ? `; ${m[5]}` : ''}`, pin: (m[3] ?? '').replace(/[\s()]/g, '') };
}

function looksLikePath(spec: string): boolean {
  return (
    spec.startsWith('.') ||
    spec.startsWith('/') ||
    spec.startsWith('~') ||
    spec.includes('\\') ||
    /^[A-Za-z]:[\\/]/.test(spec) ||
    /\.(whl|zip|tar\.gz|tgz|tar\.bz2)$/i.test(spec) ||
    (spec.includes('/') && !spec.includes('@'))
  );
}

/** `black-22.12.0-py3-none-any.whl` or `black-22.12.0.tar.gz` → `black`; otherwise unknown until pip says. */
function nameFromFile(spec: string): string | null {
  const base = path.basename(spec.split(/[?#]/)[0] ?? '');
  const wheel = /^([A-Za-z0-9_.]+)-[^-]+(?:-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(base);
  if (wheel?.[1] && isValidDistName(wheel[1])) return normalizeName(wheel[1]);
  return null;
}

function badSpec(raw: string, why: string): TpxError {
  return new TpxError('bad-spec', `invalid package spec ${JSON.stringify(raw)}: ${why}`, {
    hint: "use a name with an optional version, e.g. `black`, `black==22.12.0` or 'black[d]>=22', a path, or a URL",
  });
}
