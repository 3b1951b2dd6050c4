/**
 * tpx's runner for the shared pip: pip's own `__pip-runner__.py` (run exactly this copy of pip inside
 * any venv) plus changes that leave what pip installs unchanged (docs/architecture.md, "The
 * shared pip"):
 *
 * - **Machine facts for the User-Agent, cached.** On Linux pip builds its User-Agent on every run by
 *   spawning `lsb_release -a` and `uname -rs` (the vendored `distro`) and `rustc --version`
 *   (0.1–0.6 s). The runner keeps those answers in `tpx-facts.json` beside it for a day (rustc's
 *   keyed by which `rustc` PATH finds) and hands them to pip's own `user_agent()`, which still
 *   computes everything else (interpreter, setuptools in the venv, CI, user data) as before.
 * - **Bytecode compiled in parallel.** pip compiles each installed wheel's `.py` files one by one,
 *   calling `compileall.compile_file(path, force=True, quiet=True)` after the files are in place. At
 *   the first such call of a wheel the runner compiles that wheel's whole list (read from pip's
 *   `installed` map, the list pip is about to walk) with the same call in forked workers; pip's own
 *   loop then finds each answer ready and records the `.pyc` in RECORD as always. Anything unexpected
 *   (another pip layout, one CPU, few files, no fork) falls back to pip's own sequential call.
 * - **A cooldown** (`--tpx-cooldown=SECONDS`, request/pipoptions.ts; docs/architecture.md,
 *   "Cooldown"): the option is taken out of pip's arguments, and every index page pip parses loses
 *   the files whose PEP 700 `upload-time` (JSON simple API) is less than SECONDS before now, as
 *   newer pips' own `--uploaded-prior-to` does; pip then picks among what is left. A page without
 *   upload times (an HTML or `file://` index) keeps its files and is named in the report file
 *   (`TPX_COOLDOWN_REPORT`), which tpx turns into a warning. Unlike the others, this one must not
 *   fail quietly: a pip whose internals it cannot patch makes the run fail, and the report says why.
 * - **The wheels a dry run fetched, kept** (`TPX_KEEP_WHEELS=DIR`, the wheel store's dry run,
 *   store/installer.ts): each `.whl` pip's downloader saves into its own temp dir is also hard-linked
 *   (else copied) into DIR, so the store unpacks what pip already fetched instead of running
 *   `pip download` for it. tpx trusts nothing in DIR: a file is used only when its sha256 is the one
 *   pip's report names. A pip that fetches no wheel in a dry run (PEP 658 metadata) keeps none.
 * - **What a dry run read** (`TPX_SOURCES_REPORT=FILE`, store/resolutions.ts): the sha256 of every
 *   index page pip read (or that it found none there) and of every requirements or constraints file,
 *   so tpx can later tell that pip would read the very same again. A source it cannot vouch for —
 *   a URL with credentials, a `--find-links` folder or file, a pip whose functions are not where this
 *   expects them — makes the report say `usable: false`, and tpx then never reuses the resolution.
 * - **Metadata read from the wheel store** (`TPX_METADATA_FROM=DIR`, dry runs only: the store's
 *   and the version check, store/installer.ts): when pip would download a wheel only to read its
 *   metadata, and the index names the wheel's sha256 and DIR holds an entry for that very file
 *   (`DIR/<sha256>/`, laid out as store/entries.ts says), pip is handed the entry's dist-info instead,
 *   through the hook pip itself uses for PEP 658 metadata (`_fetch_metadata_only`); and at the end of
 *   the resolution such a wheel is not downloaded either (its report entry is the one pip writes for
 *   a PEP 658 wheel: the link's URL and hash). The metadata is the wheel's own `METADATA`, unpacked
 *   unchanged, so pip decides exactly as it would have. Hash-checking mode, a direct URL, a link
 *   without a sha256, an entry that cannot be read or a pip laid out otherwise: pip downloads as before.
 *
 * It lives beside the unpacked pip (pip's own runner is inside `pip/`), so its folder, which Python
 * puts first on sys.path, holds pip's dist-info: the runner takes it off sys.path, or pip would see
 * itself installed in every venv and `tpx run pip` would install nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../base/fsx.js';

export const RUNNER_FILE = 'tpx-runner.py';

const RUNNER = String.raw`"""tpx's runner for this copy of pip: src/core/installer/pip/runner.ts says what it changes, and why."""
import runpy
import sys
from importlib.machinery import PathFinder
from os.path import abspath, dirname, join

PIP_SOURCES_ROOT = dirname(abspath(__file__))
# Python put this file's folder first on sys.path; it holds pip's own dist-info, which would make pip
# see itself installed in every venv ("pip install pip" would then install nothing). pip is imported
# through the finder below, as pip's own runner does from a folder without the dist-info.
if sys.path and sys.path[0] and abspath(sys.path[0]) == PIP_SOURCES_ROOT:
    del sys.path[0]


class PipImportRedirectingFinder:
    @classmethod
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pip":
            return None
        spec = PathFinder.find_spec(fullname, [PIP_SOURCES_ROOT], target)
        assert spec, (PIP_SOURCES_ROOT, fullname)
        return spec


sys.meta_path.insert(0, PipImportRedirectingFinder())

DAY = 86400


def cached_machine_facts():
    import json
    import os
    import shutil
    import subprocess
    import time

    from pip._internal.network import session

    facts_file = join(PIP_SOURCES_ROOT, "tpx-facts.json")
    try:
        with open(facts_file) as f:
            facts = json.load(f)
        if not isinstance(facts, dict) or not 0 <= time.time() - facts.get("at", 0) < DAY:
            facts = {}
    except (OSError, ValueError):
        facts = {}
    changed = False

    if sys.platform.startswith("linux"):
        from pip._vendor import distro

        triple = facts.get("distro")
        if not (isinstance(triple, list) and len(triple) == 3 and all(isinstance(x, str) for x in triple)):
            triple = [distro.name(), distro.version(), distro.codename()]
            facts["distro"], changed = triple, True
        for fn, value in zip(("name", "version", "codename"), triple):
            real = getattr(distro, fn)
            setattr(distro, fn, lambda *a, _v=value, _real=real, **k: _v if not a and not k else _real(*a, **k))

    rustc = shutil.which("rustc")
    if rustc is not None:
        known = facts.get("rustc")
        if not (isinstance(known, dict) and known.get("path") == rustc and isinstance(known.get("out"), (str, type(None)))):
            try:
                out = subprocess.check_output(["rustc", "--version"], stderr=subprocess.STDOUT, timeout=0.5).decode("latin-1")
            except Exception:
                out = None
            known = {"path": rustc, "out": out}
            facts["rustc"], changed = known, True
        real_check_output = subprocess.check_output

        class Subprocess:
            def __getattr__(self, name):
                return getattr(subprocess, name)

            def check_output(self, args, *a, **k):
                if list(args) != ["rustc", "--version"]:
                    return real_check_output(args, *a, **k)
                if known["out"] is None:
                    raise OSError("rustc --version failed")
                return known["out"].encode("latin-1")

        session.subprocess = Subprocess()

    if changed:
        facts["at"] = facts.get("at") or time.time()
        tmp = "%s.%d.tmp" % (facts_file, os.getpid())
        try:
            with open(tmp, "w") as f:
                json.dump(facts, f)
            os.replace(tmp, facts_file)
        except OSError:
            pass


def parallel_bytecode():
    import compileall
    import functools
    import os
    import types

    from pip._internal.operations.install import wheel

    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if jobs < 2 or not hasattr(os, "fork"):
        return
    real = compileall.compile_file
    ready = {}
    batched = []  # the installed map of the wheel last batched: each wheel is tried once

    def compile_file(fullname, *args, **kwargs):
        if args or kwargs != {"force": True, "quiet": True}:
            return real(fullname, *args, **kwargs)
        if fullname not in ready:
            batch(sys._getframe(1))
        found = ready.pop(fullname, None)
        # A failure is compiled again here, so its message goes where pip's own call sends it.
        return found if found else real(fullname, force=True, quiet=True)

    def batch(frame):
        installed, lib_dir = frame.f_locals.get("installed"), frame.f_locals.get("lib_dir")
        if not isinstance(installed, dict) or not isinstance(lib_dir, str) or (batched and batched[0] is installed):
            return
        batched[:] = [installed]
        # What pip's pyc_source_file_paths() yields for this wheel, in its order.
        paths = [p for p in (os.path.join(lib_dir, r) for r in sorted(set(installed.values()))) if p.endswith(".py") and os.path.isfile(p)]
        if len(paths) < 16:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        work = functools.partial(real, force=True, quiet=True)
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                ready.update(zip(paths, pool.map(work, paths, chunksize=max(1, len(paths) // (jobs * 4)))))
        except Exception:
            ready.clear()

    proxy = types.ModuleType("compileall")
    proxy.__dict__.update(compileall.__dict__)
    proxy.compile_file = compile_file
    wheel.compileall = proxy


def cooldown():
    import atexit
    import json
    import os
    import time
    from datetime import datetime, timezone

    flag = "--tpx-cooldown="
    given = [a for a in sys.argv[1:] if a.startswith(flag)]
    if not given:
        return
    sys.argv[1:] = [a for a in sys.argv[1:] if not a.startswith(flag)]
    cutoff = time.time() - int(given[-1][len(flag):])
    report = {"applied": False, "untimed": [], "held": []}
    report_file = os.environ.pop("TPX_COOLDOWN_REPORT", None)

    def write_report():
        if report_file:
            with open(report_file, "w") as f:
                json.dump(report, f)

    atexit.register(write_report)
    try:
        from pip._internal.index import package_finder
        from pip._internal.utils.misc import redact_auth_from_url

        real = package_finder.parse_links
    except Exception as e:
        report["why"] = "%s: %s" % (type(e).__name__, e)
        sys.stderr.write("tpx: this pip cannot apply a cooldown (%s)\n" % report["why"])
        sys.exit(2)

    def uploaded(text):
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except (TypeError, ValueError):
            return None
        return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()

    def parse_links(page):
        links = list(real(page))
        times = {}
        if page.content_type.lower().startswith("application/vnd.pypi.simple.v1+json"):
            for f in json.loads(page.content).get("files", []):
                if isinstance(f, dict) and isinstance(f.get("upload-time"), str):
                    times[f.get("filename")] = uploaded(f["upload-time"])
        kept = []
        for link in links:
            at = times.get(link.filename)
            if at is None:
                # The index is the project page's folder (a file:// index's page is .../NAME/index.html).
                page_url = page.url[: -len("index.html")] if page.url.endswith("/index.html") else page.url
                index = redact_auth_from_url(page_url.rstrip("/").rsplit("/", 1)[0])
                if index not in report["untimed"]:
                    report["untimed"].append(index)
                kept.append(link)
            elif at < cutoff:
                kept.append(link)
            else:
                report["held"].append(link.filename)
        return kept

    package_finder.parse_links = parse_links
    report["applied"] = True


def keep_wheels():
    import os
    import shutil

    # Taken out of the environment, so nothing pip starts (a build backend) sees it.
    keep = os.environ.pop("TPX_KEEP_WHEELS", None)
    if not keep:
        return
    from pip._internal.network import download

    def kept(filepath):
        # Keeping a copy never changes what pip does: whatever goes wrong here, pip goes on.
        try:
            dest = join(keep, os.path.basename(filepath))
            if not filepath.endswith(".whl") or os.path.exists(dest):
                return
            try:
                os.link(filepath, dest)
            except OSError:
                shutil.copyfile(filepath, dest)
        except Exception:
            pass

    real_call = download.Downloader.__call__

    def call(self, link, location):
        got = real_call(self, link, location)
        kept(got[0])
        return got

    download.Downloader.__call__ = call
    # Before pip 25 a second class downloads a batch; later, Downloader.batch calls the one above.
    batch = getattr(download, "BatchDownloader", None)
    if batch is not None:
        real_batch = batch.__call__

        def batch_call(self, links, location):
            for link, got in real_batch(self, links, location):
                kept(got[0])
                yield link, got

        batch.__call__ = batch_call


def record_sources():
    import atexit
    import hashlib
    import json
    import os
    import pathlib
    import urllib.parse

    out = os.environ.pop("TPX_SOURCES_REPORT", None)
    if not out:
        return
    report = {"usable": True, "pages": [], "files": []}

    def unusable(why):
        if report["usable"]:
            report["usable"], report["why"] = False, why

    def write_report():
        if not report["usable"]:
            report["pages"], report["files"] = [], []
        try:
            with open(out, "w") as f:
                json.dump(report, f)
        except OSError:
            pass

    atexit.register(write_report)
    unusable("pip did not start")
    from pip._internal.index import collector
    from pip._internal.req import req_file

    real_get, real_build, real_file = collector._get_index_content, collector.build_source, req_file.get_file_content

    # Recording never changes what pip does: pip's own call comes first, and a record that fails
    # only makes the report unusable.
    def noting(record):
        try:
            record()
        except Exception as e:
            unusable("%s: %s" % (type(e).__name__, e))

    def clean(url):
        parts = urllib.parse.urlsplit(url.split("#", 1)[0])
        if parts.username is not None or parts.password is not None:
            unusable("a URL with credentials")
            return None
        return parts.geturl()

    def get_index_content(link, *args, **kwargs):
        page = real_get(link, *args, **kwargs)

        def record():
            url = clean(link.url)
            if url is not None:
                digest = hashlib.sha256(page.content).hexdigest() if page is not None else None
                report["pages"].append({"url": url, "sha256": digest})

        noting(record)
        return page

    def build_source(location, *args, **kwargs):
        got = real_build(location, *args, **kwargs)

        def record():
            source = got[1]
            if source is not None and type(source).__name__ not in ("_IndexDirectorySource", "_RemoteFileSource"):
                unusable("a --find-links folder or file")

        noting(record)
        return got

    def get_file_content(url, *args, **kwargs):
        got = real_file(url, *args, **kwargs)

        def record():
            where = clean(url if "://" in url or url.startswith("file:") else pathlib.Path(os.path.abspath(url)).as_uri())
            if where is not None:
                report["files"].append({"url": where, "sha256": hashlib.sha256(got[1].encode("utf-8")).hexdigest()})

        noting(record)
        return got

    collector._get_index_content = get_index_content
    collector.build_source = build_source
    req_file.get_file_content = get_file_content
    report["usable"] = True
    del report["why"]


def metadata_from_store():
    import json
    import os
    import re

    # Taken out of the environment, so nothing pip starts (a build backend) sees it.
    entries = os.environ.pop("TPX_METADATA_FROM", None)
    if not entries or "--dry-run" not in sys.argv:
        return
    from pip._internal.metadata import get_directory_distribution
    from pip._internal.operations.prepare import RequirementPreparer
    from pip._internal.utils.direct_url_helpers import direct_url_from_link

    real_fetch = RequirementPreparer._fetch_metadata_only
    real_more = RequirementPreparer.prepare_linked_requirements_more
    served = {}  # a wheel's link (its URL, with its sha256) -> the dist-info folder read for it

    def dist_info(req):
        link = req.link
        if link is None or not link.is_wheel or getattr(req, "original_link", None) is not None:
            return None
        sha256 = getattr(link, "_hashes", {}).get("sha256")
        if not isinstance(sha256, str) or not re.fullmatch("[0-9a-f]{64}", sha256):
            return None
        entry = join(entries, sha256)
        with open(join(entry, "tpx-entry.json"), encoding="utf-8") as f:
            name = json.load(f).get("distInfo")
        if not isinstance(name, str) or not re.fullmatch(r"[^/\\\0]+\.dist-info", name) or name.startswith(".."):
            return None
        where = join(entry, "site", name)
        return where if os.path.isfile(join(where, "METADATA")) else None

    def fetch_metadata_only(self, req):
        if getattr(self, "require_hashes", True) or getattr(self, "legacy_resolver", False):
            return real_fetch(self, req)
        try:
            where = dist_info(req)
            dist = get_directory_distribution(where) if where else None
        except Exception:
            dist = None
        if dist is None:
            return real_fetch(self, req)
        served[req.link.url] = where
        return dist

    def prepare_more(self, reqs, *args, **kwargs):
        reqs = list(reqs)
        for req in reqs:
            # By link, not by requirement: pip may hand on a copy of the one it read metadata for (extras).
            where = served.get(req.link.url) if req.needs_more_preparation and req.link is not None else None
            if where is None:
                continue
            # What pip does for a wheel it has PEP 658 metadata for, without the download a dry run never uses.
            if req.download_info is None:
                req.download_info = direct_url_from_link(req.link, req.source_dir)
            req.metadata_directory = where
            req.needs_more_preparation = False
        return real_more(self, reqs, *args, **kwargs)

    RequirementPreparer._fetch_metadata_only = fetch_metadata_only
    RequirementPreparer.prepare_linked_requirements_more = prepare_more


cooldown()
for setup in (cached_machine_facts, parallel_bytecode, keep_wheels, record_sources, metadata_from_store):
    try:
        setup()
    except Exception:
        pass

runpy.run_module("pip", run_name="__main__", alter_sys=True)
`;

/**
 * The path of tpx's runner beside pip's `__pip-runner__.py` in a shared pip (written when missing
 * or out of date), or pip's own runner when it cannot be written.
 */
export function tpxRunner(pipRunner: string): string {
  const file = path.join(path.dirname(path.dirname(pipRunner)), RUNNER_FILE);
  try {
    if (fs.readFileSync(file, 'utf8') === RUNNER) return file;
  } catch {
    // not written yet
  }
  try {
    writeFileAtomic(file, RUNNER);
    return file;
  } catch {
    return pipRunner;
  }
}
