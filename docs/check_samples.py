"""Checks docs/library.md against docs/samples/: every sample appears in full in a code block,
and the output block after it is what the sample prints now.

Run from the runfiles root (//docs:samples_test); Bazel built the C++ samples and the module."""

import os
import re
import subprocess
import sys

GUIDE = "docs/library.md"
SAMPLES = "docs/samples"


def blocks(text):
    """(language, body) of every fenced block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M)


def run(name):
    path = os.path.join(SAMPLES, name)
    if name.endswith(".py"):
        env = dict(os.environ, PYTHONPATH="bindings/python", PYTHONDONTWRITEBYTECODE="1")
        cmd = ["/usr/bin/python3", path]
    else:
        env, cmd = None, [path[: -len(".cc")]]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (name, done.returncode, done.stderr))
    return done.stdout


def main():
    guide = blocks(open(GUIDE).read())
    names = sorted(n for n in os.listdir(SAMPLES) if n.endswith((".cc", ".py")))
    if not names:
        sys.exit("FAIL: no samples found")
    for name in names:
        lines = open(os.path.join(SAMPLES, name)).read().splitlines(keepends=True)
        if lines and lines[0].startswith("// Copyright"):
            lines = lines[1:]
        code = "".join(lines)
        at = [i for i, (_, body) in enumerate(guide) if body == code]
        if not at:
            sys.exit("FAIL: %s does not appear verbatim in %s" % (name, GUIDE))
        i = at[0]
        if i + 1 >= len(guide) or guide[i + 1][0] != "text":
            sys.exit("FAIL: %s: no ```text output block after it in %s" % (name, GUIDE))
        want, got = guide[i + 1][1], run(name)
        if want != got:
            sys.exit("FAIL: %s prints\n%s\nbut %s shows\n%s" % (name, got, GUIDE, want))
        print("ok", name)
    print("PASS")


if __name__ == "__main__":
    main()
