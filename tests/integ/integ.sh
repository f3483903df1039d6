#!/usr/bin/env bash
# make integ-test: the acceptance scenarios of Peloton's integration suite (reference §7) that
# this project covers, through the peloton CLI only, against
#   - the embedded default: a peloton-master this script starts on 3 virtual hosts of this
#     machine, with a throwaway data dir, and stops (the default), or
#   - a running deployment: CLUSTER=host:port (or unix:PATH), such as the installed packages'
#     peloton-master. Nothing there is touched but what the scenarios make: a pool /integ-<id>
#     and the jobs in it, stopped and deleted at the end, whatever happened.
#
# Environment: CLUSTER (above); PELOTON_CLI, the CLI (default: the build's, else `peloton`);
# PELOTON_MASTER_BIN, the master to start (default: the build's); PELOTON_MASTER_FLAGS, more
# flags for it (words split at spaces); INTEG_WORK, a scratch dir.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "${here}/../.." && pwd)
peloton=${PELOTON_CLI:-"${top}/.bazel/bin/services/cli/peloton"}
[ -x "${peloton}" ] || peloton=$(command -v peloton) || {
  echo "integ: no peloton CLI (make build, or set PELOTON_CLI)" >&2
  exit 2
}
work=${INTEG_WORK:-$(mktemp -d)}
mkdir -p "${work}"
id="$(date +%s)-$$"
pool="/integ-${id}"
master_pid=""
# The jobs the scenarios made, one id a line (create runs in a $(...) subshell: a file, not an
# array, reaches cleanup).
made="${work}/jobs_made"
: > "${made}"

fail() {
  echo "FAIL: $*" >&2
  [ -f "${work}/master.log" ] && tail -50 "${work}/master.log" >&2
  exit 1
}

# Whatever happened: the scenarios' jobs stopped and deleted, their pool deleted, the master
# this script started stopped.
cleanup() {
  local status=$?
  set +e
  local job
  while read -r job; do
    "${peloton}" job stop "${job}" > /dev/null 2>&1
  done < "${made}"
  while read -r job; do
    for _ in $(seq 1 300); do
      "${peloton}" job delete "${job}" > /dev/null 2>&1 && break
      "${peloton}" job status "${job}" > /dev/null 2>&1 || break  # deleted already
      sleep 0.1
    done
  done < "${made}"
  for _ in $(seq 1 300); do
    "${peloton}" respool delete "${pool}" > /dev/null 2>&1 && break
    "${peloton}" respool get "${pool}" > /dev/null 2>&1 || break
    sleep 0.1
  done
  if "${peloton}" respool get "${pool}" > /dev/null 2>&1; then
    echo "integ: ${pool} was left behind" >&2
    status=1
  fi
  [ -n "${master_pid}" ] && kill "${master_pid}" 2> /dev/null && wait "${master_pid}" 2> /dev/null
  [ -n "${sock_dir:-}" ] && rm -rf "${sock_dir}"
  [ -z "${INTEG_WORK:-}" ] && rm -rf "${work}"
  exit "${status}"
}
trap cleanup EXIT

if [ -n "${CLUSTER:-}" ]; then
  export PELOTON_MASTER=${CLUSTER}
  echo "integ: against ${CLUSTER}, in ${pool}"
else
  master=${PELOTON_MASTER_BIN:-"${top}/.bazel/bin/services/bin/peloton-master"}
  [ -x "${master}" ] || { echo "integ: no peloton-master (make build)" >&2; exit 2; }
  sock_dir=$(mktemp -d /tmp/peloton-integ.XXXXXX)
  export PELOTON_MASTER="unix:${sock_dir}/master.sock"
  # shellcheck disable=SC2086 # PELOTON_MASTER_FLAGS is words
  "${master}" --data-dir="${work}/var" --listen="${PELOTON_MASTER}" --http=off --local-hosts=3 \
      ${PELOTON_MASTER_FLAGS:-} > "${work}/master.log" 2>&1 &
  master_pid=$!
  echo "integ: against a peloton-master of its own (${work}), in ${pool}"
fi
for _ in $(seq 1 100); do
  "${peloton}" respool dump > /dev/null 2>&1 && break
  sleep 0.1
done
"${peloton}" respool dump > /dev/null || fail "nothing answers at ${PELOTON_MASTER}"

# --- helpers

# until_says FILE PATTERN COMMAND...: runs COMMAND, its output in FILE, until FILE has a line
# matching PATTERN (grep), for 60 s at most; fails when it never does.
until_says() {
  local file=$1 pattern=$2
  shift 2
  for _ in $(seq 1 600); do
    "$@" > "${file}" 2>&1 || true
    grep -q -- "${pattern}" "${file}" && return 0
    sleep 0.1
  done
  fail "$*: no '${pattern}' in: $(cat "${file}")"
}
# wait_state JOB STATE: the job reaches STATE within 60 s.
wait_state() { until_says "${work}/status" "^state: $2$" "${peloton}" job status "$1"; }
# create FILE: creates the job in the scenarios' pool; prints its id.
create() {
  local out
  out=$("${peloton}" job create "${pool}" "$1") || fail "job create $1: ${out}"
  local job
  job=$(awk '{print $2}' <<< "${out}")
  echo "${job}" >> "${made}"
  echo "${job}"
}
# job_file FILE NAME TYPE INSTANCES COMMAND: a job file.
job_file() {
  cat > "$1" <<YAML
name: $2
type: $3
instancecount: $4
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 16, disklimitmb: 1}
  command: {shell: true, value: '$5'}
YAML
}
# expect_refused TEXT COMMAND...: the command exits 1 and says TEXT.
expect_refused() {
  local text=$1
  shift
  if "$@" > "${work}/out" 2>&1; then fail "$* was not refused"; fi
  grep -qF -- "${text}" "${work}/out" || fail "$*: no '${text}' in: $(cat "${work}/out")"
}
passed() { echo "PASS $1"; }

# --- the scenarios' pool; a bad one is refused, naming the field and the rule

cat > "${work}/pool.yaml" <<YAML
name: integ-${id}
resources:
- {kind: cpu, reservation: 1, limit: 4, share: 1}
- {kind: memory, reservation: 512, limit: 4096, share: 1}
- {kind: disk, reservation: 512, limit: 4096, share: 1}
- {kind: gpu, reservation: 0, limit: 0, share: 1}
YAML
sed 's/reservation: 1, limit: 4/reservation: 8, limit: 4/' "${work}/pool.yaml" > "${work}/bad.yaml"
expect_refused "reservation" "${peloton}" respool create "${pool}" "${work}/bad.yaml"
"${peloton}" respool get "${pool}" > /dev/null 2>&1 && fail "a refused pool was created"
"${peloton}" respool create "${pool}" "${work}/pool.yaml" > /dev/null
passed "pools: a bad config refused, nothing created; a good one created"

# --- §7.17 a batch job: it succeeds, its output is there, queries find it, it is deleted

job_file "${work}/hello.yaml" "integ-${id}-hello" BATCH 3 'echo integ says hello'
hello=$(create "${work}/hello.yaml")
wait_state "${hello}" SUCCEEDED
"${peloton}" task logs "${hello}" 2 > "${work}/logs"
grep -qx "integ says hello" "${work}/logs" || fail "task output: $(cat "${work}/logs")"
"${peloton}" job query --name "integ-${id}-hello" > "${work}/query"
grep -q "^${hello} .* SUCCEEDED " "${work}/query" || fail "job query: $(cat "${work}/query")"
"${peloton}" job delete "${hello}" > /dev/null
"${peloton}" job status "${hello}" > /dev/null 2>&1 && fail "a deleted job is still there"
passed "batch job: SUCCEEDED with its output; found by name; deleted"

# --- §7.17 a failing batch job ends FAILED, saying why

job_file "${work}/fails.yaml" "integ-${id}-fails" BATCH 1 'exit 3'
fails=$(create "${work}/fails.yaml")
wait_state "${fails}" FAILED
"${peloton}" task list "${fails}" > "${work}/tasks"
grep -q "FAILED .*exit code 3" "${work}/tasks" || fail "task list: $(cat "${work}/tasks")"
passed "failing job: FAILED, exit code 3"

# --- §7.17 stop ranges of tasks; stopping all kills the job; a running job, and the pool it
# runs in, are not deleted

job_file "${work}/sleepers.yaml" "integ-${id}-sleepers" BATCH 2 'exec sleep 600'
sleepers=$(create "${work}/sleepers.yaml")
wait_state "${sleepers}" RUNNING
expect_refused "terminal" "${peloton}" job delete "${sleepers}"
expect_refused "busy" "${peloton}" respool delete "${pool}"
"${peloton}" task stop "${sleepers}" -r 0:1 > /dev/null
until_says "${work}/tasks" "^ *0  KILLED" "${peloton}" task list "${sleepers}"
grep -q "^ *1  RUNNING" "${work}/tasks" || fail "instance 1 not RUNNING: $(cat "${work}/tasks")"
"${peloton}" job stop "${sleepers}" > /dev/null
wait_state "${sleepers}" KILLED
passed "task stop of a range, then job stop: KILLED; a running job and its pool not deleted"

# --- §7.12 and §7.14 a service job: a rolling update to a new command, and one started paused,
# refused with a stale entity version, resumed and done

job_file "${work}/v1.yaml" "integ-${id}-web" SERVICE 2 'echo v1; exec sleep 600'
web=$(create "${work}/v1.yaml")
wait_state "${web}" RUNNING
job_file "${work}/v2.yaml" "integ-${id}-web" SERVICE 2 'echo v2; exec sleep 600'
"${peloton}" update create "${web}" "${work}/v2.yaml" 1 "${pool}" --wait > "${work}/update" ||
  fail "update: $(cat "${work}/update")"
grep -q "^SUCCEEDED (2 of 2 done, 0 failed)$" "${work}/update" || fail "$(cat "${work}/update")"
"${peloton}" job get "${web}" > "${work}/config"
grep -qF "echo v2" "${work}/config" || fail "the job's config is not v2: $(cat "${work}/config")"
job_file "${work}/v3.yaml" "integ-${id}-web" SERVICE 2 'echo v3; exec sleep 600'
update=$("${peloton}" update create "${web}" "${work}/v3.yaml" 2 "${pool}" --start-paused |
         awk '{print $2}')
"${peloton}" update get "${update}" > "${work}/update"
grep -q "state: *PAUSED" "${work}/update" || fail "not paused: $(cat "${work}/update")"
version=$(awk '$1 == "entity" {print $3}' "${work}/update")
expect_refused "stale" "${peloton}" update resume "${update}" --entity-version "$((version + 1))"
"${peloton}" update resume "${update}" --entity-version "${version}" > /dev/null
until_says "${work}/update" "state: *SUCCEEDED" "${peloton}" update get "${update}"
"${peloton}" job stop "${web}" > /dev/null
wait_state "${web}" KILLED
passed "service job: rolling update SUCCEEDED; paused, a stale version refused, resumed"

echo "integ: every scenario passed"
