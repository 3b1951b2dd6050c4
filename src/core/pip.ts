import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context.js';
import { TpxError } from './errors.js';
import { readdirOrEmpty, uniqueSuffix, writeFileAtomic } from './fsx.js';
import { compareVersions } from './python.js';
import type { Interpreter } from './python.js';
import { captureSync, childEnv, runLogged } from './proc.js';
import type { Logged } from './proc.js';

/**
 * The shared pip: one unpacked copy per pip version under shared/, run inside any venv through its
 * `__pip-runner__.py` (what pip's own `--python` option does internally), so no venv carries pip.
 * Bootstrapped offline from the interpreter's bundled wheel; ~0.1 s, no network.
 */
export function ensureSharedPip(ctx: Context, py: Interpreter): string {
  const wheel = newestPipWheel(py.pipWheels) ?? newestPipWheel(downloadedWheels(ctx));
  if (!wheel) {
    throw new TpxError('no-pip-wheel', `${py.executable} ships no pip wheel to bootstrap from`, {
      hint: 'on Debian and Ubuntu: sudo apt install python3-venv (it brings python3-pip-whl); or pick another interpreter with --python',
    });
  }
  const dir = path.join(ctx.paths.shared, `pip-${wheel.version}`);
  const runner = path.join(dir, 'pip', '__pip-runner__.py');
  if (fs.existsSync(runner)) return runner;

  // Unpack beside the target and rename into place: a concurrent or killed bootstrap never leaves a half-unpacked pip.
  fs.mkdirSync(ctx.paths.shared, { recursive: true });
  const tmp = path.join(ctx.paths.shared, `.pip-${wheel.version}.tmp-${uniqueSuffix()}`);
  const undo = ctx.interrupts.register(() => fs.rmSync(tmp, { recursive: true, force: true }));
  try {
    const r = captureSync(py.executable, ['-I', '-S', '-m', 'zipfile', '-e', wheel.file, tmp], childEnv(ctx));
    if (r.code !== 0 || !fs.existsSync(path.join(tmp, 'pip', '__pip-runner__.py'))) {
      throw new TpxError('pip-bootstrap', `could not unpack ${wheel.file}`, { details: r.stderr.trim() });
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      if (!fs.existsSync(runner)) throw new TpxError('pip-bootstrap', `could not move the shared pip into ${dir}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    undo();
  }
  return runner;
}

/**
 * ensureSharedPip, falling back — when the interpreter ships no usable pip wheel (Debian's python3
 * without python3-venv, say) — to downloading one from the package index, and saying so.
 */
export async function sharedPip(ctx: Context, py: Interpreter): Promise<string> {
  if (!newestPipWheel(py.pipWheels) && !newestPipWheel(downloadedWheels(ctx))) await downloadPipWheel(ctx, py);
  return ensureSharedPip(ctx, py);
}

function downloadedWheels(ctx: Context): string[] {
  return readdirOrEmpty(path.join(ctx.paths.shared, 'wheels')).map((f) => path.join(ctx.paths.shared, 'wheels', f));
}

async function downloadPipWheel(ctx: Context, py: Interpreter): Promise<void> {
  const index = (ctx.env.PIP_INDEX_URL || 'https://pypi.org/simple').replace(/\/+$/, '');
  ctx.out.info(`${py.executable} ships no pip wheel; downloading pip from ${redact(index)}`);
  const fail = (why: string, cause?: unknown) =>
    new TpxError('pip-download', `could not download pip from ${redact(index)}: ${why}`, {
      cause,
      hint: 'install your interpreter\'s bundled pip (Debian and Ubuntu: sudo apt install python3-venv), or set PIP_INDEX_URL',
    });
  let page: string;
  const pageUrl = `${index}/pip/`;
  try {
    const res = await fetch(pageUrl, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw fail(`HTTP ${res.status}`);
    page = await res.text();
  } catch (err) {
    throw err instanceof TpxError ? err : fail(String((err as Error).message), err);
  }
  // PEP 503 anchors: the file name is the link text; pre-releases and too-new pips are skipped.
  const candidates = [...page.matchAll(/<a\s([^>]*)>\s*(pip-(\d+(?:\.\d+)*)-py3-none-any\.whl)\s*<\/a>/g)]
    .map((m) => ({ attrs: m[1] ?? '', file: m[2] ?? '', version: m[3] ?? '0' }))
    .filter((c) => compareVersions(c.version, '22.3') >= 0 && allowsPython(htmlAttr(c.attrs, 'data-requires-python'), py.version))
    .sort((a, b) => compareVersions(b.version, a.version));
  const best = candidates[0];
  if (!best) throw fail('the index lists no pip wheel for this Python');
  const href = new URL(htmlAttr(best.attrs, 'href') ?? best.file, pageUrl);
  const expected = /sha256=([0-9a-f]{64})/.exec(href.hash)?.[1];
  const res = await fetch(href, { signal: AbortSignal.timeout(120_000) }).catch((err: unknown) => {
    throw fail(String((err as Error).message), err);
  });
  if (!res.ok) throw fail(`HTTP ${res.status} for ${best.file}`);
  const data = Buffer.from(await res.arrayBuffer());
  if (expected && createHash('sha256').update(data).digest('hex') !== expected) throw fail(`${best.file} does not match its sha256`);
  writeFileAtomic(path.join(ctx.paths.shared, 'wheels', best.file), data);
}

function htmlAttr(attrs: string, name: string): string | undefined {
  const raw = new RegExp(`${name}="([^"]*)"`).exec(attrs)?.[1];
  return raw?.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}

/** Enough of PEP 440 for pip's own Requires-Python (`>=3.7`, `>=3.8,!=3.8.0`, …). */
function allowsPython(spec: string | undefined, version: string): boolean {
  if (!spec) return true;
  return spec.split(',').every((clause) => {
    const m = /^\s*(>=|<=|>|<|!=|==)\s*([\d.]+)(\.\*)?\s*$/.exec(clause);
    if (!m) return true;
    const [, op, v = '', star] = m;
    const cmp = star ? compareVersions(version.split('.').slice(0, v.split('.').length).join('.'), v) : compareVersions(version, v);
    return op === '>=' ? cmp >= 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : op === '<' ? cmp < 0 : op === '!=' ? cmp !== 0 : cmp === 0;
  });
}

/** The newest pip wheel new enough to run from `__pip-runner__.py` with `--report` (pip ≥ 22.3). */
function newestPipWheel(wheels: string[]): { file: string; version: string } | null {
  const parsed = wheels
    .map((file) => ({ file, version: /^pip-([^-]+)-/.exec(path.basename(file))?.[1] ?? '0' }))
    .filter((w) => compareVersions(w.version, '22.3') >= 0)
    .sort((a, b) => compareVersions(b.version, a.version));
  return parsed[0] ?? null;
}

/** Runs the shared pip inside the venv whose interpreter is `python`. */
export function runPip(ctx: Context, runner: string, python: string, args: string[], logName: string): Promise<Logged> {
  return runLogged(ctx, python, [runner, ...args], { env: childEnv(ctx), logName });
}

/** The parts of pip's JSON install report (`--report`, schema version 1) tpx reads. */
export interface InstallReport {
  version: string;
  install: { requested: boolean; is_direct?: boolean; metadata: { name: string; version: string }; download_info?: { url?: string } }[];
}

export function readInstallReport(file: string): InstallReport {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as InstallReport;
  if (report.version !== '1' || !Array.isArray(report.install)) {
    throw new TpxError('bad-report', `pip wrote an install report tpx does not understand (version ${report.version})`);
  }
  return report;
}

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

/** `https://user:secret@host/` → `https://user:****@host/`: credentials in an index URL are never printed. */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi, '$1$2:****@');
}

/** A hint from pip's text. Decisions never depend on this (exit codes and the report do); it only helps. */
export function hintFromPipOutput(output: string): string | undefined {
  if (/Failed to establish a new connection|Max retries exceeded|Connection refused|Could not fetch URL|HTTP error 5\d\d|Name or service not known/i.test(output)) {
    return 'the package index could not be reached: check your network, proxy, or --index-url';
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
 * pip reports an index it cannot reach exactly like a package that does not exist ("from versions:
 * none"). When that happens, tpx asks the index itself, so the hint can say which it was.
 */
export async function unreachableIndexHint(indexUrl: string | undefined): Promise<string | undefined> {
  if (!indexUrl) return undefined;
  const shown = redact(indexUrl);
  if (indexUrl.startsWith('file:')) {
    return fs.existsSync(new URL(indexUrl)) ? undefined : `the package index ${shown} does not exist`;
  }
  try {
    // fetch refuses URLs with credentials: send them as a header instead.
    const url = new URL(indexUrl);
    const headers: Record<string, string> = {};
    if (url.username || url.password) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const res = await fetch(url, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(5000) });
    return res.status >= 500 ? `the package index ${shown} is failing (HTTP ${res.status}); try again later or pass another --index-url` : undefined;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : 'error');
    return redact(`the package index ${shown} could not be reached (${why}): check your network, proxy, or --index-url`);
  }
}
