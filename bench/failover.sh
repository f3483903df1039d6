#!/bin/bash
# Failover time of the leader-elected components (issue 19): two candidates each of
# peloton-jobmgr, peloton-resmgr and peloton-hostmgr in a real ZooKeeper, the store in a real
# PostgreSQL (as tests/failover_test.sh runs them). KILLS times per role, the leader is killed
# with SIGKILL, the time until the standby serves is taken, and the killed one starts again as
# the standby.
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
trap 'stop_components; kill "${zk_pid:-}" 2>/dev/null || true; stop_postgres
      rm -rf "${work}" "${pg_dir:-}"' EXIT

start_zookeeper
start_postgres
printf 'zk_session_timeout_seconds: %s\n' "${session}" > "${work}/ha.yaml"
flags=(--config="${work}/ha.yaml" --store="${pg_url}" --data-dir="${work}/var"
       --zk="127.0.0.1:${zk_port}")
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
  wait_count "${role}-b" "standing by" 1
  leader[${role}]="${role}-a"
  standby[${role}]="${role}-b"
done

: > "${work}/times"
for _ in $(seq 1 "${kills}"); do
  for role in jobmgr resmgr hostmgr; do
    from=${leader[${role}]}
    to=${standby[${role}]}
    served=$(count "${to}" "peloton-${role} serving")
    begin=$(date +%s.%N)
    kill -9 "${pid[${from}]}"
    wait "${pid[${from}]}" 2> /dev/null || true
    wait_count "${to}" "peloton-${role} serving" $((served + 1))
    end=$(date +%s.%N)
    echo "${role} $(python3 -c "print(${end} - ${begin})")" | tee -a "${work}/times"
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
