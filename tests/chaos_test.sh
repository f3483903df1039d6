#!/bin/bash
# Chaos: a bounded mixed workload (batch jobs, a service job and a rolling update of it) on the
# local backend while a driver kill -9s random components at random moments, first with
# peloton-master alone (all-in-one), then with the four daemons apart (split mode). Task
# runners are components too: one killed leaves its task to be found lost and run again.
#
# After each kill, once the component is back, and at the end:
# - every acknowledged job (its create answered) is still there;
# - no instance ever ran twice at once: each task holds an flock on a file of its own instance
#   while it runs, and a second holder records itself in `doubles`;
# - the pool's allocation equals what its tasks hold (0.1 cpu each, from admission until they
#   end), read when the two agree within 20 s;
# and at the end every batch job succeeds, the update succeeds, and the service, stopped, ends.
#
# CHAOS_SEED (printed; random by default) replays a run's choices: the victims and the pauses
# (the processes' own timing still varies). CHAOS_KILLS (default 5) is the kills per mode.
# CHAOS_KEEP=DIR: a failed run's work directory (logs, store, sandboxes) is copied to DIR.
# `make chaos` runs it longer.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

root="${TEST_SRCDIR}/peloton"
bin="${root}/services"
master_bin="${bin}/bin/peloton-master"
peloton="${bin}/cli/peloton"
examples="${root}/examples"
seed=${CHAOS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
kills=${CHAOS_KILLS:-5}
echo "chaos: seed ${seed} (CHAOS_SEED=${seed} replays it), ${kills} kills per mode"
RANDOM=${seed}

sock=$(mktemp -d /tmp/peloton-chaos.XXXXXX)  # Unix socket paths are limited to 107 bytes
declare -A pid
fail() {
  echo "chaos: seed ${seed}" >&2
  # The tasks of every acknowledged job that has not succeeded, as the API sees them.
  local j
  for j in "${acked[@]}"; do
    "${peloton}" job status "${j}" 2> /dev/null | grep_q '^state: SUCCEEDED$' && continue
    echo "== tasks of ${j}" >&2
    "${peloton}" task list "${j}" >&2 2>&1 || true
  done
  [ -z "${CHAOS_KEEP:-}" ] || cp -a "${work}" "${CHAOS_KEEP}" || true
  fail_with_logs "$@"
}
# Every daemon, every runner and every task of this test (tasks write their pid in pids/).
cleanup() {
  stop_components
  pkill -9 -f -- "--sandbox=${TEST_TMPDIR}/chaos" 2> /dev/null || true
  for f in "${TEST_TMPDIR}"/chaos-*/pids/*; do
    [ -e "${f}" ] && { kill -9 "$(cat "${f}")" 2> /dev/null || true; }
  done
  rm -rf "${sock}"
}
trap cleanup EXIT

# --- the workload

# batch_job FILE: 6 instances of 1 s each, retried on failure (a lost run counts as one).
batch_job() {
  cat > "$1" <<YAML
instancecount: 6
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  restartpolicy: {maxfailures: 5}
  command: {shell: true, value: '$(task_command 1)'}
YAML
}
# service_job FILE VERSION: 3 instances that run until stopped, saying VERSION.
service_job() {
  cat > "$1" <<YAML
name: chaos-web
type: SERVICE
instancecount: 3
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  command: {shell: true, value: 'echo $2; $(task_command 600)'}
YAML
}
# task_command SECONDS: holds its instance's lock for SECONDS (the sleep inherits it); a second
# holder at once is a double.
task_command() {
  echo "echo \$\$ > ${work}/pids/\$PELOTON_TASK_ID; exec 9> ${work}/locks/\$PELOTON_JOB_ID-\$PELOTON_INSTANCE_ID;" \
       "flock -n 9 || echo \$PELOTON_TASK_ID >> ${work}/doubles; exec sleep $1"
}

acked=()   # every job whose create was answered
batch=()   # the batch jobs among them

# create_batch: a batch job, acknowledged when the create answers with its id.
create_batch() {
  local id
  batch_job "${work}/batch.yaml"
  id=$("${peloton}" job create /DefaultResPool "${work}/batch.yaml" | awk '{print $2}') ||
    fail "job create"
  [ -n "${id}" ] || fail "job create gave no id"
  acked+=("${id}")
  batch+=("${id}")
}

# --- the checks

# held: the tenths of a cpu the acknowledged jobs' tasks hold (admitted, not ended).
held() {
  local n=0 j c
  for j in "${acked[@]}"; do
    c=$("${peloton}" task list "${j}" |
        awk '$2 ~ /^(READY|PLACING|PLACED|LAUNCHING|LAUNCHED|STARTING|RUNNING|KILLING)$/' | wc -l)
    n=$((n + c))
  done
  echo "${n}"
}
# alloc: the pool's cpu allocation in tenths.
alloc() {
  "${peloton}" respool dump | awk '$1 == "/DefaultResPool" {printf "%d\n", $5 * 10 + 0.5}'
}

check() {  # check WHEN
  local j a h b
  for j in "${acked[@]}"; do
    for _ in $(seq 1 100); do "${peloton}" job status "${j}" > /dev/null 2>&1 && break; sleep 0.1; done
    "${peloton}" job status "${j}" > /dev/null 2>&1 || fail "$1: acknowledged job ${j} is gone"
  done
  [ ! -s "${work}/doubles" ] || fail "$1: an instance ran twice at once: $(cat "${work}/doubles")"
  for _ in $(seq 1 100); do
    a=$(alloc 2> /dev/null || echo x)
    h=$(held 2> /dev/null || echo y)
    b=$(alloc 2> /dev/null || echo z)
    [ "${a}" = "${b}" ] && [ "${a}" = "${h}" ] && return 0
    sleep 0.2
  done
  fail "$1: the pool's allocation ($(alloc) tenths of a cpu) is not what its tasks hold ($(held))"
}

# --- the victims

# kill_runner: SIGKILL one running task runner of this mode's tasks, if there is one.
kill_runner() {
  local runners
  mapfile -t runners < <(pgrep -f -- "--sandbox=${work}/var/sandboxes/" || true)
  [ "${#runners[@]}" -gt 0 ] || return 0
  kill -9 "${runners[$((RANDOM % ${#runners[@]}))]}" 2> /dev/null || true
}

# chaos MODE COMPONENTS...: the workload in the current mode (its components started), with
# `kills` kills among COMPONENTS (a name in pid, or "runner").
chaos() {
  local mode=$1
  shift
  local victims=("$@") k victim web update
  "${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
  service_job "${work}/web1.yaml" one
  web=$("${peloton}" job create /DefaultResPool "${work}/web1.yaml" | awk '{print $2}')
  [ -n "${web}" ] || fail "service create"
  acked+=("${web}")
  service_job "${work}/web2.yaml" two
  for k in $(seq 1 "${kills}"); do
    create_batch
    if [ "${k}" = $(((kills + 1) / 2)) ]; then  # half way: a rolling update, one at a time
      update=$("${peloton}" update create "${web}" "${work}/web2.yaml" 1 /DefaultResPool |
               awk '/^Update/ {print $2}')
      [ -n "${update}" ] || fail "update create"
    fi
    sleep "0.$((RANDOM % 10))"
    victim=${victims[$((RANDOM % ${#victims[@]}))]}
    echo "chaos: ${mode}: kill ${k}: ${victim}"
    if [ "${victim}" = runner ]; then
      kill_runner
    else
      restart_component "${victim}"
      wait_for_api
    fi
    check "${mode}, after kill ${k} (${victim})"
  done
  for j in "${batch[@]}"; do wait_state "${j}" SUCCEEDED 60; done
  for _ in $(seq 1 600); do
    [ "$(update_state "${update}")" = SUCCEEDED ] && break
    sleep 0.1
  done
  [ "$(update_state "${update}")" = SUCCEEDED ] ||
    fail "${mode}: update: $("${peloton}" update get "${update}")"
  for i in 0 1 2; do says "${web}" "${i}" two; done
  # Every instance took its lock (the check of doubles watched them all).
  local instances=$((6 * ${#batch[@]} + 3))
  [ "$(ls "${work}/locks" | wc -l)" = "${instances}" ] ||
    fail "${mode}: $(ls "${work}/locks" | wc -l) instances took their lock, not ${instances}"
  check "${mode}, at the end"
  "${peloton}" job stop "${web}" > /dev/null
  wait_state "${web}" KILLED
  check "${mode}, stopped"
  [ "$(alloc)" = 0 ] || fail "${mode}: the pool still holds $(alloc) tenths of a cpu"
}

# fresh MODE: a new work directory and socket names for MODE.
fresh() {
  work="${TEST_TMPDIR}/chaos-$1"
  rm -rf "${work}"
  mkdir -p "${work}/pids" "${work}/locks"
  : > "${work}/doubles"
  acked=()
  batch=()
}

# All in one: peloton-master with two virtual hosts.
fresh master
export PELOTON_MASTER="unix:${sock}/master.sock"
start_master() {
  start_component master --data-dir="${work}/var" --local-hosts=2
}
start_master
wait_for_api
chaos all-in-one master runner
stop_components
unset 'pid[master]'

# Split: the four daemons, on the same kind of hosts.
fresh split
export PELOTON_MASTER="unix:${sock}/jobmgr.sock"
peers=(--jobmgr="unix:${sock}/jobmgr.sock" --resmgr="unix:${sock}/resmgr.sock"
       --hostmgr="unix:${sock}/hostmgr.sock")
start_hostmgr() { start_component hostmgr --data-dir="${work}/var" --local-hosts=2; }
start_resmgr() { start_component resmgr --data-dir="${work}/var" "${peers[@]}"; }
start_jobmgr() { start_component jobmgr --data-dir="${work}/var" "${peers[@]}"; }
start_placement() { start_component placement "${peers[@]}"; }
start_jobmgr
start_placement
start_resmgr
start_hostmgr
wait_for_api
chaos split jobmgr resmgr hostmgr placement runner
echo "PASS"
