#!/bin/bash
# Leader-elected components (issue 19): two candidates each of peloton-jobmgr, peloton-resmgr
# and peloton-hostmgr in a real ZooKeeper (2 s sessions), the store in a real PostgreSQL, and
# two placement engines, on Unix sockets. The job managers and the resource managers name both
# candidates of what they call; the placement engines and the CLI name the elections in
# ZooKeeper (zk://.../peloton/resmgr) and find the leader there. Only the leaders listen. In
# the middle of a job, the leading resource manager is killed with SIGKILL, then the leading
# host manager, then the leading job manager, then a placement engine. Each time the standby
# takes over (the test prints the time from the kill to the new leader serving), no instance
# runs twice, the pool's allocation still equals the running tasks' resources, and new work is
# placed. A leading job manager paused (SIGSTOP) past its session is followed by the standby,
# and exits, resumed, before it acts. At the end the jobs finish.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

root="${TEST_SRCDIR}/peloton"
bin="${root}/services"
peloton="${bin}/cli/peloton"
examples="${root}/examples"
work="${TEST_TMPDIR}/failover"
rm -rf "${work}"
mkdir -p "${work}"
shared="${work}/shared"  # the tasks' and the test's
mkdir -p "${shared}"
sock=$(mktemp -d /tmp/peloton-failover.XXXXXX)  # Unix socket paths are limited to 107 bytes
export PELOTON_MASTER  # the leading job manager, in ZooKeeper (below)
declare -A pid
fail() { fail_with_logs "$@"; }
trap 'stop_components; kill "${zk_pid:-}" 2>/dev/null || true; stop_postgres
      rm -rf "${sock}" "${pg_dir:-}"' EXIT

start_zookeeper
start_postgres
printf 'zk_session_timeout_seconds: 2\n' > "${work}/ha.yaml"
shared_flags=(--config="${work}/ha.yaml" --store="${pg_url}" --data-dir="${work}/var")
ha=(--zk="127.0.0.1:${zk_port}")
peers=(--jobmgr="unix:${sock}/jobmgr-a.sock,unix:${sock}/jobmgr-b.sock"
       --resmgr="unix:${sock}/resmgr-a.sock,unix:${sock}/resmgr-b.sock"
       --hostmgr="unix:${sock}/hostmgr-a.sock,unix:${sock}/hostmgr-b.sock")
start_resmgr() { start_component "$@" "${shared_flags[@]}" "${ha[@]}" "${peers[@]}"; }
start_hostmgr() { start_component "$1" "${shared_flags[@]}" "${ha[@]}" --local-hosts=2; }
start_jobmgr() { start_component "$1" "${shared_flags[@]}" "${ha[@]}" "${peers[@]}"; }

# logged NAME TEXT: the component's log has TEXT within 20 s.
logged() {
  for _ in $(seq 1 400); do
    grep -qF -- "$2" "${work}/$1.log" 2> /dev/null && return 0
    sleep 0.05
  done
  fail "$1 did not log '$2'"
}
# take_over LEADER STANDBY ROLE: kills the leader with SIGKILL and waits for the standby to
# serve; prints the time between.
take_over() {
  local from to
  from=$(date +%s.%N)
  kill -9 "${pid[$1]}"
  wait "${pid[$1]}" 2> /dev/null || true
  logged "$2" "peloton-$3 serving"
  to=$(date +%s.%N)
  local seconds
  seconds=$(python3 -c "print(f'{${to} - ${from}:.2f}')")
  echo "FAILOVER $3: ${seconds} s from the kill to ${2} serving"
}

PELOTON_MASTER="zk://127.0.0.1:${zk_port}/peloton/jobmgr"
start_jobmgr jobmgr-a
logged jobmgr-a "leading"
start_jobmgr jobmgr-b
logged jobmgr-b "standing by"
# The placement engines find the leaders in ZooKeeper.
by_zk=(--jobmgr="zk://127.0.0.1:${zk_port}/peloton/jobmgr"
       --resmgr="zk://127.0.0.1:${zk_port}/peloton/resmgr"
       --hostmgr="zk://127.0.0.1:${zk_port}/peloton/hostmgr")
start_component placement-a "${by_zk[@]}"
start_component placement-b "${by_zk[@]}"
start_resmgr resmgr-a
logged resmgr-a "leading"
# resmgr-b announces another path to its socket (a link): what callers that find it in
# ZooKeeper dial.
ln -s "${sock}/resmgr-b.sock" "${sock}/advertised-b.sock"
start_resmgr resmgr-b --advertise="unix:${sock}/advertised-b.sock"
logged resmgr-b "standing by as unix:${sock}/advertised-b.sock"
start_hostmgr hostmgr-a
logged hostmgr-a "leading"
start_hostmgr hostmgr-b
logged hostmgr-b "standing by"
wait_for_api
for standby in jobmgr-b resmgr-b hostmgr-b; do
  [ ! -e "${sock}/${standby}.sock" ] || fail "${standby}, a standby, listens"
done

"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
waiting_job "${work}/wait.yaml" 4
job=$("${peloton}" job create /DefaultResPool "${work}/wait.yaml" | awk '{print $2}')
wait_running "${job}" 4
wait_alloc 0.4

take_over resmgr-a resmgr-b resmgr
wait_alloc 0.4  # rebuilt from the job manager
wait_running "${job}" 4

take_over hostmgr-a hostmgr-b hostmgr
wait_running "${job}" 4
wait_alloc 0.4

take_over jobmgr-a jobmgr-b jobmgr  # recovers the jobs from PostgreSQL
wait_running "${job}" 4
wait_alloc 0.4
# The CLI with both job managers' addresses: the first is gone, the second answers.
"${peloton}" --master="unix:${sock}/jobmgr-a.sock,unix:${sock}/jobmgr-b.sock" job status "${job}" |
    grep_q "^state: RUNNING$" || fail "the CLI over both job managers' addresses"

kill -9 "${pid[placement-a]}"
wait "${pid[placement-a]}" 2> /dev/null || true
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create" \
    2> /dev/null || fail "job create after the failovers: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" ||
    fail "job: $(cat "${work}/create")"

# A leader paused past its session (SIGSTOP) is followed; resumed, it exits before it acts.
start_jobmgr jobmgr-a
logged jobmgr-a "standing by"
served=$(grep -c "peloton-jobmgr serving" "${work}/jobmgr-a.log")
kill -STOP "${pid[jobmgr-b]}"
for _ in $(seq 1 300); do
  [ "$(grep -c "peloton-jobmgr serving" "${work}/jobmgr-a.log")" -gt "${served}" ] && break
  sleep 0.05
done
[ "$(grep -c "peloton-jobmgr serving" "${work}/jobmgr-a.log")" -gt "${served}" ] ||
    fail "jobmgr-a did not take over from the paused jobmgr-b"
kill -CONT "${pid[jobmgr-b]}"
set +e
wait "${pid[jobmgr-b]}"
status=$?
set -e
[ "${status}" = 1 ] || fail "the resumed former leader exited ${status}, not 1"
grep_q "another candidate may lead now; exiting" "${work}/jobmgr-b.log" ||
    fail "jobmgr-b: no word of losing the lead"
wait_running "${job}" 4

touch "${shared}/go"
wait_state "${job}" SUCCEEDED
expect_runs_once 4
wait_alloc 0
echo PASS
