#!/bin/bash
# The four components as separate processes (peloton-hostmgr, peloton-resmgr, peloton-jobmgr,
# peloton-placement) over Cap'n Proto on Unix sockets, driven by the peloton CLI against
# peloton-jobmgr: the quick start's job flow, pools through the job manager to the resource
# manager, stopping tasks, refusals that cross processes, and each component killed with
# SIGKILL in the middle of a job and restarted while the others keep running, a service job,
# a stateful service whose volume goes with its job, a task no host could ever hold, and host
# maintenance across a host manager restart.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

root="${TEST_SRCDIR}/peloton"
bin="${root}/services"
peloton="${bin}/cli/peloton"
examples="${root}/examples"
work="${TEST_TMPDIR}/split"
rm -rf "${work}"
mkdir -p "${work}"
shared="${work}/shared"  # the tasks' and the test's (tasks see nothing of the data dir)
mkdir -p "${shared}"
sock=$(mktemp -d /tmp/peloton-split.XXXXXX)  # Unix socket paths are limited to 107 bytes
export PELOTON_MASTER="unix:${sock}/jobmgr.sock"
peers=(--jobmgr="unix:${sock}/jobmgr.sock" --resmgr="unix:${sock}/resmgr.sock"
       --hostmgr="unix:${sock}/hostmgr.sock")
declare -A pid

fail() { fail_with_logs "$@"; }
trap 'stop_components; rm -rf "${sock}"' EXIT
start_hostmgr() { start_component hostmgr --data-dir="${work}/var" --local-hosts=2; }
start_resmgr() { start_component resmgr --data-dir="${work}/var" "${peers[@]}"; }
start_jobmgr() { start_component jobmgr --data-dir="${work}/var" "${peers[@]}"; }
start_placement() { start_component placement "${peers[@]}"; }

# The job manager starts first and waits for the components it calls.
start_jobmgr
start_placement
start_resmgr
start_hostmgr
wait_for_api

# The quick start, through four processes.
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > "${work}/out"
grep -q "created at /DefaultResPool" "${work}/out" || fail "respool create: $(cat "${work}/out")"
"${peloton}" respool dump | grep_q "^/DefaultResPool " || fail "respool dump"
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create" \
    2> /dev/null || fail "job create --wait: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" || fail "job: $(cat "${work}/create")"
job=$(head -1 "${work}/create" | awk '{print $2}')
[ "$("${peloton}" task list "${job}" | grep -c SUCCEEDED)" = 10 ] || fail "task list"
"${peloton}" task logs "${job}" 3 | grep_q "^Job ${job} instance 3: ${job}-3$" || fail "task logs: $("${peloton}" task logs "${job}" 3)"

# The HTTP/JSON endpoint of peloton-jobmgr (beside its socket): a job, and a pool from the
# resource manager.
yarpc "${sock}/jobmgr.sock.http" JobManager.Get "{\"id\": {\"value\": \"${job}\"}}" > "${work}/get"
grep -q '"state":"SUCCEEDED"' "${work}/get" || fail "JobManager.Get over HTTP: $(cat "${work}/get")"
yarpc "${sock}/jobmgr.sock.http" ResourceManager.LookupResourcePoolID \
    '{"path": {"value": "/DefaultResPool"}}' > "${work}/lookup"
grep -q '"id":{"value":"' "${work}/lookup" || fail "LookupResourcePoolID over HTTP: $(cat "${work}/lookup")"

# Every component's GET /metrics, beside its socket.
for name in jobmgr resmgr hostmgr placement; do
  curl -sS --unix-socket "${sock}/${name}.sock.http" -o "${work}/metrics-${name}" \
       -w '%{http_code}' localhost/metrics > "${work}/metrics-status"
  [ "$(cat "${work}/metrics-status")" = 200 ] || fail "${name}: GET /metrics: $(cat "${work}/metrics-${name}")"
done
grep -q '^peloton_jobs{state="SUCCEEDED"} ' "${work}/metrics-jobmgr" || fail "jobmgr metrics: $(cat "${work}/metrics-jobmgr")"
grep -q '^peloton_pool_reservation{kind="cpu",pool="/DefaultResPool"} 1$' "${work}/metrics-resmgr" ||
    fail "resmgr metrics: $(cat "${work}/metrics-resmgr")"
grep -q '^peloton_hosts{state="UP"} ' "${work}/metrics-hostmgr" || fail "hostmgr metrics: $(cat "${work}/metrics-hostmgr")"

# Refusals from the resource manager reach the CLI through the job manager.
expect_refused 1 "pool /NoSuchPool does not exist" "${peloton}" job create /NoSuchPool "${examples}/testjob.yaml"
printf 'name: other\nresources: []\n' > "${work}/misnamed.yaml"
expect_refused 1 "name" "${peloton}" respool create /DefaultResPool/child "${work}/misnamed.yaml"
expect_refused 1 "or is the root" "${peloton}" respool delete /

waiting_job "${work}/wait.yaml" 4
job2=$("${peloton}" job create /DefaultResPool "${work}/wait.yaml" | awk '{print $2}')
wait_running "${job2}" 4
"${peloton}" task stop "${job2}" -r 3 > /dev/null
for _ in $(seq 1 100); do
  "${peloton}" task list "${job2}" -r 3 | grep_q KILLED && break
  sleep 0.1
done
"${peloton}" task list "${job2}" -r 3 | grep_q KILLED || fail "task 3 not stopped"

wait_alloc 0.3

# Two preemptible tasks of 0.8 cpu (admitted against the entitlement, not the reservation) on
# two hosts of 1 cpu each: one runs on the free host, the other is admitted and waits for the
# first job's tasks to leave the other host.
cat > "${work}/big.yaml" <<YAML
instancecount: 2
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 0.8, memlimitmb: 2}
  command: {shell: true, value: 'while [ ! -e ${shared}/go ]; do sleep 0.05; done'}
YAML
job3=$("${peloton}" job create /DefaultResPool "${work}/big.yaml" | awk '{print $2}')
wait_running "${job3}" 1
wait_alloc 1.9  # job 2's 3 running tasks, and job 3's two
"${peloton}" task list "${job3}" | grep_q PENDING || fail "job 3: $("${peloton}" task list "${job3}")"

# Each component killed with SIGKILL and restarted while the others run on; the job manager
# sends a restarted resource manager or host manager its tasks again.
restart_component placement
sleep 0.5
restart_component resmgr
wait_alloc 1.9
restart_component hostmgr
sleep 0.5
restart_component jobmgr
wait_for_api
wait_alloc 1.9
wait_running "${job2}" 3
wait_running "${job3}" 1
"${peloton}" task list "${job3}" | grep_q PENDING || fail "job 3 after restarts: $("${peloton}" task list "${job3}")"
touch "${shared}/go"
for _ in $(seq 1 300); do
  [ "$("${peloton}" task list "${job2}" | grep -c SUCCEEDED)" = 3 ] && break
  sleep 0.1
done
[ "$("${peloton}" task list "${job2}" | grep -c SUCCEEDED)" = 3 ] || fail "after restarts: $("${peloton}" task list "${job2}")"
expect_runs_once 3
wait_state "${job3}" SUCCEEDED
"${peloton}" job stop "${job2}" > /dev/null
wait_state "${job2}" KILLED
wait_alloc 0

# New work is scheduled after the restarts.
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create2" \
    2> /dev/null || fail "job create after restarts: $(cat "${work}/create2")"
tail -1 "${work}/create2" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" || fail "job 3: $(cat "${work}/create2")"

# A service job through the four processes: it runs until stopped, its health checks make it
# HEALTHY, a restarted instance comes back as a new run, a rolling update moves it to a new
# command, and a stop ends it.
web=$("${peloton}" job create /DefaultResPool "${examples}/service_job.yaml" | awk '{print $2}')
wait_running "${web}" 2
wait_state "${web}" RUNNING
wait_healthy "${web}" 2  # the checks and their findings cross the internal wire
"${peloton}" task restart "${web}" -r 1 > /dev/null
wait_run_running "${web}" 1 2
# A rolling update through peloton-jobmgr: one at a time, each done once HEALTHY again.
sed 's|--bind 127.0.0.1|--bind 127.0.0.1 --directory /tmp|' "${examples}/service_job.yaml" \
    > "${work}/web2.yaml"
"${peloton}" update create "${web}" "${work}/web2.yaml" 1 /DefaultResPool --wait \
    > "${work}/web_update" || fail "update: $(cat "${work}/web_update")"
tail -1 "${work}/web_update" | grep_q "^SUCCEEDED (2 of 2 done, 0 failed)$" \
    || fail "update: $(cat "${work}/web_update")"
"${peloton}" job get "${web}" | grep_q -F -- "--directory /tmp" || fail "the job's config is not v2"
"${peloton}" job stop "${web}" > /dev/null
wait_state "${web}" KILLED

# A stateful service: its volume is made by the host manager's backend, and deleting the job
# has the job manager ask the host manager (across the wire) to destroy it.
cat > "${work}/db.yaml" <<'YAML'
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  volume: {containerpath: db, sizemb: 5}
  command: {shell: true, value: 'echo row >> db/table; exec sleep 600'}
YAML
db=$("${peloton}" job create /DefaultResPool "${work}/db.yaml" | awk '{print $2}')
wait_run_running "${db}" 0 1
table=$(ls "${work}"/var/volumes/*/"${db}-0/table" 2> /dev/null || true)
for _ in $(seq 1 100); do
  [ -n "${table}" ] && break
  sleep 0.1
  table=$(ls "${work}"/var/volumes/*/"${db}-0/table" 2> /dev/null || true)
done
[ -n "${table}" ] || fail "the stateful task wrote no volume: $(ls -R "${work}/var/volumes" 2>&1)"
"${peloton}" job stop "${db}" > /dev/null
wait_state "${db}" KILLED
"${peloton}" job delete "${db}" | grep_q deleted || fail "stateful job delete"
[ ! -e "$(dirname "${table}")" ] || fail "the volume outlived its job"

# A task bigger than any host (1.5 cpu; each has 1) is admitted, and placement, in its own
# process, tells the job manager it could never be placed: the task list says so.
cat > "${work}/huge.yaml" <<'YAML'
instancecount: 1
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 1.5, memlimitmb: 2}
  command: {shell: true, value: 'exit 0'}
YAML
huge=$("${peloton}" job create /DefaultResPool "${work}/huge.yaml" | awk '{print $2}')
never_fits "${huge}" INSUFFICIENT_RESOURCES
"${peloton}" job stop "${huge}" > /dev/null
wait_state "${huge}" KILLED

# Host maintenance is kept in the store: a host down for maintenance is still down after the
# host manager restarts, and comes back up when the maintenance completes.
host=$("${peloton}" host query | awk 'NR == 2 {print $1}')
# Through the job manager and the host manager's wire: what each host has free of its capacity,
# and its attributes (the virtual hosts' hostname).
"${peloton}" host query | grep_q "^${host} .* UP .*/.* hostname=${host}\$" ||
  fail "host query: $("${peloton}" host query)"
"${peloton}" host maintenance start "${host}" | grep_q "Maintenance started" || fail "maintenance start"
for _ in $(seq 1 100); do
  "${peloton}" host query | grep_q "^${host} .* DOWN " && break
  sleep 0.1
done
"${peloton}" host query | grep_q "^${host} .* DOWN " || fail "host not down: $("${peloton}" host query)"
restart_component hostmgr
for _ in $(seq 1 100); do  # until the restarted host manager answers with its hosts
  "${peloton}" host query > "${work}/hosts" 2> /dev/null || true
  grep -q "^${host} " "${work}/hosts" && break
  sleep 0.1
done
grep -q "^${host} .* DOWN " "${work}/hosts" || fail "after a restart: $(cat "${work}/hosts")"
"${peloton}" host maintenance complete "${host}" | grep_q "Maintenance completed" ||
  fail "maintenance complete: $("${peloton}" host query)"
[ "$("${peloton}" host query | grep -c " UP ")" = 2 ] || fail "host not back up: $("${peloton}" host query)"
echo "PASS"
