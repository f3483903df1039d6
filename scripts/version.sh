#!/usr/bin/env bash
# The project's version (semantic versioning, https://semver.org), from git:
#
#   HEAD tagged vX.Y.Z             X.Y.Z
#   commits after the tag vX.Y.Z   X.Y.Z-<sha>          (HEAD's first 12 hex digits)
#   no such tag yet                <VERSION file>-<sha>
#   not a git checkout             <VERSION file>
#
# A tag counts when it is v + a semantic version (v1.2.0, v1.3.0-rc.1); others are ignored.
# The version is that of the commit built: uncommitted changes do not change it.
#
# The Debian packages' version (--debian) says the same in Debian's order (deb-version(7)): a
# pre-release sorts before its release with "~" (1.3.0~rc.1 < 1.3.0), commits after a tag after
# it with "+git<sha>" (0.1.0+git1a2b3c4d5e6f), commits before the first tag before the VERSION
# file's release with "~git<sha>".
#
# Usage: scripts/version.sh [--bazel-status|--debian] [DIR]
#   DIR             the checkout (default: this script's)
#   --bazel-status  both, as Bazel's workspace status (.bazelrc), for the binaries' --version and
#                   the packages
set -euo pipefail

mode=semver
case "${1:-}" in
  --bazel-status) mode=status; shift ;;
  --debian) mode=debian; shift ;;
esac
dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
semver='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$'

base=$(tr -d ' \n' < "${dir}/VERSION")
if ! [[ "${base}" =~ ${semver} ]]; then
  echo "version.sh: ${dir}/VERSION: '${base}' is not a semantic version (X.Y.Z)" >&2
  exit 1
fi

version=${base}
debian=${base//-/\~}
if sha=$(git -C "${dir}" rev-parse --short=12 HEAD 2>/dev/null); then
  version="${base}-${sha}"
  debian="${debian}~git${sha}"
  # The nearest tag that is a version (nearer ones that are not are passed over), and whether
  # HEAD is it.
  excluded=()
  while tag=$(git -C "${dir}" describe --tags --abbrev=0 --match 'v[0-9]*' "${excluded[@]}" \
                2>/dev/null); do
    if [[ "${tag#v}" =~ ${semver} ]]; then
      if [ "$(git -C "${dir}" rev-parse "${tag}^{commit}")" = \
           "$(git -C "${dir}" rev-parse HEAD)" ]; then
        version=${tag#v}
        debian=${version//-/\~}
      else
        version="${tag#v}-${sha}"
        debian="${tag#v}"
        debian="${debian//-/\~}+git${sha}"
      fi
      break
    fi
    excluded+=(--exclude "${tag}")
  done
fi

case "${mode}" in
  status)
    echo "STABLE_PELOTON_VERSION ${version}"
    echo "STABLE_PELOTON_DEBIAN_VERSION ${debian}"
    ;;
  debian) echo "${debian}" ;;
  *) echo "${version}" ;;
esac
