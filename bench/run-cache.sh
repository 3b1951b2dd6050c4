#!/usr/bin/env bash
# `tpx run` speed (README, "tpx run"): the overhead of a cache hit against `node -e 0`, and a
# cold run against pip installing the same package into a fresh venv. Needs hyperfine
# (apt-get install hyperfine), `npm run build`, and the fixture wheels (built by the tests).
# Offline: pip installs from test/.cache/wheels. Everything goes to a temp dir, removed at exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tpx="node $repo/dist/tpx.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TPX_HOME=$work/home TPX_CACHE_DIR=$work/cache TPX_BIN_DIR=$work/bin PIP_CACHE_DIR=$work/pip-cache
# The real interpreter, as the pip baseline uses: a pyenv shim costs each start ~0.1 s.
export TPX_DEFAULT_PYTHON=$(python3 -c 'import sys; print(sys.executable)')
export PIP_NO_INDEX=1 PIP_FIND_LINKS=$repo/test/.cache/wheels PIP_DISABLE_PIP_VERSION_CHECK=1

$tpx run --spec tpxdemo tpxdemo --version >/dev/null 2>&1   # warm: shared pip, the cache entry
app=$(echo "$work"/cache/run/entries/*/bin/tpxdemo)
echo "== cache hit (overhead = first - second; budget: 1.3 x node -e 0)"
hyperfine -N -w 5 -r "${RUNS:-60}" "$tpx run --spec tpxdemo tpxdemo --version" "$app --version" "node -e 0"

runner=$(echo "$work"/home/shared/pip-*/pip/__pip-runner__.py)
echo "== cold run (empty cache, shared pip present; budget: 1.2 x pip)"
hyperfine -w 1 -r "${COLD_RUNS:-10}" \
  --prepare "$tpx cache purge" "$tpx run --spec tpxdemo tpxdemo --version" \
  --prepare "rm -rf $work/v" "$TPX_DEFAULT_PYTHON -m venv --without-pip $work/v && $work/v/bin/python $runner install -q tpxdemo && $work/v/bin/tpxdemo --version"
