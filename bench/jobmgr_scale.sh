#!/bin/bash
# job create throughput through one vs three all-active job managers (issue 19): three
# peloton-jobmgr, a resource manager and a host manager in a real ZooKeeper, the store in a real
# PostgreSQL (as tests/failover_test.sh runs them). Each round, bench/load drives CLIENTS
# concurrent clients making 1-instance jobs for SECONDS, first all through one job manager
# (which makes, and owns, every job), then spread over the three (each makes and owns its
# own); rounds alternate, as the machine is noisy. No placement engine runs: the jobs wait.
# Prints each run and, per setup, the median jobs/s as JSON.
#
#   bazel run //bench:jobmgr_scale -- [ROUNDS (3)] [SECONDS (10)] [CLIENTS (48)]
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}"
export TEST_SRCDIR="${runfiles}"
source "${runfiles}/peloton/tests/lib.sh"
rounds=${1:-3}
seconds=${2:-10}
clients=${3:-48}
bin="${runfiles}/peloton/services"
load="${runfiles}/peloton/bench/load"
work=$(mktemp -d /tmp/peloton-scale-bench.XXXXXX)
sock="${work}/s"
mkdir -p "${sock}"
declare -A pid
fail() { fail_with_logs "$@"; }
trap 'stop_ha; rm -rf "${work}" "${pg_dir:-}"' EXIT

start_ha 2
flags=("${ha_flags[@]}")
start_component hostmgr-a "${flags[@]}" --local-hosts=2
start_component resmgr-a "${flags[@]}" --hostmgr="unix:${sock}/hostmgr-a.sock"
for name in jobmgr-a jobmgr-b jobmgr-c; do
  start_component "${name}" "${flags[@]}" --resmgr="unix:${sock}/resmgr-a.sock" \
      --hostmgr="unix:${sock}/hostmgr-a.sock"
done
members="job managers: unix:${sock}/jobmgr-a.sock, unix:${sock}/jobmgr-b.sock"
members="${members}, unix:${sock}/jobmgr-c.sock"
for name in jobmgr-a jobmgr-b jobmgr-c; do
  for _ in $(seq 1 600); do
    grep -qF "${members}" "${work}/${name}.log" 2> /dev/null && break
    sleep 0.05
  done
done
export PELOTON_MASTER="unix:${sock}/jobmgr-a.sock"
"${bin}/cli/peloton" respool create /DefaultResPool \
    "${runfiles}/peloton/examples/default_respool.yaml" > /dev/null

: > "${work}/runs"
one="unix:${sock}/jobmgr-a.sock"
three="${one},unix:${sock}/jobmgr-b.sock,unix:${sock}/jobmgr-c.sock"
for _ in $(seq 1 "${rounds}"); do
  for setup in one three; do
    target=${one}
    [ "${setup}" = one ] || target=${three}
    "${load}" --target="${target}" --pool=/DefaultResPool --create-percent=100 \
        --list-percent=0 --clients="${clients}" --seconds="${seconds}" > "${work}/out" ||
        fail "load: $(cat "${work}/out")"
    rate=$(sed -n 's/.*calls: [0-9]* (\([0-9]*\)\/s).*/\1/p' "${work}/out")
    p99=$(awk '$1 == "job" && $2 == "create" {print $5}' "${work}/out")
    echo "${setup} ${rate} ${p99}" | tee -a "${work}/runs"
  done
done
python3 - "${work}/runs" "${clients}" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    setup, rate, p99 = line.split()
    runs.setdefault(setup, []).append((float(rate), float(p99)))
out = {"clients": int(sys.argv[2])}
for setup, r in runs.items():
    out[f"through_{setup}"] = {"runs": len(r),
                               "median_jobs_per_s": statistics.median(x for x, _ in r),
                               "median_p99_ms": statistics.median(y for _, y in r)}
print(json.dumps(out))
PY
