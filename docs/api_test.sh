#!/usr/bin/env bash
# The API reference builds from the headers without a Doxygen warning, and carries the headers'
# comments (through docs/doxygen_filter.py).
set -euo pipefail

out="${TEST_TMPDIR:-$(mktemp -d)}/api"
mkdir -p "${out}"
PELOTON_VERSION="$(cat VERSION)" PELOTON_DOCS_OUT="${out}" doxygen docs/Doxyfile
if [ -s "${out}/warnings.log" ]; then
  echo "FAIL: Doxygen warned:" >&2
  cat "${out}/warnings.log" >&2
  exit 1
fi
page_has() {
  local page="${out}/html/$1" text=$2
  [ -f "${page}" ] || { echo "FAIL: no page $1" >&2; exit 1; }
  # Text, not markup: drop the tags before looking.
  sed -e 's/<[^>]*>//g' "${page}" | tr '\n' ' ' | grep -qF -- "${text}" ||
    { echo "FAIL: $1 lacks '${text}'" >&2; exit 1; }
}
page_has classpeloton_1_1fairshare_1_1PoolTree.html "Creates the pool at path under its existing parent"
page_has classpeloton_1_1placement_1_1Cluster.html "Takes the task's resources, GPU devices and ports"
page_has cluster_8h.html "keep free + used == capacity"
page_has placer_8h.html "A gang is placed all or nothing"
page_has goal__state_8h.html "which action the engine runs next"
page_has index.html "The library guide"
echo PASS
