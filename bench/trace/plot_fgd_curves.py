#!/usr/bin/env python3
# Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
"""Plots FGD-protocol curves (trace_replay --protocol=fgd --json) with gnuplot.

  plot_fgd_curves.py --out=curves.png [--script=curves.gp] DIR

DIR holds one report per profile and pod list, named <profile>-<list>.json (for example
fgd-default.json, gpu-frag-gpuspec33.json). The PNG has a panel per pod list: unallocated GPU
(100 - allocated, % of cluster GPU capacity) against arrived GPU demand (% of capacity), one
line per profile (a colour each, the same in every panel) with its sd over the seeds as a band.
The y axis of each panel spans the plateau (arrivals from 95%), where the profiles differ; the
descent from 75% runs off its top.

--script also keeps the gnuplot script (its data inline), to see or edit what was drawn.
Uses only the Python standard library and gnuplot (gnuplot-nox, scripts/bootstrap.sh).
Bad input (a missing directory, a report without a curve) exits 2 naming the file.
"""

import argparse
import json
import os
import re
import subprocess
import sys

LISTS = ["default", "cpu100", "gpushare100", "gpuspec33", "multigpu50"]
NAME = re.compile(r"^(?P<profile>[a-z0-9-]+?)-(?P<list>" + "|".join(LISTS) + r")\.json$")


def fail(message):
    print(f"plot_fgd_curves: {message}", file=sys.stderr)
    sys.exit(2)


def load(directory):
    """{list: {profile: [(arrival, unallocated, sd), ...]}} from the directory's reports."""
    if not os.path.isdir(directory):
        fail(f"{directory}: not a directory")
    curves = {}
    for name in sorted(os.listdir(directory)):
        m = NAME.match(name)
        if not m:
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
            points = [(float(p["arrival_pct"]), 100.0 - float(p["allocated_pct"]),
                       float(p.get("allocated_pct_sd", 0.0))) for p in report["curve"]]
        except (OSError, ValueError, KeyError, TypeError) as e:
            fail(f"{path}: not an FGD-protocol report with a curve ({e!r})")
        if not points:
            fail(f"{path}: its curve is empty")
        curves.setdefault(m["list"], {})[m["profile"]] = points
    if not curves:
        fail(f"{directory}: no <profile>-<list>.json reports (lists: {', '.join(LISTS)})")
    return curves


def gnuplot_script(curves, out, png_terminal):
    lists = [l for l in LISTS if l in curves]
    script = [
        png_terminal,
        f"set output '{out}'",
        f"set multiplot layout 2,{(len(lists) + 1) // 2} "
        "title 'Unallocated GPU vs arrived GPU demand (FGD protocol; mean of seeds, band: sd)'",
        "set xlabel 'arrived GPU demand (% of capacity)'",
        "set ylabel 'unallocated GPU (%)'",
        "set grid",
        "set key top right",
        "set style fill transparent solid 0.25 noborder",
        "set xrange [75:130]",
    ]
    colour = {p: i + 1 for i, p in enumerate(sorted({p for c in curves.values() for p in c}))}
    for l in lists:
        plateau = [y for points in curves[l].values() for x, y, _ in points if x >= 95]
        low, high = (min(plateau), max(plateau)) if plateau else (0.0, 30.0)
        script.append(f"set title '{l}'")
        script.append(f"set yrange [{max(0.0, low - 1.0):.1f}:{high + 2.0:.1f}]")
        parts = []
        for profile, points in sorted(curves[l].items()):
            block = f"$curve_{profile.replace('-', '_')}_{l}"
            script.append(f"{block} << EOD")
            script.extend(f"{x} {y} {sd}" for x, y, sd in points)
            script.append("EOD")
            c = colour[profile]
            parts.append(f"{block} using 1:($2-$3):($2+$3) with filledcurves lc {c} notitle")
            parts.append(f"{block} using 1:2 with lines lw 2 lc {c} title '{profile}'")
        script.append("plot " + ", ".join(parts))
    script.append("unset multiplot")
    return "\n".join(script) + "\n"


def run_gnuplot(*args, stdin=None):
    try:
        return subprocess.run(["gnuplot", *args], input=stdin, capture_output=True, text=True,
                              check=False)
    except OSError as e:
        fail(f"cannot run gnuplot ({e}); scripts/bootstrap.sh installs it")


def png_terminal():
    listed = run_gnuplot("-e", "set terminal")
    if "pngcairo" in listed.stdout + listed.stderr:
        return "set terminal pngcairo size 1600,900 font 'DejaVu Sans,11'"
    return "set terminal png size 1600,900"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the PNG to write")
    parser.add_argument("--script", help="also write the gnuplot script here")
    parser.add_argument("dir", help="directory of <profile>-<list>.json reports")
    args = parser.parse_args()
    if "'" in args.out:
        fail(f"--out={args.out}: a path without a single quote (rule: gnuplot quotes it)")
    curves = load(args.dir)
    script = gnuplot_script(curves, os.path.abspath(args.out), png_terminal())
    if args.script:
        with open(args.script, "w", encoding="utf-8") as f:
            f.write(script)
    result = run_gnuplot(stdin=script)
    if result.returncode != 0:
        fail(f"gnuplot failed: {result.stderr.strip()}")


if __name__ == "__main__":
    main()
