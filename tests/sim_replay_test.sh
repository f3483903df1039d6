#!/bin/bash
# bench/sim_replay on a small workload: every job runs, pools are reported per tenant, a gang of
# 16 GPUs spans two 8-GPU hosts, and a tenant that asks for more than its share waits while the
# others keep theirs. A malformed workload is refused naming the line.
set -euo pipefail
replay="${TEST_SRCDIR}/peloton/bench/sim_replay"
work="${TEST_TMPDIR}/replay"
mkdir -p "${work}"
{
  echo "timestamp,duration,num_gpus,gpu_time,cluster"
  # Tenant a floods the cluster (4 hosts x 8 GPUs) with 8-GPU jobs for 2 hours.
  for i in $(seq 0 9); do echo "2017-10-01 00:00:0${i},7200,8,57600,a"; done
  echo "2017-10-01 00:10:00,3600,16,57600,b"
  echo "2017-10-01 00:20:00,600,1,600,c"
  echo "2017-10-01 00:30:00,600,0,0,c"
} > "${work}/jobs.csv"
out=$("${replay}" --workload="${work}/jobs.csv" --hosts=4 --tick-seconds=60 --dir="${work}/db" --json)
echo "${out}"
python3 - "${out}" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["jobs"] == 13 and r["jobs_finished"] == 13 and r["gpus"] == 32, r
pools = {p["pool"]: p for p in r["pools"]}
assert sorted(pools) == ["/a", "/b", "/c"], pools
assert pools["/a"]["jobs"] == 10 and pools["/b"]["jobs"] == 1 and pools["/c"]["jobs"] == 2, pools
# b and c arrive while a holds everything; preemption gives them their share within minutes,
# long before a's 2-hour jobs would end.
assert pools["/b"]["delay_p99_hours"] < 1, pools["/b"]
assert pools["/c"]["delay_p99_hours"] < 1, pools["/c"]
assert pools["/a"]["delay_p99_hours"] > pools["/c"]["delay_p99_hours"], pools
assert pools["/a"]["mean_gpus_allocated"] > 0, pools
PY
# Your own pools: a and b share /prod (a child of /org), everyone else goes to /org/rest.
cat > "${work}/pools.yaml" <<'YAML'
pools:
- path: /org
  config: {resources: [{kind: cpu, reservation: 160, limit: 256, share: 1}, {kind: memory, reservation: 1310720, limit: 2097152, share: 1}, {kind: disk, reservation: 2000, limit: 409600, share: 1}, {kind: gpu, reservation: 32, limit: 32, share: 1}]}
- path: /org/prod
  config: {resources: [{kind: cpu, reservation: 128, limit: 256, share: 3}, {kind: memory, reservation: 1048576, limit: 2097152, share: 3}, {kind: disk, reservation: 1000, limit: 409600, share: 1}, {kind: gpu, reservation: 24, limit: 32, share: 3}]}
- path: /org/rest
  config: {resources: [{kind: cpu, reservation: 32, limit: 256, share: 1}, {kind: memory, reservation: 262144, limit: 2097152, share: 1}, {kind: disk, reservation: 1000, limit: 409600, share: 1}, {kind: gpu, reservation: 8, limit: 32, share: 1}]}
tenants: {a: /org/prod, b: /org/prod, "*": /org/rest}
YAML
out=$("${replay}" --workload="${work}/jobs.csv" --hosts=4 --tick-seconds=60 --pools="${work}/pools.yaml" \
      --dir="${work}/db3" --json)
python3 - "${out}" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
pools = {p["pool"]: p for p in r["pools"]}
assert sorted(pools) == ["/org/prod", "/org/rest"], pools
assert pools["/org/prod"]["jobs"] == 11 and pools["/org/rest"]["jobs"] == 2, pools
assert r["jobs_finished"] == 13, r
PY
printf 'pools:\n- path: /only\n  config: {resources: []}\ntenants: {a: /elsewhere}\n' > "${work}/wrong.yaml"
if "${replay}" --workload="${work}/jobs.csv" --pools="${work}/wrong.yaml" --dir="${work}/db4" 2> "${work}/err"; then
  echo "FAIL: a tenant sent to no pool was accepted"; exit 1
fi
grep -q "tenant a goes to /elsewhere, which is not one of the pools" "${work}/err" || { echo "FAIL: $(cat "${work}/err")"; exit 1; }

printf 'timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-01 00:00:00,-5,1,1,a\n' > "${work}/bad.csv"
if "${replay}" --workload="${work}/bad.csv" --dir="${work}/db2" 2> "${work}/err"; then
  echo "FAIL: a negative duration was accepted"; exit 1
fi
grep -q "bad.csv:2: " "${work}/err" || { echo "FAIL: $(cat "${work}/err")"; exit 1; }
echo PASS
