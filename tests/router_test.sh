#!/bin/bash
# Routing (issue 18, part 3) on peloton-master: peloton-router runs a real HAProxy (Debian's
# 2.6) in front of a 3-instance service job of `python3 -m http.server` tasks, each on a dynamic
# port and checked over HTTP, routed by its label peloton.router/http. Requests through HAProxy
# reach all three instances; killing one instance's process loses no request (its server goes,
# the new run's comes once healthy); a rolling update batch by batch while a client sends
# requests in a loop loses none (each instance is drained before its kill); a master killed
# with SIGKILL leaves HAProxy serving, and the router follows the master started again; a
# stopped job's instances are drained before their kill, then their servers go.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test router
router_bin="${root}/services/bin/peloton-router"
listen=$(free_port)
router_dir="${sock_dir}/router"  # HAProxy's sockets: a short path
router_pid=""
cleanup() {
  if [ -n "${router_pid}" ]; then kill "${router_pid}" 2> /dev/null || true; fi
  if [ -n "${master_pid}" ]; then kill -9 "${master_pid}" 2> /dev/null || true; fi
  rm -rf "${sock_dir}"
}
trap cleanup EXIT
fail() { fail_with_logs "$@"; }
# One host, named by its address (the job manager gives it as each endpoint's host; HAProxy
# connects there), with dynamic ports of its own: not the 31000s other tests' tasks take.
ports_from=$((20000 + RANDOM % 100 * 100))
cat > "${work}/fast.yaml" <<YAML
goal_state: {restart_base_delay_seconds: 0.2, max_restart_delay_seconds: 1}
hosts:
- {name: 127.0.0.1, cpu: 2, memory_mb: 2048, disk_mb: 4096, port_begin: ${ports_from}, port_end: $((ports_from + 99))}
YAML
run_master --config="${work}/fast.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null

# web FILE VERSION [PORTS]: the job; each instance serves /id: "<instance> <version>" on its
# port http (PORTS: the ports, default http alone).
web() {
  local ports=${3:-}
  [ -n "${ports}" ] || ports='{name: http, value: 0, envname: PORT}'
  cat > "$1" <<YAML
name: web
type: SERVICE
instancecount: 3
labels:
- {key: peloton.router/http, value: "127.0.0.1:${listen}"}
- {key: peloton.discovery/drain-seconds, value: "1"}
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 64}
  ports: [${ports}]
  command:
    shell: true
    value: 'mkdir -p www && echo "\$PELOTON_INSTANCE_ID $2" > www/id && exec python3 -m http.server "\$PORT" --bind 127.0.0.1 --directory www'
  healthcheck:
    enabled: true
    type: HTTP
    initialintervalsecs: 1
    intervalsecs: 1
    timeoutsecs: 1
    maxconsecutivefailures: 3
    httpcheck: {portname: http, path: /id}
YAML
}
web "${work}/v1.yaml" v1
job=$("${peloton}" job create /DefaultResPool "${work}/v1.yaml" | awk '{print $2}')

"${router_bin}" --master="${PELOTON_MASTER}" --job="${job}" --mode=http \
    --state-dir="${router_dir}" --min-reload-interval-ms=100 >> "${work}/router.log" 2>&1 &
router_pid=$!

get() { curl -sS -m 2 "http://127.0.0.1:${listen}/id" 2> /dev/null; }
# answering N: who answers N requests, sorted, one a line.
answering() { for _ in $(seq 1 "$1"); do get || echo FAILED; done | sort -u; }
# all_answer VERSION: every instance answers through HAProxy at VERSION, and nothing else does.
all_answer() {
  local want got
  want=$(printf '0 %s\n1 %s\n2 %s\n' "$1" "$1" "$1")
  local until=$((SECONDS + 30))
  while [ "${SECONDS}" -lt "${until}" ]; do
    got=$(answering 30)
    [ "${got}" = "${want}" ] && return 0
    sleep 0.1
  done
  fail "through HAProxy, want every instance at $1, got: ${got}; $("${peloton}" discover "${job}")"
}
# servers: HAProxy's servers for the job: name, address, and whether it takes new connections
# (ready), drains, or is in maintenance (srv_admin_state's flags: 1 and 4 maintenance, 8 drain).
servers() {
  echo "show servers state ${job}.http" | socat stdio "unix-connect:${router_dir}/admin.sock" |
      awk 'NR > 1 && $4 ~ /^i/ {
        s = ($7 % 2 == 1) ? "maint" : (int($7 / 8) % 2 == 1) ? "drain" : "ready"
        print $4, $5 ":" $19, s
      }'
}
all_answer v1
grep_q "peloton-router: job ${job} port http on 127.0.0.1:${listen} (http)" "${work}/router.log" ||
    fail "router log"
[ "$(servers | awk '$3 == "ready"' | wc -l)" = 3 ] || fail "servers: $(servers)"

# Killing instance 1's process: no request fails (HAProxy redispatches what it refuses; the
# router drains its server as soon as the job manager sees the run end), and its new run is
# routed once its check passes.
port1=$("${peloton}" discover "${job}" --port http | awk '$1 == 1 {sub("http=", "", $6); print $6}')
[ -n "${port1}" ] || fail "no port for instance 1: $("${peloton}" discover "${job}")"
pkill -f "http.server ${port1} " || fail "no process serves ${port1}"
failed=0
for _ in $(seq 1 60); do get > /dev/null || failed=$((failed + 1)); done
[ "${failed}" = 0 ] || fail "${failed} of 60 requests failed after an instance was killed"
servers | grep_q "^i1 [^ ]*:${port1} " && [ "$(run_of "${job}" 1)" = 1 ] &&
    fail "instance 1's dead run is still served: $(servers)"
all_answer v1
[ "$(run_of "${job}" 1)" = 2 ] || fail "instance 1: $("${peloton}" task events "${job}" 1)"

# A rolling update, one instance at a time, under a client's requests: none fails. The new
# runs take another port first (admin), so their http ports move: each is a graceful reload.
web "${work}/v2.yaml" v2 '{name: admin, value: 0, envname: ADMIN}, {name: http, value: 0, envname: PORT}'
reloads() {
  echo "show proc" | socat stdio "unix-connect:${router_dir}/master.sock" | awk '$2 == "master" {print $3}'
}
reloads_before=$(reloads)
(
  sent=0 bad=0
  while [ ! -f "${work}/stop_client" ] && [ "${sent}" -lt 100000 ]; do
    sent=$((sent + 1))
    get > /dev/null || bad=$((bad + 1))
  done
  echo "${sent} ${bad}" > "${work}/client"
) &
client=$!
"${peloton}" update create "${job}" "${work}/v2.yaml" 1 /DefaultResPool --wait \
    > "${work}/update.out" || fail "update: $(cat "${work}/update.out")"
touch "${work}/stop_client"
wait "${client}"
read -r sent bad < "${work}/client"
echo "rolling update: ${sent} requests through HAProxy, ${bad} failed" >&2
[ "${sent}" -gt 50 ] || fail "the client sent only ${sent} requests during the update"
[ "${bad}" = 0 ] || fail "${bad} of ${sent} requests failed during the rolling update"
all_answer v2
for i in 0 1 2; do
  [ "$(run_of "${job}" "${i}")" -ge 2 ] || fail "instance ${i} not updated: $("${peloton}" task events "${job}" "${i}")"
done
[ "$(($(reloads) - reloads_before))" -ge 2 ] ||
    fail "HAProxy reloaded $(($(reloads) - reloads_before)) times in the update: $(servers)"
echo "rolling update: $(($(reloads) - reloads_before)) reloads of HAProxy" >&2

# The master killed with SIGKILL: HAProxy serves on; started again, the router (connected
# again) drains instance 0 for its restart, and routes its new run.
kill_master
[ "$(answering 10)" = "$(printf '0 v2\n1 v2\n2 v2')" ] || fail "without the master: $(answering 10)"
run_master --config="${work}/fast.yaml"
"${peloton}" task restart "${job}" -r 0 > /dev/null
for _ in $(seq 1 300); do
  servers | grep_q "^i0 .* drain$" && break
  sleep 0.02
done
servers | grep_q "^i0 .* drain$" || fail "instance 0 not drained for its restart: $(servers)"
all_answer v2
[ "$(run_of "${job}" 0)" -ge 3 ] || fail "instance 0: $("${peloton}" task events "${job}" 0)"

# Stopped: each instance is drained (no new requests) before its kill; then
# their servers go and HAProxy has nothing to send requests to.
"${peloton}" job stop "${job}" > /dev/null
for _ in $(seq 1 50); do
  [ "$(servers | awk '$3 == "drain"' | wc -l)" = 3 ] && break
  sleep 0.02
done
[ "$(servers | awk '$3 == "drain"' | wc -l)" = 3 ] || fail "not all drained: $(servers)"
"${peloton}" task list "${job}" | grep_q KILLING || fail "killed before their drain ended"
wait_state "${job}" KILLED
for _ in $(seq 1 100); do [ -z "$(servers)" ] && break; sleep 0.1; done
[ -z "$(servers)" ] || fail "servers left: $(servers)"
curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:${listen}/id" | grep_q 503 ||
    fail "a job without instances answers other than 503"

# SIGTERM: the router stops HAProxy (its connections finish) and exits 0.
kill "${router_pid}"
wait "${router_pid}" || fail "router exited $?"
router_pid=""
for _ in $(seq 1 50); do pgrep -f "haproxy -W -db -f ${router_dir}/" > /dev/null || break; sleep 0.1; done
pgrep -f "haproxy -W -db -f ${router_dir}/" > /dev/null && fail "HAProxy outlived the router"
echo PASS
