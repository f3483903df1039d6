"""Checks docs/library.md against docs/samples/: every sample appears in full in a code block,
and the output block after it is what the sample prints now.

  check_samples.py [--bin DIR] [--fix]

Run from the runfiles root by //docs:samples_test, or from a checkout with --bin .bazel/bin
(where Bazel put the C++ samples and bindings/python/peloton.so). With --fix it rewrites
docs/library.md instead of checking it: each sample's block, found by its first line
("// docs/samples/NAME" or "# docs/samples/NAME"), and the output after it (`make docs`)."""

import argparse

import os
import re
import subprocess
import sys

GUIDE = "docs/library.md"
SAMPLES = "docs/samples"


def blocks(text):
    """(language, body) of every fenced block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M)


def run(name, bin_dir):
    path = os.path.join(SAMPLES, name)
    if name.endswith(".py"):
        env = dict(os.environ, PYTHONPATH=os.path.join(bin_dir, "bindings/python"),
                   PYTHONDONTWRITEBYTECODE="1")
        cmd = ["/usr/bin/python3", path]
    else:
        env, cmd = None, [os.path.join(bin_dir, path[: -len(".cc")])]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (name, done.returncode, done.stderr))
    return done.stdout


def fix(bin_dir):
    text = open(GUIDE).read()
    for name in sorted(n for n in os.listdir(SAMPLES) if n.endswith((".cc", ".py"))):
        code = sample_code(name)
        first = re.escape(code.splitlines()[0])
        pattern = r"(^```\w*\n)" + first + r"\n.*?^```\n\nOutput:\n\n```text\n.*?^```$"
        text, n = re.subn(pattern, lambda m: m.group(1) + code + "```\n\nOutput:\n\n```text\n" + run(name, bin_dir) + "```",
                          text, flags=re.S | re.M)
        if n != 1:
            sys.exit("FAIL: %s: found %d blocks to replace in %s" % (name, n, GUIDE))
    open(GUIDE, "w").write(text)


def sample_code(name):
    lines = open(os.path.join(SAMPLES, name)).read().splitlines(keepends=True)
    if lines and lines[0].startswith("// Copyright"):
        lines = lines[1:]
    return "".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=".")
    parser.add_argument("--fix", action="store_true")
    args = parser.parse_args()
    if args.fix:
        fix(args.bin)
        print("rewrote", GUIDE)
        return
    guide = blocks(open(GUIDE).read())
    names = sorted(n for n in os.listdir(SAMPLES) if n.endswith((".cc", ".py")))
    if not names:
        sys.exit("FAIL: no samples found")
    for name in names:
        code = sample_code(name)
        at = [i for i, (_, body) in enumerate(guide) if body == code]
        if not at:
            sys.exit("FAIL: %s does not appear verbatim in %s" % (name, GUIDE))
        i = at[0]
        if i + 1 >= len(guide) or guide[i + 1][0] != "text":
            sys.exit("FAIL: %s: no ```text output block after it in %s" % (name, GUIDE))
        want, got = guide[i + 1][1], run(name, args.bin)
        if want != got:
            sys.exit("FAIL: %s prints\n%s\nbut %s shows\n%s" % (name, got, GUIDE, want))
        print("ok", name)
    print("PASS")


if __name__ == "__main__":
    main()
