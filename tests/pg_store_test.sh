#!/bin/bash
# peloton-master on the PostgreSQL store (--store=postgresql://...) against a real PostgreSQL 15:
# the quick start's job, kept across a master restart and across a PostgreSQL restart under a
# running master; the records are in PostgreSQL (and no SQLite file is made); a store that
# cannot be reached or is not PostgreSQL's URL stops the master with a message that names it.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"
master_test pg_store
trap 'kill -9 "${master_pid}" 2>/dev/null || true; stop_postgres
      rm -rf "${sock_dir}" "${pg_dir:-}"' EXIT
fail() { fail_with_logs "$@"; }

start_postgres
run_master --store="${pg_url}"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null ||
    fail "respool create"
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create" \
    2> /dev/null || fail "job create --wait: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" ||
    fail "job: $(cat "${work}/create")"
job=$(head -1 "${work}/create" | awk '{print $2}')

# The records are PostgreSQL's: the job, its ten tasks, the pool; no SQLite file.
[ "$(pg_sql "SELECT count(*) FROM jobs")" = 1 ] ||
    fail "jobs in PostgreSQL: $(pg_sql "SELECT count(*) FROM jobs")"
[ "$(pg_sql "SELECT count(*) FROM task_runtimes")" = 10 ] || fail "task runtimes in PostgreSQL"
[ "$(pg_sql "SELECT convert_from(path, 'UTF8') FROM respools")" = /DefaultResPool ] ||
    fail "pool in PostgreSQL: $(pg_sql "SELECT path FROM respools")"
[ ! -e "${work}/var/peloton.db" ] || fail "a SQLite store was made beside PostgreSQL's"

# A new master finds everything in PostgreSQL.
kill_master
run_master --store="${pg_url}"
"${peloton}" job status "${job}" | grep_q "^state: SUCCEEDED$" ||
    fail "job after restart: $("${peloton}" job status "${job}")"
"${peloton}" respool dump | grep_q "^/DefaultResPool " || fail "pool after restart"

# PostgreSQL restarts under the running master: the next job runs through it.
stop_postgres
start_postgres_server
"${peloton}" job create /DefaultResPool "${examples}/testjob.yaml" --wait > "${work}/create2" \
    2> /dev/null || fail "job create --wait after the PostgreSQL restart: $(cat "${work}/create2")"
tail -1 "${work}/create2" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" ||
    fail "job 2: $(cat "${work}/create2")"
[ "$(pg_sql "SELECT count(*) FROM jobs")" = 2 ] || fail "the second job is not in PostgreSQL"
kill_master

# Stores a master must refuse: nothing listening, no such database, not PostgreSQL's URL. It
# exits 2, and its log says why.
refused() {  # refused TEXT STORE
  set +e
  "${master_bin}" --data-dir="${work}/var" --listen="${PELOTON_MASTER}" --store="$2" \
      > "${work}/refused.log" 2>&1
  local got=$?
  set -e
  [ "${got}" = 2 ] || fail "--store=$2: exited ${got}, expected 2: $(cat "${work}/refused.log")"
  grep -qF -- "$1" "${work}/refused.log" ||
      fail "--store=$2: lacks '$1': $(cat "${work}/refused.log")"
}
bad_port=$(free_port)
refused "PostgreSQL at postgresql://postgres@127.0.0.1:${bad_port}/peloton" \
    "postgresql://postgres@127.0.0.1:${bad_port}/peloton"
refused 'database "nosuchdb" does not exist' "postgresql://postgres@127.0.0.1:${pg_port}/nosuchdb"
refused "store: 'mysql://u:***@db/peloton'" "mysql://u:secret@db/peloton"
grep_q secret "${work}/refused.log" && fail "the password was printed: $(cat "${work}/refused.log")"
echo PASS
