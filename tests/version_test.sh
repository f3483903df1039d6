#!/bin/bash
# scripts/version.sh reads the version from git tags as `make version` prints it, and every
# binary reports the build's version with --version (and `peloton version`).
set -euo pipefail

root="${TEST_SRCDIR}/peloton"
work="${TEST_TMPDIR}/version"
rm -rf "${work}"
mkdir -p "${work}"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v git > /dev/null || fail "no git (scripts/bootstrap.sh installs it)"

# A checkout of its own: the script, a VERSION file, and commits and tags made here.
repo="${work}/repo"
mkdir -p "${repo}/scripts"
cp "${root}/scripts/version.sh" "${repo}/scripts/"
echo "0.3.0" > "${repo}/VERSION"
version() { bash "${repo}/scripts/version.sh" "$@"; }
expect() {  # expect WANT DEBIAN: the script prints WANT, and DEBIAN with --debian
  local got
  got=$(version) || fail "version.sh failed"
  [ "${got}" = "$1" ] || fail "version.sh printed '${got}', expected '$1'"
  got=$(version --debian) || fail "version.sh --debian failed"
  [ "${got}" = "$2" ] || fail "version.sh --debian printed '${got}', expected '$2'"
}
g() { git -C "${repo}" -c user.name=test -c user.email=test@example.com "$@"; }

# Not a git checkout: the VERSION file.
expect "0.3.0" "0.3.0"
g init -q
g add -A
g commit -qm one
sha() { git -C "${repo}" rev-parse --short=12 HEAD; }
# No tag yet: VERSION, then HEAD's sha (for Debian, before the VERSION file's release).
expect "0.3.0-$(sha)" "0.3.0~git$(sha)"
# HEAD tagged: the tag's version alone.
g tag v0.3.1
expect "0.3.1" "0.3.1"
# A commit after the tag: the tag's version and the new HEAD's sha.
echo change > "${repo}/file"
g add -A
g commit -qm two
expect "0.3.1-$(sha)" "0.3.1+git$(sha)"
# Uncommitted changes do not change it.
echo more >> "${repo}/file"
expect "0.3.1-$(sha)" "0.3.1+git$(sha)"
# A pre-release tag is a version too; a tag that is not one is ignored.
g tag v0.4.0-rc.1
expect "0.4.0-rc.1" "0.4.0~rc.1"
g commit -qam three
g tag release-candidate
g tag v1.x
expect "0.4.0-rc.1-$(sha)" "0.4.0~rc.1+git$(sha)"
# Debian orders them as the versions go.
dpkg --compare-versions "0.3.0~git$(sha)" lt 0.3.0 || fail "dpkg: ~git is not before its release"
dpkg --compare-versions 0.4.0~rc.1 lt 0.4.0 || fail "dpkg: ~rc.1 is not before its release"
dpkg --compare-versions "0.4.0~rc.1+git$(sha)" gt 0.4.0~rc.1 || fail "dpkg: +git is not after"
# Bazel's workspace status (.bazelrc) carries both as stable keys.
[ "$(version --bazel-status)" = "STABLE_PELOTON_VERSION 0.4.0-rc.1-$(sha)
STABLE_PELOTON_DEBIAN_VERSION 0.4.0~rc.1+git$(sha)" ] ||
  fail "--bazel-status printed '$(version --bazel-status)'"
# A VERSION file that is not a version is refused, naming the file.
echo "one point oh" > "${repo}/VERSION"
set +e
version > "${work}/out" 2> "${work}/err"
status=$?
set -e
[ "${status}" = 1 ] || fail "a bad VERSION file: exit ${status}, expected 1"
grep -qF "VERSION: 'onepointoh' is not a semantic version" "${work}/err" ||
  fail "a bad VERSION file: $(cat "${work}/err")"

# The binaries: each prints its name and the same version.
want=""
for bin in services/bin/peloton-master services/bin/peloton-jobmgr services/bin/peloton-resmgr \
           services/bin/peloton-hostmgr services/bin/peloton-placement services/cli/peloton \
           services/backend/local/peloton-task-runner \
           services/backend/local/peloton-task-helper; do
  line=$("${root}/${bin}" --version) || fail "${bin} --version failed"
  name=$(basename "${bin}")
  [[ "${line}" =~ ^${name}\ ([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]] ||
    fail "${bin} --version printed '${line}'"
  [ -z "${want}" ] || [ "${BASH_REMATCH[1]}" = "${want}" ] ||
    fail "${bin} is version ${BASH_REMATCH[1]}, the others ${want}"
  want=${BASH_REMATCH[1]}
done
[ "$("${root}/services/cli/peloton" version)" = "peloton ${want}" ] ||
  fail "peloton version printed '$("${root}/services/cli/peloton" version)'"
echo "PASS"
