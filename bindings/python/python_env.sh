# Sourced by the scripts that run Python against the peloton module (bindings tests, the
# library guide's samples). Preloads the sanitizer runtime when the module was built with
# AddressSanitizer (make test-sanitize): it must be loaded before the interpreter, and CPython's
# own allocations at exit are not leaks of ours.
# usage: python_env MODULE_SO
python_env() {
  if ldd "$1" 2> /dev/null | grep libasan > /dev/null; then  # not -q: see pipefail
    # libstdc++ too: the sanitizer wraps __cxa_throw, which the interpreter alone does not load.
    export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libstdc++.so)${LD_PRELOAD:+:$LD_PRELOAD}"
    export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  fi
}
