#!/usr/bin/env python3
# Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
"""Writes proto2 files wire-compatible with Mesos's public v1 API, from the wire facts of
services/backend/mesos/testing/mesos-v1-wire.tsv (one row per field and per enum value of
Apache Mesos's v1 API, at c1b42f79d).

Only the messages the scheduler needs are written: the closure of the roots below over field
types. Each package goes to its own file (mesos.v1 -> mesos.proto, mesos.v1.scheduler ->
scheduler.proto, which imports it). Nested messages and enums stay nested, field numbers,
labels and types are Mesos's, so a real Mesos master reads what we write and we read what it
sends. Field defaults are not wire facts and are not written.

  tools/mesos_proto_gen.py services/backend/mesos/testing/mesos-v1-wire.tsv services/backend/mesos
"""

import collections
import sys

ROOTS = [
    "mesos.v1.scheduler.Call",
    "mesos.v1.scheduler.Event",
    "mesos.v1.scheduler.Response",
    "mesos.v1.master.Call",
    "mesos.v1.master.Response",
]

# Roots of which only some fields are written: the operator API calls the backend makes (agents
# for capacity, maintenance for host state). Fields left out are unknown fields to our parser,
# which proto2 skips, so the wire stays compatible.
ROOT_FIELDS = {
    "mesos.v1.master.Call": {"type", "update_maintenance_schedule", "start_maintenance",
                             "stop_maintenance"},
    "mesos.v1.master.Response": {"type", "get_agents", "get_maintenance_status",
                                 "get_maintenance_schedule"},
}

FILES = {
    "mesos.v1": "mesos.proto",
    "mesos.v1.scheduler": "scheduler.proto",
    "mesos.v1.master": "master.proto",
    "mesos.v1.maintenance": "maintenance.proto",
    "mesos.v1.allocator": "allocator.proto",
}

TYPES = {
    "TYPE_DOUBLE": "double", "TYPE_FLOAT": "float", "TYPE_INT64": "int64",
    "TYPE_UINT64": "uint64", "TYPE_INT32": "int32", "TYPE_FIXED64": "fixed64",
    "TYPE_FIXED32": "fixed32", "TYPE_BOOL": "bool", "TYPE_STRING": "string",
    "TYPE_BYTES": "bytes", "TYPE_UINT32": "uint32", "TYPE_SFIXED32": "sfixed32",
    "TYPE_SFIXED64": "sfixed64", "TYPE_SINT32": "sint32", "TYPE_SINT64": "sint64",
}
LABELS = {"LABEL_OPTIONAL": "optional", "LABEL_REQUIRED": "required",
          "LABEL_REPEATED": "repeated"}


def package_of(name):
    parts = name.split(".")
    i = next(k for k, p in enumerate(parts) if p[:1].isupper())
    return ".".join(parts[:i])


def main(tsv, out_dir):
    fields = collections.defaultdict(list)   # message -> [(name, number, label, type, type_name)]
    enums = collections.defaultdict(list)    # enum -> [(NAME, number)]
    for line in open(tsv):
        row = line.rstrip("\n").split("\t")
        if row[0] == "field":
            fields[row[1]].append((row[2], int(row[3]), row[4], row[5], row[6].lstrip(".")))
        elif row[0] == "enum":
            enums[row[1]].append((row[2], int(row[3])))
    for message, keep in ROOT_FIELDS.items():
        fields[message] = [f for f in fields[message] if f[0] in keep]

    # The closure of the roots over field types; a type no field row names is an empty message.
    wanted, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        for (_, _, _, type_, type_name) in fields.get(name, []):
            if type_name:
                todo.append(type_name)
        # A nested type's enclosing messages are needed too.
        parent = name.rsplit(".", 1)[0]
        if parent[parent.rfind(".") + 1:][:1].isupper():
            todo.append(parent)

    def children(name):
        prefix = name + "."
        return sorted(n for n in wanted if n.startswith(prefix) and "." not in n[len(prefix):])

    def emit(name, indent, out):
        pad = "  " * indent
        short = name.rsplit(".", 1)[1]
        if name in enums:
            out.append(f"{pad}enum {short} {{")
            for value, number in sorted(enums[name], key=lambda v: v[1]):
                out.append(f"{pad}  {value} = {number};")
            out.append(f"{pad}}}")
            return
        out.append(f"{pad}message {short} {{")
        for child in children(name):
            emit(child, indent + 1, out)
        for (fname, number, label, type_, type_name) in sorted(fields.get(name, []),
                                                               key=lambda f: f[1]):
            t = TYPES.get(type_) or "." + type_name
            out.append(f"{pad}  {LABELS[label]} {t} {fname} = {number};")
        out.append(f"{pad}}}")

    by_package = collections.defaultdict(list)
    for name in wanted:
        pkg = package_of(name)
        rest = name[len(pkg) + 1:]
        if "." not in rest:
            by_package[pkg].append(name)
    # The packages each package's fields refer to: its file's imports.
    uses = collections.defaultdict(set)
    for name in wanted:
        for (_, _, _, _, type_name) in fields.get(name, []):
            if type_name and package_of(type_name) != package_of(name):
                uses[package_of(name)].add(package_of(type_name))
    for pkg, tops in by_package.items():
        if pkg not in FILES:
            sys.exit(f"no file for package {pkg}")
        out = ["// Generated by tools/mesos_proto_gen.py from services/backend/mesos/testing/"
               "mesos-v1-wire.tsv:", "// Mesos's public v1 API (Apache Mesos c1b42f79d), the "
               "messages the scheduler uses. Do not edit.", "", 'syntax = "proto2";', "",
               f"package {pkg};", ""]
        imports = [f'import "services/backend/mesos/{FILES[u]}";' for u in sorted(uses[pkg])]
        if imports:
            out += imports + [""]
        for top in sorted(tops):
            emit(top, 0, out)
            out.append("")
        with open(f"{out_dir}/{FILES[pkg]}", "w") as f:
            f.write("\n".join(out))
    print(f"{len(wanted)} types", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
