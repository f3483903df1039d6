#!/bin/bash
# Discovery (issue 18, first part) on peloton-master: the endpoints of examples/service_job.yaml
# (two `python3 -m http.server` instances on dynamic ports, checked over HTTP): unroutable
# until their check passes, then `peloton discover` gives their host and port (and each port
# answers), `-o haproxy` their server lines, `-o json` the same for scripts; `--watch` prints
# the change as soon as an instance is stopped (the master holds the call until something
# changes), and the stopped instance is no longer routable; a job that does not exist is
# refused.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test discovery
run_master
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
job=$("${peloton}" job create /DefaultResPool "${examples}/service_job.yaml" | awk '{print $2}')

# routable_count: how many instances may take traffic now.
routable_count() { "${peloton}" discover "${job}" | awk 'NR > 1 && $4 == "yes"' | wc -l; }
for _ in $(seq 1 300); do
  [ "$(routable_count)" = 2 ] && break
  sleep 0.1
done
[ "$(routable_count)" = 2 ] || fail "not both routable: $("${peloton}" discover "${job}")"

# Each endpoint's port is the one its instance serves on.
"${peloton}" discover "${job}" --port http > "${work}/table"
for port in $(awk 'NR > 1 {sub("http=", "", $6); print $6}' "${work}/table"); do
  curl -sS -o /dev/null "http://127.0.0.1:${port}/" || fail "nothing serves on ${port}: $(cat "${work}/table")"
done
"${peloton}" discover "${job}" -o haproxy > "${work}/haproxy"
[ "$(grep -c "^server ${job}-[01] [^ ]*:[0-9]* check$" "${work}/haproxy")" = 2 ] ||
  fail "haproxy lines: $(cat "${work}/haproxy")"
"${peloton}" discover "${job}" -o json > "${work}/json"
[ "$(grep -c '"routable": true' "${work}/json")" = 2 ] || fail "json: $(cat "${work}/json")"
grep_q '"name": "http"' "${work}/json" || fail "json ports: $(cat "${work}/json")"

# A watch sees instance 0 stop: the first listing, then one without it routable.
timeout 20 "${peloton}" discover "${job}" --watch > "${work}/watch" 2>&1 &
watcher=$!
for _ in $(seq 1 100); do grep_q "^---" "${work}/watch" && break; sleep 0.05; done
"${peloton}" task stop "${job}" -r 0 > /dev/null
for _ in $(seq 1 100); do
  [ "$(grep -c "^---" "${work}/watch")" -ge 2 ] && break
  sleep 0.05
done
kill "${watcher}" 2> /dev/null || true
[ "$(grep -c "^---" "${work}/watch")" -ge 2 ] || fail "the watch saw no change: $(cat "${work}/watch")"
tail -n 2 "${work}/watch" | grep_q "^ *0  \(KILLING\|KILLED\) .* no " ||
  fail "instance 0 still routable in the watch: $(cat "${work}/watch")"
[ "$(routable_count)" = 1 ] || fail "after the stop: $("${peloton}" discover "${job}")"

expect_refused 1 "does not exist" "${peloton}" discover 00000000-0000-0000-0000-000000000000
"${peloton}" job stop "${job}" > /dev/null  # its servers end with it
echo PASS
