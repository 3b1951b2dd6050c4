#!/usr/bin/env python3
"""Compare a venv pip made with one the wheel store made AT THE SAME PATH.

    python3 compare_venvs.py PIP_VENV STORE_VENV

Prints a JSON object: files only one side has, files that differ, and how many files differ only
in the ways the store is allowed to differ (docs/architecture.md, "The wheel store"):

- `INSTALLER` says `tpx`, not `pip`, and so RECORD's hash of it differs;
- a `.pyc` names the path it was compiled at (the store entry's) and holds that source's mtime:
  its code, with `co_filename` set aside, must be the same (Python replaces co_filename with the
  module's real path when it loads the file, so tracebacks name the venv's files);
- the store's files are read-only (only the executable bits are compared);
- tpx's linked apps start Python with ` -E` (venv.isolateApps, whichever installer installed).

The venvs' own files (pyvenv.cfg, tpx's receipt and store record, `python -m venv`'s activate
scripts and python links) are not compared.
"""
import csv
import json
import marshal
import os
import sys


def tree(root):
    out = {}
    for d, dirs, names in os.walk(root):
        for n in names:
            full = os.path.join(d, n)
            rel = os.path.relpath(full, root)
            parts = rel.split(os.sep)
            if len(parts) == 1:
                continue
            if parts[0] == "bin" and (parts[1].startswith(("activate", "python")) or parts[1] == "Activate.ps1"):
                continue
            out[rel] = full
    return out


def norm_code(c):
    consts = tuple(norm_code(x) if hasattr(x, "co_code") else x for x in c.co_consts)
    return c.replace(co_filename="", co_consts=consts)


def pyc_same(a, b):
    return a[:8] == b[:8] and norm_code(marshal.loads(a[16:])) == norm_code(marshal.loads(b[16:]))


def record(data):
    return {r[0]: r[1:] for r in csv.reader(data.decode("utf-8").splitlines()) if r}


def main(pip_venv, store_venv):
    a, b = tree(pip_venv), tree(store_venv)
    result = {"onlyPip": sorted(set(a) - set(b)), "onlyStore": sorted(set(b) - set(a)), "differ": [], "allowed": {}}

    def allow(kind):
        result["allowed"][kind] = result["allowed"].get(kind, 0) + 1

    for rel in sorted(set(a) & set(b)):
        da, db = open(a[rel], "rb").read(), open(b[rel], "rb").read()
        if (os.stat(a[rel]).st_mode & 0o111) != (os.stat(b[rel]).st_mode & 0o111):
            result["differ"].append(rel + " (mode)")
            continue
        if da == db:
            continue
        if rel.endswith(".pyc") and pyc_same(da, db):
            allow("pyc")
        elif rel.endswith(".dist-info" + os.sep + "INSTALLER") and (da, db) == (b"pip\n", b"tpx\n"):
            allow("INSTALLER")
        elif rel.endswith(".dist-info" + os.sep + "RECORD") and records_same(record(da), record(db), rel):
            allow("RECORD")
        elif rel.startswith("bin" + os.sep) and db.replace(b" -E\n", b"\n", 1) == da:
            allow("-E")
        else:
            result["differ"].append(rel)
    print(json.dumps(result, indent=1, sort_keys=True))


def records_same(ra, rb, rel):
    if set(ra) != set(rb):
        return False
    return all(ra[p] == rb[p] or p.endswith(".dist-info/INSTALLER") for p in ra)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
