#!/bin/bash
# The examples/ files, each on a peloton-master with declared virtual hosts (so that the
# outcome does not depend on this machine's size):
#   - preemption/: a preemptible job fills the cluster from /A; a non-preemptible job in /B
#     takes back /B's reservation, and two of the first job's tasks are preempted;
#   - host_limit_job.yaml: one task per host on three hosts, the fourth waits;
#   - service_job.yaml: a SERVICE job runs, its HTTP health checks make it HEALTHY, and a
#     restarted instance comes back as run 2 and is checked again;
#   - routed_service_job.yaml: on config/master/routed-host.yaml, behind peloton-router and
#     HAProxy, a rolling restart loses no request;
#   - gpu_job.yaml: on config/master/gpu-hosts.yaml, the task runs on the GPU host;
#   - the sim backend: hosts from a node list, a ten-minute job simulated in under a second.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

root="${TEST_SRCDIR}/peloton"
master_bin="${root}/services/bin/peloton-master"
peloton="${root}/services/cli/peloton"
examples="${root}/examples"
configs="${root}/config/master"
work="${TEST_TMPDIR}/examples"
rm -rf "${work}"
mkdir -p "${work}"
sock=$(mktemp -d /tmp/peloton-examples.XXXXXX)
export PELOTON_MASTER="unix:${sock}/master.sock"
master_pid=""
jobs=()

fail() { echo "FAIL: $*" >&2; tail -n 30 "${work}"/*.log >&2 || true; exit 1; }
stop_master() {  # stops every job it started (no task outlives the test), then the master
  for j in "${jobs[@]}"; do "${peloton}" job stop "${j}" > /dev/null 2>&1 || true; done
  for j in "${jobs[@]}"; do
    for _ in $(seq 1 100); do
      "${peloton}" job status "${j}" 2> /dev/null | grep_q "^state: \(KILLED\|SUCCEEDED\|FAILED\)$" && break
      sleep 0.1
    done
  done
  jobs=()
  [ -n "${master_pid}" ] && kill "${master_pid}" 2> /dev/null && wait "${master_pid}" 2> /dev/null || true
  master_pid=""
}
trap 'stop_master; rm -rf "${sock}"' EXIT
start_master() {  # start_master <name> [flags...]
  local name=$1
  shift
  "${master_bin}" --data-dir="${work}/${name}" --listen="${PELOTON_MASTER}" --tick-ms=20 \
      "${task_flags[@]}" "$@" >> "${work}/${name}.log" 2>&1 &
  master_pid=$!
  wait_for_api
}
created=""
create() {  # create <pool> <file>: the job's id in $created (and stopped by stop_master)
  created=$("${peloton}" job create "$1" "$2" | awk '{print $2}')
  [ -n "${created}" ] || fail "job create $2"
  jobs+=("${created}")
}
count() { "${peloton}" task list "$1" | grep -c " $2 " || true; }
wait_count() {  # wait_count <job> <state> <n>
  for _ in $(seq 1 300); do
    [ "$(count "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  fail "job $1: not $3 $2: $("${peloton}" task list "$1")"
}

# Preemption: two pools of a 2-core cluster of two hosts.
printf 'hosts:\n- {name: h0, cpu: 1, memory_mb: 2048, disk_mb: 4096}\n- {name: h1, cpu: 1, memory_mb: 2048, disk_mb: 4096}\n' \
    > "${work}/two-hosts.yaml"
start_master preemption --config="${work}/two-hosts.yaml" --preemption-period-ticks=5 \
    --sustained-over-allocation=2
"${peloton}" respool create /A "${examples}/preemption/pool.yaml" > /dev/null
"${peloton}" respool create /B "${examples}/preemption/pool.yaml" > /dev/null
create /A "${examples}/preemption/fill.yaml"
fill="${created}"
wait_count "${fill}" RUNNING 4
create /B "${examples}/preemption/urgent.yaml"
urgent="${created}"
wait_count "${urgent}" RUNNING 2
wait_count "${fill}" RUNNING 2
[ "$(count "${fill}" PENDING)" = 2 ] || fail "fill: $("${peloton}" task list "${fill}")"
"${peloton}" task events "${fill}" 0 > /dev/null
stop_master

# One task per host.
start_master host_limit --config="${configs}/base.yaml" --config="${configs}/development.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
create /DefaultResPool "${examples}/host_limit_job.yaml"
limited="${created}"
wait_count "${limited}" RUNNING 3
sleep 0.5  # many ticks: the fourth still finds no host
[ "$(count "${limited}" RUNNING)" = 3 ] || fail "host limit: $("${peloton}" task list "${limited}")"
[ "$(count "${limited}" PENDING)" = 1 ] || fail "host limit: $("${peloton}" task list "${limited}")"
[ "$("${peloton}" task list "${limited}" | awk '$2 == "RUNNING" {print $3}' | sort -u | wc -l)" = 3 ] \
    || fail "host limit: not on three hosts: $("${peloton}" task list "${limited}")"

# A service on the same hosts: it runs until stopped, and a restarted instance is a new run.
create /DefaultResPool "${examples}/service_job.yaml"
web="${created}"
wait_count "${web}" RUNNING 2
"${peloton}" job status "${web}" | grep_q "^state: RUNNING$" || fail "service: $("${peloton}" job status "${web}")"
wait_healthy "${web}" 2  # its HTTP checks pass
"${peloton}" task events "${web}" 0 | grep_q " HEALTHY .*HTTP 200 from GET /" ||
  fail "service: no healthy event: $("${peloton}" task events "${web}" 0)"
"${peloton}" task restart "${web}" -r 0 > /dev/null
wait_run_running "${web}" 0 2
wait_count "${web}" RUNNING 2
wait_healthy "${web}" 2
stop_master

# routed_service_job.yaml on config/master/routed-host.yaml (its port range moved off the
# 31000s other tests' tasks take), behind peloton-router and a real HAProxy: both instances
# answer through it, and a rolling restart loses no request.
listen=$(free_port)
from=$((20000 + RANDOM % 100 * 100))
sed "s/port_begin: 31000, port_end: 31999/port_begin: ${from}, port_end: $((from + 99))/" \
    "${configs}/routed-host.yaml" > "${work}/routed-host.yaml"
grep_q "port_begin: ${from}" "${work}/routed-host.yaml" || fail "routed-host.yaml's ports moved"
start_master routed --config="${configs}/base.yaml" --config="${work}/routed-host.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
sed "s/127.0.0.1:8080/127.0.0.1:${listen}/" "${examples}/routed_service_job.yaml" > "${work}/routed.yaml"
create /DefaultResPool "${work}/routed.yaml"
routed="${created}"
wait_healthy "${routed}" 2
"${root}/services/bin/peloton-router" --master="${PELOTON_MASTER}" --job="${routed}" --mode=http \
    --state-dir="${sock}/router" >> "${work}/router.log" 2>&1 &
router_pid=$!
through() { curl -sf -o /dev/null -m 2 "http://127.0.0.1:${listen}/"; }
for _ in $(seq 1 100); do through && break; sleep 0.1; done
through || fail "routed: nothing answers through HAProxy"
( bad=0; for _ in $(seq 1 400); do through || bad=$((bad + 1)); [ -f "${work}/restarted" ] && break; done
  echo "${bad}" > "${work}/routed_bad" ) &
client=$!
"${peloton}" job rolling-restart "${routed}" 1 --wait > /dev/null || fail "routed: rolling restart"
touch "${work}/restarted"
wait "${client}"
[ "$(cat "${work}/routed_bad")" = 0 ] || fail "routed: $(cat "${work}/routed_bad") requests failed in the restart"
kill "${router_pid}"
wait "${router_pid}" || fail "routed: the router exited $?"
stop_master

# A GPU task on the host that has a GPU.
start_master gpu --config="${configs}/base.yaml" --config="${configs}/gpu-hosts.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
printf 'name: gpupool\nresources:\n- {kind: cpu, reservation: 1, limit: 2, share: 1}\n- {kind: memory, reservation: 512, limit: 2048, share: 1}\n- {kind: disk, reservation: 512, limit: 8192, share: 1}\n- {kind: gpu, reservation: 1, limit: 1, share: 1}\n' \
    > "${work}/gpupool.yaml"
"${peloton}" respool create /gpupool "${work}/gpupool.yaml" > /dev/null
create /gpupool "${examples}/gpu_job.yaml"
gpu="${created}"
wait_count "${gpu}" SUCCEEDED 1
"${peloton}" task list "${gpu}" | grep_q " SUCCEEDED  gpu-0 " || fail "gpu: $("${peloton}" task list "${gpu}")"
stop_master

# The sim backend: hosts from a node list, tasks that run no process, ten minutes of
# `sleep 600` simulated at 1000x.
printf 'sn,cpu_milli,memory_mib,gpu,model\nnode-a,32000,262144,0,\nnode-b,96000,786432,8,V100M32\n' \
    > "${work}/nodes.csv"
start_master sim --backend=sim --sim-hosts-file="${work}/nodes.csv" --sim-speed=1000
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
printf 'instancecount: 20\ndefaultconfig:\n  resource: {cpulimit: 1, memlimitmb: 64}\n  command: {shell: true, value: "sleep 600"}\n' \
    > "${work}/ten-minutes.yaml"
create /DefaultResPool "${work}/ten-minutes.yaml"
simjob="${created}"
wait_count "${simjob}" SUCCEEDED 20
"${peloton}" task list "${simjob}" | grep_q " node-a " || fail "sim: $("${peloton}" task list "${simjob}")"
[ -z "$(ls -A "${work}/sim/sandboxes" 2> /dev/null || true)" ] || fail "the sim backend started processes"
# A reply holds at most 10,000 tasks: task list pages through a job of 10,050, in every form.
printf 'instancecount: 10050\ndefaultconfig:\n  resource: {cpulimit: 0.01, memlimitmb: 1}\n  command: {shell: true, value: "sleep 60"}\n' \
    > "${work}/many.yaml"
create /DefaultResPool "${work}/many.yaml"
many="${created}"
wait_count "${many}" SUCCEEDED 10050
[ "$("${peloton}" task list "${many}" | wc -l)" = 10051 ] || fail "task list of 10,050 tasks"
"${peloton}" task list "${many}" -o json | python3 -c '
import json, sys
tasks = json.load(sys.stdin)
assert sorted(int(t["instanceId"]) for t in tasks) == list(range(10050)), len(tasks)' ||
  fail "task list -o json of 10,050 tasks"
[ "$("${peloton}" task list "${many}" --range 9990:10020 | wc -l)" = 31 ] || fail "task list --range"
stop_master
echo "PASS"
