# Sourced by the scripts that run Python against the peloton module (bindings tests, the
# library guide's samples). Preloads the sanitizer runtime when the module was built with
# AddressSanitizer
# (make test-sanitize): it must be loaded before the interpreter, and CPython's own allocations
# at exit are not leaks of ours.
# usage: python_env MODULE_SO
python_env() {
  if ldd "$1" 2> /dev/null | grep -q libasan; then
    export LD_PRELOAD="$(gcc -print-file-name=libasan.so)${LD_PRELOAD:+:$LD_PRELOAD}"
    export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  fi
}
