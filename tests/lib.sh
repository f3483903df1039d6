# Shared by the process-level tests (sourced). The test defines `work` (a directory) and
# `fail MESSAGE` (prints why, with its logs, and exits 1) before calling these.

# task_flags: how the tests' masters and host managers on the local backend run tasks. As root
# in Bazel's sandbox, whose user namespace maps root alone, there is no other user to become:
# tasks run as root, which the master does only when told so. security_test runs outside the
# sandbox, its tasks as nobody.
if [ "$(id -u)" = 0 ]; then task_flags=(--task-user=root --allow-root-tasks); else task_flags=(); fi

# grep_q ARGS...: grep -q, reading all of its input. grep -q stops at the first match, and the
# command piping into it may then die of SIGPIPE, which pipefail turns into a failure.
grep_q() { grep "$@" > /dev/null; }

# expect_refused STATUS TEXT COMMAND...: the command exits with STATUS and its stderr has TEXT.
expect_refused() {
  local status=$1 text=$2
  shift 2
  set +e
  "$@" > "${work}/out" 2> "${work}/err"
  local got=$?
  set -e
  [ "${got}" = "${status}" ] || fail "$* exited ${got}, expected ${status}: $(cat "${work}/err")"
  grep -qF -- "${text}" "${work}/err" || fail "$*: stderr lacks '${text}': $(cat "${work}/err")"
}

# wait_for_api: the master (or job manager) at PELOTON_MASTER answers within 10 s.
wait_for_api() {
  for _ in $(seq 1 100); do
    "${peloton}" respool dump > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "nothing answers at ${PELOTON_MASTER}"
}

# wait_state JOB STATE [SECONDS]: the job's state is STATE within SECONDS (30).
wait_state() {
  for _ in $(seq 1 $((${3:-30} * 10))); do
    "${peloton}" job status "$1" | grep_q "^state: $2$" && return 0
    sleep 0.1
  done
  fail "job $1 is not $2: $("${peloton}" job status "$1")"
}

# update_state UPDATE: the update's state (update get's "state:" line).
update_state() { "${peloton}" update get "$1" | awk '$1 == "state:" {print $2}'; }

# free_port: a TCP port on 127.0.0.1 nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# yarpc SOCKET PROCEDURE JSON: a v0 procedure over the HTTP/JSON endpoint on the Unix socket
# SOCKET, with curl and yarpc's headers as Peloton's README sends them; prints the reply's
# body and writes its HTTP status to ${work}/http_status.
yarpc() {
  curl -sS --unix-socket "$1" -o "${work}/http_body" -w '%{http_code}' -X POST \
      -H 'content-type: application/json' -H "Rpc-Procedure: $2" -H 'Rpc-Service: peloton-jobmgr' \
      -H 'Rpc-Caller: peloton-client' -H 'Context-TTL-MS: 5000' -H 'Rpc-Encoding: json' \
      --data "$3" localhost:5292/api/v1 > "${work}/http_status"
  cat "${work}/http_body"
}

# --- one peloton-master on the local backend (quickstart, stateful and daemon_hosts tests).

# master_test NAME: sets root, master_bin, peloton and examples (the runfiles), a fresh `work`
# (${TEST_TMPDIR}/NAME), PELOTON_MASTER on a short Unix socket path (paths are limited to
# 107 bytes), `fail` (prints why and the master's log, exits 1), and an EXIT trap that kills
# the master and removes the socket's directory.
master_test() {
  root="${TEST_SRCDIR}/peloton"
  master_bin="${root}/services/bin/peloton-master"
  peloton="${root}/services/cli/peloton"
  examples="${root}/examples"
  work="${TEST_TMPDIR}/$1"
  rm -rf "${work}"
  mkdir -p "${work}"
  sock_dir=$(mktemp -d /tmp/peloton-test.XXXXXX)
  export PELOTON_MASTER="unix:${sock_dir}/master.sock"
  master_pid=""
  fail() { echo "FAIL: $*" >&2; [ -f "${work}/master.log" ] && cat "${work}/master.log" >&2; exit 1; }
  trap '[ -n "${master_pid}" ] && kill -9 "${master_pid}" 2>/dev/null; rm -rf "${sock_dir}"' EXIT
}

# run_master FLAGS...: peloton-master on ${work}/var and PELOTON_MASTER with 20 ms ticks,
# logging to ${work}/master.log; sets master_pid and waits until it answers.
run_master() {
  "${master_bin}" --data-dir="${work}/var" --listen="${PELOTON_MASTER}" --tick-ms=20 \
      "${task_flags[@]}" "$@" >> "${work}/master.log" 2>&1 &
  master_pid=$!
  wait_for_api
}

# kill_master: SIGKILL the master and reap it (a restart follows).
kill_master() {
  kill -9 "${master_pid}"
  wait "${master_pid}" 2> /dev/null || true
}

# --- fake-mesos-master (the Mesos test double as a process); needs `fake_bin`.

# start_fake_mesos ARGS...: starts it (log in ${work}/fake.log), sets fake_pid and mesos
# (its host:port).
wait_run_running() {  # wait_run_running <job> <instance> <run>: that run of the instance runs
  # Columns: run, date, time, state, goal, ...: the state is RUNNING (not only the goal).
  local at="\$1 == $3 && \$4 == \"RUNNING\""
  for _ in $(seq 1 300); do
    "${peloton}" task events "$1" "$2" | awk "${at}" | grep_q . && return 0
    sleep 0.1
  done
  fail "job $1 instance $2: run $3 not running: $("${peloton}" task events "$1" "$2")"
}

# says JOB INSTANCE TEXT: the instance's current run printed TEXT (within 10 s).
says() {
  for _ in $(seq 1 100); do
    "${peloton}" task logs "$1" "$2" 2> /dev/null | grep_q -F "$3" && return 0
    sleep 0.1
  done
  fail "job $1 instance $2 does not say '$3': $("${peloton}" task logs "$1" "$2" 2>&1)"
}

# never_fits JOB REASON: the job's task waits, told within 10 s that no host could ever hold
# it, for REASON (a placement filter's: INSUFFICIENT_RESOURCES, INSUFFICIENT_PORTS, ...).
never_fits() {
  for _ in $(seq 1 100); do
    "${peloton}" task list "$1" | grep_q "could ever hold it" && break
    sleep 0.1
  done
  "${peloton}" task list "$1" | grep_q "PENDING .*could ever hold it, even empty ($2)" ||
    fail "job $1 is not told that it never fits ($2): $("${peloton}" task list "$1")"
}

# run_of JOB INSTANCE: the instance's newest run (task events lists it first, after a header).
run_of() { "${peloton}" task events "$1" "$2" | awk 'NR == 2 {print $1}'; }

wait_healthy() {  # wait_healthy <job> <count>: <count> of the job's tasks are HEALTHY
  for _ in $(seq 1 300); do
    [ "$("${peloton}" task list "$1" | grep -c " HEALTHY ")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "job $1: not $2 healthy: $("${peloton}" task list "$1")"
}

start_fake_mesos() {
  "${fake_bin}" --address-file="${work}/address" "$@" > "${work}/fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 1 100); do [ -s "${work}/address" ] && break; sleep 0.05; done
  mesos=$(cat "${work}/address")
}

# fake_logged TEXT: the double logs TEXT within 5 s (it logs on its next turn).
fake_logged() {
  for _ in $(seq 1 100); do
    grep -qF -- "$1" "${work}/fake.log" && return 0
    sleep 0.05
  done
  return 1
}

# wait_running_on_mesos JOB: some task of JOB runs on an agent of the double.
wait_running_on_mesos() {
  for _ in $(seq 1 200); do
    "${peloton}" task list "$1" | grep_q " RUNNING .*mesos-" && return 0
    sleep 0.05
  done
  fail "no task ran: $("${peloton}" task list "$1")"
}

# --- jobs whose tasks wait for the test (quickstart, split, failover); they need `shared`, a
# directory the tasks and the test both see.

# waiting_job FILE COUNT [YAML-LINES]: writes a job of COUNT tasks of 0.1 cpu that run until
# ${shared}/go exists, each run appending "run" to ${shared}/runs-<instance>; YAML-LINES are
# more top-level keys.
waiting_job() {
  cat > "$1" <<YAML
instancecount: $2
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  command:
    shell: true
    value: 'echo run >> ${shared}/runs-\$PELOTON_INSTANCE_ID; while [ ! -e ${shared}/go ]; do sleep 0.05; done'
${3:-}
YAML
}
# expect_runs_once COUNT: instances 0..COUNT-1 of a waiting job each ran once.
expect_runs_once() {
  for i in $(seq 0 $(($1 - 1))); do
    [ "$(cat "${shared}/runs-${i}")" = "run" ] || fail "instance ${i} ran more than once"
  done
}
# wait_running JOB COUNT: COUNT of the job's tasks are RUNNING within 30 s.
wait_running() {
  for _ in $(seq 1 300); do
    [ "$("${peloton}" task list "$1" | grep -c RUNNING)" = "$2" ] && return 0
    sleep 0.1
  done
  fail "job $1: not $2 tasks running: $("${peloton}" task list "$1")"
}
# pool_alloc: /DefaultResPool's cpu allocation, as respool dump prints it.
pool_alloc() { "${peloton}" respool dump | awk '$1 == "/DefaultResPool" {print $5}'; }
# wait_alloc CPU: /DefaultResPool's cpu allocation is CPU within 20 s.
wait_alloc() {
  for _ in $(seq 1 200); do
    [ "$(pool_alloc)" = "$1" ] && return 0
    sleep 0.1
  done
  fail "pool allocation $(pool_alloc), expected $1"
}

# expect_ran_once JOB COUNT: instances 0..COUNT-1 of JOB each ran one run only.
expect_ran_once() {
  for i in $(seq 0 $(($2 - 1))); do
    "${peloton}" task events "$1" "${i}" > "${work}/events"
    if grep -qv "^ *1 \|^ *Run " "${work}/events"; then
      fail "instance ${i} ran twice: $(cat "${work}/events")"
    fi
  done
}

# --- the four components apart (split_test, mesos_split_test). They need `bin` (the services
# directory of the runfiles), `work`, `sock` (a short directory for the Unix sockets) and
# `declare -A pid`.

# start_component NAME [flags...]: peloton-NAME on unix:${sock}/NAME.sock with 20 ms ticks,
# logging to ${work}/NAME.log; its pid goes in pid[NAME].
# A NAME with a suffix (resmgr-b) runs peloton-resmgr: one of several candidates.
start_component() {
  local name=$1
  local binary=${name%%-*}
  shift
  case "${binary}" in master | hostmgr) set -- "${task_flags[@]}" "$@" ;; esac
  "${bin}/bin/peloton-${binary}" --listen="unix:${sock}/${name}.sock" --tick-ms=20 "$@" \
      >> "${work}/${name}.log" 2>&1 &
  pid[${name}]=$!
}

# restart_component NAME: SIGKILL the component, then start it again with the test's start_NAME.
restart_component() {
  kill -9 "${pid[$1]}"
  wait "${pid[$1]}" 2> /dev/null || true
  "start_$1"
}

# stop_components: SIGKILL every process in pid (for the EXIT trap).
stop_components() { for p in "${pid[@]}"; do kill -9 "${p}" 2> /dev/null || true; done; }

# fail_with_logs MESSAGE: says why, with the tail of every log under ${work} (less Java's stack
# frames, which would crowd out the rest), and exits 1. A test's own summary, printed first
# (what its callers see of a long output may be its start and end only), comes from its
# function fail_summary where it has one.
fail_with_logs() {
  echo "FAIL: $*" >&2
  if declare -F fail_summary > /dev/null; then fail_summary >&2 || true; fi
  for log in "${work}"/*.log; do
    echo "== ${log}" >&2
    grep -v '^[[:space:]]*at ' "${log}" | tail -n 20 >&2 || true
  done
  exit 1
}

# --- a throwaway PostgreSQL 15 (Debian's postgresql-15), for the tests of the PostgreSQL store.

# start_postgres: initdb into a fresh directory, then the server on 127.0.0.1 and a free port
# (fsync off, trust authentication; as the postgres user when root: PostgreSQL refuses root),
# logging to ${work}/postgres.log, and a database `peloton`. Sets pg_dir, pg_port, pg_pid and
# pg_url. stop_postgres stops it (fast shutdown); start_postgres_server starts it again.
pg_bin=/usr/lib/postgresql/15/bin
# How PostgreSQL's programs run: as the postgres user when the test is root.
pg_user=()
[ "$(id -u)" != 0 ] || pg_user=(setpriv --reuid=postgres --regid=postgres --init-groups)
start_postgres() {
  [ -x "${pg_bin}/postgres" ] || fail "PostgreSQL 15 is not installed (scripts/bootstrap.sh)"
  pg_dir=$(mktemp -d /tmp/peloton-pg.XXXXXX)
  pg_port=$(free_port)
  [ "$(id -u)" = 0 ] && chown postgres: "${pg_dir}"
  (cd /tmp && "${pg_user[@]}" "${pg_bin}/initdb" --no-sync -A trust -U postgres -E UTF8 \
      --locale=C.UTF-8 -D "${pg_dir}/data") >> "${work}/postgres.log" 2>&1 || fail "initdb failed"
  start_postgres_server
  psql -q -h 127.0.0.1 -p "${pg_port}" -U postgres -c "CREATE DATABASE peloton" postgres \
      >> "${work}/postgres.log" 2>&1 || fail "CREATE DATABASE failed"
  pg_url="postgresql://postgres@127.0.0.1:${pg_port}/peloton"
}
start_postgres_server() {
  (cd /tmp && exec "${pg_user[@]}" "${pg_bin}/postgres" -D "${pg_dir}/data" -p "${pg_port}" \
      -k "${pg_dir}" -c listen_addresses=127.0.0.1 -c fsync=off >> "${work}/postgres.log" 2>&1) &
  pg_pid=$!  # the postmaster: exec all the way
  for _ in $(seq 1 100); do
    pg_isready -q -h 127.0.0.1 -p "${pg_port}" && return 0
    sleep 0.1
  done
  fail "PostgreSQL did not come up on port ${pg_port}"
}
stop_postgres() {
  [ -n "${pg_pid:-}" ] || return 0
  kill -INT "${pg_pid}" 2> /dev/null || true
  wait "${pg_pid}" 2> /dev/null || true
  pg_pid=""
}
# pg_sql SQL: runs SQL on the database peloton; prints the result unaligned, without headers.
pg_sql() { psql -qAt -h 127.0.0.1 -p "${pg_port}" -U postgres -c "$1" peloton; }

# --- several components sharing a store and ZooKeeper (failover, its bench, jobmgr_scale)

# start_ha SESSION_SECONDS: ZooKeeper and PostgreSQL (above), and ${work}/ha.yaml setting
# zk_session_timeout_seconds; sets ha_flags (--config, --store, --data-dir, --zk) for the
# components. The caller's EXIT trap runs stop_ha.
start_ha() {
  start_zookeeper
  start_postgres
  printf 'zk_session_timeout_seconds: %s\n' "$1" > "${work}/ha.yaml"
  ha_flags=(--config="${work}/ha.yaml" --store="${pg_url}" --data-dir="${work}/var"
            --zk="127.0.0.1:${zk_port}")
}
# stop_ha: the components, ZooKeeper and PostgreSQL.
stop_ha() {
  stop_components
  kill "${zk_pid:-}" 2> /dev/null || true
  stop_postgres
}

# --- a throwaway ZooKeeper (Debian's zookeeper), as ../shared/reference/components.md starts it.

# start_zookeeper: the server on 127.0.0.1 and a free port, tickTime 500 ms (sessions of 1 to
# 10 s), data under ${work}/zk, logging to ${work}/zk.log; waits until it accepts connections.
# Sets zk_port and zk_pid (the caller's EXIT trap kills it).
start_zookeeper() {
  zk_port=$(free_port)
  mkdir -p "${work}/zk/data"
  cat > "${work}/zk/zoo.cfg" <<CFG
tickTime=500
dataDir=${work}/zk/data
clientPort=${zk_port}
clientPortAddress=127.0.0.1
admin.enableServer=false
forceSync=no
CFG
  java -Xmx256m -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar \
      org.apache.zookeeper.server.ZooKeeperServerMain "${work}/zk/zoo.cfg" > "${work}/zk.log" 2>&1 &
  zk_pid=$!
  for _ in $(seq 1 600); do
    (exec 3<> "/dev/tcp/127.0.0.1/${zk_port}") 2> /dev/null && return 0
    sleep 0.1
  done
  fail "ZooKeeper did not come up on port ${zk_port}"
}
