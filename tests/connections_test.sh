#!/bin/bash
# The API's connections, and the HTTP endpoint's, are bounded and never take the master down
# (issue 21): over max_connections, another is closed as it comes; connections that say
# nothing are closed after idle_timeout_seconds, and those whose message trickles in for
# longer than request_timeout_seconds (each counted in /metrics); run out of file
# descriptors (a hard limit of 48), the master waits for some to be freed and goes on serving.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test connections
socket="${PELOTON_MASTER#unix:}"
# hold N SECONDS [SOCKET]: N connections to the master's API (or SOCKET), held SECONDS;
# prints how many the master closed.
hold() {
  python3 - "${3:-${socket}}" "$1" "$2" <<'PY'
import socket, sys, time
path, n, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
held = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    held.append(s)
time.sleep(seconds)
closed = 0
for s in held:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(closed)
PY
}

# Over the cap: refused as they come; idle ones closed after a second; the master answers.
cat > "${work}/bounds.yaml" <<'YAML'
max_connections: 20
idle_timeout_seconds: 1
request_timeout_seconds: 0.5
YAML
run_master --config="${work}/bounds.yaml"
closed=$(hold 50 3)
[ "${closed}" = 50 ] || fail "${closed} of 50 connections closed (all: 30 refused, 20 idle)"
grep -q "connections are open (rule: at most 20): another one closed" "${work}/master.log" ||
  fail "no refusal logged"
"${peloton}" respool dump > /dev/null || fail "the master does not answer"
# ... and counted in its metrics (the HTTP endpoint beside the Unix socket).
curl -s --unix-socket "${socket}.http" localhost/metrics > "${work}/metrics"
grep -qx 'peloton_rpc_connections_total{outcome="refused"} 30' "${work}/metrics" ||
  fail "refusals: $(grep peloton_rpc "${work}/metrics")"
idle=$(awk '$1 == "peloton_rpc_connections_total{outcome=\"idle\"}" {print $2}' "${work}/metrics")
[ "${idle}" -ge 20 ] || fail "idle: $(grep peloton_rpc "${work}/metrics")"
# A message that trickles in (a byte every 0.2 s) is closed after half a second, before the
# idle timeout (a read that never completes reads as idle too).
python3 - "${socket}" <<'PY' || fail "a trickled message was not closed"
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(bytes([0, 0, 0, 0, 100, 0, 0, 0]))  # one segment of 100 words: 800 bytes to come
for _ in range(25):
    time.sleep(0.2)
    try:
        s.sendall(b"\0")
    except OSError:
        sys.exit(0)
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            sys.exit(0)
    except BlockingIOError:
        pass
    except OSError:
        sys.exit(0)
    s.setblocking(True)
sys.exit(1)
PY
curl -s --unix-socket "${socket}.http" localhost/metrics > "${work}/metrics"
grep -qx 'peloton_rpc_connections_total{outcome="slow"} 1' "${work}/metrics" ||
  fail "slow: $(grep peloton_rpc "${work}/metrics")"
# The HTTP endpoint, the same.
closed=$(hold 50 3 "${socket}.http")
[ "${closed}" = 50 ] || fail "HTTP: ${closed} of 50 connections closed (all: 30 refused, 20 idle)"
grep -q "http: 20 connections are open (rule: at most 20): another one closed" "${work}/master.log" ||
  fail "no HTTP refusal logged"
curl -sf --unix-socket "${socket}.http" localhost/metrics > /dev/null || fail "HTTP does not answer"
kill_master

# Out of file descriptors: the accepts that fail are tried again; the master survives them.
cat > "${work}/many.yaml" <<'YAML'
max_connections: 1000
idle_timeout_seconds: 1
YAML
(ulimit -n 48 && exec "${master_bin}" --data-dir="${work}/var" --listen="${PELOTON_MASTER}" \
    --config="${work}/many.yaml" --tick-ms=20 "${task_flags[@]}" >> "${work}/master.log" 2>&1) &
master_pid=$!
wait_for_api
hold 100 3 > /dev/null
kill -0 "${master_pid}" 2> /dev/null || fail "the master exited"
grep -q "rpc: accepting a connection failed, trying again: .*Too many open files" \
    "${work}/master.log" || fail "no accept failure logged"
hold 100 3 "${socket}.http" > /dev/null
kill -0 "${master_pid}" 2> /dev/null || fail "the master exited"
grep -q "http: accepting a connection failed, trying again: .*Too many open files" \
    "${work}/master.log" || fail "no HTTP accept failure logged"
for _ in $(seq 1 50); do
  curl -sf --unix-socket "${socket}.http" localhost/metrics > /dev/null && break
  sleep 0.1
done
curl -sf --unix-socket "${socket}.http" localhost/metrics > /dev/null ||
  fail "HTTP does not answer after the burst"
for _ in $(seq 1 50); do
  "${peloton}" respool dump > /dev/null 2>&1 && break
  sleep 0.1
done
"${peloton}" respool dump > /dev/null || fail "the master does not answer after the burst"
echo "PASS"
