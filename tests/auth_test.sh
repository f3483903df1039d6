#!/bin/bash
# Authentication and TLS end to end (issue 25): peloton-master with Peloton's security file
# listening on every address (which only a security file allows; security_test checks the
# refusal without one) over TLS (the test CA's certificate for localhost,
# services/rpc/testdata), the CLI without credentials, with --basicAuthConfig of a reader, of
# an admin, with a wrong password and with a bad file, in plain text and with an untrusted
# CA; the HTTPS endpoint with curl; and the four components apart on TCP over TLS, logging in
# to each other as the file's internal_user (and one that cannot: a wrong or a hashed
# password); peloton-router logging in over TLS, refused with a wrong password.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"
master_test auth
bin="${root}/services"
certs="${root}/services/rpc/testdata"
tls=(--tls-cert-file="${certs}/server.pem" --tls-key-file="${certs}/server.key")
# The CLI, trusting the test CA: what every call below goes through.
plain_peloton="${peloton}"
peloton="${work}/peloton"
printf '#!/bin/sh\nexec "%s" --tls-ca "%s" "$@"\n' "${plain_peloton}" "${certs}/ca.pem" > "${peloton}"
chmod +x "${peloton}"

port=$(free_port)
http_port=$(free_port)
cat > "${work}/security.yaml" <<'EOF'
users:
- {username: admin, password: adminpw, role: admin}
- {username: reader, password: readerpw, role: reader}
- {role: anonymous}
roles:
- role: admin
  accept: ['*']
- role: reader
  accept: ['peloton.api.v0.job.JobManager:*', 'peloton.api.v0.task.TaskManager:*',
           'peloton.api.v0.respool.ResourceManager:*']
  reject: ['peloton.api.v0.job.JobManager:Create', 'peloton.api.v0.respool.ResourceManager:Create*']
- role: anonymous
  accept: ['peloton.api.v0.respool.ResourceManager:Query']
internal_user: admin
EOF
chmod 0644 "${work}/security.yaml"
printf 'username: admin\npassword: adminpw\n' > "${work}/admin.yaml"
printf 'username: reader\npassword: readerpw\n' > "${work}/reader.yaml"
printf 'username: reader\npassword: wrong\n' > "${work}/wrong.yaml"
printf 'username: reader\npasword: readerpw\n' > "${work}/typo.yaml"
admin=(--basicAuthConfig "${work}/admin.yaml")
reader=(--basicAuthConfig "${work}/reader.yaml")

export PELOTON_MASTER="localhost:${port}"  # as the certificate names it
"${master_bin}" --data-dir="${work}/var" --listen="0.0.0.0:${port}" --http="0.0.0.0:${http_port}" \
    --auth-config="${work}/security.yaml" "${tls[@]}" --tick-ms=20 "${task_flags[@]}" \
    > "${work}/master.log" 2>&1 &
master_pid=$!
wait_for_api
grep_q "(port ${port}, TLS), callers checked against ${work}/security.yaml" "${work}/master.log" ||
    fail "the master does not say it checks callers over TLS"
# The file holds passwords and others may read it: the master says so (the components below
# get it 0600 and say nothing).
grep_q "security.yaml can be read by other users (mode 644)" "${work}/master.log" ||
    fail "no warning of a security file others can read"
chmod 0600 "${work}/security.yaml"

# Plain text, a CA that did not sign the certificate, or the master's IP address (which the
# certificate does not name) get nowhere.
expect_refused 2 "cannot reach peloton-master" "${plain_peloton}" respool dump
expect_refused 1 "not trusted" "${plain_peloton}" --tls respool dump
expect_refused 1 "hostname mismatch" "${peloton}" --master "127.0.0.1:${port}" respool dump

# Callers without credentials get the anonymous role: they may list pools, nothing else.
"${peloton}" respool dump > /dev/null || fail "anonymous respool dump"
expect_refused 1 "callers without credentials may not call peloton.api.v0.respool.ResourceManager:CreateResourcePool" \
    "${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml"
expect_refused 1 "may not call peloton.api.v0.job.JobManager:Query" "${peloton}" job query
# Wrong credentials, and a credentials file with a misspelt key.
expect_refused 1 "as reader: wrong or missing credentials" \
    "${peloton}" --basicAuthConfig "${work}/wrong.yaml" job query
expect_refused 2 "pasword: unknown key" "${peloton}" --basicAuthConfig "${work}/typo.yaml" job query

# The reader may not create a pool or a job; nothing is made.
expect_refused 1 "role 'reader' may not call peloton.api.v0.respool.ResourceManager:CreateResourcePool" \
    "${peloton}" "${reader[@]}" respool create /DefaultResPool "${examples}/default_respool.yaml"
"${peloton}" respool dump | grep_q "^/DefaultResPool " && fail "the reader's pool was made"
"${peloton}" "${admin[@]}" respool create /DefaultResPool "${examples}/default_respool.yaml" \
    > /dev/null || fail "admin: respool create"
expect_refused 1 "role 'reader' may not call peloton.api.v0.job.JobManager:Create" \
    "${peloton}" "${reader[@]}" job create /DefaultResPool "${examples}/testjob.yaml"
[ "$("${peloton}" "${reader[@]}" job query | grep -c TestPelotonJob)" = 0 ] ||
    fail "the reader's job was made: $("${peloton}" "${reader[@]}" job query)"

# The admin runs the quick start's job; the reader reads it (--basicAuthConfig after the verb
# too, as Peloton's flags may go).
"${peloton}" "${admin[@]}" job create /DefaultResPool "${examples}/testjob.yaml" --wait \
    > "${work}/create" 2> /dev/null || fail "admin: job create --wait: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" || fail "job: $(cat "${work}/create")"
job=$(head -1 "${work}/create" | awk '{print $2}')
"${peloton}" job status "${job}" --basicAuthConfig "${work}/reader.yaml" | grep_q "^state: SUCCEEDED$" ||
    fail "reader: job status"

# The HTTPS endpoint: 401 with a challenge without credentials, 403 for the reader's create,
# 200 for the reader's Get.
http() {  # http USER:PASSWORD PROCEDURE JSON: prints the HTTP status, the body in ${work}/body
  local user=()
  [ -n "$1" ] && user=(-u "$1")
  curl -sS --cacert "${certs}/ca.pem" "${user[@]}" -D "${work}/headers" -o "${work}/body" \
      -w '%{http_code}' -X POST -H 'Rpc-Procedure: '"$2" -H 'Rpc-Service: peloton-jobmgr' \
      -H 'Rpc-Caller: test' -H 'Context-TTL-MS: 5000' -H 'Rpc-Encoding: json' --data "$3" \
      "https://localhost:${http_port}/api/v1"
}
get="{\"id\": {\"value\": \"${job}\"}}"
[ "$(http "" JobManager.Get "${get}")" = 401 ] || fail "HTTP without credentials: $(cat "${work}/body")"
grep_q -i '^www-authenticate: Basic realm="peloton"' "${work}/headers" || fail "no challenge: $(cat "${work}/headers")"
grep_q "callers without credentials may not call peloton.api.v0.job.JobManager:Get" "${work}/body" ||
    fail "HTTP 401 body: $(cat "${work}/body")"
[ "$(http reader:wrong JobManager.Get "${get}")" = 401 ] || fail "HTTP with a wrong password"
[ "$(http reader:readerpw JobManager.Get "${get}")" = 200 ] || fail "HTTP reader Get: $(cat "${work}/body")"
grep_q '"state":"SUCCEEDED"' "${work}/body" || fail "HTTP reader Get: $(cat "${work}/body")"
[ "$(http reader:readerpw ResourceManager.CreateResourcePool '{"config": {"name": "x"}}')" = 403 ] ||
    fail "HTTP reader create: $(cat "${work}/body")"
grep_q "role 'reader' may not call" "${work}/body" || fail "HTTP 403 body: $(cat "${work}/body")"

# peloton-router logs in too, over TLS: refused with a wrong password (exit 1, naming the
# user); as the admin it reads the job's route from its labels and watches its endpoints.
cat > "${work}/routed.yaml" <<YAML
name: routed
type: SERVICE
instancecount: 1
labels: [{key: peloton.router/http, value: "127.0.0.1:$(free_port)"}]
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 16}
  ports: [{name: http, envname: PORT}]
  command: {value: 'sleep 600'}
YAML
routed=$("${peloton}" "${admin[@]}" job create /DefaultResPool "${work}/routed.yaml" | awk '{print $2}')
router=("${bin}/bin/peloton-router" --master="${PELOTON_MASTER}" --tls-ca="${certs}/ca.pem"
        --job="${routed}" --state-dir="${sock_dir}/router")
expect_refused 1 "as reader: wrong or missing credentials" \
    "${router[@]}" --basicAuthConfig="${work}/wrong.yaml"
"${router[@]}" --basicAuthConfig="${work}/admin.yaml" > "${work}/router.log" 2>&1 &
router_pid=$!
for _ in $(seq 1 100); do grep_q "HAProxy reloaded (1 routes, 1 servers)" "${work}/router.log" && break; sleep 0.1; done
grep_q "HAProxy reloaded (1 routes, 1 servers)" "${work}/router.log" ||
    fail "router: $(cat "${work}/router.log")"
kill "${router_pid}"
wait "${router_pid}" || fail "router exited $?: $(cat "${work}/router.log")"
kill_master
master_pid=""

# --- The four components apart on TCP over TLS, each with the file: they log in to each
# other as admin, and the job manager and the placement engine check the others' certificate.
declare -A port_of
for name in jobmgr resmgr hostmgr placement; do port_of[${name}]=$(free_port); done
export PELOTON_MASTER="localhost:${port_of[jobmgr]}"
secured=(--auth-config="${work}/security.yaml" "${tls[@]}" --tls-ca-file="${certs}/ca.pem"
         --http=off)
peers=(--jobmgr="localhost:${port_of[jobmgr]}" --resmgr="localhost:${port_of[resmgr]}"
       --hostmgr="localhost:${port_of[hostmgr]}" "${secured[@]}")
declare -A pid
fail() { fail_with_logs "$@"; }
trap 'stop_components; rm -rf "${sock_dir}"' EXIT
start() {  # start NAME FLAGS...: peloton-NAME on localhost:${port_of[NAME]}
  local name=$1
  shift
  "${bin}/bin/peloton-${name}" --listen="localhost:${port_of[${name}]}" --tick-ms=20 "$@" \
      >> "${work}/${name}.log" 2>&1 &
  pid[${name}]=$!
}
start jobmgr --data-dir="${work}/split" "${peers[@]}"
start placement "${peers[@]}"
start resmgr --data-dir="${work}/split" "${peers[@]}"
start hostmgr --data-dir="${work}/split" --local-hosts=2 "${task_flags[@]}" "${secured[@]}"
wait_for_api
"${peloton}" "${admin[@]}" respool create /DefaultResPool "${examples}/default_respool.yaml" \
    > /dev/null || fail "split: respool create"
"${peloton}" "${admin[@]}" job create /DefaultResPool "${examples}/testjob.yaml" --wait \
    > "${work}/create" 2> /dev/null || fail "split: job create --wait: $(cat "${work}/create")"
tail -1 "${work}/create" | grep_q "^SUCCEEDED (SUCCEEDED: 10)$" || fail "split job: $(cat "${work}/create")"
grep_q "(port ${port_of[hostmgr]}, TLS)" "${work}/hostmgr.log" || fail "the host manager is not on TLS"
grep_q "security.yaml can be read" "${work}/hostmgr.log" && fail "a warning of a 0600 file"

# A placement engine whose file gives the internal user another password cannot log in: it
# stops at once (the components log to stdout: `bash -c` sends it where expect_refused looks).
sed 's/adminpw/otherpw/' "${work}/security.yaml" > "${work}/other.yaml"
expect_refused 2 "logging in as admin (the security file's internal_user): wrong or missing credentials" \
    bash -c 'exec "$@" >&2' -- "${bin}/bin/peloton-placement" --listen="unix:${sock_dir}/other.sock" \
    "${peers[@]:0:3}" --auth-config="${work}/other.yaml" "${tls[@]}" --tls-ca-file="${certs}/ca.pem"
# One whose file hashes the internal user's password does not start.
sed "s|password: adminpw|password: '\$6\$salt\$hash'|" "${work}/security.yaml" > "${work}/hashed.yaml"
expect_refused 2 "internal_user 'admin': its password is a hash" bash -c 'exec "$@" >&2' -- \
    "${bin}/bin/peloton-placement" --listen="unix:${sock_dir}/hashed.sock" \
    --auth-config="${work}/hashed.yaml"
echo PASS
