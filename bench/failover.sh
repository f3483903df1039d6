#!/bin/bash
# Failover time (issue 19): two candidates each of peloton-resmgr and peloton-hostmgr (one
# leads) and two all-active peloton-jobmgr, in a real ZooKeeper, the store in a real
# PostgreSQL (as tests/failover_test.sh runs them). KILLS times per role, the leader (for the
# job managers: the owner of a job) is killed with SIGKILL, and the time until the standby
# serves (the other job manager takes the job up) is taken; the killed one starts again (a job
# manager takes its job back).
# Prints each time and, per role, the median, p99 and max as JSON.
#
#   bazel run //bench:failover -- [KILLS (10)] [SESSION_SECONDS (2)]
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}"
export TEST_SRCDIR="${runfiles}"
source "${runfiles}/peloton/tests/lib.sh"
kills=${1:-10}
session=${2:-2}
bin="${runfiles}/peloton/services"
work=$(mktemp -d /tmp/peloton-failover-bench.XXXXXX)
sock="${work}/s"
mkdir -p "${sock}"
declare -A pid
fail() { fail_with_logs "$@"; }
trap 'stop_ha; rm -rf "${work}" "${pg_dir:-}"' EXIT

start_ha "${session}"
flags=("${ha_flags[@]}")
peers=(--resmgr="unix:${sock}/resmgr-a.sock,unix:${sock}/resmgr-b.sock"
       --hostmgr="unix:${sock}/hostmgr-a.sock,unix:${sock}/hostmgr-b.sock")
start_role() {  # start_role NAME: a candidate (resmgr-a, hostmgr-b, ...)
  case "$1" in
    jobmgr-*) start_component "$1" "${flags[@]}" "${peers[@]}" ;;
    resmgr-*) start_component "$1" "${flags[@]}" \
                  --hostmgr="unix:${sock}/hostmgr-a.sock,unix:${sock}/hostmgr-b.sock" ;;
    hostmgr-*) start_component "$1" "${flags[@]}" --local-hosts=2 ;;
  esac
}
count() { grep -cF -- "$2" "${work}/$1.log" 2> /dev/null || true; }
wait_count() {  # wait_count NAME TEXT N: TEXT is logged N times
  for _ in $(seq 1 1200); do
    [ "$(count "$1" "$2")" -ge "$3" ] && return 0
    sleep 0.005
  done
  fail "$1 did not log '$2' ${3} times"
}

declare -A leader standby
for role in hostmgr resmgr jobmgr; do
  start_role "${role}-a"
  wait_count "${role}-a" "peloton-${role} serving" 1
  start_role "${role}-b"
  [ "${role}" = jobmgr ] || wait_count "${role}-b" "standing by" 1
  leader[${role}]="${role}-a"
  standby[${role}]="${role}-b"
done
wait_count jobmgr-b "peloton-jobmgr serving" 1
# A job (pending: no placement engine runs) that jobmgr-a makes, and so owns while it lives.
peloton="${bin}/cli/peloton"
export PELOTON_MASTER="unix:${sock}/jobmgr-a.sock"
"${peloton}" respool create /DefaultResPool "${runfiles}/peloton/examples/default_respool.yaml" \
    > /dev/null
job=$("${peloton}" job create /DefaultResPool "${runfiles}/peloton/examples/testjob.yaml" \
    2> /dev/null | awk '{print $2}')
[ -n "${job}" ] || fail "no job made"

: > "${work}/times"
for _ in $(seq 1 "${kills}"); do
  for role in jobmgr resmgr hostmgr; do
    from=${leader[${role}]}
    to=${standby[${role}]}
    # What the successor logs once it has taken over: serving, or (a job manager) the job.
    done_text="peloton-${role} serving"
    [ "${role}" != jobmgr ] || done_text="${job}"
    served=$(count "${to}" "${done_text}")
    begin=$(date +%s.%N)
    kill -9 "${pid[${from}]}"
    wait "${pid[${from}]}" 2> /dev/null || true
    wait_count "${to}" "${done_text}" $((served + 1))
    end=$(date +%s.%N)
    echo "${role} $(python3 -c "print(${end} - ${begin})")" | tee -a "${work}/times"
    if [ "${role}" = jobmgr ]; then
      # Back, it owns the job again (rendezvous hashing): it stays the one killed.
      took=$(count "${from}" "${job}")
      start_role "${from}"
      wait_count "${from}" "${job}" $((took + 1))
      continue
    fi
    stood=$(count "${from}" "standing by")
    start_role "${from}"
    wait_count "${from}" "standing by" $((stood + 1))
    leader[${role}]=${to}
    standby[${role}]=${from}
  done
done
python3 - "${work}/times" "${session}" <<'PY'
import json, statistics, sys
times = {}
for line in open(sys.argv[1]):
    role, seconds = line.split()
    times.setdefault(role, []).append(float(seconds))
out = {"session_timeout_seconds": float(sys.argv[2])}
for role, t in times.items():
    t.sort()
    p99 = t[min(len(t) - 1, int(round(0.99 * (len(t) - 1))))]
    out[role] = {"kills": len(t), "median_s": round(statistics.median(t), 3),
                 "p99_s": round(p99, 3), "max_s": round(t[-1], 3)}
print(json.dumps(out))
PY
