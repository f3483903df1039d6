#!/bin/bash
# The four components apart with peloton-hostmgr --backend=mesos, against fake-mesos-master (a
# TEST DOUBLE of a Mesos master, not Mesos): a job runs to SUCCEEDED on the double's agents; the
# host manager, killed with SIGKILL while tasks run and restarted, subscribes again with the
# framework id it keeps in the shared store and, reconciled by the job manager, takes the
# running tasks over: the job finishes and no instance runs twice.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

root="${TEST_SRCDIR}/peloton"
bin="${root}/services"
peloton="${bin}/cli/peloton"
examples="${root}/examples"
work="${TEST_TMPDIR}/mesos_split"
rm -rf "${work}"
mkdir -p "${work}"
sock=$(mktemp -d /tmp/peloton-msplit.XXXXXX)
export PELOTON_MASTER="unix:${sock}/jobmgr.sock"
peers=(--jobmgr="unix:${sock}/jobmgr.sock" --resmgr="unix:${sock}/resmgr.sock"
       --hostmgr="unix:${sock}/hostmgr.sock")
declare -A pid

fail() { fail_with_logs "$@"; }
trap 'stop_components; rm -rf "${sock}"' EXIT

fake_bin="${bin}/backend/mesos/fake-mesos-master"
start_fake_mesos --agents=3 --agent-cpus=4 --framework-id=fw-split --finish-after-ms=2000
pid[fake]=${fake_pid}

start_hostmgr() {
  start_component hostmgr --data-dir="${work}/var" --backend=mesos --mesos-master="${mesos}"
}
start_hostmgr
start_component resmgr --data-dir="${work}/var" "${peers[@]}"
start_component jobmgr --data-dir="${work}/var" "${peers[@]}"
start_component placement "${peers[@]}"
wait_for_api

"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" > "${work}/create" 2> /dev/null
job=$(head -1 "${work}/create" | awk '{print $2}')
wait_running_on_mesos "${job}"

restart_component hostmgr
fake_logged "subscription 2 asked for framework fw-split" ||
  fail "the restarted host manager should ask for the framework id it was given"

for _ in $(seq 1 400); do
  "${peloton}" job status "${job}" | grep_q "^state: SUCCEEDED$" && break
  sleep 0.05
done
"${peloton}" job status "${job}" | grep_q "^state: SUCCEEDED$" ||
  fail "job: $("${peloton}" task list "${job}")"
expect_ran_once "${job}" 10
echo PASS
