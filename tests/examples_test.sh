#!/bin/bash
# The examples/ files, each on a peloton-master with declared virtual hosts (so that the
# outcome does not depend on this machine's size):
#   - preemption/: a preemptible job fills the cluster from /A; a non-preemptible job in /B
#     takes back /B's reservation, and two of the first job's tasks are preempted;
#   - host_limit_job.yaml: one task per host on three hosts, the fourth waits;
#   - gpu_job.yaml: on config/master/gpu-hosts.yaml, the task runs on the GPU host.
set -euo pipefail

root="${TEST_SRCDIR}/peloton"
master_bin="${root}/services/master/peloton-master"
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
      "${peloton}" job status "${j}" 2> /dev/null | grep -q "^state: \(KILLED\|SUCCEEDED\|FAILED\)$" && break
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
  "${master_bin}" --data-dir="${work}/${name}" --listen="${PELOTON_MASTER}" --tick-ms=20 "$@" \
      >> "${work}/${name}.log" 2>&1 &
  master_pid=$!
  for _ in $(seq 1 100); do
    "${peloton}" respool dump > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "peloton-master did not start"
}
create() {  # create <pool> <file>: prints the job id
  local id
  id=$("${peloton}" job create "$1" "$2" | awk '{print $2}')
  jobs+=("${id}")
  echo "${id}"
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
fill=$(create /A "${examples}/preemption/fill.yaml")
wait_count "${fill}" RUNNING 4
urgent=$(create /B "${examples}/preemption/urgent.yaml")
wait_count "${urgent}" RUNNING 2
wait_count "${fill}" RUNNING 2
[ "$(count "${fill}" PENDING)" = 2 ] || fail "fill: $("${peloton}" task list "${fill}")"
"${peloton}" task events "${fill}" 0 > /dev/null
stop_master

# One task per host.
start_master host_limit --config="${configs}/base.yaml" --config="${configs}/development.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
limited=$(create /DefaultResPool "${examples}/host_limit_job.yaml")
wait_count "${limited}" RUNNING 3
sleep 0.5  # many ticks: the fourth still finds no host
[ "$(count "${limited}" RUNNING)" = 3 ] || fail "host limit: $("${peloton}" task list "${limited}")"
[ "$(count "${limited}" PENDING)" = 1 ] || fail "host limit: $("${peloton}" task list "${limited}")"
[ "$("${peloton}" task list "${limited}" | awk '$2 == "RUNNING" {print $3}' | sort -u | wc -l)" = 3 ] \
    || fail "host limit: not on three hosts: $("${peloton}" task list "${limited}")"
stop_master

# A GPU task on the host that has a GPU.
start_master gpu --config="${configs}/base.yaml" --config="${configs}/gpu-hosts.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
printf 'name: gpupool\nresources:\n- {kind: cpu, reservation: 1, limit: 2, share: 1}\n- {kind: memory, reservation: 512, limit: 2048, share: 1}\n- {kind: disk, reservation: 512, limit: 8192, share: 1}\n- {kind: gpu, reservation: 1, limit: 1, share: 1}\n' \
    > "${work}/gpupool.yaml"
"${peloton}" respool create /gpupool "${work}/gpupool.yaml" > /dev/null
gpu=$(create /gpupool "${examples}/gpu_job.yaml")
wait_count "${gpu}" SUCCEEDED 1
"${peloton}" task list "${gpu}" | grep -q " SUCCEEDED  gpu-0 " || fail "gpu: $("${peloton}" task list "${gpu}")"
stop_master
echo "PASS"
