# Shared by the process-level tests (sourced). The test defines `work` (a directory) and
# `fail MESSAGE` (prints why, with its logs, and exits 1) before calling these.

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
