#!/bin/bash
# The README's quick start, for real: peloton-master on the local backend (two virtual hosts),
# driven by the peloton CLI. Then bad input (each refused with a message naming the field and
# a non-zero exit), and a master killed with SIGKILL in the middle of a job and restarted.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test quickstart
shared="${work}/shared"  # the tasks' and the test's (tasks see nothing of the data dir)
mkdir -p "${shared}"
start_master() { run_master --local-hosts=2; }

# No master yet.
expect_refused 2 "cannot reach peloton-master" "${peloton}" respool dump

start_master

# respool create -> job create -> task list shows SUCCEEDED tasks.
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > "${work}/out"
grep -q "created at /DefaultResPool" "${work}/out" || fail "respool create: $(cat "${work}/out")"
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create" \
    2> "${work}/warnings" || fail "job create --wait: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" || fail "job: $(cat "${work}/create")"
grep -q "ignoring unknown key 'sla.minimuminstancecount'" "${work}/warnings" || fail "no warning"
job=$(head -1 "${work}/create" | awk '{print $2}')
[ "$("${peloton}" task list "${job}" | grep -c SUCCEEDED)" = 10 ] || fail "task list"
[ "$("${peloton}" task logs "${job}" 0)" = "Hello instance 0" ] || fail "task logs"
"${peloton}" task get "${job}" 0 > "${work}/task"
grep -q "^state: SUCCEEDED$" "${work}/task" || fail "task get: $(cat "${work}/task")"
grep -q '^  name: controller0$' "${work}/task" || fail "task get config: $(cat "${work}/task")"
"${peloton}" task events "${job}" 1 > "${work}/events"
for state in PENDING LAUNCHED RUNNING SUCCEEDED; do
  grep -q " ${state} " "${work}/events" || fail "task events lack ${state}: $(cat "${work}/events")"
done
expect_refused 1 "instance 42 does not exist" "${peloton}" task get "${job}" 42
"${peloton}" job status "${job}" | grep_q "^state: SUCCEEDED$" || fail "job status"
"${peloton}" task list "${job}" -o json | grep_q '"state": "SUCCEEDED"' || fail "-o json"
"${peloton}" task list "${job}" -o yaml > "${work}/yaml"
grep -q '^  state: SUCCEEDED$' "${work}/yaml" || fail "-o yaml: $(cat "${work}/yaml")"
# job get prints the config as YAML, in the form job files take: it creates the same job again.
"${peloton}" job get "${job}" | sed -n '/^config:$/,$p' | sed '1d; s/^  //' > "${work}/again.yaml"
grep -q '^name: TestPelotonJob_123$' "${work}/again.yaml" || fail "job get config: $(cat "${work}/again.yaml")"
"${peloton}" job create /DefaultResPool "${work}/again.yaml" --wait > "${work}/again" ||
    fail "the config of job get, created again: $(cat "${work}/again")"
tail -1 "${work}/again" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" || fail "again: $(cat "${work}/again")"
"${peloton}" job delete "$(head -1 "${work}/again" | awk '{print $2}')" > /dev/null

# --watch: job status and task list printed again as they change, until the job ends.
printf 'instancecount: 2\ndefaultconfig:\n  resource: {cpulimit: 0.1, memlimitmb: 2}\n  command: {value: "sleep 2"}\n' \
    > "${work}/short.yaml"
short=$("${peloton}" job create /DefaultResPool "${work}/short.yaml" | awk '{print $2}')
"${peloton}" job status --watch --interval 0.1 "${short}" > "${work}/watch" ||
    fail "job status --watch: $(cat "${work}/watch")"
[ "$(grep -c '^--- ' "${work}/watch")" -ge 2 ] || fail "job status --watch printed once: $(cat "${work}/watch")"
[ "$(grep '^state: ' "${work}/watch" | tail -1)" = "state: SUCCEEDED" ] || fail "job status --watch: $(cat "${work}/watch")"
"${peloton}" task list --watch "${short}" > "${work}/watch"
[ "$(grep -c '^--- ' "${work}/watch")" = 1 ] || fail "task list --watch of an ended job: $(cat "${work}/watch")"
[ "$(grep -c ' SUCCEEDED ' "${work}/watch")" = 2 ] || fail "task list --watch: $(cat "${work}/watch")"
"${peloton}" job delete "${short}" > /dev/null

# Queries and deletion (reference §7 scenario 17).
"${peloton}" job query --name PelotonJob --state SUCCEEDED > "${work}/query"
grep -q "^${job} .*TestPelotonJob_123 .*team6 .*SUCCEEDED " "${work}/query" || fail "query: $(cat "${work}/query")"
grep -q "^1 of 1 jobs$" "${work}/query" || fail "query total: $(cat "${work}/query")"
"${peloton}" job query --label testKey1=testVal1 --respool /DefaultResPool | grep_q "^${job} " || fail "query by label"
"${peloton}" job query --owner nobody | grep_q "^0 of 0 jobs$" || fail "query by owner"
expect_refused 1 "unknown job state 'SLEEPING'" "${peloton}" job query --state SLEEPING
expect_refused 2 "KEY=VALUE" "${peloton}" job query --label nokey
expect_refused 2 "--zkroot: 'peloton' (rule: an absolute path" \
    "${peloton}" -z 127.0.0.1:2181 --zkroot peloton job status x
expect_refused 2 "--zkservers: empty (rule: host:port" "${peloton}" -z "" job status x

# job update adds instances; a finished job runs again. respool update changes a pool.
sed 's/^instancecount: 10$/instancecount: 12/' "${examples}/testjob.yaml" > "${work}/grown.yaml"
"${peloton}" job update "${job}" "${work}/grown.yaml" 2> /dev/null | grep_q "2 instances added" || fail "job update"
for _ in $(seq 1 200); do
  [ "$("${peloton}" task list "${job}" | grep -c SUCCEEDED)" = 12 ] && break
  sleep 0.1
done
[ "$("${peloton}" task list "${job}" | grep -c SUCCEEDED)" = 12 ] || fail "after job update: $("${peloton}" task list "${job}")"
expect_refused 1 "instanceCount" "${peloton}" job update "${job}" "${examples}/testjob.yaml"
sed 's/^  limit: 64$/  limit: 32/' "${examples}/default_respool.yaml" > "${work}/smaller.yaml"
"${peloton}" respool update /DefaultResPool "${work}/smaller.yaml" | grep_q "updated" || fail "respool update"
"${peloton}" respool dump | grep_q "^/DefaultResPool .* 32 " || fail "respool dump after update: $("${peloton}" respool dump)"
sed 's/^  limit: 64$/  limit: 0.5/' "${examples}/default_respool.yaml" > "${work}/below.yaml"
expect_refused 1 "reservation" "${peloton}" respool update /DefaultResPool "${work}/below.yaml"
"${peloton}" respool get /DefaultResPool | grep_q "^/DefaultResPool .* 32 " || fail "a refused update changed the pool"
"${peloton}" respool get /DefaultResPool -o json | grep_q '"limit": 32' || fail "respool get -o json"
expect_refused 1 "pool /Nope does not exist" "${peloton}" respool get /Nope

# Bad input: a clear message, a non-zero exit, nothing created.
printf 'name: [unclosed\n' > "${work}/malformed.yaml"
expect_refused 1 "malformed YAML at line" "${peloton}" job create /DefaultResPool "${work}/malformed.yaml"
printf 'instancecount: 2\ndefaultconfig: {name: x}\n' > "${work}/nocommand.yaml"
expect_refused 1 "defaultConfig.command.value" "${peloton}" job create /DefaultResPool "${work}/nocommand.yaml"
expect_refused 1 "pool /NoSuchPool does not exist" "${peloton}" job create /NoSuchPool "${examples}/testjob.yaml"
printf 'instancecount: 1\nsla: {revocable: true}\ndefaultconfig: {command: {value: x}}\n' > "${work}/revocable.yaml"
expect_refused 1 "sla.revocable" "${peloton}" job create /DefaultResPool "${work}/revocable.yaml"
printf 'name: child\nparent: {value: root}\nresources: []\n' > "${work}/parent.yaml"
expect_refused 1 "parent: set" "${peloton}" respool create /DefaultResPool/child "${work}/parent.yaml"
printf 'name: other\nresources: []\n' > "${work}/misnamed.yaml"
expect_refused 1 "name" "${peloton}" respool create /DefaultResPool/child "${work}/misnamed.yaml"
expect_refused 1 "does not exist" "${peloton}" job status no-such-job
expect_refused 2 "range" "${peloton}" task list "${job}" -r 5:2
expect_refused 1 "instance 99 does not exist" "${peloton}" task logs "${job}" 99

# kill -9 of the master in the middle of a job, then a restart: the job finishes and no
# instance runs twice.
waiting_job "${work}/wait.yaml" 4 "sla: {preemptible: true}"
job2=$("${peloton}" job create /DefaultResPool "${work}/wait.yaml" | awk '{print $2}')
for _ in $(seq 1 100); do
  [ "$("${peloton}" task list "${job2}" | grep -c RUNNING)" = 4 ] && break
  sleep 0.1
done
[ "$("${peloton}" task list "${job2}" | grep -c RUNNING)" = 4 ] || fail "tasks did not start"
expect_refused 1 "only terminal jobs are deleted" "${peloton}" job delete "${job2}"
"${peloton}" task stop "${job2}" -r 3 | grep_q "Stopping instances 3 of job" || fail "task stop"
for _ in $(seq 1 100); do
  "${peloton}" task list "${job2}" -r 3 | grep_q KILLED && break
  sleep 0.1
done
"${peloton}" task list "${job2}" -r 3 | grep_q KILLED || fail "task 3 not stopped"
"${peloton}" task start "${job2}" -r 3 | grep_q "Starting instances 3 of job" || fail "task start"
kill_master
start_master
touch "${shared}/go"
for _ in $(seq 1 200); do
  "${peloton}" job status "${job2}" | grep_q "^state: SUCCEEDED$" && break
  sleep 0.1
done
"${peloton}" job status "${job2}" | grep_q "^state: SUCCEEDED$" || fail "job after restart: $("${peloton}" job status "${job2}")"
expect_runs_once 3
# Instance 3 was stopped and started again by hand: two runs, one after the other.
[ "$(cat "${shared}/runs-3")" = "$(printf 'run\nrun')" ] || fail "instance 3 runs: $(cat "${shared}/runs-3")"
# Host maintenance (reference §6.1): the host drains, its task runs again on the other host,
# it goes DOWN, and comes back UP.
"${peloton}" host query > "${work}/hosts"
[ "$(grep -c " UP " "${work}/hosts")" = 2 ] || fail "host query: $(cat "${work}/hosts")"
cat > "${work}/long.yaml" <<YAML
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  command: {shell: true, value: 'echo run >> ${shared}/maint-runs; sleep 300'}
YAML
job3=$("${peloton}" job create /DefaultResPool "${work}/long.yaml" | awk '{print $2}')
for _ in $(seq 1 100); do
  "${peloton}" task list "${job3}" | grep_q RUNNING && break
  sleep 0.1
done
first=$("${peloton}" task list "${job3}" | awk '$2 == "RUNNING" {print $3}')
[ -n "${first}" ] || fail "the long task did not start: $("${peloton}" task list "${job3}")"
"${peloton}" host maintenance start "${first}" | grep_q "Maintenance started on ${first}" ||
  fail "host maintenance start"
expect_refused 1 "only an UP host" "${peloton}" host maintenance start "${first}"
expect_refused 1 "nowhere" "${peloton}" host maintenance start nowhere
for _ in $(seq 1 200); do
  "${peloton}" host query | grep_q "^${first} .* DOWN " &&
    "${peloton}" task list "${job3}" | grep_q " RUNNING .*[^ ]" &&
    ! "${peloton}" task list "${job3}" | grep_q "RUNNING *${first} " && break
  sleep 0.1
done
"${peloton}" host query | grep_q "^${first} .* DOWN " || fail "host not down: $("${peloton}" host query)"
"${peloton}" task list "${job3}" | grep " RUNNING " | grep -vq " ${first} " ||
  fail "the task did not move: $("${peloton}" task list "${job3}")"
[ "$(grep -c run "${shared}/maint-runs")" = 2 ] || fail "the task should have run twice"
"${peloton}" host maintenance complete "${first}" | grep_q "Maintenance completed" ||
  fail "host maintenance complete"
[ "$("${peloton}" host query | grep -c " UP ")" = 2 ] || fail "host not back up"
"${peloton}" job stop "${job3}" > /dev/null
wait_state "${job3}" KILLED  # its task does not outlive the test

# Static ports are the hosts' own: port 22 is in no host's range, so its task waits and says
# why; 31100 is host 0's (of 31000-31999), taken by one task at a time.
cat > "${work}/ssh.yaml" <<'YAML'
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  ports: [{name: ssh, value: 22}]
  command: {shell: true, value: 'exit 0'}
YAML
ssh=$("${peloton}" job create /DefaultResPool "${work}/ssh.yaml" | awk '{print $2}')
never_fits "${ssh}" INSUFFICIENT_PORTS
cat > "${work}/static.yaml" <<'YAML'
instancecount: 2
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  ports: [{name: web, value: 31100, envname: WEB}]
  command: {shell: true, value: 'echo "port $WEB"; sleep 30'}
YAML
static=$("${peloton}" job create /DefaultResPool "${work}/static.yaml" | awk '{print $2}')
for _ in $(seq 1 100); do
  [ "$("${peloton}" task list "${static}" | grep -c " RUNNING ")" = 1 ] && break
  sleep 0.1
done
running=$("${peloton}" task list "${static}" | awk '$2 == "RUNNING" {print $1}')
[ -n "${running}" ] || fail "no task holds port 31100: $("${peloton}" task list "${static}")"
says "${static}" "${running}" "port 31100"
sleep 0.5  # a round or more: the other one still waits
[ "$("${peloton}" task list "${static}" | grep -c " RUNNING ")" = 1 ] ||
  fail "port 31100 held twice: $("${peloton}" task list "${static}")"
for j in "${ssh}" "${static}"; do "${peloton}" job stop "${j}" > /dev/null; done
wait_state "${ssh}" KILLED
wait_state "${static}" KILLED

# A task's output is the task's: task logs reads a window of it (the last 1 MiB by default),
# never all of a large file.
cat > "${work}/chatty.yaml" <<'YAML'
instancecount: 1
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  command: {shell: true, value: 'yes 0123456789 | head -c 3000000; echo END; sleep 30'}
YAML
chatty=$("${peloton}" job create /DefaultResPool "${work}/chatty.yaml" | awk '{print $2}')
says "${chatty}" 0 END
"${peloton}" task logs "${chatty}" 0 > "${work}/tail" 2> "${work}/tail.err"
[ "$(wc -c < "${work}/tail")" = 1048576 ] || fail "task logs: $(wc -c < "${work}/tail") bytes"
[ "$(tail -c 4 "${work}/tail")" = END ] || fail "task logs: not the tail"
grep -q "bytes 1951428 to 3000004 of 3000004" "${work}/tail.err" || fail "task logs: $(cat "${work}/tail.err")"
[ "$("${peloton}" task logs "${chatty}" 0 --offset 0 --length 10 2> /dev/null)" = 0123456789 ] ||
  fail "task logs --offset 0 --length 10"
expect_refused 2 "--length" "${peloton}" task logs "${chatty}" 0 --length 5000000
"${peloton}" job stop "${chatty}" > /dev/null
wait_state "${chatty}" KILLED

# A terminal job can be deleted, and is gone.
"${peloton}" job delete "${job}" | grep_q "deleted" || fail "job delete"
expect_refused 1 "does not exist" "${peloton}" job status "${job}"
echo "PASS"
