/**
 * What pip's output means for the user: the tail worth showing, and hints. Decisions never depend on
 * this (exit codes and pip's report do); it only helps the user see what went wrong.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeSpace, TpxError } from '../../base/errors.js';
import { redact } from '../../base/redact.js';
import { closeNames } from '../../packaging/names.js';
import { projectFiles, projectNames } from '../../packaging/simpleindex.js';

/** The last lines of pip's output worth showing, with credentials in URLs masked. */
export function pipTail(output: string, lines = 12): string {
  return redact(
    output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .join('\n'),
  );
}

/** When a child's output says the disk is full: which directories it needed room in, and what is free there. */
export function diskFullHint(output: string, dirs: (string | null)[]): string | undefined {
  if (!/No space left on device|Disk quota exceeded|\[Errno (28|122)\]/.test(output)) return undefined;
  const where = dirs.filter((d): d is string => d !== null).map((d) => `${d}${freeSpace(d) ? ` (${freeSpace(d)} free)` : ''}`);
  return `the disk is full: this needs space in ${where.join(' and in ')}; free some space, then run the command again`;
}

/** A hint from pip's text. Decisions never depend on this (exit codes and the report do); it only helps. */
export function hintFromPipOutput(output: string, venv?: string): string | undefined {
  // pip writes the packages into the venv and unpacks them in the temporary directory first.
  const full = diskFullHint(output, [venv ? path.dirname(venv) : null, os.tmpdir()]);
  if (full) return full;
  if (
    /Failed to establish a new connection|Max retries exceeded|Connection refused|Could not fetch URL|HTTP error 5\d\d|Name or service not known/i.test(
      output,
    )
  ) {
    return 'the package index could not be reached: check your network, proxy, or --index-url';
  }
  const python = otherPythonHint(output);
  if (python) return python;
  // pip names what needed a requirement it could not find: then it is a dependency, not a name the user typed.
  const needed = /satisfies the requirement (\S+) \(from (?!versions:)([^)]*)\) \(from versions: ([^)]*)\)/.exec(output);
  if (needed) {
    const [, req, by, versions] = needed;
    return versions === 'none'
      ? `${by} needs ${req}, which was not found on the index: a dependency of ${by}, missing from the index (or pass --index-url)`
      : `${by} needs ${req}, and no version of it matches; available: ${versions}`;
  }
  const missing = /No matching distribution found for (\S+)/.exec(output);
  if (missing) {
    const versions = /\(from versions: ([^)]*)\)/.exec(output)?.[1];
    if (versions && versions !== 'none') return `no version of ${missing[1]} matches; available: ${versions}`;
    return `no package ${JSON.stringify(missing[1])} was found on the index: check the name, or pass --index-url (pip reports an unreachable index the same way)`;
  }
  if (/Invalid requirement/.test(output)) return 'check the spec: e.g. `black`, `black==22.12.0`, or a path';
  if (/ResolutionImpossible|conflicting dependencies/.test(output)) return 'the requested versions conflict; loosen a version constraint';
  return undefined;
}

/**
 * When pip refused the package asked for because of its Requires-Python: which Python it needs and
 * which it got. pip says so either of a file it was given ("Package 'x' requires a different Python:
 * 3.9.18 not in '>=3.12'") or, of an index that publishes Requires-Python, by skipping every version
 * ("Ignored the following versions that require a different python version: 1.0 Requires-Python
 * >=3.12", then "from versions: none"); `python` is the one used, which that second form omits.
 */
export function otherPythonHint(output: string, python?: string): string | undefined {
  const refused = /Package '([^']+)' requires a different Python: (\S+) not in '([^']+)'/.exec(output);
  if (refused) {
    const [, name = '', got, spec = ''] = refused;
    return needsPython(name, spec, got);
  }
  const asked = /satisfies the requirement ([A-Za-z0-9][A-Za-z0-9._-]*)\S* \(from versions: none\)/.exec(output)?.[1];
  const skipped = /Ignored the following versions that require a different python version: (.+)/.exec(output)?.[1];
  // pip lists them oldest first: the newest says what a current release needs.
  const newest = skipped && /^(\S+) Requires-Python (.+)$/.exec(skipped.split('; ').at(-1)?.trim() ?? '');
  if (!asked || !newest) return undefined;
  const [, version = '', spec = ''] = newest;
  return needsPython(`${asked} ${version}`, spec, python);
}

function needsPython(what: string, spec: string, python: string | undefined): string {
  return `${what} requires Python ${spec}${python ? `, not ${python}` : ''}: pass a --python that satisfies it`;
}

/**
 * What pip's "no matching distribution found" for the package asked for means, asked of the index
 * itself: a project whose files are all for other Pythons or platforms (`python` names this one), or
 * no such project — then the index's projects of a similar name, when its list is small enough to
 * read (not PyPI's). Undefined when the index cannot tell (or pip said something else).
 */
export async function notFoundHint(
  env: NodeJS.ProcessEnv,
  output: string,
  indexUrl: string | undefined,
  python: string,
): Promise<string | undefined> {
  const asked = /satisfies the requirement (\S+) \(from versions: none\)/.exec(output)?.[1];
  const name = asked && /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(asked)?.[0];
  if (!name || !indexUrl) return undefined;
  const files = await projectFiles(env, indexUrl, name);
  if (files === undefined) return undefined;
  if (files !== null && files.length > 0) {
    const some = files.slice(0, 3).join(', ') + (files.length > 3 ? `, … (${files.length} files)` : '');
    return `${name} is on the index, but none of its files installs on Python ${python} here (${some}): another --python may have one`;
  }
  const similar = closeNames(name, (await projectNames(env, indexUrl)) ?? []);
  const shown = redact(indexUrl);
  return similar.length > 0
    ? `no package ${JSON.stringify(name)} is on the index ${shown}; it has ${similar.join(', ')}: check the name`
    : `no package ${JSON.stringify(name)} is on the index ${shown}: check the name, or pass --index-url`;
}

/**
 * pip reports an index it cannot reach exactly like a package that does not exist ("from versions:
 * none"). When that happens, tpx asks the index itself (through the proxy pip would use), so the
 * hint can say which it was.
 */
export async function unreachableIndexHint(env: NodeJS.ProcessEnv, indexUrl: string | undefined): Promise<string | undefined> {
  const problem = await indexProblem(env, indexUrl);
  return problem && `${problem.what}${problem.fix}`;
}

/** What is wrong with the index at `indexUrl`, asked directly; undefined when it answers (or none is named). */
export async function indexProblem(
  env: NodeJS.ProcessEnv,
  indexUrl: string | undefined,
): Promise<{ what: string; fix: string } | undefined> {
  if (!indexUrl) return undefined;
  const shown = redact(indexUrl);
  if (indexUrl.startsWith('file:')) {
    return fs.existsSync(new URL(indexUrl)) ? undefined : { what: `the package index ${shown} does not exist`, fix: '' };
  }
  const { httpGet } = await import('../../base/http.js');
  try {
    const res = await httpGet(env, indexUrl, { headersOnly: true, maxBytes: 0, timeoutMs: 5000 });
    return res.status >= 500
      ? { what: `the package index ${shown} is failing (HTTP ${res.status})`, fix: '; try again later or pass another --index-url' }
      : undefined;
  } catch (err) {
    // The system's short name for it (ECONNREFUSED, ENOTFOUND) when there is one, else the helper's reason.
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    const why = typeof code === 'string' ? code : err instanceof TpxError ? err.message.replace(/^could not fetch \S+: /, '') : String(err);
    return { what: redact(`the package index ${shown} could not be reached (${why})`), fix: ': check your network, proxy, or --index-url' };
  }
}
