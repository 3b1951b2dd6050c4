"""Packs an installed CPython the way python-build-standalone's `install_only` archives are laid out
(`python/bin/python3.X`, `python/bin/python3`, `python/lib/python3.X/...`), for tests that download a
Python from a loopback mirror (test/helpers/standalone.ts). Kept small: no tests, idlelib, tkinter,
turtledemo, site-packages contents, static libpython or bytecode caches.

usage: build_standalone.py PREFIX EXECUTABLE VERSION OUT.tar.gz
  PREFIX      the installation's prefix (sys.base_prefix), e.g. /root/.pyenv/versions/3.12.1
  EXECUTABLE  its interpreter (sys.executable's real file)
"""

import glob
import os
import sys
import tarfile

SKIP_DIRS = {"__pycache__", "test", "tests", "idlelib", "tkinter", "turtledemo", "site-packages", "dist-packages"}


def skip_file(name: str) -> bool:
    return name.startswith(("_test", "_ctypes_test", "xxlimited", "_xxtestfuzz")) or name.endswith((".pyc", ".a"))


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
        tar.add(executable, f"python/bin/python{minor}", recursive=False)
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
