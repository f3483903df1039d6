#!/bin/bash
# peloton-master's GET /metrics, scraped by a real Prometheus server (Debian's prometheus, on
# loopback, with a throwaway storage directory): what a running job and its pool make, the
# store's calls and the statuses' lag are queried back from Prometheus. Then the HTTP calls the
# master answered are counted by procedure.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test metrics
command -v prometheus > /dev/null || fail "no prometheus binary (scripts/bootstrap.sh installs it)"
http_port=$(free_port)
prom_port=$(free_port)
prom_pid=""
trap '[ -n "${master_pid}" ] && kill -9 "${master_pid}" 2>/dev/null
      [ -n "${prom_pid}" ] && kill -9 "${prom_pid}" 2>/dev/null
      rm -rf "${sock_dir}"' EXIT

run_master --local-hosts=2 --http="127.0.0.1:${http_port}"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
cat > "${work}/sleepers.yaml" <<'YAML'
name: sleepers
instancecount: 2
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 8}
  command: {value: 'sleep 120'}
YAML
job=$("${peloton}" job create /DefaultResPool "${work}/sleepers.yaml" | awk '{print $2}')
wait_state "${job}" RUNNING

cat > "${work}/prom.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: peloton
    static_configs:
      - targets: ['127.0.0.1:${http_port}']
YAML
prometheus --config.file="${work}/prom.yml" --storage.tsdb.path="${work}/tsdb" \
    --web.listen-address="127.0.0.1:${prom_port}" --log.level=warn > "${work}/prom.log" 2>&1 &
prom_pid=$!

# query PROMQL WANT: Prometheus answers WANT for the query within 30 s (scrapes every second).
query() {
  for _ in $(seq 1 300); do
    curl -s "127.0.0.1:${prom_port}/api/v1/query" --data-urlencode "query=$1" > "${work}/answer" || true
    grep -qF "\"value\":[" "${work}/answer" && grep -qF ",\"$2\"]" "${work}/answer" && return 0
    sleep 0.1
  done
  fail "Prometheus: $1 is not $2: $(cat "${work}/answer"); its log: $(cat "${work}/prom.log")"
}
query 'up{job="peloton"}' 1
query 'sum(peloton_tasks{job_type="BATCH",state="RUNNING"})' 2
query 'peloton_jobs{state="RUNNING"}' 1
query 'peloton_pool_reservation{pool="/DefaultResPool",kind="cpu"}' 1
query 'peloton_pool_allocation{pool="/DefaultResPool",kind="cpu"}' 0.2
query 'peloton_hosts{state="UP"}' 2
# The store's calls are timed by operation, and the tasks' statuses by their lag.
query 'peloton_store_transaction_duration_seconds_count{operation="CreateJob"}' 1
query 'peloton_task_status_lag_seconds_count >= bool 2' 1

# The HTTP/JSON calls are counted by procedure and code.
for _ in 1 2 3; do
  curl -s -X POST -H 'Rpc-Procedure: JobManager.Get' -H 'Rpc-Service: peloton-jobmgr' \
       -H 'Rpc-Caller: metrics-test' -H 'Context-TTL-MS: 1000' -H 'Rpc-Encoding: json' \
       --data "{\"id\": {\"value\": \"${job}\"}}" "127.0.0.1:${http_port}/api/v1" > /dev/null
done
query 'peloton_http_requests_total{procedure="JobManager.Get",code="ok"}' 3
query 'peloton_http_request_duration_seconds_count{procedure="JobManager.Get"}' 3

# Stopped: the tasks leave RUNNING.
"${peloton}" job stop "${job}" > /dev/null
wait_state "${job}" KILLED
query 'sum(peloton_tasks{state="RUNNING"})' 0
echo "PASS"
