#!/bin/bash
# A stateful service (a task with a volume) on peloton-master with three virtual hosts: its
# data survives a kill of the task, a kill -9 of the master, and the host's maintenance; the
# task never leaves the host its volume is on (during maintenance it waits for the host), and
# deleting the job deletes the volume.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test stateful
# Restarts after failures wait 0.2 s, not Peloton's 30 s.
cat > "${work}/fast.yaml" <<'YAML'
goal_state: {restart_base_delay_seconds: 0.2, max_restart_delay_seconds: 1}
YAML
start_master() { run_master --config="${work}/fast.yaml" --local-hosts=3; }
# wait_lines FILE N: the file has N lines (a run writes its line once it runs).
wait_lines() {
  for _ in $(seq 1 100); do
    [ -f "$1" ] && [ "$(wc -l < "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1: not $2 lines: $(cat "$1" 2>&1)"
}
# The host instance 0 runs on ("" while it does not run).
running_host() { "${peloton}" task list "$1" | awk '$1 == 0 && $2 == "RUNNING" {print $3}'; }

start_master
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
cat > "${work}/db.yaml" <<'YAML'
name: db
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2, disklimitmb: 1}
  volume: {containerpath: var/db, sizemb: 10}
  command: {shell: true, value: 'echo "run of $PELOTON_TASK_ID" >> var/db/runs; exec sleep 600'}
YAML
job=$("${peloton}" job create /DefaultResPool "${work}/db.yaml" | awk '{print $2}')
wait_run_running "${job}" 0 1
for _ in $(seq 1 100); do
  host=$(running_host "${job}")
  [ -n "${host}" ] && break
  sleep 0.1
done
[ -n "${host}" ] || fail "no host: $("${peloton}" task list "${job}")"
volume="${work}/var/volumes/${host}/${job}-0"
wait_lines "${volume}/runs" 1
[ "$(cat "${volume}/runs")" = "run of ${job}-0" ] || fail "run 1 wrote: $(cat "${volume}/runs")"

# The task is killed: its next run, on the same host, finds what the first wrote.
state="${work}/var/runners/${job}-0-1"
kill -9 -- "-$(cat "${state}/task.pid")"
wait_run_running "${job}" 0 2
[ "$(running_host "${job}")" = "${host}" ] || fail "run 2 left ${host}: $("${peloton}" task list "${job}")"
wait_lines "${volume}/runs" 2

# kill -9 of the master: the run goes on; stopped and started again, the task stays on its
# host with its data.
kill_master
start_master
wait_run_running "${job}" 0 2
"${peloton}" task restart "${job}" -r 0 > /dev/null
wait_run_running "${job}" 0 3
[ "$(running_host "${job}")" = "${host}" ] || fail "run 3 left ${host}"
wait_lines "${volume}/runs" 3

# Maintenance of its host: the task stops and waits for the host instead of moving.
"${peloton}" host maintenance start "${host}" > /dev/null
for _ in $(seq 1 200); do
  "${peloton}" host query | grep_q "^${host} .* DOWN " && break
  sleep 0.1
done
"${peloton}" host query | grep_q "^${host} .* DOWN " || fail "host not down: $("${peloton}" host query)"
sleep 1  # time enough to be placed elsewhere, were it movable
[ -z "$(running_host "${job}")" ] || fail "the task moved: $("${peloton}" task list "${job}")"
"${peloton}" host maintenance complete "${host}" > /dev/null
wait_run_running "${job}" 0 4
[ "$(running_host "${job}")" = "${host}" ] || fail "run 4 is not on ${host}"
wait_lines "${volume}/runs" 4

# Deleting the (stopped) job deletes its volume.
"${peloton}" job stop "${job}" > /dev/null
wait_state "${job}" KILLED
"${peloton}" job delete "${job}" | grep_q "deleted" || fail "job delete"
[ ! -e "${volume}" ] || fail "the volume outlived its job"
echo "PASS"
