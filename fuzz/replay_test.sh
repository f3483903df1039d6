#!/bin/bash
# replay_test.sh TARGET [--mutations=N] DIR...: the fuzz target (its replay build) runs every
# input in the directories once, then N mutations of them, without crashing.
set -euo pipefail
target=$1
shift
cd "${TEST_SRCDIR}/peloton"
"${target}" "$@"
