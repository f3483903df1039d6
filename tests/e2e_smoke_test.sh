#!/bin/bash
# bench/e2e runs to the end in both modes on a small simulated cluster and reports every task.
set -euo pipefail
e2e="${TEST_SRCDIR}/peloton/bench/e2e"
for mode in in-process rpc; do
  out=$("${e2e}" --mode="${mode}" --hosts=50 --pools=3 --jobs=4 --tasks=1000 --task-seconds=0.2 \
        --tick-ms=5 --dir="${TEST_TMPDIR}/e2e-${mode}" --json)
  echo "${out}"
  python3 - "${out}" "${mode}" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["mode"] == sys.argv[2], r
assert int(r["tasks"]) == 1000 and r["jobs"] == 4 and r["pools"] == 3, r
assert 0 < r["to_running_seconds"] <= r["to_succeeded_seconds"], r
assert r["tasks_per_sec_running"] > 0 and int(r["peak_rss_kib"]) > 0, r
assert 0 <= r["latency_p50_ms"] <= r["latency_p99_ms"], r
PY
done
echo PASS
