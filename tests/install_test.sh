#!/usr/bin/env bash
# `make install`'s layout (scripts/install.sh) serves a consumer outside Bazel: an example
# builds with plain g++ $(pkg-config --cflags --libs peloton) and runs.
set -euo pipefail

work="${TEST_TMPDIR:-$(mktemp -d)}"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
source tests/lib.sh

prefix="${work}/prefix"
bash scripts/install.sh "${prefix}" lib/libpeloton.a .
for f in include/peloton/placement/placer.h include/peloton/fairshare/pool_tree.h \
  include/peloton/taskfsm/goal_state.h include/peloton/placement/internal/host_index.h \
  lib/libpeloton.a lib/pkgconfig/peloton.pc; do
  [ -f "${prefix}/${f}" ] || fail "${f} not installed"
done
[ ! -e "${prefix}/include/peloton/testing" ] || fail "test helpers were installed"

export PKG_CONFIG_PATH="${prefix}/lib/pkgconfig"
[ "$(pkg-config --modversion peloton)" = "$(cat VERSION)" ] || fail "pkg-config version"
# Under make test-sanitize the archive holds sanitized objects: link the runtime too.
sanitize=()
# (grep reads it all: with -q it would stop early and pipefail would see nm's SIGPIPE.)
if nm lib/libpeloton.a 2> /dev/null | grep __asan_ > /dev/null; then
  sanitize=(-fsanitize=address,undefined)
fi
g++ "${sanitize[@]}" examples/embed/custom_plugin.cc $(pkg-config --cflags --libs peloton) \
  -o "${work}/custom_plugin"
"${work}/custom_plugin" > "${work}/out"
grep -qxF "web-2    -> old-1" "${work}/out" || fail "the installed example misbehaves: $(cat "${work}/out")"

expect_refused 2 "PREFIX must be an absolute path" bash scripts/install.sh relative lib/libpeloton.a .
expect_refused 2 "is missing" bash scripts/install.sh "${work}/p2" "${work}/none.a" .
[ ! -e "${work}/p2" ] || fail "a refused install left files behind"
echo PASS
