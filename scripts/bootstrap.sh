#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, and nothing else.
#
# Idempotent: when every package is already installed it only asks dpkg once and
# exits (well under a second). It runs `apt-get update` only when it must install.
set -euo pipefail

PACKAGES=(
  # Build system: Bazel 4.2.3 and Debian's rules_java (WORKSPACE points at it).
  bazel-bootstrap bazel-rules-java
  g++ make pkg-config
  # The version from git tags (scripts/version.sh, Bazel's workspace status).
  git
  # Libraries wrapped in third_party/system/BUILD.bazel.
  libabsl-dev
  libprotobuf-dev protobuf-compiler
  capnproto libcapnp-dev
  libsqlite3-dev
  libfmt-dev
  libyaml-cpp-dev
  libspdlog-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libcli11-dev
  # SHA-256 of the files tasks fetch (libcrypto; kj-tls's OpenSSL).
  libssl-dev
  # crypt(3) password hashes of the API's security file.
  libcrypt-dev
  # The daemons' allocator (//tools:malloc).
  libjemalloc-dev
  # Python bindings (bindings/python) and their tests, with Debian's own interpreter.
  pybind11-dev python3-dev python3-pytest
  # The API reference (make docs, //docs:api_test).
  doxygen
  # The HTTP/JSON endpoint's process tests call it as Peloton's README does, with curl.
  curl
  # Metrics (prometheus-cpp), and a Prometheus server for their process test.
  prometheus-cpp-dev prometheus
  # The web UI's test renders its pages in headless Chromium.
  chromium
  # make fuzz: libFuzzer (clang-16 and its runtime, which is only a Recommends).
  clang-16 libclang-rt-16-dev
  # Debian packages (make debs): dpkg-deb and dpkg-shlibdeps, manual pages from --help, and in
  # their test the packages' lint and systemd-analyze for their units.
  dpkg-dev help2man lintian systemd
  # The chaos test finds and kills task runners (pgrep, pkill) and holds locks (flock).
  procps util-linux
  # Mesos leader detection (the ZooKeeper C client), and a ZooKeeper server for its test.
  libzookeeper-mt-dev zookeeper
  # peloton-router runs HAProxy; its process test asks HAProxy's admin socket with socat.
  haproxy socat
  # The FGD-protocol curves' plot (bench/trace/plot_fgd_curves.py) and its test.
  gnuplot-nox
  # The PostgreSQL store: libpq, and a PostgreSQL server its tests start.
  libpq-dev postgresql-15
)

missing=()
# One dpkg-query for all packages; a package dpkg has never heard of prints nothing.
status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for p in "${PACKAGES[@]}"; do
  if ! grep -qx "$p installed" <<<"$status"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done" >&2
