#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print gcov line and function coverage of the driver from a debug-lane run.

Usage: coverage.py OBJDIR GCDADIR [--min PERCENT]

OBJDIR is build/debug/driver (the .gcno files the compiler left beside the
objects, and the sources as symlinks); GCDADIR holds the .gcda files the
debug guest copied out of /sys/kernel/debug/gcov at the end of its run.
With --min, exits 1 when the driver's line coverage is below PERCENT.
"""
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile


def file_cov(objdir, gcdadir, src, work):
    base = os.path.splitext(os.path.basename(src))[0]
    gcno = os.path.join(objdir, base + ".gcno")
    gcda = os.path.join(gcdadir, base + ".gcda")
    if not os.path.exists(gcno):
        return None
    shutil.copy(gcno, work)
    if os.path.exists(gcda):
        shutil.copy(gcda, work)
    out = subprocess.run(["gcov", "--json-format", "--stdout", "-o", work, src],
                         capture_output=True, check=True, cwd=work).stdout
    lines = {}
    funcs = {}
    for doc in out.decode().splitlines():
        if not doc.strip():
            continue
        for f in json.loads(doc)["files"]:
            if os.path.basename(f["file"]) != os.path.basename(src):
                continue
            for ln in f["lines"]:
                lines[ln["line_number"]] = lines.get(ln["line_number"], 0) + ln["count"]
            for fn in f["functions"]:
                funcs[fn["name"]] = funcs.get(fn["name"], 0) + fn["execution_count"]
    return lines, funcs


def main():
    args = sys.argv[1:]
    minimum = None
    if "--min" in args:
        i = args.index("--min")
        minimum = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    objdir, gcdadir = args
    if not glob.glob(os.path.join(gcdadir, "*.gcda")):
        sys.exit(f"coverage: no .gcda files in {gcdadir}: run the debug lane first "
                 "(make check, or make check PROFILES=debug)")
    rows = []
    tl = th = tf = tfh = 0
    with tempfile.TemporaryDirectory() as work:
        for src in sorted(glob.glob(os.path.join(objdir, "*.c"))):
            if src.endswith(".mod.c"):
                continue
            r = file_cov(objdir, gcdadir, os.path.abspath(src), work)
            if r is None:
                continue
            lines, funcs = r
            hit = sum(1 for c in lines.values() if c > 0)
            fhit = sum(1 for c in funcs.values() if c > 0)
            unrun = sorted(n for n, c in funcs.items() if c == 0)
            rows.append((os.path.basename(src), hit, len(lines), fhit, len(funcs), unrun))
            tl += len(lines); th += hit; tf += len(funcs); tfh += fhit

    def pct(a, b):
        return 100.0 * a / b if b else 100.0
    print(f"{'file':<16} {'lines':>13} {'%':>6} {'functions':>11} {'%':>6}")
    for name, hit, n, fhit, fn, _ in rows:
        print(f"{name:<16} {hit:>6}/{n:<6} {pct(hit, n):>6.1f} {fhit:>5}/{fn:<5} {pct(fhit, fn):>6.1f}")
    print(f"{'total':<16} {th:>6}/{tl:<6} {pct(th, tl):>6.1f} {tfh:>5}/{tf:<5} {pct(tfh, tf):>6.1f}")
    never = [(name, u) for name, _, _, _, _, u in rows if u]
    if never:
        print("\nfunctions never run:")
        for name, u in never:
            print(f"  {name}: {', '.join(u)}")
    if minimum is not None and pct(th, tl) < minimum:
        print(f"coverage: {pct(th, tl):.1f}% of driver lines is below {minimum}%")
        sys.exit(1)


if __name__ == "__main__":
    main()
