#!/usr/bin/env bash
# plot_fgd_curves.py: a PNG from FGD-protocol reports, each report's curve in the script it
# drew with, and clear refusals of bad input.
set -euo pipefail
plot=${TEST_SRCDIR}/${TEST_WORKSPACE}/bench/trace/plot_fgd_curves.py
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/plot.XXXXXX")
fail() { echo "FAIL: $*" >&2; exit 1; }

# Two profiles on one list, one on another; a file of another name is ignored.
report() {  # report FILE ALLOCATED_FROM_100
  printf '{"curve": [{"arrival_pct": 75, "allocated_pct": 75, "allocated_pct_sd": 0.1},
    {"arrival_pct": 100, "allocated_pct": %s, "allocated_pct_sd": 0.2},
    {"arrival_pct": 130, "allocated_pct": %s, "allocated_pct_sd": 0.3}]}' "$2" "$2" > "$1"
}
mkdir "${work}/in"
report "${work}/in/fgd-default.json" 95.25
report "${work}/in/gpu-frag-default.json" 95.75
report "${work}/in/best-fit-gpuspec33.json" 80.5
echo '{}' > "${work}/in/notes.json"

python3 "${plot}" --out="${work}/c.png" --script="${work}/c.gp" "${work}/in" ||
  fail "plotting good reports failed"
[ "$(head -c 8 "${work}/c.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "the output is not a PNG"
gp=${work}/c.gp
grep -q "title 'gpu-frag'" "${gp}" || fail "gpu-frag's curve is not drawn"
grep -q "title 'fgd'" "${gp}" || fail "fgd's curve is not drawn"
grep -q "set title 'gpuspec33'" "${gp}" || fail "the gpuspec33 panel is missing"
grep -q "set title 'cpu100'" "${gp}" && fail "a panel without reports is drawn"
# The curve is 100 - allocated, with its sd; the default panel spans its plateau, 4.25..4.75.
grep -qx "100.0 4.25 0.2" "${gp}" || fail "gpu-frag's point at 100% is not 4.25 +- 0.2"
grep -qx "set yrange \[3.2:6.8\]" "${gp}" || fail "the default panel's y range is not its plateau"

# Refusals: exit 2, naming what is wrong.
refused() {  # refused TEXT ARGS...
  local text=$1
  shift
  set +e
  python3 "${plot}" "$@" > "${work}/out" 2> "${work}/err"
  local got=$?
  set -e
  [ "${got}" = 2 ] || fail "$* exited ${got}, expected 2"
  grep -qF -- "${text}" "${work}/err" || fail "$*: stderr lacks '${text}': $(cat "${work}/err")"
}
mkdir "${work}/empty" "${work}/bad"
refused "no <profile>-<list>.json reports" --out="${work}/x.png" "${work}/empty"
refused "not a directory" --out="${work}/x.png" "${work}/missing"
echo '{"curve": [{"arrival_pct": 75}]}' > "${work}/bad/fgd-cpu100.json"
refused "bad/fgd-cpu100.json: not an FGD-protocol report" --out="${work}/x.png" "${work}/bad"
[ ! -e "${work}/x.png" ] || fail "a refused plot wrote its output"
echo PASS
