#!/bin/bash
# bench/load runs: 20 concurrent clients for a second, every call answered, none refused (its
# numbers are for the issue notes, not asserted here).
set -euo pipefail
out="${TEST_TMPDIR}/load.out"
# A short directory: the master's Unix socket goes there (at most 107 bytes a path).
tmp=$(mktemp -d /tmp/peloton-load.XXXXXX)
trap 'rm -rf "${tmp}"' EXIT
TMPDIR="${tmp}" "${TEST_SRCDIR}/peloton/bench/load" --clients=20 --seconds=1 > "${out}" 2>&1 ||
  { echo "FAIL: bench/load: $(cat "${out}")" >&2; exit 1; }
grep -q "^clients: 20, .* errors: 0$" "${out}" || { echo "FAIL: $(cat "${out}")" >&2; exit 1; }
for call in "job get" "task list" "job create"; do
  grep -q "^${call} " "${out}" || { echo "FAIL: no ${call} calls: $(cat "${out}")" >&2; exit 1; }
done
echo "PASS"
