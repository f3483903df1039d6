#!/bin/bash
# Rolling updates of a service job on peloton-master with virtual hosts (reference §7
# scenarios 12, 13 and 14; issue 17): an update batch by batch to a new command, seen inside
# each new run; a crashing config and one failing its health check rolled back to the
# original; an update started paused, a stale entity version refused, then resumed; a kill -9 of the master in the middle of an update,
# after which it ends with every instance updated exactly once; an SLA-only update (no
# restarts) and host maintenance within maximumUnavailableInstances (scenario 11); rolling
# restart and stop; an in-place update (scenario 15).
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test update
cat > "${work}/fast.yaml" <<'YAML'
goal_state: {restart_base_delay_seconds: 0.2, max_restart_delay_seconds: 1}
YAML
start_master() { run_master --config="${work}/fast.yaml" --local-hosts=3; }
# service FILE COMMAND [DEFAULTCONFIG-LINES]: a 4-instance service job running COMMAND.
service() {
  cat > "$1" <<YAML
name: web
type: SERVICE
instancecount: 4
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2, disklimitmb: 1}
  command: {shell: true, value: '$2'}
${3:-}
YAML
}
# rolls_back FILE: an update of ${job} to FILE, one at a time, rolled back after one failed
# instance, exits 1 ROLLED_BACK and is a rollback.
rolls_back() {
  set +e
  "${peloton}" update create "${job}" "$1" 1 /DefaultResPool --maxattempts 1 \
      --maxfailureInstances 1 --rollbackOnFailure --wait > "${work}/rollback.out"
  local got=$?
  set -e
  [ "${got}" = 1 ] || fail "update to $1 exited ${got}: $(cat "${work}/rollback.out")"
  grep -q "^ROLLED_BACK " "${work}/rollback.out" || fail "$(cat "${work}/rollback.out")"
  "${peloton}" update get "$(awk '/^Update/ {print $2}' "${work}/rollback.out")" \
      | grep_q "(rollback)" || fail "update to $1 is not a rollback"
}
entity_version() { "${peloton}" update get "$1" | awk '$1 == "entity" {print $3}'; }

start_master
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
service "${work}/v1.yaml" 'echo one; exec sleep 600'
job=$("${peloton}" job create /DefaultResPool "${work}/v1.yaml" | awk '{print $2}')
for i in 0 1 2 3; do wait_run_running "${job}" "${i}" 1; done

# Scenario 12: batch by batch to v2; every instance's new run says so.
service "${work}/v2.yaml" 'echo two; exec sleep 600'
"${peloton}" update create "${job}" "${work}/v2.yaml" 2 /DefaultResPool --wait \
    > "${work}/update1.out" || fail "update 1: $(cat "${work}/update1.out")"
grep -q "^SUCCEEDED (4 of 4 done, 0 failed)$" "${work}/update1.out" || fail "$(cat "${work}/update1.out")"
for i in 0 1 2 3; do
  says "${job}" "${i}" two
  [ "$(run_of "${job}" "${i}")" = 2 ] || fail "instance ${i}: $("${peloton}" task events "${job}" "${i}")"
done
first=$(awk '/^Update/ {print $2}' "${work}/update1.out")
"${peloton}" update list "${job}" | grep_q "^${first}  SUCCEEDED .* 1->2 .* 4/4 " \
    || fail "update list: $("${peloton}" update list "${job}")"

# Scenario 13: a config that crashes, with auto-rollback: ROLLED_BACK, and the instances run
# the config the update started from (v2) again; only one instance tried the bad one.
service "${work}/bad.yaml" 'echo bad; exit 1'
declare -A before
for i in 0 1 2 3; do before[${i}]=$(run_of "${job}" "${i}"); done
rolls_back "${work}/bad.yaml"
for i in 0 1 2 3; do says "${job}" "${i}" two; done
# The batch of one held the others back: an instance ran the bad config (and was rolled back:
# two new runs) before the next did; the next may have too, when the first was seen RUNNING
# before it crashed (it counted as done then, as in Peloton), but not all of them.
tried=0
for i in 0 1 2 3; do
  case "$(( $(run_of "${job}" "${i}") - before[${i}] ))" in
    0) ;;
    2) tried=$((tried + 1)) ;;
    *) fail "instance ${i}: $("${peloton}" task events "${job}" "${i}")" ;;
  esac
done
[ "${tried}" -ge 1 ] && [ "${tried}" -le 3 ] || fail "${tried} instances ran the bad config"
"${peloton}" job get "${job}" | grep_q -F "echo two" || fail "job config: $("${peloton}" job get "${job}")"

# Scenario 13 (test__auto_rollback_update_with_failed_health_check): a config that runs but
# fails its health check is never done; its checks kill it, and the update rolls back.
service "${work}/sick.yaml" 'echo sick; exec sleep 600' '  healthcheck:
    enabled: true
    type: COMMAND
    initialintervalsecs: 1
    intervalsecs: 1
    maxconsecutivefailures: 1
    commandcheck: {command: "false"}'
rolls_back "${work}/sick.yaml"
for i in 0 1 2 3; do says "${job}" "${i}" two; done

# Scenario 14: started paused; a stale entity version is refused; resumed, it succeeds.
service "${work}/v3.yaml" 'echo three; exec sleep 600'
id=$("${peloton}" update create "${job}" "${work}/v3.yaml" 4 /DefaultResPool --start-paused | awk '{print $2}')
[ "$(update_state "${id}")" = PAUSED ] || fail "not paused: $("${peloton}" update get "${id}")"
sleep 0.5
says "${job}" 0 two  # nothing moved
version=$(entity_version "${id}")
expect_refused 1 "stale" "${peloton}" update resume "${id}" --entity-version "$((version + 1))"
expect_refused 1 "stale" "${peloton}" update abort "${id}" --entity-version "$((version - 1))"
"${peloton}" update resume "${id}" --entity-version "${version}" > /dev/null
for _ in $(seq 1 100); do [ "$(update_state "${id}")" = SUCCEEDED ] && break; sleep 0.1; done
[ "$(update_state "${id}")" = SUCCEEDED ] || fail "$("${peloton}" update get "${id}")"
for i in 0 1 2 3; do says "${job}" "${i}" three; done
expect_refused 1 "only a job's running update" "${peloton}" update abort "${id}"

# kill -9 of the master in the middle of a one-by-one update: after the restart the update
# goes on where it was, and every instance gets exactly one new run, on the new config. The
# new config has a health check: an instance is done when it is HEALTHY (a second after it
# starts), so the update is still going when the master is killed.
for i in 0 1 2 3; do before[${i}]=$(run_of "${job}" "${i}"); done
service "${work}/v4.yaml" 'echo four; exec sleep 600' '  healthcheck:
    enabled: true
    type: COMMAND
    initialintervalsecs: 1
    intervalsecs: 1
    commandcheck: {command: "true"}'
id=$("${peloton}" update create "${job}" "${work}/v4.yaml" 1 /DefaultResPool | awk '{print $2}')
for _ in $(seq 1 100); do
  "${peloton}" update get "${id}" | grep_q "instances: *1 of 4 done" && break
  sleep 0.1
done
"${peloton}" update get "${id}" | grep_q "instances: *1 of 4 done" \
    || fail "not 1 of 4 done: $("${peloton}" update get "${id}")"
kill_master
start_master
for _ in $(seq 1 200); do [ "$(update_state "${id}")" = SUCCEEDED ] && break; sleep 0.1; done
[ "$(update_state "${id}")" = SUCCEEDED ] || fail "$("${peloton}" update get "${id}")"
wait_healthy "${job}" 4
for i in 0 1 2 3; do
  says "${job}" "${i}" four
  [ "$(run_of "${job}" "${i}")" = "$((before[${i}] + 1))" ] \
      || fail "instance ${i}: run ${before[${i}]} -> $(run_of "${job}" "${i}")"
done

# An update of the job's SLA alone changes no task: every instance is re-pointed, none
# restarted. Then scenario 11: with maximumUnavailableInstances 1, maintenance of the hosts the
# instances run on moves them one at a time; at least 3 of the 4 run throughout.
for i in 0 1 2 3; do before[${i}]=$(run_of "${job}" "${i}"); done
service "${work}/v5.yaml" 'echo four; exec sleep 600' '  healthcheck:
    enabled: true
    type: COMMAND
    initialintervalsecs: 1
    intervalsecs: 1
    commandcheck: {command: "true"}
sla: {maximumunavailableinstances: 1}'
"${peloton}" update create "${job}" "${work}/v5.yaml" 1 /DefaultResPool --wait > /dev/null \
    || fail "sla update: $("${peloton}" update list "${job}")"
for i in 0 1 2 3; do
  [ "$(run_of "${job}" "${i}")" = "${before[${i}]}" ] || fail "instance ${i} restarted for an SLA change"
done
host=$("${peloton}" task list "${job}" | awk '$1 == 0 {print $3}')
"${peloton}" host maintenance start "${host}" > /dev/null
fewest=4
for _ in $(seq 1 300); do
  running=$("${peloton}" task list "${job}" | awk '$2 == "RUNNING"' | wc -l)
  [ "${running}" -lt "${fewest}" ] && fewest=${running}
  "${peloton}" host query | grep_q "^${host} .* DOWN " && break
  sleep 0.05
done
"${peloton}" host query | grep_q "^${host} .* DOWN " || fail "host not down: $("${peloton}" host query)"
[ "${fewest}" -ge 3 ] || fail "only ${fewest} instances ran during maintenance (SLA: 1 unavailable)"
"${peloton}" task list "${job}" | awk -v h="${host}" '$2 == "RUNNING" && $3 == h' | grep_q . \
    && fail "an instance still runs on ${host}"
"${peloton}" host maintenance complete "${host}" > /dev/null

# job rolling-restart: every instance gets one new run, two at a time; task restart with a
# batch size does the same for a range.
for i in 0 1 2 3; do before[${i}]=$(run_of "${job}" "${i}"); done
"${peloton}" job rolling-restart "${job}" 2 --wait > "${work}/restart.out" \
    || fail "rolling restart: $(cat "${work}/restart.out")"
grep -q "^SUCCEEDED (4 of 4 done" "${work}/restart.out" || fail "$(cat "${work}/restart.out")"
for i in 0 1 2 3; do
  [ "$(run_of "${job}" "${i}")" = "$((before[${i}] + 1))" ] || fail "instance ${i} not restarted once"
done
"${peloton}" task restart "${job}" -r 2:4 --batch-size 1 | grep_q "^Rolling restart " \
    || fail "task restart --batch-size"
for _ in $(seq 1 100); do [ "$(run_of "${job}" 3)" = "$((before[3] + 2))" ] && break; sleep 0.1; done
[ "$(run_of "${job}" 3)" = "$((before[3] + 2))" ] || fail "instance 3: $("${peloton}" task events "${job}" 3)"
[ "$(run_of "${job}" 0)" = "$((before[0] + 1))" ] || fail "instance 0 restarted outside the range"

# job rolling-stop: the job ends KILLED.
"${peloton}" job rolling-stop "${job}" 2 --wait > /dev/null || fail "rolling stop"
wait_state "${job}" KILLED

# Scenario 15: an in-place update keeps every instance on its host. Three instances spread
# over the three hosts are updated to a config that packs, one at a time: without in-place
# the first would go to a host another instance is on.
spread() {
  cat > "$1" <<YAML
name: spread
type: SERVICE
instancecount: 3
placementstrategy: $2
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2, disklimitmb: 1}
  command: {shell: true, value: 'echo $3; exec sleep 600'}
YAML
}
hosts_of() { "${peloton}" task list "$1" | awk 'NR > 1 {print $1, $3}'; }
spread "${work}/s1.yaml" PLACEMENT_STRATEGY_SPREAD_JOB one
spread "${work}/s2.yaml" PLACEMENT_STRATEGY_PACK_HOST two
sjob=$("${peloton}" job create /DefaultResPool "${work}/s1.yaml" | awk '{print $2}')
for i in 0 1 2; do wait_run_running "${sjob}" "${i}" 1; done
placed=$(hosts_of "${sjob}")
[ "$(echo "${placed}" | awk '{print $2}' | sort -u | wc -l)" = 3 ] || fail "not spread: ${placed}"
"${peloton}" update create "${sjob}" "${work}/s2.yaml" 1 /DefaultResPool --in-place --wait \
    > /dev/null || fail "in-place update: $("${peloton}" update list "${sjob}")"
for i in 0 1 2; do says "${sjob}" "${i}" two; done
[ "$(hosts_of "${sjob}")" = "${placed}" ] || fail "moved: ${placed} -> $(hosts_of "${sjob}")"
"${peloton}" job stop "${sjob}" > /dev/null
wait_state "${sjob}" KILLED
echo "PASS"
