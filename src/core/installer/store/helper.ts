/**
 * The store's Python helper (docs/architecture.md, "The wheel store"): what needs an interpreter —
 * reading a wheel exactly as pip 23's `_install_wheel` reads it, and compiling bytecode the way its
 * `compileall.compile_file` call does — in one process per install, run with `-I` by the tool's own
 * interpreter (bytecode is per Python minor).
 *
 * - **unpack** a verified wheel into a temp dir laid out as it installs: `site/` (the root and
 *   `.data/purelib|platlib`), `data/` (`.data/data`, the venv's root), `scripts/` (`.data/scripts`,
 *   the venv's bin), each file read-only with a fixed mtime (so bytecode compiled against one unpack
 *   of a wheel is valid for any other), plus `tpx-entry.json`: the wheel's RECORD rows, where each
 *   file goes, and the console and GUI scripts to write. Every member must be in RECORD with a
 *   matching sha256/384/512 hash; a wheel that is not — or that pip would treat specially (versioned
 *   pip/easy_install scripts, `.data/headers`, a `.py` file outside site-packages, two members at one
 *   place, an entry point pip rejects) — is refused with the reason, and pip installs it instead.
 * - **compile** the `.py` files of an unpacked entry's `site/` into a bytecode dir, in forked workers
 *   when there are many; a file that does not compile gets no `.pyc`, as with pip.
 */
import * as path from 'node:path';
import type { Context } from '../../base/context.js';
import { TpxError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/fsx.js';
import { capture, childEnv } from '../../base/proc.js';

/** Where each file of an entry goes: site-packages, the venv's root, the venv's bin. */
export type Place = 'site' | 'data' | 'scripts';

/** One file of a store entry. */
export interface EntryFile {
  place: Place;
  /** Its path under its place (`/`-separated), which is also its path in the entry's folder of that name. */
  path: string;
  /** Its path in the wheel (what RECORD names). */
  member: string;
  /** pip gives it the executable bits (the zip member's mode has them). */
  exec: boolean;
  /** A `.data/scripts` file whose first line pip rewrites (`#!python…`). */
  shebang: boolean;
}

/** `tpx-entry.json`: a wheel unpacked, as materialise.ts needs it. */
export interface EntryManifest {
  schema: 1;
  name: string;
  version: string;
  distInfo: string;
  /** The wheel's RECORD rows (path, hash, size), as pip copies them into the installed RECORD. */
  record: [string, string, string][];
  files: EntryFile[];
  /** Entry points pip writes a script for: name, module, callable, gui. */
  scripts: { name: string; module: string; func: string; gui: boolean }[];
}

export interface BytecodeManifest {
  schema: 1;
  /** `.pyc` paths under `site/`, as importlib.util.cache_from_source names them. */
  files: string[];
}

export type UnpackAnswer = { ok: true; manifest: EntryManifest } | { ok: false; reason: string };

export interface HelperJob {
  unpack: { wheel: string; dest: string; name: string }[];
  compile: { site: string; dest: string }[];
}

export interface HelperAnswer {
  unpack: UnpackAnswer[];
  compile: BytecodeManifest[];
  /** `sys.implementation.cache_tag` and the bytecode magic number: what a bytecode entry is keyed by. */
  tag: string;
}

/** The mtime of every file in the store (1980-01-01, the earliest a zip can hold). */
export const STORE_MTIME = 315532800;

const HELPER = String.raw`"""tpx's wheel store helper: src/core/installer/store/helper.ts says what it does, and why."""
import base64, email.parser, hashlib, importlib.metadata, importlib.util, json, os, py_compile, re, sys, zipfile, csv

MTIME = ${STORE_MTIME}
SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")
HASHES = ("sha256", "sha384", "sha512")
# distlib's ENTRY_RE, as pip's ScriptMaker parses "name = value".
ENTRY_RE = re.compile(r'''(?P<name>(\w|[-.+])+)
                      \s*=\s*(?P<callable>(\w+)([:\.]\w+)*)
                      \s*(\[\s*(?P<flags>[\w-]+(=\w+)?(,\s*\w+(=\w+)?)*)\s*\])?
                      ''', re.VERBOSE)


class Refuse(Exception):
    pass


def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def digest(algo, data):
    return algo + "=" + base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).decode("latin1").rstrip("=")


def inside(rel):
    norm = os.path.normpath(rel)
    if os.path.isabs(norm) or norm == ".." or norm.startswith(".." + os.sep) or norm == ".":
        raise Refuse("%s would install outside its directory" % rel)
    return norm.replace(os.sep, "/")


def read_record(z, info_dir):
    try:
        text = z.read(info_dir + "/RECORD").decode("utf-8")
    except KeyError:
        raise Refuse("it has no RECORD")
    rows = [r for r in csv.reader(text.splitlines()) if r]
    seen = {}
    for row in rows:
        if len(row) > 3 or row[0] in seen:
            raise Refuse("its RECORD has a malformed or repeated row")
        row += [""] * (3 - len(row))
        seen[row[0]] = row
    return [r[:3] for r in rows], seen


def entry_points(z, info_dir):
    class ZipDist(importlib.metadata.Distribution):
        def read_text(self, filename):
            try:
                return z.read(info_dir + "/" + filename).decode("utf-8")
            except KeyError:
                return None

        def locate_file(self, p):
            return p

    console, gui = {}, {}
    for ep in ZipDist().entry_points:
        if ep.group == "console_scripts":
            console[ep.name] = ep.value
        elif ep.group == "gui_scripts":
            gui[ep.name] = ep.value
    return console, gui


def script_of(name, value, gui):
    spec = "%s = %s" % (name, value)
    m = ENTRY_RE.search(spec)
    if not m:
        raise Refuse("entry point %r is not module:callable" % spec)
    d = m.groupdict()
    if d["flags"] is None and ("[" in spec or "]" in spec):
        raise Refuse("entry point %r is malformed" % spec)
    if d["callable"].count(":") != 1:
        raise Refuse("entry point %r has no callable" % spec)
    module, func = d["callable"].split(":")
    if d["name"] in (".", ".."):
        raise Refuse("entry point %r has no usable name" % spec)
    return {"name": d["name"], "module": module, "func": func, "gui": gui}


def place_of(member, dist_data):
    if member.split("/", 1)[0].endswith(".data"):
        parts = os.path.normpath(member).split(os.sep, 2)
        if len(parts) != 3 or parts[1] not in SCHEME_KEYS:
            raise Refuse("%s is not in a known .data scheme" % member)
        if parts[1] == "headers":
            raise Refuse("it installs headers")
        where = {"purelib": "site", "platlib": "site", "scripts": "scripts", "data": "data"}[parts[1]]
        return where, inside(parts[2])
    return "site", inside(member)


def unpack(job):
    with zipfile.ZipFile(job["wheel"], allowZip64=True) as z:
        names = z.namelist()
        info_dirs = sorted({n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")})
        if len(info_dirs) != 1 or not canon(info_dirs[0]).startswith(canon(job["name"])):
            raise Refuse("it has no single .dist-info directory for %s" % job["name"])
        info_dir = info_dirs[0]
        try:
            wheel_meta = email.parser.Parser().parsestr(z.read(info_dir + "/WHEEL").decode("utf-8"))
            meta = email.parser.Parser().parsestr(z.read(info_dir + "/METADATA").decode("utf-8"))
        except KeyError:
            raise Refuse("it has no WHEEL or METADATA")
        if (wheel_meta.get("Wheel-Version") or "").split(".")[0] != "1":
            raise Refuse("its Wheel-Version is not 1.x")
        record, by_path = read_record(z, info_dir)
        console, gui = entry_points(z, info_dir)
        if any(re.match(r"pip(\d+(\.\d+)?)?$", k) or re.match(r"easy_install(-\d+\.\d+)?$", k) for k in console):
            raise Refuse("pip writes its own versioned pip/easy_install scripts")
        scripts = [script_of(k, v, False) for k, v in console.items()] + [script_of(k, v, True) for k, v in gui.items()]
        wrappers = set(console) | set(gui)
        files, places = [], set()
        for info in z.infolist():
            member = info.filename
            if member.endswith("/"):
                continue
            if member not in (info_dir + "/RECORD", info_dir + "/RECORD.jws", info_dir + "/RECORD.p7s"):
                row = by_path.get(member)
                algo = row[1].partition("=")[0] if row else ""
                if algo not in HASHES:
                    raise Refuse("its RECORD gives %s no sha256 hash" % member)
                data = z.read(info)
                if digest(algo, data) != row[1] or row[2] not in ("", str(len(data))):
                    raise Refuse("%s does not match its RECORD hash" % member)
            where, rel = place_of(member, info_dir)
            if where == "scripts":
                base = os.path.basename(rel)
                for suffix in (".exe", "-script.py", ".pya"):
                    if base.lower().endswith(suffix):
                        base = base[: -len(suffix)]
                        break
                if base in wrappers:
                    continue
            if where != "site" and rel.endswith(".py"):
                raise Refuse("pip compiles %s outside site-packages" % member)
            if (where, rel) in places:
                raise Refuse("two of its members install at %s" % rel)
            places.add((where, rel))
            mode = info.external_attr >> 16
            executable = bool(mode and (mode & 0o170000) == 0o100000 and mode & 0o111)
            dest = os.path.join(job["dest"], where, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as out:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
            first = b""
            if where == "scripts":
                with open(dest, "rb") as f:
                    first = f.read(8)
            os.utime(dest, (MTIME, MTIME))
            os.chmod(dest, 0o555 if executable else 0o444)
            files.append({"place": where, "path": rel, "member": member, "exec": executable, "shebang": first.startswith(b"#!python")})
    return {"schema": 1, "name": meta["Name"], "version": meta["Version"], "distInfo": info_dir, "record": record, "files": files, "scripts": scripts}


def compile_one(pair):
    src, cfile = pair
    try:
        py_compile.compile(src, cfile, None, True)
        return True
    except Exception:
        return False


def compile_entry(job):
    site, out = job["site"], os.path.join(job["dest"], "site")
    pairs = []
    for root, dirs, names in os.walk(site):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(".py"):
                src = os.path.join(root, n)
                rel = os.path.relpath(importlib.util.cache_from_source(src), site)
                pairs.append((src, os.path.join(out, rel)))
    done = None
    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(pairs) >= 16 and jobs > 1 and hasattr(os, "fork"):
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                done = list(pool.map(compile_one, pairs, chunksize=max(1, len(pairs) // (jobs * 4))))
        except Exception:
            done = None
    if done is None:
        done = [compile_one(p) for p in pairs]
    files = []
    for (src, cfile), ok in zip(pairs, done):
        if ok:
            os.chmod(cfile, os.stat(src).st_mode & 0o555)
            files.append(os.path.relpath(cfile, out).replace(os.sep, "/"))
    return {"schema": 1, "files": files}


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    answer = {"unpack": [], "compile": [], "tag": "%s-%s" % (sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex())}
    for u in job["unpack"]:
        try:
            answer["unpack"].append({"ok": True, "manifest": unpack(u)})
        except (Refuse, zipfile.BadZipFile, UnicodeDecodeError) as e:
            answer["unpack"].append({"ok": False, "reason": str(e) or type(e).__name__})
    for c in job["compile"]:
        answer["compile"].append(compile_entry(c))
    with open(sys.argv[2], "w") as f:
        json.dump(answer, f)


main()
`;

/** Runs the helper with `python` on `job`; its answer, or a TpxError with what it printed. */
export async function runHelper(ctx: Context, python: string, job: HelperJob, workDir: string): Promise<HelperAnswer> {
  const script = path.join(workDir, 'tpx-store-helper.py');
  const jobFile = path.join(workDir, 'job.json');
  const answerFile = path.join(workDir, 'answer.json');
  writeFileAtomic(script, HELPER);
  writeFileAtomic(jobFile, JSON.stringify(job));
  const r = await capture(ctx, python, ['-I', script, jobFile, answerFile], { env: childEnv(ctx), timeoutMs: 30 * 60_000 });
  if (r.code !== 0) {
    throw new TpxError('store-failed', `could not unpack wheels into the store with ${python}`, {
      details: (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n') || undefined,
      hint: r.timedOut ? 'it timed out; run the command again' : 'run the command again with TPX_INSTALLER=pip to install with pip alone',
    });
  }
  const { readFileSync } = await import('node:fs');
  return JSON.parse(readFileSync(answerFile, 'utf8')) as HelperAnswer;
}

/** The helper's source, for tests that run it directly. */
export function helperSource(): string {
  return HELPER;
}
