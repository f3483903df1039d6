#!/bin/bash
# Issue 25's attacks on the embedded default, each of which must now fail to do harm. A task is
# untrusted code: nothing it leaves in its sandbox may steer the master or show it other files.
# Outside Bazel's sandbox (tags): as root, the master runs its tasks as nobody, for real, with
# its data directory under /tmp, where nobody can pass (TEST_TMPDIR may be under a closed home).
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test security
data="${sock_dir}/var"
chmod 0711 "${sock_dir}"
# A secret in the master's environment, which no task may see.
PELOTON_TEST_SECRET=hunter2 "${master_bin}" --data-dir="${data}" --listen="${PELOTON_MASTER}" \
    --tick-ms=20 --local-hosts=1 >> "${work}/master.log" 2>&1 &
master_pid=$!
wait_for_api
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
as_root=$([ "$(id -u)" = 0 ] && echo yes || echo no)

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

# Without authentication the API is served on this machine only.
set +e
"${master_bin}" --data-dir="${work}/open" --listen=0.0.0.0:5391 > "${work}/open.log" 2>&1
status=$?
set -e
[ "${status}" = 2 ] || fail "a master listening on 0.0.0.0 exited ${status}: $(cat "${work}/open.log")"
grep_q "listen: '0.0.0.0:5391' (rule: without authentication" "${work}/open.log" ||
  fail "the refusal: $(cat "${work}/open.log")"

# Its socket: no other user may open it; and were its mode opened, the master would still
# close another user's connection (SO_PEERCRED).
[ "$(stat -c %a "${PELOTON_MASTER#unix:}")" = 700 ] ||
  fail "the API's socket: $(stat -c %a "${PELOTON_MASTER#unix:}")"
if [ "${as_root}" = yes ]; then
  install -m 0755 "${peloton}" "${sock_dir}/peloton"
  chmod 0777 "${PELOTON_MASTER#unix:}"
  set +e
  setpriv --reuid=nobody --regid=nogroup --clear-groups "${sock_dir}/peloton" respool dump \
      > "${work}/stranger.out" 2>&1
  status=$?
  set -e
  chmod 0700 "${PELOTON_MASTER#unix:}"
  [ "${status}" = 2 ] || fail "nobody called the master: ${status} $(cat "${work}/stranger.out")"
  grep_q "rpc: a connection from uid $(id -u nobody) closed (rule: without a security file" \
      "${work}/master.log" || fail "the master does not say it closed nobody's connection"
  "${peloton}" respool dump > /dev/null || fail "the owner can no longer call"
fi

# The data directory lets others pass and list nothing; the store and the runners' state are
# the master's alone.
[ "$(stat -c %a "${data}")" = 711 ] || fail "data dir: $(stat -c %a "${data}")"
[ "$(stat -c %a "${data}/peloton.db")" = 600 ] || fail "store: $(stat -c %a "${data}/peloton.db")"
[ "$(stat -c %a "${data}/runners")" = 700 ] || fail "runners: $(stat -c %a "${data}/runners")"

# A task runs as nobody, with an environment of its own, and sees nothing of the data
# directory but its sandbox: not the store, not another task's output or state.
first=$(job_of first 'echo mine')
wait_state "${first}" SUCCEEDED
nosy=$(job_of nosy "id -un; env; cat ${data}/peloton.db; ls ${data} ${data}/sandboxes; \
echo pwned >> ${data}/sandboxes/${first}-0-1/stdout; \
echo exited 0 0 > ${data}/runners/${first}-0-1/exit_status; true")
wait_state "${nosy}" SUCCEEDED
"${peloton}" task logs "${nosy}" 0 > "${work}/nosy.out"
"${peloton}" task logs -f stderr "${nosy}" 0 > "${work}/nosy.err"
if [ "${as_root}" = yes ]; then
  [ "$(head -1 "${work}/nosy.out")" = nobody ] || fail "the task ran as $(head -1 "${work}/nosy.out")"
fi
grep_q -F "USER=$(head -1 "${work}/nosy.out")" "${work}/nosy.out" || fail "no USER: $(cat "${work}/nosy.out")"
grep_q hunter2 "${work}/nosy.out" && fail "the task saw the master's environment"
grep_q -F "MESOS_SANDBOX=${data}/sandboxes/${nosy}-0-1" "${work}/nosy.out" ||
  fail "no MESOS_SANDBOX: $(cat "${work}/nosy.out")"
grep_q -F "cat: ${data}/peloton.db: No such file" "${work}/nosy.err" ||
  fail "the task reached the store: $(cat "${work}/nosy.err")"
grep_q -e peloton.db -e runners -e "${first}" "${work}/nosy.out" &&
  fail "the task saw more than its sandbox: $(cat "${work}/nosy.out")"
[ "$("${peloton}" task logs "${first}" 0)" = mine ] || fail "another task wrote into first's output"
[ "$("${peloton}" job status "${first}" | grep '^state:')" = "state: SUCCEEDED" ] || fail "first changed"

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
# that kills its runner (or, as nobody, cannot) fails, and is retried no more than its restart
# policy says.
liar=$(job_of liar 'echo "exited 0 0" > exit_status; echo 1 > task.pid; exit 3')
wait_state "${liar}" FAILED
cat > "${work}/killer.yaml" <<YAML
name: killer
instanceCount: 1
defaultConfig:
  resource: {cpuLimit: 0.1, memLimitMb: 64}
  restartPolicy: {maxFailures: 2}  # two runs in all
  command: {value: 'kill -9 \$PPID; exit 3'}
YAML
killer=$("${peloton}" job create /DefaultResPool "${work}/killer.yaml" | awk '{print $2}')
wait_state "${killer}" FAILED 60
if [ "${as_root}" = yes ]; then
  "${peloton}" task logs -f stderr "${killer}" 0 | grep_q "Operation not permitted" ||
    fail "nobody killed its root runner: $("${peloton}" task get "${killer}" 0)"
fi
[ "$(run_of "${killer}" 0)" = 2 ] || fail "the killer ran $(run_of "${killer}" 0) times, not 2"

# task logs --follow prints what the run writes until it ends, then returns.
follow=$(job_of follow 'for i in 1 2 3; do echo line$i; sleep 1; done')
timeout 30 "${peloton}" task logs --follow --offset 0 "${follow}" 0 > "${work}/followed" ||
  fail "task logs --follow did not return once the run ended: $(cat "${work}/followed")"
[ "$(cat "${work}/followed")" = "$(printf 'line1\nline2\nline3')" ] ||
  fail "task logs --follow printed: $(cat "${work}/followed")"

# Limits: memory (over it, the kernel kills the task, which fails for that), open files, the
# sandbox's disk, and a child that leaves the task's process group dies with it.
cat > "${work}/limits.yaml" <<YAML
name: limits
instanceCount: 4
defaultConfig:
  resource: {cpuLimit: 0.2, memLimitMb: 32, diskLimitMb: 1, fdLimit: 20}
  command: {value: 'sleep 1'}
instanceConfig:
  0: {command: {value: 'python3 -c "b = bytearray(200 << 20); print(len(b))"'}}
  1: {command: {value: 'ulimit -n'}}
  2: {command: {value: 'head -c 5000000 /dev/zero > big; sleep 60'}}
  3: {command: {value: 'setsid sleep 300 & echo \$!; sleep 0.5'}}
YAML
limits=$("${peloton}" job create /DefaultResPool "${work}/limits.yaml" | awk '{print $2}')
wait_state "${limits}" FAILED 60
"${peloton}" task list "${limits}" > "${work}/limits.list"
[ "$("${peloton}" task logs "${limits}" 1)" = 20 ] || fail "fdLimit: $("${peloton}" task logs "${limits}" 1)"
grep_q -E "^ +2  FAILED .*more than its disk limit of 1 MB" "${work}/limits.list" ||
  fail "diskLimitMb: $(cat "${work}/limits.list")"
if grep_q "isolated with cgroup" "${work}/master.log"; then
  grep_q -E "^ +0  FAILED .*over its memory limit" "${work}/limits.list" ||
    fail "memLimitMb: $(cat "${work}/limits.list")"
  escaped=$("${peloton}" task logs "${limits}" 3)
  [ -n "${escaped}" ] && ! kill -0 "${escaped}" 2> /dev/null ||
    fail "the setsid child ${escaped} outlived its task"
else
  echo "no cgroups here: memory and escaped children not checked: $(grep "no cgroups" "${work}/master.log")"
fi

echo PASS
