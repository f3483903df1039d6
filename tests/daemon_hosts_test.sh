#!/bin/bash
# A daemon job on peloton-master following virtual hosts that join and leave: the hosts are the
# `hosts` of its --config file, which it reads again when the file changes. A host that joins
# gets an instance; a host that leaves loses its instance (its task is killed and the instance
# DELETED); the instances on the other hosts run on untouched.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test daemon_hosts
# hosts NAME...: the config file declares these hosts (written whole, then renamed into place).
hosts() {
  {
    echo "goal_state: {daemon_period_seconds: 0.2}"
    echo "hosts:"
    local port=31000
    for h in "$@"; do
      echo "- {name: ${h}, cpu: 1, memory_mb: 512, port_begin: ${port}, port_end: $((port + 99)), revocable_cpu: 0.5}"
      port=$((port + 100))
    done
  } > "${work}/hosts.yaml.new"
  mv "${work}/hosts.yaml.new" "${work}/hosts.yaml"
}
# The hosts the job's RUNNING instances are on, sorted, space-separated.
running_on() {
  "${peloton}" task list "$1" | awk '$2 == "RUNNING" {print $3}' | sort | tr '\n' ' ' | sed 's/ $//'
}
wait_running_on() {  # wait_running_on <job> <hosts...>
  local job=$1
  shift
  for _ in $(seq 1 200); do
    [ "$(running_on "${job}")" = "$*" ] && return 0
    sleep 0.1
  done
  fail "job ${job}: running on '$(running_on "${job}")', not '$*': $("${peloton}" task list "${job}")"
}

hosts a b
run_master --config="${work}/hosts.yaml"
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
cat > "${work}/agent.yaml" <<'YAML'
name: node-agent
type: DAEMON
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 2}
  command: {shell: true, value: 'exec sleep 600'}
YAML
job=$("${peloton}" job create /DefaultResPool "${work}/agent.yaml" | awk '{print $2}')
wait_running_on "${job}" "a b"
first_b=$("${peloton}" task list "${job}" | awk '$3 == "b" && $2 == "RUNNING" {print $1}')

# Host c joins: it gets an instance.
hosts a b c
wait_running_on "${job}" "a b c"
"${peloton}" host query | grep_q "^c .* UP .* 0.5/0.5  hostname=c$" ||
  fail "c did not join with its slack: $("${peloton}" host query)"

# Host a leaves: its instance is removed (killed, then DELETED); b's and c's run on.
a_instance=$("${peloton}" task list "${job}" | awk '$3 == "a" && $2 == "RUNNING" {print $1}')
hosts b c
wait_running_on "${job}" "b c"
for _ in $(seq 1 100); do
  "${peloton}" task list "${job}" -r "${a_instance}" | grep_q " DELETED " && break
  sleep 0.1
done
"${peloton}" task list "${job}" -r "${a_instance}" | grep_q " DELETED " ||
  fail "a's instance not deleted: $("${peloton}" task list "${job}")"
"${peloton}" host query | grep_q "^a .* DOWN " || fail "a did not leave: $("${peloton}" host query)"
[ "$("${peloton}" task list "${job}" | awk '$3 == "b" && $2 == "RUNNING" {print $1}')" = "${first_b}" ] ||
  fail "b's instance changed"
"${peloton}" job status "${job}" | grep_q "^state: RUNNING$" || fail "job: $("${peloton}" job status "${job}")"

# A file that no longer loads changes nothing.
echo "hosts: [{name: , cpu: -1}]" > "${work}/hosts.yaml"
sleep 1.5
grep -q "hosts not read again" "${work}/master.log" || fail "a bad file was not reported"
[ "$(running_on "${job}")" = "b c" ] || fail "a bad file changed the hosts"
"${peloton}" job stop "${job}" > /dev/null
wait_state "${job}" KILLED  # no task outlives the test
echo "PASS"
