#!/bin/bash
# Immutable remote volumes on peloton-master (issue 17): a service job whose tasks fetch a
# read-only file by URL (from a real HTTP server, python3's http.server), checked against its
# #sha256=; a rolling update to a new URL (a tar archive, unpacked) whose content each new run
# sees; an update to a URL that cannot be fetched fails its instance with the reason and rolls
# back; and the host's cache fetches each URL once, however many runs use it.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test remote_volume
www="${work}/www"
mkdir -p "${www}/v1" "${www}/v2/tree"
printf 'version 1\n' > "${www}/v1/data.txt"
printf 'version 2\n' > "${www}/v2/tree/data.txt"
tar -czf "${www}/v2/bundle.tar.gz" -C "${www}/v2/tree" data.txt
digest() { sha256sum "$1" | awk '{print $1}'; }

python3 -u -m http.server --bind 127.0.0.1 --directory "${www}" 0 \
    > "${work}/http.out" 2> "${work}/http.log" &
http_pid=$!
trap '[ -n "${master_pid}" ] && kill -9 "${master_pid}" 2>/dev/null; kill "${http_pid}" 2>/dev/null; rm -rf "${sock_dir}"' EXIT
for _ in $(seq 1 100); do grep -q "port" "${work}/http.out" 2> /dev/null && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "${work}/http.out")
[ -n "${port}" ] || fail "http.server did not start: $(cat "${work}/http.out" "${work}/http.log")"
url="http://127.0.0.1:${port}"
# gets PATH: how many times the server was asked for PATH.
gets() { grep -c "\"GET $1 HTTP" "${work}/http.log" || true; }

cat > "${work}/fast.yaml" <<'YAML'
goal_state: {restart_base_delay_seconds: 0.2, max_restart_delay_seconds: 1}
YAML
run_master --config="${work}/fast.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
# service FILE URIS: a 3-instance service whose tasks print their data.txt, then stay up.
service() {
  cat > "$1" <<YAML
name: site
type: SERVICE
instancecount: 3
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2, disklimitmb: 10}
  command:
    shell: true
    value: 'cat data.txt; exec sleep 600'
    uris: [$2]
YAML
}

service "${work}/v1.yaml" "{value: '${url}/v1/data.txt#sha256=$(digest "${www}/v1/data.txt")'}"
job=$("${peloton}" job create /DefaultResPool "${work}/v1.yaml" | awk '{print $2}')
for i in 0 1 2; do wait_run_running "${job}" "${i}" 1; says "${job}" "${i}" "version 1"; done

# A rolling update to the next version's URL, a tar archive unpacked in each sandbox.
service "${work}/v2.yaml" \
    "{value: '${url}/v2/bundle.tar.gz#sha256=$(digest "${www}/v2/bundle.tar.gz")', extract: true}"
"${peloton}" update create "${job}" "${work}/v2.yaml" 1 /DefaultResPool --wait \
    > "${work}/update.out" || fail "update: $(cat "${work}/update.out")"
grep -q "^SUCCEEDED (3 of 3 done, 0 failed)$" "${work}/update.out" || fail "$(cat "${work}/update.out")"
for i in 0 1 2; do
  says "${job}" "${i}" "version 2"
  [ "$(run_of "${job}" "${i}")" = 2 ] || fail "instance ${i}: $("${peloton}" task events "${job}" "${i}")"
done

# A URL that cannot be fetched: the instance that tries it fails, saying why, and the update
# rolls back to v2 (with maxattempts 1 and maxfailureInstances 1).
service "${work}/v3.yaml" "{value: '${url}/v3/missing.txt'}"
set +e
"${peloton}" update create "${job}" "${work}/v3.yaml" 1 /DefaultResPool --maxattempts 1 \
    --maxfailureInstances 1 --rollbackOnFailure --wait > "${work}/rollback.out"
got=$?
set -e
[ "${got}" = 1 ] || fail "update to v3 exited ${got}: $(cat "${work}/rollback.out")"
grep -q "^ROLLED_BACK " "${work}/rollback.out" || fail "$(cat "${work}/rollback.out")"
tried=""
for i in 0 1 2; do
  if "${peloton}" task events "${job}" "${i}" | grep_q -F "fetch ${url}/v3/missing.txt: HTTP 404"; then
    tried="${tried} ${i}"
  fi
done
[ -n "${tried}" ] || fail "no run failed on the URL: $("${peloton}" task events "${job}" 0)"
for i in 0 1 2; do says "${job}" "${i}" "version 2"; done
"${peloton}" job get "${job}" | grep_q -F "bundle.tar.gz" || fail "config: $("${peloton}" job get "${job}")"

# One host, one cache: every version was fetched once, though v2 ran on four runs or more.
[ "$(gets /v1/data.txt)" = 1 ] || fail "v1 fetched $(gets /v1/data.txt) times"
[ "$(gets /v2/bundle.tar.gz)" = 1 ] || fail "v2 fetched $(gets /v2/bundle.tar.gz) times"
[ "$(gets /v3/missing.txt)" -ge 1 ] || fail "v3 never asked for"

"${peloton}" job stop "${job}" > /dev/null
wait_state "${job}" KILLED
echo "PASS"
