#!/usr/bin/env bash
# Runs the binding's pytest tests with Debian's interpreter (the one the module is built for).
set -euo pipefail
here=bindings/python
export PYTHONPATH="$PWD/$here${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$here/tests" "$@"
