#!/usr/bin/env bash
# Upgrade benchmarks on a loopback index (no network): upgrade-all over 6 outdated tools (parallel vs
# --jobs 1, and pipx upgrade-all), one upgrade vs pipx, and list --outdated over 10 tools vs 1.
#   npm run build && bash bench/upgrade.sh      (needs hyperfine; pipx optional)
# Figures on the 2-core dev machine (shared with other test suites; see the branch report):
#   tpx upgrade 0.62 s vs pipx 0.98 s; "already latest" 0.60 s vs 0.98 s; list --outdated 10 tools
#   0.62 s vs 1 tool 0.54 s. upgrade-all x6: default jobs 2.7-3.1 s vs --jobs 1 3.6-5.7 s, i.e.
#   0.48-0.87 depending on load: a sequential run is already CPU-bound (user+sys ~ wall), so on
#   2 cores half the time is the floor, reached only when nothing else is running.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
w=$(mktemp -d /tmp/tpx-bench-XXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$w"' EXIT
py=$(python3 -c 'import sys; print(sys.executable)')

# Ten tools, benchtool1..10, each in 1.0 and 2.0, made from the oneapp fixture.
for i in $(seq 1 10); do
  for v in 1.0 2.0; do
    d="$w/fixtures/benchtool$i-$v"
    mkdir -p "$d/src"
    printf 'def main():\n    print("benchtool%s %s")\n' "$i" "$v" > "$d/src/benchtool$i.py"
    printf '{"name": "benchtool%s", "version": "%s", "requires_python": ">=3.8", "console_scripts": {"benchtool%s": "benchtool%s:main"}}\n' "$i" "$v" "$i" "$i" > "$d/fixture.json"
  done
done
python3 "$repo/test/helpers/build_wheels.py" "$w/fixtures" "$w/wheels" >/dev/null
publish() { # version: serve that version of every benchtool (http.server's listing is a PEP 503 page)
  for i in $(seq 1 10); do mkdir -p "$w/index/simple/benchtool$i"; cp "$w/wheels/benchtool$i-$1-py3-none-any.whl" "$w/index/simple/benchtool$i/"; done
}
publish 1.0
port=$((20000 + RANDOM % 20000))
python3 -m http.server --bind 127.0.0.1 -d "$w/index" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5

export HOME="$w/home" TPX_HOME="$w/tpx" TPX_BIN_DIR="$w/bin" XDG_CACHE_HOME="$w/cache" TPX_DEFAULT_PYTHON="$py"
export PIPX_HOME="$w/pipx" PIPX_BIN_DIR="$w/pipx-bin" PIPX_DEFAULT_PYTHON="$py"
export PIP_INDEX_URL="http://127.0.0.1:$port/simple/" PIP_CACHE_DIR="$w/pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$HOME"
tpx="node $repo/dist/tpx.js"
six=$(printf 'benchtool%s ' 1 2 3 4 5 6)

$tpx install $six >/dev/null 2>&1
have_pipx=0
if command -v pipx >/dev/null; then
  have_pipx=1
  for t in $six; do pipx install "$t" >/dev/null 2>&1 || have_pipx=0; done
fi
publish 2.0
# Warm pip's cache with the 2.0 wheels, so every variant downloads nothing.
$tpx install --suffix @warm $(printf 'benchtool%s==2.0 ' 1 2 3 4 5 6) >/dev/null 2>&1 && $tpx uninstall $(printf 'benchtool%s@warm ' 1 2 3 4 5 6) >/dev/null 2>&1
cp -a "$TPX_HOME" "$w/tpx.snap"; cp -a "$TPX_BIN_DIR" "$w/bin.snap"
[ $have_pipx = 1 ] && cp -a "$PIPX_HOME" "$w/pipx.snap" && cp -a "$PIPX_BIN_DIR" "$w/pipx-bin.snap"
reset_tpx="rm -rf $TPX_HOME $TPX_BIN_DIR && cp -a $w/tpx.snap $TPX_HOME && cp -a $w/bin.snap $TPX_BIN_DIR"
reset_pipx="rm -rf $PIPX_HOME $PIPX_BIN_DIR && cp -a $w/pipx.snap $PIPX_HOME && cp -a $w/pipx-bin.snap $PIPX_BIN_DIR"

echo "== upgrade-all over 6 outdated tools"
# hyperfine wants one --prepare per command, in order.
args=(--warmup 1 --runs 5 --prepare "$reset_tpx" --prepare "$reset_tpx" -n "tpx upgrade-all" "$tpx upgrade-all" -n "tpx upgrade-all --jobs 1" "$tpx upgrade-all --jobs 1")
[ $have_pipx = 1 ] && args+=(--prepare "$reset_pipx" -n "pipx upgrade-all" "pipx upgrade-all")
hyperfine "${args[@]}"

echo "== one upgrade (1.0 → 2.0), and one that finds nothing newer"
args=(--warmup 1 --runs 8 --prepare "$reset_tpx" -n "tpx upgrade" "$tpx upgrade benchtool1")
[ $have_pipx = 1 ] && args+=(--prepare "$reset_pipx" -n "pipx upgrade" "pipx upgrade benchtool1")
hyperfine "${args[@]}"
$tpx upgrade benchtool1 >/dev/null 2>&1; [ $have_pipx = 1 ] && pipx upgrade benchtool1 >/dev/null 2>&1
args=(--warmup 1 --runs 8 -n "tpx upgrade (already latest)" "$tpx upgrade benchtool1")
[ $have_pipx = 1 ] && args+=(-n "pipx upgrade (already latest)" "pipx upgrade benchtool1")
hyperfine "${args[@]}"

echo "== list --outdated: 1 tool vs 10 tools"
eval "$reset_tpx"
hyperfine --warmup 1 --runs 8 -n "tpx list --outdated (6 tools, 1 state)" "$tpx list --outdated"
$tpx install $(printf 'benchtool%s ' 7 8 9 10) >/dev/null 2>&1  # these install 2.0: current
hyperfine --warmup 1 --runs 8 -n "tpx list --outdated (10 tools)" "$tpx list --outdated"
$tpx uninstall $(printf 'benchtool%s ' 2 3 4 5 6 7 8 9 10) >/dev/null 2>&1
hyperfine --warmup 1 --runs 8 -n "tpx list --outdated (1 tool)" "$tpx list --outdated"
