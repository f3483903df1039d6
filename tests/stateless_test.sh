#!/bin/bash
# Peloton's v1alpha stateless verbs on peloton-master (issue 17; reference §5.2, §5.4, §7
# scenarios 12-14, 17): `job stateless create` from Peloton's own v1alpha spec (camelCase, as
# its integration tests write it), a pod at a time, entity versions that move as Peloton's do and refuse a stale
# caller, a rolling replace seen inside each new run, a rolling restart, a replace started
# paused then resumed, a rollback to an earlier entity version's spec, stop and start, pods,
# workflows and their events, and deletion: refused while running, forced.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test stateless
cat > "${work}/fast.yaml" <<'YAML'
goal_state: {restart_base_delay_seconds: 0.2, max_restart_delay_seconds: 1}
YAML
run_master --config="${work}/fast.yaml" --local-hosts=3
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
# spec FILE WORD: Peloton's test_stateless_job_spec.yaml, its pods printing WORD.
spec() {
  cat > "$1" <<YAML
name: TestSpec
owner: testUser
owningTeam: testTeam
ldapGroups: [team6, otto]
description: "A dummy test stateless job spec for peloton"
labels:
- key: testKey0
  value: testVal0
instanceCount: 3
defaultSpec:
  containers:
  - resource:
      cpuLimit: 0.1
      memLimitMb: 2.0
      diskLimitMb: 10
    entrypoint:
      value: 'echo $2; exec sleep 600'
  mesosSpec:
    shell: true
YAML
}
sl() { "${peloton}" job stateless "$@"; }
version_of() { sl get "$1" | awk '$1 == "version:" {print $2}'; }

spec "${work}/one.yaml" one
sl create /DefaultResPool "${work}/one.yaml" 1 > "${work}/create.out"  # a pod at a time
job=$(awk '/^Job / {print $2}' "${work}/create.out")
grep -q "created. Entity Version: 1-1-1$" "${work}/create.out" || fail "$(cat "${work}/create.out")"
for i in 0 1 2; do wait_run_running "${job}" "${i}" 1; says "${job}" "${i}" one; done
sl get "${job}" > "${work}/get.out"
for want in "version: 1-1-1" "state: JOB_STATE_RUNNING" "instance_count: 3" "owning_team: testTeam" \
            "POD_STATE_RUNNING: 3" "value: echo one; exec sleep 600"; do
  grep -qF "${want}" "${work}/get.out" || fail "get lacks '${want}': $(cat "${work}/get.out")"
done
[ "$(sl list-pods "${job}" | grep -c " POD_STATE_RUNNING ")" = 3 ] \
    || fail "list-pods: $(sl list-pods "${job}")"

# A stale entity version is refused, and nothing changes.
spec "${work}/two.yaml" two
expect_refused 1 "unexpected entity version" \
    "${peloton}" job stateless replace "${job}" "${work}/two.yaml" 1 /DefaultResPool 1-1-2
[ "$(version_of "${job}")" = 1-1-1 ] || fail "version moved: $(version_of "${job}")"

# Replace, one pod at a time: a new config and a new workflow (2-1-2, as Peloton's).
sl replace "${job}" "${work}/two.yaml" 1 /DefaultResPool 1-1-1 --wait > "${work}/replace.out" \
    || fail "replace: $(cat "${work}/replace.out")"
grep -q "^New EntityVersion: 2-1-2 " "${work}/replace.out" || fail "$(cat "${work}/replace.out")"
grep -q "^SUCCEEDED (3 of 3 done, 0 failed)$" "${work}/replace.out" || fail "$(cat "${work}/replace.out")"
for i in 0 1 2; do says "${job}" "${i}" two; done
[ "$(version_of "${job}")" = 2-1-2 ] || fail "progress moved the version: $(version_of "${job}")"

# A rolling restart of instances 0 and 2 (two ranges): new runs, the same config.
sl restart "${job}" 2-1-2 -r 0 -r 2:3 --batch-size 1 --wait > "${work}/restart.out" \
    || fail "restart: $(cat "${work}/restart.out")"
grep -q "^Job restarted. New EntityVersion: 2-1-3 " "${work}/restart.out" \
    || fail "$(cat "${work}/restart.out")"
[ "$(run_of "${job}" 0)" = 3 ] && [ "$(run_of "${job}" 1)" = 2 ] && [ "$(run_of "${job}" 2)" = 3 ] \
    || fail "runs: $(run_of "${job}" 0) $(run_of "${job}" 1) $(run_of "${job}" 2)"

# Scenario 14: a replace started paused; a stale version cannot resume it; resumed, it ends.
spec "${work}/three.yaml" three
sl replace "${job}" "${work}/three.yaml" 0 /DefaultResPool 2-1-3 --start-paused > "${work}/paused.out"
grep -q "^New EntityVersion: 3-1-4 " "${work}/paused.out" || fail "$(cat "${work}/paused.out")"
workflow=$(sed -n 's/.*(workflow \(.*\))$/\1/p' "${work}/paused.out")
"${peloton}" update get "${workflow}" | grep_q "state: *PAUSED" || fail "not paused"
says "${job}" 0 two
expect_refused 1 "unexpected entity version" "${peloton}" job stateless workflow resume "${job}" 3-1-3
sl workflow resume "${job}" 3-1-4 | grep_q "^Workflow resumed. New EntityVersion: 3-1-5$" \
    || fail "resume"
for i in 0 1 2; do says "${job}" "${i}" three; done
for _ in $(seq 1 100); do
  "${peloton}" update get "${workflow}" | grep_q "state: *SUCCEEDED" && break
  sleep 0.1
done
sl workflow events "${job}" 0 > "${work}/events.out"
grep -q "^WORKFLOW_STATE_ROLLING_FORWARD  *WORKFLOW_TYPE_UPDATE " "${work}/events.out" \
    || fail "workflow events: $(cat "${work}/events.out")"
sl list-updates "${job}" --limit 0 > "${work}/updates.out"
# The creation, the replace, the restart and the paused replace.
[ "$(grep -c '^Update ' "${work}/updates.out")" = 4 ] || fail "$(cat "${work}/updates.out")"

# Rollback to the spec of entity version 2-1-2 (config 2): the pods say two again.
sl rollback "${job}" 0 2-1-2 --wait > "${work}/rollback.out" || fail "$(cat "${work}/rollback.out")"
grep -q "^New EntityVersion: 4-1-6 " "${work}/rollback.out" || fail "$(cat "${work}/rollback.out")"
for i in 0 1 2; do says "${job}" "${i}" two; done
sl get "${job}" --jobversion 3 | grep_q -F "echo three" || fail "config 3: $(sl get "${job}" --jobversion 3)"

# Stop and start move the desired state's part.
sl stop "${job}" 4-1-6 | grep_q "^Job stopped. New EntityVersion: 4-2-6$" || fail "stop"
wait_state "${job}" KILLED
sl start "${job}" 4-2-6 | grep_q "^Job started. New EntityVersion: 4-3-6$" || fail "start"
wait_state "${job}" RUNNING

# Scenario 17: a running job is not deleted without force; with force it is killed, then gone.
expect_refused 1 "job is not stopped" "${peloton}" job stateless delete "${job}" 4-3-6
sl delete "${job}" 4-3-6 --force | grep_q "^Job deleted$" || fail "delete"
for _ in $(seq 1 300); do
  "${peloton}" job get "${job}" > /dev/null 2>&1 || break
  sleep 0.1
done
expect_refused 1 "${job}" "${peloton}" job get "${job}"
echo "PASS"
