#!/usr/bin/env bash
# Builds one Debian package from a manifest (deb.bzl's action; run from Bazel's execution root):
#
#   build_deb.sh OUT INFO_FILE FALLBACK_VERSION MANIFEST CONTROL DEPENDS SHLIBDEPS HOOK [SCRIPT...]
#
#   INFO_FILE   Bazel's stable status: STABLE_PELOTON_DEBIAN_VERSION, STABLE_PELOTON_VERSION
#   MANIFEST    lines of SOURCE<TAB>/INSTALLED/PATH<TAB>MODE
#   CONTROL     DEBIAN/control with @VERSION@, @DEPENDS@ and @INSTALLED_SIZE@ to fill in
#   DEPENDS     dependencies besides the libraries', comma-separated
#   SHLIBDEPS   1: add the shared libraries the ELF files need (dpkg-shlibdeps)
#   HOOK        a command that installs more with DESTDIR (empty: none)
#   SCRIPT      maintainer scripts (postinst, prerm, postrm), by base name
#
# ELF files are stripped (a package ships no debugging symbols); files under /etc are
# conffiles; the tree belongs to root (dpkg-deb --root-owner-group).
set -euo pipefail

out=$1 info=$2 fallback=$3 manifest=$4 control=$5 depends=$6 shlibdeps=$7 hook=$8
shift 8

debian_version=$(sed -n 's/^STABLE_PELOTON_DEBIAN_VERSION //p' "${info}")
version=$(sed -n 's/^STABLE_PELOTON_VERSION //p' "${info}")
[ -n "${debian_version}" ] || debian_version=$(tr -d ' \n' < "${fallback}")
[ -n "${version}" ] || version=$(tr -d ' \n' < "${fallback}")

stage=$(mktemp -d)
trap 'rm -rf "${stage}"' EXIT
root="${stage}/root"
mkdir -p "${root}/DEBIAN"

is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

ext_suffix=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
while IFS=$'\t' read -r src dest mode; do
  [ -n "${src}" ] || continue
  dest=${dest//@EXT_SUFFIX@/${ext_suffix}}
  install -D -m "${mode}" "${src}" "${root}${dest}"
done < "${manifest}"
if [ -n "${hook}" ]; then
  DESTDIR="${root}" PELOTON_VERSION="${version}" bash -c "${hook}" > /dev/null
fi

package=$(sed -n 's/^Package: //p' "${control}")
maintainer=$(sed -n 's/^Maintainer: //p' "${control}")

# A manual page for each program, from its --help and --version (help2man): section 8 for the
# daemons (a program with a systemd unit of its name), 1 for the rest.
for program in "${root}"/usr/bin/*; do
  [ -f "${program}" ] || continue
  name=$(basename "${program}")
  section=1
  [ -f "${root}/lib/systemd/system/${name}.service" ] && section=8
  "${program}" --help > "${stage}/help"
  what=$(head -1 "${stage}/help" | sed 's/^[^ :]*: //')
  mkdir -p "${root}/usr/share/man/man${section}"
  help2man --no-info --no-discard-stderr -N -s "${section}" -n "${what}" "${program}" |
    gzip -9n > "${root}/usr/share/man/man${section}/${name}.${section}.gz"
done

# The changelog Debian wants of a native package: this build.
mkdir -p "${root}/usr/share/doc/${package}"
printf '%s (%s) unstable; urgency=medium\n\n  * Built from Peloton-C++ %s.\n\n -- %s  %s\n' \
  "${package}" "${debian_version}" "${version}" "${maintainer}" "$(date -R)" |
  gzip -9n > "${root}/usr/share/doc/${package}/changelog.gz"

# Stripped ELF files; the shared libraries they need.
elves=()
while IFS= read -r -d '' f; do
  if is_elf "${f}"; then
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "${f}"
    elves+=("${f}")
  fi
done < <(find "${root}" -path "${root}/DEBIAN" -prune -o -type f -print0)
for f in $(find "${root}" -name '*.a'); do strip --strip-debug "${f}"; done

all_depends=${depends}
if [ "${shlibdeps}" = 1 ] && [ ${#elves[@]} -gt 0 ]; then
  mkdir -p "${stage}/debian"
  printf 'Source: peloton\n\nPackage: peloton\nArchitecture: any\n' > "${stage}/debian/control"
  libs=$(cd "${stage}" && dpkg-shlibdeps -O --warnings=0 "${elves[@]}" 2>/dev/null |
         sed -n 's/^shlibs:Depends=//p')
  [ -n "${libs}" ] || { echo "build_deb.sh: dpkg-shlibdeps found no libraries" >&2; exit 1; }
  all_depends="${libs}${depends:+, ${depends//,/, }}"
elif [ -n "${depends}" ]; then
  all_depends="${depends//,/, }"
fi

for script in "$@"; do
  install -m 0755 "${script}" "${root}/DEBIAN/$(basename "${script}")"
done
if [ -d "${root}/etc" ]; then
  (cd "${root}" && find etc -type f | sort | sed 's|^|/|') > "${root}/DEBIAN/conffiles"
fi
(cd "${root}" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z |
   xargs -0 -r md5sum | sed 's|  \./|  |') > "${root}/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "${root}" | cut -f1)
sed -e "s|@VERSION@|${debian_version}|" -e "s|@INSTALLED_SIZE@|${size}|" \
    -e "s|@DEPENDS@|${all_depends}|" "${control}" > "${root}/DEBIAN/control"
if [ -z "${all_depends}" ]; then sed -i '/^Depends: $/d' "${root}/DEBIAN/control"; fi
# Directories as Debian has them (0755), whatever the umask made.
find "${root}" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz --build "${root}" "${out}" > /dev/null
