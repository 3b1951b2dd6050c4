#!/usr/bin/env python3
"""Build every fixture under FIXTURES_DIR into an installable wheel in OUT_DIR.

    python3 test/helpers/build_wheels.py FIXTURES_DIR OUT_DIR

A fixture is a folder holding fixture.json plus an optional src/ tree (copied to the
wheel root, i.e. purelib), optional "scripts" (files pip installs into the venv's
bin with a rewritten "#!python" shebang) and optional "data" ({path under the venv:
fixture file}, e.g. man pages: pip installs them under the venv's root). Standard library only: the tests run with
no network and must not depend on setuptools/pip being able to build anything.

Wheels are deterministic (fixed timestamps, sorted entries, fixed permissions), so
rebuilding gives identical bytes and a sha256 in an index page stays stable.
A wheel is left alone when it is newer than every source file of its fixture and
than this script.
"""
import base64
import hashlib
import json
import os
import re
import sys
import tempfile
import zipfile

# The earliest time a zip can hold; any fixed value makes builds reproducible.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def dist_stem(spec):
    """"{name}-{version}" as it appears in wheel, .dist-info and .data names: runs of
    -_. in the name become "_" (lower-cased), and "-" in the version becomes "_"."""
    name = re.sub(r"[-_.]+", "_", spec["name"]).lower()
    return f"{name}-{spec['version'].replace('-', '_')}"


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_fixture(fixture_dir):
    with open(os.path.join(fixture_dir, "fixture.json"), encoding="utf-8") as f:
        spec = json.load(f)
    for key in ("name", "version"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise ValueError(f"{fixture_dir}/fixture.json: '{key}' must be a non-empty string")
    spec.setdefault("summary", "")
    spec.setdefault("requires", [])
    spec.setdefault("extras", {})
    spec.setdefault("requires_python", None)
    spec.setdefault("console_scripts", {})
    spec.setdefault("gui_scripts", {})
    spec.setdefault("scripts", [])
    spec.setdefault("data", {})
    spec.setdefault("bad_record", None)
    return spec


def source_files(fixture_dir):
    """Every file that influences the wheel, as (absolute path, path relative to fixture)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(fixture_dir):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(dirpath, name)
            found.append((full, os.path.relpath(full, fixture_dir).replace(os.sep, "/")))
    return found


def metadata_text(spec):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {spec['name']}",
        f"Version: {spec['version']}",
    ]
    if spec["summary"]:
        lines.append(f"Summary: {spec['summary']}")
    if spec["requires_python"]:
        lines.append(f"Requires-Python: {spec['requires_python']}")
    lines += [f"Requires-Dist: {req}" for req in spec["requires"]]
    for extra, reqs in sorted(spec["extras"].items()):
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {req}; extra == "{extra}"' for req in reqs]
    return "\n".join(lines) + "\n\n"


def entry_points_text(spec):
    sections = []
    for group in ("console_scripts", "gui_scripts"):
        entries = spec[group]
        if entries:
            body = "".join(f"{name} = {target}\n" for name, target in sorted(entries.items()))
            sections.append(f"[{group}]\n{body}")
    return "\n".join(sections)


def wheel_entries(fixture_dir, spec):
    """(archive path, bytes, unix mode) for every wheel member except RECORD, in order."""
    dist = dist_stem(spec)
    entries = []
    src = os.path.join(fixture_dir, "src")
    for full, rel in source_files(src) if os.path.isdir(src) else []:
        with open(full, "rb") as f:
            entries.append((rel, f.read(), 0o644))
    for script in spec["scripts"]:
        with open(os.path.join(fixture_dir, script), "rb") as f:
            data = f.read()
        entries.append((f"{dist}.data/scripts/{os.path.basename(script)}", data, 0o755))
    for target, source in sorted(spec["data"].items()):
        with open(os.path.join(fixture_dir, source), "rb") as f:
            entries.append((f"{dist}.data/data/{target}", f.read(), 0o644))

    top_level = sorted({rel.split("/")[0].removesuffix(".py") for rel, _, _ in entries
                        if not rel.startswith(f"{dist}.data/")})
    info = f"{dist}.dist-info"
    entries.append((f"{info}/METADATA", metadata_text(spec).encode(), 0o644))
    entries.append((f"{info}/WHEEL", (
        "Wheel-Version: 1.0\n"
        "Generator: tpx-test-build-wheels (1.0)\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n\n").encode(), 0o644))
    entry_points = entry_points_text(spec)
    if entry_points:
        entries.append((f"{info}/entry_points.txt", entry_points.encode(), 0o644))
    entries.append((f"{info}/top_level.txt", "".join(t + "\n" for t in top_level).encode(), 0o644))
    return dist, entries


def write_wheel(path, dist, entries, bad_record=None):
    # bad_record: the member whose RECORD hash is made wrong (a damaged or tampered wheel).
    record_lines = [f"{name},{record_hash(data + (b'#' if name == bad_record else b''))},{len(data)}" for name, data, _ in entries]
    record_name = f"{dist}.dist-info/RECORD"
    record_lines.append(f"{record_name},,")  # RECORD cannot hash itself
    entries = entries + [(record_name, ("\n".join(record_lines) + "\n").encode(), 0o644)]

    # Write beside the target and rename, so a concurrent reader never sees half a zip.
    fd, tmp = tempfile.mkstemp(prefix=".building-", suffix=".whl", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for name, data, mode in entries:
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.create_system = 3  # unix, so external_attr carries the permissions
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data, compresslevel=6)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def build_all(fixtures_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    builder_mtime = os.stat(__file__).st_mtime
    built, fresh = [], []
    for entry in sorted(os.listdir(fixtures_dir)):
        fixture_dir = os.path.join(fixtures_dir, entry)
        if not os.path.isfile(os.path.join(fixture_dir, "fixture.json")):
            continue  # README.md and the like
        spec = load_fixture(fixture_dir)
        dist = dist_stem(spec)
        out = os.path.join(out_dir, f"{dist}-py3-none-any.whl")
        newest_source = max([builder_mtime] + [os.stat(p).st_mtime for p, _ in source_files(fixture_dir)])
        if os.path.exists(out) and os.stat(out).st_mtime > newest_source:
            fresh.append(out)
            continue
        dist, entries = wheel_entries(fixture_dir, spec)
        write_wheel(out, dist, entries, spec["bad_record"])
        built.append(out)
    return built, fresh


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} FIXTURES_DIR OUT_DIR", file=sys.stderr)
        return 2
    built, fresh = build_all(argv[1], argv[2])
    for path in built:
        print(f"built {os.path.basename(path)}")
    print(f"{len(built)} built, {len(fresh)} up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
