#!/bin/bash
# Issue 19's failure test: three all-active peloton-jobmgr, two leader-elected candidates each
# of peloton-resmgr and peloton-hostmgr in a real ZooKeeper (2 s sessions), the store in a real
# PostgreSQL, and two placement engines, on Unix sockets. The job managers all serve, each
# owning the jobs rendezvous hashing gives it and sending calls about the others' on to their
# owners; the resource and host managers name both candidates of what they call; the placement
# engines and the CLI name the elections in ZooKeeper (zk://.../peloton/resmgr). Only the
# resource and host managers' leaders listen. In the middle of a batch job and a service job,
# and while the service's rolling restart goes on, the leading resource manager is killed with
# SIGKILL, then the leading host manager, then the owner of the jobs, then a placement engine.
# Each time (the test prints the time from the kill
# to the successor serving, or taking up the jobs) no instance runs twice, the pool's
# allocation still equals the running tasks' resources, and new work is placed. The jobs' new
# owner, paused (SIGSTOP) past its session, is followed by the third job manager, and exits,
# resumed, before it acts. Jobs made through each job manager are answered for by every one, and
# two writes of one job with the same entity version through two of them: one wins, the other
# is refused. PostgreSQL then restarts under them all. At the end the jobs finish.
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
# fail_summary: what each job manager last said of the members and of the jobs it took up or
# let go, and of its errors.
fail_summary() {
  local name
  for name in jobmgr-a jobmgr-b jobmgr-c; do
    echo "== ${name}: members, jobs taken up and let go, errors"
    grep -E "job managers:|took up|let go|error|exiting" "${work}/${name}.log" 2> /dev/null |
        tail -n 8 || true
  done
}
trap 'stop_ha; rm -rf "${sock}" "${pg_dir:-}"' EXIT

start_ha 2
jobmgrs="unix:${sock}/jobmgr-a.sock,unix:${sock}/jobmgr-b.sock,unix:${sock}/jobmgr-c.sock"
peers=(--jobmgr="${jobmgrs}"
       --resmgr="unix:${sock}/resmgr-a.sock,unix:${sock}/resmgr-b.sock"
       --hostmgr="unix:${sock}/hostmgr-a.sock,unix:${sock}/hostmgr-b.sock")
start_resmgr() { start_component "$@" "${ha_flags[@]}" "${peers[@]}"; }
start_hostmgr() { start_component "$1" "${ha_flags[@]}" --local-hosts=2; }
start_jobmgr() { start_component "$1" "${ha_flags[@]}" "${peers[@]}"; }

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

# took_up NAME JOB: how many times the job manager has taken up the job.
took_up() { grep -c "took up .*$2" "${work}/$1.log" 2> /dev/null || true; }
# taken_over JOB NAME...: waits (20 s) until one of the job managers NAME takes up the job
# again, and prints its name. Each NAME's count before is in before[NAME].
declare -A before
taken_over() {
  local job=$1 name
  shift
  for _ in $(seq 1 400); do
    for name in "$@"; do
      if [ "$(took_up "${name}" "${job}")" -gt "${before[${name}]}" ]; then
        echo "${name}"
        return 0
      fi
    done
    sleep 0.05
  done
  fail "none of $* took up ${job}"
}
# holds NAME JOB: whether the job manager's last word on the job is that it took it up (or
# made it), not that it let it go.
holds() {
  grep "took up .*$2\|job $2 created\|let go .*$2" "${work}/$1.log" 2> /dev/null | tail -n 1 |
      grep -q "took up\|created"
}
# owner_of JOB: the job manager that holds the job, once exactly one does (20 s). (The last to
# take it up is not enough: one that read the members before another joined may take it up
# after that one did, and let it go soon after.)
owner_of() {
  local name holders=()
  for _ in $(seq 1 400); do
    holders=()
    for name in jobmgr-a jobmgr-b jobmgr-c; do
      if holds "${name}" "$1"; then holders+=("${name}"); fi
    done
    if [ "${#holders[@]}" = 1 ]; then
      echo "${holders[0]}"
      return 0
    fi
    sleep 0.05
  done
  fail "job managers that hold $1: ${holders[*]:-none}"
}

PELOTON_MASTER="zk://127.0.0.1:${zk_port}/peloton/jobmgr"
start_jobmgr jobmgr-a  # it joins once the resource and host managers answer
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
logged jobmgr-a "a job manager among those in ZooKeeper"
wait_for_api
for standby in resmgr-b hostmgr-b; do
  [ ! -e "${sock}/${standby}.sock" ] || fail "${standby}, a standby, listens"
done
# The CLI finds jobmgr-a in ZooKeeper (the first member): it creates, and owns, the jobs.
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
waiting_job "${work}/wait.yaml" 4
job=$("${peloton}" job create /DefaultResPool "${work}/wait.yaml" | awk '{print $2}')
# The service's 4 tasks run until stopped, and take 2 s to stop (they ignore SIGTERM), so that
# its rolling restart (below) spans the failovers.
cat > "${work}/service.yaml" <<YAML
type: SERVICE
instancecount: 4
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  killgraceperiodseconds: 2
  command: {shell: true, value: 'trap "" TERM; while true; do sleep 0.05; done'}
YAML
service=$("${peloton}" job create /DefaultResPool "${work}/service.yaml" | awk '{print $2}')
wait_running "${job}" 4
wait_running "${service}" 4
wait_alloc 0.8
# The others join: jobmgr-a keeps these jobs or lets them go to their new owners.
start_jobmgr jobmgr-b
start_jobmgr jobmgr-c
logged jobmgr-b "peloton-jobmgr serving"
logged jobmgr-c "peloton-jobmgr serving"
members="job managers: unix:${sock}/jobmgr-a.sock, unix:${sock}/jobmgr-b.sock"
for name in jobmgr-a jobmgr-b jobmgr-c; do
  logged "${name}" "${members}, unix:${sock}/jobmgr-c.sock"
done
wait_running "${job}" 4
wait_running "${service}" 4
wait_alloc 0.8

# A rolling restart of the service, an instance at a time, through the failovers below.
restart=$("${peloton}" job rolling-restart "${service}" 1 | awk '{print $3}')
[ -n "${restart}" ] || fail "no rolling restart"
take_over resmgr-a resmgr-b resmgr
wait_alloc 0.8  # rebuilt from the job managers
wait_running "${job}" 4

take_over hostmgr-a hostmgr-b hostmgr
wait_running "${job}" 4
wait_alloc 0.8

# Every job manager answers for every job, sending the call on to its owner; jobs made through
# each are their maker's, and finish.
for name in jobmgr-a jobmgr-b jobmgr-c; do
  "${peloton}" --master="unix:${sock}/${name}.sock" job status "${job}" |
      grep_q "^state: RUNNING$" || fail "${name}: job status of ${job}"
  made=$("${peloton}" --master="unix:${sock}/${name}.sock" job create /DefaultResPool \
      "${examples}/testjob.yaml" | awk '{print $2}')
  for other in jobmgr-a jobmgr-b jobmgr-c; do
    PELOTON_MASTER="unix:${sock}/${other}.sock" wait_state "${made}" SUCCEEDED
  done
done

# Two writes of one job with the same entity version, through two job managers at once: one
# wins, the other is refused as stale, never both (no lost update).
cat > "${work}/one.yaml" <<YAML
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  command: {shell: true, value: 'while true; do sleep 0.05; done'}
YAML
one=$("${peloton}" job create /DefaultResPool "${work}/one.yaml" | awk '{print $2}')
wait_running "${one}" 1
version=$("${peloton}" job stateless get "${one}" | awk '$1 == "version:" {print $2}')
writers=()
for name in jobmgr-b jobmgr-c; do
  ( set +e
    "${peloton}" --master="unix:${sock}/${name}.sock" job stateless restart "${one}" \
        "${version}" > "${work}/write-${name}" 2>&1
    echo "exit $?" >> "${work}/write-${name}" ) &
  writers+=($!)
done
wait "${writers[@]}"
[ "$(cat "${work}"/write-jobmgr-* | grep -c "^exit 0$")" = 1 ] ||
    fail "concurrent writes: $(cat "${work}"/write-jobmgr-*)"
grep_q "unexpected entity version" "${work}"/write-jobmgr-* ||
    fail "the losing write: $(cat "${work}"/write-jobmgr-*)"
"${peloton}" job stop "${one}" > /dev/null
wait_state "${one}" KILLED
wait_alloc 0.8

# The owner of the jobs dies: another takes them up.
owner=$(owner_of "${job}")
[ -n "${owner}" ] || fail "no job manager took up ${job}"
others=()
for name in jobmgr-a jobmgr-b jobmgr-c; do
  [ "${name}" = "${owner}" ] || others+=("${name}")
  before[${name}]=$(took_up "${name}" "${job}")
done
from=$(date +%s.%N)
kill -9 "${pid[${owner}]}"
wait "${pid[${owner}]}" 2> /dev/null || true
successor=$(taken_over "${job}" "${others[@]}")
to=$(date +%s.%N)
seconds=$(python3 -c "print(f'{${to} - ${from}:.2f}')")
echo "FAILOVER jobmgr: ${seconds} s from the kill to ${successor} taking up the job"
jobmgrs_left=$(echo "${jobmgrs}" | tr ',' '\n' | grep -v "/${owner}.sock" | paste -sd,)
wait_running "${job}" 4
wait_running "${service}" 4
wait_alloc 0.8
# Peloton's -z and --zkroot find a job manager in ZooKeeper.
"${peloton}" -z "127.0.0.1:${zk_port}" --zkroot /peloton job status "${job}" |
    grep_q "^state: RUNNING$" || fail "the CLI with -z and --zkroot"
# The CLI with every job manager's address: the dead one is passed over.
"${peloton}" --master="${jobmgrs}" job status "${job}" |
    grep_q "^state: RUNNING$" || fail "the CLI over the job managers' addresses"

kill -9 "${pid[placement-a]}"
wait "${pid[placement-a]}" 2> /dev/null || true
"${peloton}" --master="${jobmgrs_left}" job create /DefaultResPool "${examples}/testjob.yaml" \
    --wait > "${work}/create" 2> /dev/null ||
    fail "job create after the failovers: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" ||
    fail "job: $(cat "${work}/create")"

# The jobs' owner, paused past its session (SIGSTOP), is followed by the third job manager;
# resumed, it exits before it acts (the fence would refuse its writes anyway).
third=""
for name in jobmgr-a jobmgr-b jobmgr-c; do
  [ "${name}" = "${owner}" ] || [ "${name}" = "${successor}" ] || third=${name}
done
before[${third}]=$(took_up "${third}" "${job}")
kill -STOP "${pid[${successor}]}"
taken_over "${job}" "${third}" > /dev/null
kill -CONT "${pid[${successor}]}"
set +e
wait "${pid[${successor}]}"
status=$?
set -e
[ "${status}" = 1 ] || fail "the resumed former owner exited ${status}, not 1"
grep_q "another candidate may lead now" "${work}/${successor}.log" ||
    fail "${successor}: no word of losing its jobs"
PELOTON_MASTER="unix:${sock}/${third}.sock"
wait_running "${job}" 4
wait_running "${service}" 4
wait_alloc 0.8

# PostgreSQL restarts under them all: the jobs go on, and new work runs.
stop_postgres
start_postgres_server
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create" \
    2> /dev/null || fail "job create after PostgreSQL restarted: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" ||
    fail "job after PostgreSQL restarted: $(cat "${work}/create")"
wait_running "${job}" 4
wait_running "${service}" 4
wait_alloc 0.8

# The rolling restart ended, every instance restarted once, whoever owned the job meanwhile.
for _ in $(seq 1 600); do
  [ "$(update_state "${restart}")" = SUCCEEDED ] && break
  sleep 0.1
done
[ "$(update_state "${restart}")" = SUCCEEDED ] ||
    fail "rolling restart: $("${peloton}" update get "${restart}")"
"${peloton}" update get "${restart}" | grep_q "4 of 4 done, 0 failed" ||
    fail "rolling restart: $("${peloton}" update get "${restart}")"

touch "${shared}/go"
wait_state "${job}" SUCCEEDED
expect_runs_once 4
"${peloton}" job stop "${service}" > /dev/null
wait_state "${service}" KILLED
wait_alloc 0
echo PASS
