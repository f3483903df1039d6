#!/bin/bash
# Issue 25's attacks on the embedded default, each of which must now fail to do harm. A task is
# untrusted code: nothing it leaves in its sandbox may steer the master or show it other files.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test security
run_master --local-hosts=1
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null

# job_of NAME COMMAND: creates a one-instance batch job running COMMAND; prints its id.
job_of() {
  cat > "${work}/$1.yaml" <<YAML
name: $1
instanceCount: 1
defaultConfig:
  resource: {cpuLimit: 0.1, memLimitMb: 64, diskLimitMb: 10}
  command: {value: '$2'}
YAML
  "${peloton}" job create /DefaultResPool "${work}/$1.yaml" | awk '{print $2}'
}

# task logs: a link in place of stdout is not followed; a FIFO is refused at once, and the
# master goes on answering (it used to block on it, and every call with it).
link=$(job_of link 'rm stdout && ln -s /etc/passwd stdout && echo linked > stderr && sleep 60')
fifo=$(job_of fifo 'rm stdout && mkfifo stdout && echo made > stderr && sleep 60')
for _ in $(seq 1 100); do
  "${peloton}" task logs -f stderr "${link}" 0 2> /dev/null | grep_q linked && break; sleep 0.1
done
expect_refused 1 "a symbolic link" "${peloton}" task logs "${link}" 0
grep_q root: "${work}/out" && fail "task logs followed the task's link: $(cat "${work}/out")"
for _ in $(seq 1 100); do
  "${peloton}" task logs -f stderr "${fifo}" 0 2> /dev/null | grep_q made && break; sleep 0.1
done
expect_refused 1 "not a regular file" timeout 10 "${peloton}" task logs "${fifo}" 0
timeout 10 "${peloton}" job status "${fifo}" | grep_q "^state: RUNNING$" ||
  fail "the master stopped answering after task logs of a FIFO"
"${peloton}" job stop "${link}" > /dev/null
"${peloton}" job stop "${fifo}" > /dev/null

# The runner is the only witness: an exit status the task writes is its own file, and a task
# that kills its runner fails, and is retried no more than its restart policy says.
liar=$(job_of liar 'echo "exited 0 0" > exit_status; echo 1 > task.pid; exit 3')
wait_state "${liar}" FAILED
cat > "${work}/killer.yaml" <<YAML
name: killer
instanceCount: 1
defaultConfig:
  resource: {cpuLimit: 0.1, memLimitMb: 64}
  restartPolicy: {maxFailures: 2}  # two runs in all
  command: {value: 'kill -9 \$PPID; sleep 60'}
YAML
killer=$("${peloton}" job create /DefaultResPool "${work}/killer.yaml" | awk '{print $2}')
wait_state "${killer}" FAILED 60
"${peloton}" task get "${killer}" 0 | grep_q "runner died" ||
  fail "the killer's task: $("${peloton}" task get "${killer}" 0)"
[ "$(run_of "${killer}" 0)" = 2 ] || fail "the killer ran $(run_of "${killer}" 0) times, not 2"

# task logs --follow prints what the run writes until it ends, then returns.
follow=$(job_of follow 'for i in 1 2 3; do echo line$i; sleep 1; done')
timeout 30 "${peloton}" task logs --follow --offset 0 "${follow}" 0 > "${work}/followed" ||
  fail "task logs --follow did not return once the run ended: $(cat "${work}/followed")"
[ "$(cat "${work}/followed")" = "$(printf 'line1\nline2\nline3')" ] ||
  fail "task logs --follow printed: $(cat "${work}/followed")"

echo PASS
