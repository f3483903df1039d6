#!/usr/bin/env bash
# examples/embed: each program builds (Bazel built it for this test) and does what it says.
set -euo pipefail

bin=examples/embed
work="${TEST_TMPDIR:-$(mktemp -d)}"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
source tests/lib.sh

# (a) The scheduler loop: both pools run work; production, with three times the share and a
# reservation, waits less than development, which submits twice as much.
"${bin}/scheduler_loop" 600 > "${work}/loop"
cat "${work}/loop"
read -r prod_started prod_wait < <(awk '$1 == "/prod" {print $3, $5}' "${work}/loop")
read -r dev_started dev_wait < <(awk '$1 == "/dev" {print $3, $5}' "${work}/loop")
[ "${prod_started}" -gt 100 ] && [ "${dev_started}" -gt 100 ] || fail "a pool ran too little"
awk -v p="${prod_wait}" -v d="${dev_wait}" 'BEGIN { exit !(p < d) }' ||
  fail "production waited ${prod_wait} s, development ${dev_wait} s"

# (b) Fair sharing from YAML: the entitlements worked out in docs/library.md.
"${bin}/fairshare_yaml" examples/embed/pools.yaml > "${work}/pools"
cat "${work}/pools"
expect_row() {
  grep -qE "^$1 +.* $2 +[0-9.]+ +[0-9.]+ +$3\$" "${work}/pools" ||
    fail "row $1: want cpu entitlement $2 and gpu entitlement $3"
}
expect_row /infra 266.7 21.3
expect_row /research 133.3 10.7
expect_row /infra/batch 166.7 5.3
expect_row /infra/services 100.0 16.0
printf 'capacity: {cpu: 10}\npools:\n  /a:\n    resources:\n      - {kind: cpu, reservation: 5, limit: 2}\n' \
  > "${work}/bad.yaml"
expect_refused 1 "pool /a: resources[cpu].limit 2 is less than the reservation 5" \
  "${bin}/fairshare_yaml" "${work}/bad.yaml"
printf 'pools: [\n' > "${work}/broken.yaml"
expect_refused 1 "line 2" "${bin}/fairshare_yaml" "${work}/broken.yaml"

# (c) A custom plugin: team hosts take only their team's tasks, efficient hosts come first.
"${bin}/custom_plugin" > "${work}/plugin"
cat "${work}/plugin"
for want in "web-0    -> new-1" "web-1    -> new-1" "web-2    -> old-1" "train-0  -> ml-1" \
  "train-1  unplaced: INSUFFICIENT_RESOURCES"; do
  grep -qxF -- "${want}" "${work}/plugin" || fail "custom_plugin: no line '${want}'"
done
echo PASS
