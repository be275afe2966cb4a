#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turn the '@@ BENCH {json}' lines of a 'make bench' console into a table,
a JSON summary and an SVG plot.

    bench/report.py CONSOLE OUTDIR [RAWDIR]

Paired runs (ims-bench --mode pair: IMS against MSI-X, or the A/A control
IMS against IMS, one sample of each per round) name a raw file of their
pairs, read from RAWDIR (default: the console's directory): each ratio
of percentiles gets a 95% moving-block bootstrap interval
(bench/stats.py), and a goal is met only when the whole interval is
inside it: IMS/MSI-X p50 in [0.98, 1.02], p99 in [0.95, 1.05]; the A/A
control's intervals must cover 1.00.  The sides of the IMS/MSI-X pairs
also enter the per-label table as ims and msix (with +load or +noise).

Per label (ims, msix, poll, floor; +load with dmadev copies on another
WQ; +noise with stress-ng, fio and the copies, cyclictest alongside;
scale-N with N IMS interrupts active) the rounds' percentiles are
combined by their median.  The headline ratios are IMS/MSI-X at p50 and
p99 and interrupt wake-up (IMS) over the eventfd floor at p50, with the
targets of the benchmark (1.02, 1.05, 1.3), idle, under load and with
noise; and, for reading the last one, what the interrupt adds over
polling, (IMS - poll) / floor at p50.
"""
import json
import os
import platform
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats  # noqa: E402  (bench/stats.py, beside this file)

TARGETS = {"ims/msix p50": 1.02, "ims/msix p99": 1.05, "ims/floor p50": 1.3}
# paired goals: the whole 95% interval inside [lo, hi]
PAIR_GOALS = {"p50": (0.98, 1.02), "p99": (0.95, 1.05)}
VARIANTS = ["", "+load", "+noise"]
ORDER = ["ims", "msix", "floor", "poll", "ims+load", "msix+load", "floor+load",
         "ims+noise", "msix+noise", "floor+noise"]
KEYS = ["p50_us", "p99_us", "p999_us", "max_us"]


def load(path, tag="@@ BENCH "):
    runs = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith(tag + "{"):
                runs.append(json.loads(line[len(tag):]))
    return runs


def combine(runs):
    by = {}
    for r in runs:
        by.setdefault(r["label"], []).append(r)
    out = {}
    for label, rs in by.items():
        out[label] = {k: statistics.median(r[k] for r in rs) for k in KEYS}
        out[label]["samples"] = sum(r["samples"] for r in rs)
        out[label]["rounds"] = len(rs)
        for k in ("lost", "duplicate", "errors"):
            out[label][k] = sum(r[k] for r in rs)
        if "scale" in rs[0]:
            out[label]["scale"] = {k: statistics.median(r["scale"][k] for r in rs)
                                   for k in rs[0]["scale"]}
        if "cyclictest_us" in rs[0]:
            out[label]["cyclictest_max_us"] = max(r["cyclictest_us"]["max"] for r in rs)
        if "load" in rs[0]:
            out[label]["load_ops_per_s"] = statistics.median(r["load"]["ops_per_s"]
                                                             for r in rs)
    return out


def pair_sides(runs):
    """The sides of IMS/MSI-X pair runs as single-label runs (ims+load,
    msix+load, ...) for the per-label table; A/A controls stay out."""
    out = []
    for r in runs:
        base, _, variant = r["label"].partition("+")
        variant = "+" + variant if variant else ""
        names = base.split("/")
        if len(names) != 2 or names[0] == names[1]:
            continue
        for name, side in zip(names, r["sides"]):
            s = dict(side, label=name + variant, mode="pair-side")
            for k in ("load", "cyclictest_us"):
                if k in r:
                    s[k] = r[k]
            out.append(s)
    return out


def pair_stats(pairs, rawdir):
    """Per pair label, its rounds' raw pairs pooled in time order: the
    bootstrap intervals of the p50 and p99 ratios, and the goals."""
    by = {}
    for r in pairs:
        by.setdefault(r["label"], []).append(r)
    out = {}
    for label, rs in by.items():
        a, b, missing = [], [], []
        for r in sorted(rs, key=lambda r: r.get("round", 0)):
            path = os.path.join(rawdir, r.get("raw", ""))
            if not r.get("raw") or not os.path.exists(path):
                missing.append(r.get("raw", "?"))
                continue
            ra, rb, _ = stats.load_pairs(path)
            a.extend(ra)
            b.extend(rb)
        entry = {"rounds": len(rs), "missing_raw": missing,
                 "lost": sum(s["lost"] for r in rs for s in r["sides"]),
                 "duplicate": sum(s["duplicate"] for r in rs for s in r["sides"]),
                 "errors": sum(s["errors"] for r in rs for s in r["sides"])}
        try:
            entry.update(stats.bootstrap_ratios(a, b))
        except ValueError as e:
            entry["error"] = str(e)
        aa = label.split("+")[0].split("/")
        entry["control"] = len(aa) == 2 and aa[0] == aa[1]
        for q, (lo, hi) in PAIR_GOALS.items():
            if q not in entry:
                continue
            ci = entry[q]["ci95"]
            if entry["control"]:
                entry[q]["goal"] = "covers 1.00"
                entry[q]["verdict"] = "met" if stats.covers(ci, 1.0) else "missed"
            else:
                entry[q]["goal"] = [lo, hi]
                entry[q]["verdict"] = stats.verdict(ci, lo, hi)
        out[label] = entry
    return out


def print_pairs(ps):
    if not ps:
        return
    print("\npaired ratios (A/B, one sample of each per round; 95% moving-block "
          "bootstrap interval; a goal is met only by the whole interval)")
    print(f"{'':22}{'pairs':>7}{'ratio':>8}{'interval':>18}  goal")
    for label, e in ps.items():
        if "error" in e:
            print(f"{label:22}  no interval: {e['error']}")
        for q in PAIR_GOALS if "error" not in e else ():
            ci = e[q]["ci95"]
            goal = e[q]["goal"]
            goal = goal if isinstance(goal, str) else f"in [{goal[0]:.2f}, {goal[1]:.2f}]"
            print(f"{label + ' ' + q:22}{e['pairs']:>7}{e[q]['ratio']:>8.3f}"
                  f"{'[%.3f, %.3f]' % tuple(ci):>18}  {goal}: {e[q]['verdict']}")
        if e["missing_raw"]:
            print(f"{'':22}  (raw pairs missing: {', '.join(e['missing_raw'])})")


def host_cpu():
    """The host's CPU model and count (what TCG ran on)."""
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        return f"{names[0]} x {len(names)}" if names else platform.processor()
    except OSError:
        return platform.processor()


def ratios(s):
    r = {}
    for v in VARIANTS:
        ims, msix, floor = "ims" + v, "msix" + v, "floor" + v
        if ims in s and msix in s:
            r["ims/msix p50" + v] = s[ims]["p50_us"] / s[msix]["p50_us"]
            r["ims/msix p99" + v] = s[ims]["p99_us"] / s[msix]["p99_us"]
        if ims in s and floor in s:
            r["ims/floor p50" + v] = s[ims]["p50_us"] / s[floor]["p50_us"]
    if "ims" in s and "floor" in s and "poll" in s:
        # what the interrupt adds over seeing the completion, against the
        # floor: the device's own run (in both ims and poll) drops out
        r["(ims-poll)/floor p50"] = ((s["ims"]["p50_us"] - s["poll"]["p50_us"]) /
                                     s["floor"]["p50_us"])
    return r


def svg(summary, path):
    labels = [l for l in ORDER if l in summary]
    labels += sorted((l for l in summary if l.startswith("scale-")),
                     key=lambda l: int(l[6:]))
    w, h, left, top, bottom = max(640, 90 + 62 * len(labels)), 380, 70, 40, 50
    vmax = max(summary[l]["p99_us"] for l in labels) * 1.1 or 1
    bw = (w - left - 20) / max(len(labels), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           'font-family="sans-serif" font-size="12">',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">'
           'Completion latency, one descriptor in flight (TCG guest: compare ratios)</text>']
    y0 = h - bottom
    for i in range(5):
        v = vmax * i / 4
        y = y0 - (y0 - top) * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 20}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.0f}</text>')
    out.append(f'<text x="16" y="{(top + y0) / 2}" transform="rotate(-90 16 {(top + y0) / 2})" '
               'text-anchor="middle">microseconds</text>')
    for i, l in enumerate(labels):
        x = left + i * bw + bw * 0.15
        for j, (k, colour) in enumerate((("p50_us", "#4477aa"), ("p99_us", "#ee6677"))):
            v = summary[l][k]
            bh = (y0 - top) * v / vmax
            bx = x + j * bw * 0.35
            out.append(f'<rect x="{bx:.1f}" y="{y0 - bh:.1f}" width="{bw * 0.33:.1f}" '
                       f'height="{bh:.1f}" fill="{colour}"/>')
            out.append(f'<text x="{bx + bw * 0.165:.1f}" y="{y0 - bh - 4:.1f}" '
                       f'text-anchor="middle" font-size="10">{v:.1f}</text>')
        out.append(f'<text x="{x + bw * 0.34:.1f}" y="{y0 + 18}" text-anchor="middle" '
                   f'font-size="10">{l}</text>')
    out.append(f'<rect x="{w - 150}" y="30" width="10" height="10" fill="#4477aa"/>'
               f'<text x="{w - 135}" y="39">p50</text>'
               f'<rect x="{w - 100}" y="30" width="10" height="10" fill="#ee6677"/>'
               f'<text x="{w - 85}" y="39">p99</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    rawdir = sys.argv[3] if len(sys.argv) == 4 else os.path.dirname(os.path.abspath(sys.argv[1]))
    allruns = load(sys.argv[1])
    prof = load(sys.argv[1], "@@ PROFILE ")
    pairs = [r for r in allruns if r.get("mode") == "pair"]
    runs = [r for r in allruns if r.get("mode") not in ("migrate", "pair")]
    runs += pair_sides(pairs)
    mig = [r for r in allruns if r.get("mode") == "migrate"]
    if not runs:
        print("report.py: no '@@ BENCH' lines in " + sys.argv[1], file=sys.stderr)
        return 1
    summary = combine(runs)
    rat = ratios(summary)
    ps = pair_stats(pairs, rawdir)
    cpu = host_cpu()
    print(f"machine: QEMU/TCG guest (2 vCPUs) on {cpu}; TCG times are only meaningful as ratios\n")
    doc = {"machine": {"host": platform.node(), "host_cpu": cpu,
                       "guest": "QEMU/TCG, 2 vCPUs, Debian 6.12, emulated DSA + VT-d IR",
                       "note": "TCG times are only meaningful as ratios"},
           "summary": summary, "ratios": rat, "targets": TARGETS, "runs": runs,
           "pairs": ps, "pair_runs": pairs,
           "migration": mig, "profile": prof}
    with open(sys.argv[2] + "/latency.json", "w") as f:
        json.dump(doc, f, indent=1)
    svg(summary, sys.argv[2] + "/latency.svg")
    print(f"{'':12}{'samples':>9}{'p50 us':>10}{'p99 us':>10}{'p99.9 us':>10}"
          f"{'max us':>10}{'lost':>6}{'dup':>5}")
    for l in [l for l in ORDER if l in summary]:
        s = summary[l]
        extra = ""
        if "load_ops_per_s" in s:
            extra += f"  copies {s['load_ops_per_s']:.0f}/s"
        if "cyclictest_max_us" in s:
            extra += f"  cyclictest max {s['cyclictest_max_us']} us"
        print(f"{l:12}{s['samples']:>9}{s['p50_us']:>10.1f}{s['p99_us']:>10.1f}"
              f"{s['p999_us']:>10.1f}{s['max_us']:>10.1f}{s['lost']:>6}{s['duplicate']:>5}"
              + extra)
    scale = sorted((l for l in summary if l.startswith("scale-")), key=lambda l: int(l[6:]))
    if scale:
        print(f"\nscale: IMS interrupts active, the probe's latency and the others' rate")
        print(f"{'active':>8}{'p50 us':>10}{'p99 us':>10}{'max us':>10}{'lost':>6}"
              f"{'dup':>5}{'others irq/s':>14}{'missed':>8}")
        for l in scale:
            s = summary[l]
            sc = s.get("scale", {})
            print(f"{l[6:]:>8}{s['p50_us']:>10.1f}{s['p99_us']:>10.1f}{s['max_us']:>10.1f}"
                  f"{s['lost']:>6}{s['duplicate']:>5}{sc.get('load_interrupts_per_s', 0):>14.0f}"
                  f"{sc.get('load_missed', 0):>8.0f}")
    print_pairs(ps)
    print()
    for k, v in rat.items():
        t = TARGETS.get(k.replace("+load", "").replace("+noise", ""))
        verdict = f"target <= {t}: {'met' if v <= t else 'MISSED'}" if t else "(no target: the device's own run removed)"
        print(f"{k:28} {v:6.3f}   {verdict}")
    for m in mig:
        print(f"\nmigration ({m['label']}): {m['migrations']} affinity moves, "
              f"{m['hotplug_cycles']} CPU offline/online cycles, {m['samples']} completions")
        print(f"  lost {m['lost']}, duplicate {m['duplicate']}, "
              f"out of sequence {m.get('out_of_sequence', 0)}, late {m['late']} "
              f"(> {m['late_k']} x steady p99 {m['steady_p99_us']:.1f} us)")
        print("  worst latency by time since the last move: " + ", ".join(
            f"{k} {v['max_us']:.0f} us" for k, v in m["worst_us_by_time_since_move"].items()))
    if prof:
        print("\nprofile (perf cpu-clock, all guest CPUs, over one run): "
              "idle in halt / the interrupt path (handler, genirq, IR/APIC ack, eventfd, wake-up)")
        for p in prof:
            print(f"  {p['label']:8} idle {p['idle_pct']:5.1f}%   interrupt path {p['irq_path_pct']:6.3f}%"
                  f"   top: " + ", ".join(f"{n} {v:.1f}%" for n, v in p["top"][:3]))
    print(f"\nwrote {sys.argv[2]}/latency.json and {sys.argv[2]}/latency.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
