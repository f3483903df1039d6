#!/bin/sh
# Coverage tools cannot be downloaded offline; `bazel coverage` is not supported.
exit 0
