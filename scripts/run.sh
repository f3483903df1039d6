#!/bin/bash
# `make run`: builds peloton-master and the peloton CLI, starts the master on the embedded
# defaults (the local backend on this machine, SQLite under $DATA_DIR, default ./var), creates
# /DefaultResPool from examples/default_respool.yaml when it is absent, and says how to use
# the CLI. Ctrl-C stops the master; tasks keep running and the next start takes them over.
#
#   make run                                  # or: DATA_DIR=/tmp/p LISTEN=127.0.0.1:6000 make run
#   make run RUN_FLAGS=--local-hosts=4        # four virtual hosts
set -euo pipefail
cd "$(dirname "$0")/.."

BAZEL=${BAZEL:-bazel}
DATA_DIR=${DATA_DIR:-./var}
LISTEN=${LISTEN:-127.0.0.1:5391}

"${BAZEL}" build //services/bin:peloton-master //services/cli:peloton
master=.bazel/bin/services/bin/peloton-master
peloton=.bazel/bin/services/cli/peloton

"${master}" --data-dir="${DATA_DIR}" --listen="${LISTEN}" "$@" &
pid=$!
trap 'kill "${pid}" 2> /dev/null || true; wait "${pid}" 2> /dev/null || true' INT TERM EXIT
export PELOTON_MASTER="${LISTEN}"
for _ in $(seq 1 100); do
  kill -0 "${pid}" 2> /dev/null || { echo "peloton-master did not start" >&2; exit 1; }
  "${peloton}" respool dump > /dev/null 2>&1 && break
  sleep 0.1
done
if ! "${peloton}" respool dump | grep -q '^/DefaultResPool '; then
  "${peloton}" respool create /DefaultResPool examples/default_respool.yaml
fi

cat <<HELP

peloton-master is running (data in ${DATA_DIR}, API on ${LISTEN}). In another shell:

  export PELOTON_MASTER=${LISTEN}
  ${peloton} respool dump
  ${peloton} job create /DefaultResPool examples/testjob.yaml --wait
  ${peloton} task list <job-id>
  ${peloton} task logs <job-id> 0

The web UI is at http://127.0.0.1:5292/ui/ (unless RUN_FLAGS gives --http), and Peloton's
HTTP/JSON procedures answer there too, e.g.

  curl -X POST -H 'Rpc-Procedure: JobManager.Get' -H 'Rpc-Service: peloton-jobmgr' \\
       -H 'Rpc-Caller: peloton-client' -H 'Context-TTL-MS: 1000' -H 'Rpc-Encoding: json' \\
       --data '{"id": {"value": "<job-id>"}}' localhost:5292/api/v1

Ctrl-C stops the master.
HELP
wait "${pid}"
