#!/bin/bash
# replay_test.sh TARGET DIR...: the fuzz target (its replay build) runs every input in the
# directories once without crashing.
set -euo pipefail
target=$1
shift
cd "${TEST_SRCDIR}/peloton"
"${target}" "$@"
