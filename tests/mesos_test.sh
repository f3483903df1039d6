#!/bin/bash
# peloton-master --backend=mesos against fake-mesos-master, a TEST DOUBLE of a Mesos master (not
# Mesos): a job runs to SUCCEEDED on the double's agents; the framework id the master assigns is
# kept in the store and asked for again after a restart; a master killed with SIGKILL while
# tasks run takes them over by reconciliation (no task runs twice); bad Mesos flags are refused.
# GPUs: CPU tasks keep off the GPU agent (the scarce-GPU rule), a GPU task runs there. Host
# maintenance from the CLI reaches the operator API: a window, the machine down, then up.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

root="${TEST_SRCDIR}/peloton"
master_bin="${root}/services/bin/peloton-master"
fake_bin="${root}/services/backend/mesos/fake-mesos-master"
peloton="${root}/services/cli/peloton"
examples="${root}/examples"
work="${TEST_TMPDIR}/mesos"
rm -rf "${work}"
mkdir -p "${work}"
sock_dir=$(mktemp -d /tmp/peloton-test.XXXXXX)
export PELOTON_MASTER="unix:${sock_dir}/master.sock"
master_pid="" fake_pid=""

fail() {
  echo "FAIL: $*" >&2
  for log in master fake; do [ -f "${work}/${log}.log" ] && cat "${work}/${log}.log" >&2; done
  exit 1
}
cleanup() {
  for pid in "${master_pid}" "${fake_pid}"; do [ -n "${pid}" ] && kill -9 "${pid}" 2>/dev/null; done
  rm -rf "${sock_dir}"
}
trap cleanup EXIT

# Four agents of 4 cpus; the first has 2 GPUs (scarce: CPU tasks stay off it while others fit).
start_fake_mesos --agents=4 --agent-cpus=4 --agent-gpus=2 --gpu-agents=1 \
  --framework-id=fw-assigned --finish-after-ms=1500

start_master() {
  "${master_bin}" --data-dir="${work}/var" --listen="${PELOTON_MASTER}" --backend=mesos \
    --mesos-master="${mesos}" --tick-ms=20 >> "${work}/master.log" 2>&1 &
  master_pid=$!
  wait_for_api
}

# Bad Mesos settings are refused before anything starts (the master logs why, exit status 2).
master_refuses() {
  local text=$1
  shift
  set +e
  "${master_bin}" --data-dir="${work}/refused" "$@" > "${work}/refused.log" 2>&1
  local got=$?
  set -e
  [ "${got}" = 2 ] || fail "peloton-master $* exited ${got}, expected 2"
  grep -qF -- "${text}" "${work}/refused.log" || fail "peloton-master $*: no '${text}' in $(cat "${work}/refused.log")"
}
master_refuses "mesos.master" --backend=mesos
master_refuses "mesos.role" --backend=mesos --mesos-master="${mesos}" --mesos-role='*'
master_refuses "cannot subscribe at 127.0.0.1:1" --listen="unix:${sock_dir}/other.sock" \
  --backend=mesos --mesos-master=127.0.0.1:1

start_master
fake_logged "subscription 1 asked for framework 3dcc744f-016c-6579-9b82-6325424502d2-9999" ||
  fail "the first subscription should ask for Peloton's default id"

"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" > "${work}/create" 2> /dev/null
job=$(head -1 "${work}/create" | awk '{print $2}')
# Wait until tasks run on the double's agents, then kill the master under them.
wait_running_on_mesos "${job}"
kill -9 "${master_pid}"
wait "${master_pid}" 2>/dev/null || true
start_master
fake_logged "subscription 2 asked for framework fw-assigned" ||
  fail "the restarted master should ask for the framework id the first one was given"

for _ in $(seq 1 300); do
  [ "$("${peloton}" task list "${job}" | grep -c SUCCEEDED)" = 10 ] && break
  sleep 0.05
done
[ "$("${peloton}" task list "${job}" | grep -c SUCCEEDED)" = 10 ] ||
  fail "after the restart: $("${peloton}" task list "${job}")"
"${peloton}" job status "${job}" | grep_q "^state: SUCCEEDED$" || fail "job status"
# The scarce-GPU rule: the job asks for no GPU, and the CPU agents had room for all of it.
if "${peloton}" task list "${job}" | grep_q "mesos-gpu-"; then
  fail "a CPU task went to the GPU agent: $("${peloton}" task list "${job}")"
fi
# A GPU job goes to the GPU agent (whole GPUs: Mesos allocates no fractions).
printf 'name: gpupool\nresources:\n- {kind: cpu, reservation: 1, limit: 2, share: 1}\n- {kind: memory, reservation: 512, limit: 2048, share: 1}\n- {kind: disk, reservation: 512, limit: 8192, share: 1}\n- {kind: gpu, reservation: 1, limit: 1, share: 1}\n' \
  > "${work}/gpupool.yaml"
"${peloton}" respool create /gpupool "${work}/gpupool.yaml" > /dev/null
"${peloton}" job create /gpupool "${examples}/gpu_job.yaml" > "${work}/gpu" 2> /dev/null
gpu_job=$(head -1 "${work}/gpu" | awk '{print $2}')
for _ in $(seq 1 300); do
  "${peloton}" job status "${gpu_job}" | grep_q "^state: SUCCEEDED$" && break
  sleep 0.05
done
"${peloton}" job status "${gpu_job}" | grep_q "^state: SUCCEEDED$" ||
  fail "gpu job: $("${peloton}" task list "${gpu_job}")"
"${peloton}" task list "${gpu_job}" | grep_q "SUCCEEDED  mesos-gpu-0" ||
  fail "the GPU task ran elsewhere: $("${peloton}" task list "${gpu_job}")"

# Host maintenance through Mesos's operator API: a window in the master's schedule, the machine
# down once empty, then up again.
"${peloton}" host maintenance start mesos-3 > /dev/null || fail "host maintenance start"
fake_logged "operator UPDATE_MAINTENANCE_SCHEDULE" || fail "no maintenance window"
fake_logged "operator START_MAINTENANCE" || fail "the machine was not taken down"
"${peloton}" host query | grep_q "^mesos-3 .* DOWN " || fail "host query: $("${peloton}" host query)"
"${peloton}" host maintenance complete mesos-3 > /dev/null || fail "host maintenance complete"
fake_logged "operator STOP_MAINTENANCE" || fail "the machine was not brought up"
"${peloton}" host query | grep_q "^mesos-3 .* UP " || fail "host query: $("${peloton}" host query)"
# Every instance ran once: run 1 only, on an agent of the double.
expect_ran_once "${job}" 10
for i in $(seq 0 9); do
  "${peloton}" task events "${job}" "${i}" | grep_q "SUCCEEDED .*mesos-" || fail "instance ${i}"
done
echo PASS
