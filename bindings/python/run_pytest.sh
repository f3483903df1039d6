#!/usr/bin/env bash
# Runs the binding's pytest tests with Debian's interpreter (the one the module is built for).
set -euo pipefail
here=bindings/python
source "$here/python_env.sh"
python_env "$here/peloton.so"
export PYTHONPATH="$PWD/$here${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
# Bazel reads the per-case results from the JUnit XML it asks for (CI counts them).
junit=()
[ -n "${XML_OUTPUT_FILE:-}" ] && junit=(--junitxml="${XML_OUTPUT_FILE}")
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "${junit[@]}" "$here/tests" "$@"
