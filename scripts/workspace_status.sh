#!/usr/bin/env bash
# Bazel's workspace status command (.bazelrc): the build's version as a stable key, which
# //tools:version.bzl puts into the binaries (their --version).
exec "$(dirname "${BASH_SOURCE[0]}")/version.sh" --bazel-status
