#!/usr/bin/env bash
# Installs the library for consumers outside Bazel (`make install PREFIX=...` runs it):
#   PREFIX/include/peloton/...        the public headers
#   PREFIX/lib/libpeloton.a           the static library (position-independent objects)
#   PREFIX/lib/pkgconfig/peloton.pc   for g++ $(pkg-config --cflags --libs peloton)
#
# usage: [DESTDIR=STAGE] [PELOTON_VERSION=V] [LIBDIR=D] install.sh PREFIX LIBPELOTON_A SOURCE_ROOT
# SOURCE_ROOT holds include/, lib/peloton.pc.in and VERSION: the checkout, or a test's runfiles.
# DESTDIR stages the files under STAGE/PREFIX for a package (peloton.pc still says PREFIX);
# PELOTON_VERSION is peloton.pc's version (default: the VERSION file's); LIBDIR is where under
# PREFIX the library and peloton.pc go (default lib; Debian's lib/x86_64-linux-gnu).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: install.sh PREFIX LIBPELOTON_A SOURCE_ROOT" >&2
  exit 2
fi
prefix=$1 lib=$2 root=$3
case "${prefix}" in
  /*) ;;
  *)
    echo "install.sh: PREFIX must be an absolute path (got '${prefix}')" >&2
    exit 2
    ;;
esac
for f in "${lib}" "${root}/lib/peloton.pc.in" "${root}/VERSION"; do
  [ -f "${f}" ] || {
    echo "install.sh: ${f} is missing (build //lib:libpeloton first)" >&2
    exit 2
  }
done

version=${PELOTON_VERSION:-$(cat "${root}/VERSION")}
dest="${DESTDIR:-}${prefix}"
libdir=${LIBDIR:-lib}
install -d "${dest}/include" "${dest}/${libdir}/pkgconfig"
(cd "${root}/include" && find peloton/common peloton/fairshare peloton/placement peloton/taskfsm \
  -name '*.h') | while read -r header; do
  install -D -m 644 "${root}/include/${header}" "${dest}/include/${header}"
done
install -m 644 "${lib}" "${dest}/${libdir}/libpeloton.a"
sed -e "s|@PREFIX@|${prefix}|" -e "s|@VERSION@|${version}|" -e "s|@LIBDIR@|${libdir}|" \
  "${root}/lib/peloton.pc.in" > "${dest}/${libdir}/pkgconfig/peloton.pc"
echo "installed peloton ${version} under ${dest}"
