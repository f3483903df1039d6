"""Doxygen input filter: the headers' house-style comments as Doxygen comments.

The headers keep Google style: a file comment after the licence line, and `//` comments above
declarations (or after a member on its line). Doxygen reads only `///`-style comments, so this
filter rewrites, on the way in (the files are not changed):
  - the file comment -> `/// \\file` and its text (the licence line dropped);
  - a line that is only a `//` comment -> `///`;
  - `member;  // text` or `kValue,  // text` -> `///<` after the member.
Preprocessor lines keep their comments (`#endif  // GUARD`).

  doxygen_filter.py HEADER > filtered
"""

import re
import sys

TRAILING = re.compile(r'^([^"/#]*[;,{]\s*)//(?!/)\s?(.*)$')
# "#SUCCEEDED" in prose (a count) is not a link request.
HASH_WORD = re.compile(r"(?<!\\)#(?=\w)")


def prose(text):
    return HASH_WORD.sub(r"\\#", text)


def filtered(lines):
    out = []
    i = 0
    # The file comment: the leading // block.
    head = []
    while i < len(lines) and lines[i].startswith("//"):
        head.append(lines[i])
        i += 1
    if head and "Copyright" in head[0]:
        head = head[1:]
    if head:
        out.append("/// \\file\n")
        out.extend("///" + prose(line[2:]) for line in head)
        out.append("\n")  # keep the line count: one \file line replaces the licence
    for line in lines[i:]:
        stripped = line.lstrip()
        if stripped.startswith("//") and not stripped.startswith("///"):
            indent = line[: len(line) - len(stripped)]
            out.append(indent + "///" + prose(stripped[2:]))
            continue
        m = TRAILING.match(line.rstrip("\n"))
        if m and not line.lstrip().startswith("#"):
            out.append(m.group(1) + "///< " + prose(m.group(2)) + "\n")
            continue
        out.append(line)
    return out


def main():
    with open(sys.argv[1]) as f:
        sys.stdout.write("".join(filtered(f.readlines())))


if __name__ == "__main__":
    main()
