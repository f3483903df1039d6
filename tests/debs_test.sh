#!/bin/bash
# make debs' packages: lintian-clean, their control fields, conffiles and systemd units right;
# unpacked into a fresh root, the installed peloton-master runs the quick start and make
# integ-test's scenarios with the installed peloton CLI, a program builds against
# libpeloton-dev with pkg-config, and Python imports the installed module.
set -euo pipefail
source "${TEST_SRCDIR}/peloton/tests/lib.sh"

master_test debs
debs="${root}/packaging"
tree="${work}/root"
mkdir -p "${tree}"

# Debian's own checks: lintian finds nothing (it warns about running as root, nothing else).
for p in peloton libpeloton-dev python3-peloton; do
  deb="${debs}/${p}.deb"
  [ -f "${deb}" ] || fail "no ${p}.deb"
  lintian --tag-display-limit 0 "${deb}" > "${work}/lint" 2>&1 || true
  grep -v "running with root privileges" "${work}/lint" > "${work}/lint.tags" || true
  [ ! -s "${work}/lint.tags" ] || fail "lintian on ${p}: $(cat "${work}/lint.tags")"
  [ "$(dpkg-deb -f "${deb}" Package)" = "${p}" ] || fail "${p}: Package field"
  dpkg-deb -x "${deb}" "${tree}"
done
# One version for all, Debian's form of the binaries' (0.1.0-<sha> is 0.1.0~git<sha> before the
# first tag, 0.1.0+git<sha> after one).
version=$(dpkg-deb -f "${debs}/peloton.deb" Version)
for p in libpeloton-dev python3-peloton; do
  [ "$(dpkg-deb -f "${debs}/${p}.deb" Version)" = "${version}" ] || fail "${p}: another version"
done
binary_version=$("${tree}/usr/bin/peloton" --version | cut -d' ' -f2)
case "${binary_version}" in
  *-*) sha=${binary_version##*-}
       [[ "${version}" == *"git${sha}" ]] || fail "deb ${version}, binaries ${binary_version}" ;;
  *) [ "${version}" = "${binary_version//-/\~}" ] || fail "deb ${version}, binaries ${binary_version}" ;;
esac

# The libraries the programs link are dependencies (dpkg-shlibdeps), and adduser for the user.
depends=$(dpkg-deb -f "${debs}/peloton.deb" Depends)
for d in libsqlite3-0 libcapnp-0.9.2 libprotobuf32 libc6 adduser; do
  [[ "${depends}" == *"${d}"* ]] || fail "peloton does not depend on ${d}: ${depends}"
done
[[ "$(dpkg-deb -f "${debs}/python3-peloton.deb" Depends)" == *"python3 (>= 3.11~)"* ]] ||
  fail "python3-peloton: Depends"
[ "$(dpkg-deb -f "${debs}/peloton.deb" Recommends)" = haproxy ] || fail "peloton: Recommends"
# The configs are conffiles (an admin's edits survive upgrades).
dpkg-deb -e "${debs}/peloton.deb" "${work}/control"
grep -qxF /etc/peloton/master/base.yaml "${work}/control/conffiles" || fail "conffiles"
for script in postinst prerm postrm; do
  sh -n "${work}/control/${script}" || fail "${script} is not valid sh"
done
for f in usr/bin/peloton-master usr/bin/peloton-jobmgr usr/bin/peloton-resmgr \
         usr/bin/peloton-hostmgr usr/bin/peloton-placement usr/bin/peloton \
         usr/bin/peloton-task-runner usr/bin/peloton-task-helper usr/bin/peloton-router \
         etc/peloton/jobmgr/base.yaml usr/share/lintian/overrides/peloton \
         etc/peloton/router/router.yaml usr/share/man/man8/peloton-router.8.gz \
         usr/share/man/man8/peloton-master.8.gz usr/share/man/man1/peloton.1.gz \
         usr/include/peloton/fairshare/pool_tree.h; do
  [ -e "${tree}/${f}" ] || fail "${f} is not in the packages"
done

# The systemd units pass systemd's own check (their commands pointed into the tree).
mkdir -p "${work}/units"
for unit in master jobmgr resmgr hostmgr placement router; do
  u="${tree}/lib/systemd/system/peloton-${unit}.service"
  [ -f "${u}" ] || fail "no unit peloton-${unit}.service"
  grep -q "^User=peloton$" "${u}" || fail "peloton-${unit} does not run as peloton"
  sed "s|ExecStart=/usr/bin/|ExecStart=${tree}/usr/bin/|" "${u}" > "${work}/units/$(basename "${u}")"
done
systemd-analyze verify --man=no "${work}/units/"*.service > "${work}/verify" 2>&1 ||
  fail "systemd-analyze verify: $(cat "${work}/verify")"

# The router's shipped config reads (no key it does not know) and asks for routes first.
set +e
"${tree}/usr/bin/peloton-router" --config="${tree}/etc/peloton/router/router.yaml" \
    > /dev/null 2> "${work}/router.err"
got=$?
set -e
[ "${got}" = 2 ] && grep -q "routes: none (rule: at least one)" "${work}/router.err" ||
  fail "peloton-router on its shipped config exited ${got}: $(cat "${work}/router.err")"

# The installed programs: the quick start (a pool, a job, its output) on a throwaway data dir.
master_bin="${tree}/usr/bin/peloton-master"
peloton="${tree}/usr/bin/peloton"
run_master --config="${tree}/etc/peloton/master/base.yaml" --local-hosts=1 --http=off
"${peloton}" respool create /DefaultResPool "${examples}/default_respool.yaml" > /dev/null
cat > "${work}/hello.yaml" <<'YAML'
name: hello
instancecount: 2
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 16}
  command: {value: 'echo hello from the package'}
YAML
job=$("${peloton}" job create /DefaultResPool "${work}/hello.yaml" | awk '{print $2}')
wait_state "${job}" SUCCEEDED
"${peloton}" task logs "${job}" 1 > "${work}/logs"
grep -qxF "hello from the package" "${work}/logs" || fail "task output: $(cat "${work}/logs")"
# make integ-test's scenarios against the installed master, with the installed CLI.
CLUSTER="${PELOTON_MASTER}" PELOTON_CLI="${peloton}" INTEG_WORK="${work}/integ" \
  bash "${root}/tests/integ/integ.sh" > "${work}/integ.out" 2>&1 ||
  fail "integ-test against the installed master: $(cat "${work}/integ.out")"

# libpeloton-dev: pkg-config finds the library where Debian puts it; a program builds with it.
export PKG_CONFIG_PATH="${tree}/usr/lib/x86_64-linux-gnu/pkgconfig"
pc=(--define-variable=prefix="${tree}/usr")
[ "$(pkg-config --modversion peloton)" = "${binary_version}" ] || fail "peloton.pc's version"
libs=$(pkg-config "${pc[@]}" --libs peloton)
[[ "${libs}" == *"-L${tree}/usr/lib/x86_64-linux-gnu -lpeloton"* ]] || fail "--libs: ${libs}"
sanitize=()
# (grep reads it all: with -q it would stop early and pipefail would see nm's SIGPIPE.)
if nm "${tree}/usr/lib/x86_64-linux-gnu/libpeloton.a" 2> /dev/null | grep __asan_ > /dev/null; then
  sanitize=(-fsanitize=address,undefined)
fi
g++ "${sanitize[@]}" "${root}/examples/embed/custom_plugin.cc" \
  $(pkg-config "${pc[@]}" --cflags --libs peloton) -o "${work}/custom_plugin"
"${work}/custom_plugin" > "${work}/out"
grep -qxF "web-2    -> old-1" "${work}/out" || fail "the example built against the package: $(cat "${work}/out")"

# python3-peloton: the module imports from where Debian's python3 looks.
PYTHONPATH="${tree}/usr/lib/python3/dist-packages" /usr/bin/python3 -c \
  'import peloton; assert peloton.__file__.endswith(".so"), peloton.__file__' ||
  fail "python3 cannot import the installed module"
echo "PASS"
