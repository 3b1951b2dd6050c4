"""Packs an installed CPython the way python-build-standalone's `install_only` archives are laid out
(`python/bin/python3.X`, `python/bin/python3`, `python/lib/python3.X/...`), for tests that download a
Python from a loopback mirror (test/helpers/standalone.ts). Kept small: no tests, idlelib, tkinter,
turtledemo, site-packages contents, static libpython or bytecode caches.

A Python built with a shared libpython (pyenv's are) names its prefix's lib folder as RUNPATH: the
archive carries python/lib/libpython3.X.so.1.0 (debug symbols stripped where `strip` exists) and the
interpreter's RUNPATH is rewritten to $ORIGIN/../lib, as the real builds have it, so the unpacked
Python runs on its own files and not on the installation it was made from.

usage: build_standalone.py PREFIX EXECUTABLE VERSION OUT.tar.gz
  PREFIX      the installation's prefix (sys.base_prefix), e.g. /root/.pyenv/versions/3.12.1
  EXECUTABLE  its interpreter (sys.executable's real file)
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

SKIP_DIRS = {"__pycache__", "test", "tests", "idlelib", "tkinter", "turtledemo", "site-packages", "dist-packages"}


def skip_file(name: str) -> bool:
    return name.startswith(("_test", "_ctypes_test", "xxlimited", "_xxtestfuzz")) or name.endswith((".pyc", ".a"))


def relocated(executable: str, prefix: str) -> bytes:
    """The interpreter's bytes, its RUNPATH `PREFIX/lib` (if it has one) overwritten in place by $ORIGIN/../lib."""
    data = open(executable, "rb").read()
    old = os.path.join(prefix, "lib").encode() + b"\0"
    new = b"$ORIGIN/../lib"
    if data.count(old) != 1 or len(new) >= len(old):
        return data
    return data.replace(old, new + b"\0" * (len(old) - len(new)))


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o755
    tar.addfile(info, io.BytesIO(data))


def shared_libpython(prefix: str, minor: str) -> bytes | None:
    """The prefix's libpython3.X.so.1.0, debug symbols stripped when `strip` exists; None without one."""
    lib = os.path.join(prefix, "lib", f"libpython{minor}.so.1.0")
    if not os.path.isfile(lib):
        return None
    if not shutil.which("strip"):
        return open(lib, "rb").read()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, os.path.basename(lib))
        subprocess.run(["strip", "--strip-debug", "-o", out, lib], check=True)
        return open(out, "rb").read()


def main() -> None:
    prefix, executable, version, out = sys.argv[1:]
    minor = ".".join(version.split(".")[:2])
    stdlib = os.path.join(prefix, "lib", f"python{minor}")
    tmp = f"{out}.tmp-{os.getpid()}"
    # dereference: a distribution's stdlib may hold links out of it (Debian: sitecustomize.py → /etc).
    with tarfile.open(tmp, "w:gz", compresslevel=6, dereference=True) as tar:

        def add_dir(name: str) -> None:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)

        for d in ("python", "python/bin", "python/lib", f"python/lib/python{minor}/site-packages"):
            add_dir(d)
        add_bytes(tar, f"python/bin/python{minor}", relocated(executable, prefix))
        libpython = shared_libpython(prefix, minor)
        if libpython is not None:
            add_bytes(tar, f"python/lib/libpython{minor}.so.1.0", libpython)
        link = tarfile.TarInfo("python/bin/python3")
        link.type = tarfile.SYMTYPE
        link.linkname = f"python{minor}"
        tar.addfile(link)
        for root, dirs, files in os.walk(stdlib):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("config-"))
            rel = os.path.relpath(root, prefix)
            add_dir(f"python/{rel}")
            for f in sorted(files):
                if not skip_file(f):
                    tar.add(os.path.join(root, f), f"python/{rel}/{f}", recursive=False)
        # ensurepip's wheel, where a distribution keeps it elsewhere (Debian: /usr/share/python-wheels).
        bundled = os.path.join(stdlib, "ensurepip", "_bundled")
        if not glob.glob(os.path.join(bundled, "pip-*.whl")):
            for whl in glob.glob("/usr/share/python-wheels/pip-*.whl")[:1]:
                tar.add(whl, f"python/lib/python{minor}/ensurepip/_bundled/{os.path.basename(whl)}")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
