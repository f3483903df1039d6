#!/bin/bash
# make integ-test (tests/integ/integ.sh) both ways: against the peloton-master it starts, and
# with CLUSTER= against a running one, which it leaves as it found it (no pool, no job of its
# own left).
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test integ
integ="${root}/tests/integ/integ.sh"
export PELOTON_CLI="${peloton}" PELOTON_MASTER_BIN="${master_bin}"
export PELOTON_MASTER_FLAGS="${task_flags[*]}"

INTEG_WORK="${work}/own" bash "${integ}" > "${work}/own.out" 2>&1 ||
  fail "integ against its own master: $(cat "${work}/own.out")"
grep -qx "integ: every scenario passed" "${work}/own.out" || fail "$(cat "${work}/own.out")"

# A deployment with a pool and a job of its own, which the scenarios must not touch.
run_master --local-hosts=3
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
cat > "${work}/theirs.yaml" <<'YAML'
name: theirs
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 8}
  command: {value: 'sleep 600'}
YAML
theirs=$("${peloton}" job create /DefaultResPool "${work}/theirs.yaml" | awk '{print $2}')
wait_state "${theirs}" RUNNING
"${peloton}" respool dump > "${work}/pools.before"
CLUSTER="${PELOTON_MASTER}" INTEG_WORK="${work}/cluster" bash "${integ}" > "${work}/cluster.out" 2>&1 ||
  fail "integ against a running master: $(cat "${work}/cluster.out")"
grep -qx "integ: every scenario passed" "${work}/cluster.out" || fail "$(cat "${work}/cluster.out")"
grep -q "^PASS service job" "${work}/cluster.out" || fail "$(cat "${work}/cluster.out")"
# Left as found: the same pools, only its job.
"${peloton}" respool dump > "${work}/pools.after"
awk '{print $1}' "${work}/pools.before" > "${work}/paths.before"
awk '{print $1}' "${work}/pools.after" > "${work}/paths.after"
diff "${work}/paths.before" "${work}/paths.after" > /dev/null ||
  fail "pools changed: $(diff "${work}/paths.before" "${work}/paths.after")"
"${peloton}" job query > "${work}/jobs"
[ "$(grep -c '^[0-9a-f]\{8\}-' "${work}/jobs")" = 1 ] || fail "jobs left: $(cat "${work}/jobs")"
grep -q "^${theirs} .*RUNNING" "${work}/jobs" || fail "their job: $(cat "${work}/jobs")"
echo "PASS"
