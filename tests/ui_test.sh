#!/bin/bash
# The web UI of peloton-master in headless Chromium (Debian's chromium), against a real master
# on the local backend: each page renders what the test created, read from the DOM after the
# page's scripts ran; a job name with markup shows as text. Screenshots are kept as test
# artefacts (bazel-testlogs/tests/ui_test/test.outputs/).
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test ui
command -v chromium > /dev/null || fail "no chromium (scripts/bootstrap.sh installs it)"
port=$(free_port)
run_master --local-hosts=2 --http="127.0.0.1:${port}"
shots="${TEST_UNDECLARED_OUTPUTS_DIR:-${work}}"
export HOME="${work}/home"  # Chromium's profile
mkdir -p "${HOME}"

"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
job=$("${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait 2> /dev/null |
      head -1 | awk '{print $2}')
printf 'name: "<b id=injected>x</b>"\ninstancecount: 1\ndefaultconfig:\n  resource: {cpulimit: 0.1, memlimitmb: 2}\n  command: {value: "sleep 60"}\n' \
    > "${work}/markup.yaml"
markup=$("${peloton}" job create /DefaultResPool "${work}/markup.yaml" | awk '{print $2}')
wait_state "${markup}" RUNNING

# page NAME HASH: the DOM of /ui/#HASH after its scripts ran, in ${work}/NAME.html, and a
# screenshot NAME.png.
page() {
  local url="http://127.0.0.1:${port}/ui/#$2"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 \
      --dump-dom "${url}" > "${work}/$1.html" 2>> "${work}/chromium.log" ||
      fail "chromium --dump-dom ${url}: $(tail -5 "${work}/chromium.log")"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 \
      --window-size=1280,900 --screenshot="${shots}/$1.png" "${url}" 2>> "${work}/chromium.log" ||
      fail "chromium --screenshot ${url}"
  grep -q '<div id="error" hidden="">' "${work}/$1.html" ||
      fail "$1: the page shows an error: $(grep -o '<div id="error"[^<]*' "${work}/$1.html")"
}
has() {  # has NAME TEXT: the page's DOM has TEXT
  grep -qF -- "$2" "${work}/$1.html" || fail "$1 lacks $2: $(cat "${work}/$1.html")"
}

page pools /pools
has pools 'data-pool="/DefaultResPool"'
has pools 'data-pool="/"'
has pools 'data-measure="reservation">1 of 64 cores'
has pools 'data-measure="allocation">0.1 of 64 cores'  # the markup job's task
has pools 'class="fill entitlement"'

page jobs /jobs
has jobs "data-job=\"${job}\""
has jobs "<a href=\"#/job/${job}\">${job}</a>"
has jobs 'TestPelotonJob_123'
has jobs "data-job=\"${markup}\""
has jobs '&lt;b id=injected&gt;x&lt;/b&gt;'
grep -q 'id="injected"\|id=injected>' "${work}/jobs.html" && fail "a job's name became markup"
page running '/jobs?state=RUNNING'
has running "data-job=\"${markup}\""
grep -qF "data-job=\"${job}\"" "${work}/running.html" && fail "the RUNNING filter shows a SUCCEEDED job"
has running '<option value="RUNNING" selected="true">'
page search '/jobs?q=TestPelotonJob_123'
has search "data-job=\"${job}\""
grep -qF "data-job=\"${markup}\"" "${work}/search.html" && fail "the search shows another job"

page job "/job/${job}/0"
for i in $(seq 0 9); do has job "data-instance=\"${i}\""; done
has job '<td class="state-SUCCEEDED">SUCCEEDED</td>'
has job 'id="config">name: TestPelotonJob_123'
has job 'id="events"'
has job "${job}-0-1"
has job 'exit code 0'

page hosts /hosts
has hosts 'data-host="'
[ "$(grep -o 'data-host="' "${work}/hosts.html" | wc -l)" = 2 ] || fail "hosts: $(cat "${work}/hosts.html")"
has hosts 'HOST_STATE_UP'

# The endpoint serves the UI's files; / leads to it.
[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "127.0.0.1:${port}/")" = \
  "302 http://127.0.0.1:${port}/ui/" ] || fail "GET / does not lead to /ui/"
curl -s -o "${work}/app.js" "127.0.0.1:${port}/ui/app.js"
grep -q "Peloton-C++'s web UI" "${work}/app.js" || fail "GET /ui/app.js: $(head -c 300 "${work}/app.js")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:${port}/ui/nope.js")" = 404 ] || fail "GET /ui/nope.js"
echo "PASS"
