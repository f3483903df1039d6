#!/bin/bash
# Discovery (issue 18) on peloton-master: the endpoints of examples/service_job.yaml (two
# `python3 -m http.server` instances on dynamic ports, checked over HTTP), labelled to be
# announced: unroutable until their check passes, then `peloton discover` gives their host and
# port (and each port answers), `-o haproxy` their server lines, `-o json` the same for
# scripts; the same two are serverset members in a real ZooKeeper (read back with zkCli.sh),
# and a master killed with SIGKILL and started again leaves no stale member; `--watch` prints
# the change as soon as an instance is stopped (the master holds the call until something
# changes), and the stopped instance is no longer routable nor a member; a job that does not
# exist is refused.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test discovery
trap '[ -n "${master_pid}" ] && kill -9 "${master_pid}" 2>/dev/null; kill "${zk_pid:-}" 2>/dev/null;
      rm -rf "${sock_dir}"' EXIT
start_zookeeper
# members: the serverset's member nodes, one per line.
members() {
  /usr/share/zookeeper/bin/zkCli.sh -server "127.0.0.1:${zk_port}" ls /peloton/discovery/web/test/frontend 2> /dev/null |
      tr -d '[],' | tr ' ' '\n' | grep '^member_' || true
}
discovery=(--discovery-zk="127.0.0.1:${zk_port}")
run_master "${discovery[@]}"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
cp "${examples}/service_job.yaml" "${work}/web.yaml"
printf 'labels:\n- {key: peloton.discovery/path, value: web/test/frontend}\n' >> "${work}/web.yaml"
job=$("${peloton}" job create /DefaultResPool "${work}/web.yaml" | awk '{print $2}')

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

# Both are serverset members, with Aurora's JSON.
for _ in $(seq 1 50); do [ "$(members | wc -l)" = 2 ] && break; sleep 0.2; done
[ "$(members | wc -l)" = 2 ] || fail "serverset members: $(members)"
/usr/share/zookeeper/bin/zkCli.sh -server "127.0.0.1:${zk_port}" \
    get "/peloton/discovery/web/test/frontend/$(members | head -1)" 2> /dev/null > "${work}/member"
grep_q '"serviceEndpoint":{"host":"[^"]*","port":310[0-9][0-9]}' "${work}/member" ||
    fail "member: $(cat "${work}/member")"
grep_q '"status":"ALIVE"' "${work}/member" || fail "member: $(cat "${work}/member")"

# A master killed with SIGKILL leaves its members until its session ends; the master started
# again replaces them at once: still two, none stale.
kill_master
run_master "${discovery[@]}"
for _ in $(seq 1 50); do
  grep -c "announcing serversets" "${work}/master.log" | grep_q '^2$' && break
  sleep 0.1
done
sleep 1  # a round or more after the new session
[ "$(members | wc -l)" = 2 ] || fail "after a restart, members: $(members)"

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
[ "$(members | wc -l)" = 1 ] || fail "after the stop, members: $(members)"

expect_refused 1 "does not exist" "${peloton}" discover 00000000-0000-0000-0000-000000000000
"${peloton}" job stop "${job}" > /dev/null  # its servers end with it
echo PASS
