#!/bin/bash
# peloton-master's HTTP/JSON endpoint, reached as Peloton's README reaches Peloton: curl with
# yarpc's headers and Peloton's v0 messages in JSON. The endpoint listens beside a Unix --listen
# (unix:<listen>.http, its default there, so that tests never contend for port 5292), and on a
# TCP port given with --http; a second master on a taken address refuses to start.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test http
run_master --local-hosts=2
http="${sock_dir}/master.sock.http"
[ -S "${http}" ] || fail "no HTTP/JSON endpoint at ${http}"

"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
job=$("${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait 2> /dev/null |
      head -1 | awk '{print $2}')

# The README's command, unchanged but for the socket.
curl -sS --unix-socket "${http}" -X POST -H 'content-type: application/json' \
     -H 'Rpc-Procedure: JobManager.Get' -H 'Rpc-Service: peloton-jobmgr' \
     -H 'Rpc-Caller: peloton-client' -H 'Context-TTL-MS: 1000' -H 'Rpc-Encoding: json' \
     --data "{\"id\": {\"value\": \"${job}\"}}" localhost:5292/api/v1 > "${work}/get"
for want in "\"id\":{\"value\":\"${job}\"}" '"name":"TestPelotonJob_123"' '"instanceCount":10' \
            '"state":"SUCCEEDED"' '"taskStats":{"SUCCEEDED":10}'; do
  grep -qF "${want}" "${work}/get" || fail "JobManager.Get lacks ${want}: $(cat "${work}/get")"
done

# A job created over HTTP (its pool found over HTTP too) runs as one from the CLI does.
pool=$(yarpc "${http}" ResourceManager.LookupResourcePoolID '{"path": {"value": "/DefaultResPool"}}' |
       grep -oE '[0-9a-f]{8}-[0-9a-f-]{27}')
[ -n "${pool}" ] || fail "LookupResourcePoolID: $(cat "${work}/http_body")"
yarpc "${http}" JobManager.Create "{\"config\": {\"name\": \"from-http\", \"instanceCount\": 2,
    \"respoolID\": {\"value\": \"${pool}\"}, \"defaultConfig\": {\"resource\": {\"cpuLimit\": 0.1,
    \"memLimitMb\": 8}, \"command\": {\"value\": \"echo over http\"}}}}" > "${work}/create"
created=$(grep -oE '[0-9a-f]{8}-[0-9a-f-]{27}' "${work}/create") || fail "JobManager.Create: $(cat "${work}/create")"
wait_state "${created}" SUCCEEDED
[ "$("${peloton}" task logs "${created}" 1)" = "over http" ] || fail "task logs of the HTTP job"
yarpc "${http}" JobManager.Query '{"spec": {"name": "from-http"}, "summaryOnly": true}' > "${work}/query"
grep -qF "\"id\":{\"value\":\"${created}\"}" "${work}/query" || fail "JobManager.Query: $(cat "${work}/query")"
grep -qF '"total":1' "${work}/query" || fail "JobManager.Query total: $(cat "${work}/query")"
yarpc "${http}" HostService.QueryHosts '{}' | grep_q '"state":"HOST_STATE_UP"' ||
    fail "HostService.QueryHosts: $(cat "${work}/http_body")"

# Refusals: in the response's error field where Peloton's message has one, else yarpc's errors.
yarpc "${http}" JobManager.Get '{"id": {"value": "no-such-job"}}' | grep_q '"error":{"notFound"' ||
    fail "unknown job: $(cat "${work}/http_body")"
yarpc "${http}" JobManager.Delete "{\"id\": {\"value\": \"${created}\"}}" > /dev/null
[ "$(cat "${work}/http_status")" = 200 ] || fail "JobManager.Delete: $(cat "${work}/http_body")"
expect_refused 1 "does not exist" "${peloton}" job get "${created}"
yarpc "${http}" JobManager.Launch '{}' | grep_q 'unrecognized procedure "JobManager.Launch"' ||
    fail "unknown procedure: $(cat "${work}/http_body")"
[ "$(cat "${work}/http_status")" = 501 ] || fail "unknown procedure: HTTP $(cat "${work}/http_status")"
yarpc "${http}" JobManager.Get '{"id": {"valeu": "x"}}' | grep_q 'valeu' ||
    fail "bad JSON: $(cat "${work}/http_body")"
[ "$(cat "${work}/http_status")" = 400 ] || fail "bad JSON: HTTP $(cat "${work}/http_status")"

# GET /metrics on the same endpoint counts the calls; other paths are not found.
curl -sS --unix-socket "${http}" localhost/metrics > "${work}/metrics"
grep -qF 'peloton_http_requests_total{code="ok",procedure="JobManager.Get"}' "${work}/metrics" ||
    fail "GET /metrics: $(cat "${work}/metrics")"
grep -qF 'peloton_http_requests_total{code="unimplemented",procedure="JobManager.Launch"} 1' \
    "${work}/metrics" || fail "GET /metrics: $(cat "${work}/metrics")"
# The Cap'n Proto API's calls (the CLI's, and the HTTP procedures' own) are timed by method.
grep -q '^peloton_rpc_request_duration_seconds_count{procedure="createJob"} [1-9]' "${work}/metrics" ||
    fail "GET /metrics: no createJob calls: $(grep rpc_request "${work}/metrics")"
[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "${http}" localhost/nope)" = 404 ] ||
    fail "GET /nope is not 404"

# On a TCP port given with --http; a second master on the same address refuses to start.
port=$(free_port)
kill -9 "${master_pid}"
wait "${master_pid}" 2> /dev/null || true
run_master --local-hosts=2 --http="127.0.0.1:${port}"
curl -sS -X POST -H 'Rpc-Procedure: JobManager.Get' -H 'Rpc-Service: peloton-jobmgr' \
     -H 'Rpc-Caller: peloton-client' -H 'Context-TTL-MS: 1000' -H 'Rpc-Encoding: json' \
     --data "{\"id\": {\"value\": \"${job}\"}}" "127.0.0.1:${port}/api/v1" > "${work}/tcp"
grep -q '"state":"SUCCEEDED"' "${work}/tcp" || fail "over TCP: $(cat "${work}/tcp")"
set +e
"${master_bin}" --data-dir="${work}/second" --listen="unix:${sock_dir}/second.sock" \
    --http="127.0.0.1:${port}" "${task_flags[@]}" > "${work}/second.log" 2>&1
status=$?
set -e
[ "${status}" = 2 ] || fail "a second master on a taken --http exited ${status}"
grep -q "serving HTTP on 127.0.0.1:${port}" "${work}/second.log" || fail "$(cat "${work}/second.log")"
echo "PASS"
