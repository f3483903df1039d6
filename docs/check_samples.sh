#!/usr/bin/env bash
# Runs docs/check_samples.py with Debian's interpreter (the one the Python module is built for).
source bindings/python/python_env.sh
python_env bindings/python/peloton.so
exec /usr/bin/python3 docs/check_samples.py "$@"
