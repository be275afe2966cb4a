#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turn the '@@ BENCH {json}' lines of a 'make bench' console into a table,
a JSON summary and an SVG plot.

    bench/report.py CONSOLE OUTDIR [RAWDIR]

Paired runs (ims-bench --mode pair: IMS against MSI-X, or the A/A control
IMS against IMS, one sample of each per round) name a raw file of their
pairs, read from RAWDIR (default: the console's directory): each ratio
of percentiles gets a 95% two-stage bootstrap interval (rounds within
their side assignment, then moving blocks within a round)
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
import csv
import json
import os
import platform
import subprocess
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plots  # noqa: E402  (bench/plots.py, beside this file)
import segments  # noqa: E402  (bench/segments.py)
import stats  # noqa: E402  (bench/stats.py)

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
    """Per pair label, its rounds' raw pairs: the two-stage bootstrap
    intervals (rounds, then blocks; bench/stats.py) of the p50 and p99
    ratios, and the goals."""
    by = {}
    for r in pairs:
        by.setdefault(r["label"], []).append(r)
    out = {}
    for label, rs in by.items():
        rounds, missing = [], []
        for r in sorted(rs, key=lambda r: r.get("round", 0)):
            path = os.path.join(rawdir, r.get("raw", ""))
            if not r.get("raw") or not os.path.exists(path):
                missing.append(r.get("raw", "?"))
                continue
            ra, rb, _ = stats.load_pairs(path)
            # odd and even rounds put the sides on swapped WQs: strata
            rounds.append((r.get("round", 0) % 2, ra, rb))
        entry = {"rounds": len(rs), "missing_raw": missing,
                 "lost": sum(s["lost"] for r in rs for s in r["sides"]),
                 "duplicate": sum(s["duplicate"] for r in rs for s in r["sides"]),
                 "errors": sum(s["errors"] for r in rs for s in r["sides"])}
        try:
            entry.update(stats.bootstrap_rounds(rounds))
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


def segment_stats(lines, rawdir):
    """The '@@ SEGMENTS' rounds joined (bench/segments.py) and summed up;
    None if the run has none, {"error": ...} if their files are missing."""
    if not lines:
        return None
    rounds = []
    try:
        for ln in lines:
            j, d = segments.one_round(*(os.path.join(rawdir, ln[k])
                                        for k in ("stamps", "floor_stamps", "trace")))
            rounds.append((ln["round"], j, d))
    except (OSError, ValueError) as e:
        return {"error": str(e)}
    out = segments.summarize(rounds)
    out["lost"] = sum(ln["lost"] for ln in lines)
    out["duplicate"] = sum(ln["duplicate"] for ln in lines)
    return out


def print_segments(seg):
    if not seg:
        return
    if "error" in seg:
        print(f"\nthe interrupt taken apart: no result: {seg['error']}")
        return
    sides = seg["segments"]
    print(f"\nthe interrupt taken apart ({seg['rounds']} traced runs; one clock, the TSC: "
          f"the emulated DSA's stamps,\nftrace with trace_clock x86-tsc, ims-bench's "
          f"rdtsc); p50 / p99 us")
    print(f"{'segment':18}{'ims':>18}{'msix':>18}{'floor':>18}")
    for k in segments.SEGMENTS:
        cells = []
        for side in ("ims", "msix", "floor"):
            v = sides[side].get(k)
            cells.append(f"{v['p50_us']:.1f} / {v['p99_us']:.1f}" if v else "")
        print(f"{k:18}" + "".join(f"{c:>18}" for c in cells))
    d = seg["dropped"]
    print("  not placed (not_asleep: placed, the waiter still on its CPU): " + "; ".join(f"{side} " + ", ".join(f"{k} {v}" for k, v in c.items())
                                       for side, c in d.items()))
    for key, what in (("delivery_ims_over_msix", "delivery segment, IMS / MSI-X"),
                      ("ims_delivery_wake_over_floor", "IMS delivery + wake-up / floor")):
        e = seg[key]
        if "error" in e:
            print(f"  {what}: no interval: {e['error']}")
            continue
        for q in ("p50", "p99"):
            if q in e:
                print(f"  {what} {q}: {e[q]['ratio']:.3f} "
                      f"[{e[q]['ci95'][0]:.3f}, {e[q]['ci95'][1]:.3f}] ({e['pairs']} samples)")


def segments_csv(seg, outdir):
    if not seg or "error" in seg:
        return
    with open(os.path.join(outdir, "segments.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["side", "segment", "samples", "p50_us", "p99_us"])
        for side, segs in seg["segments"].items():
            for k, v in segs.items():
                if v:
                    w.writerow([side, k, v["samples"], v["p50_us"], v["p99_us"]])


def pairs_for_band(n, ci, band):
    """How many pairs an interval as wide as the goal's band would take,
    if its width shrinks as 1/sqrt(pairs) (more runs of the same kind);
    None if it already is that narrow.  A necessary count, not a
    sufficient one: the ratio must also lie inside the band."""
    width, allowed = ci[1] - ci[0], band[1] - band[0]
    if width <= allowed or allowed <= 0:
        return None
    need = n * (width / allowed) ** 2
    return int(round(need, -3)) if need >= 10000 else int(round(need, -2))


def print_pairs(ps):
    if not ps:
        return
    print("\npaired ratios (A/B, one sample of each per round; 95% two-stage bootstrap "
          "interval: runs, then blocks;\na goal is met only by the whole interval)")
    print(f"{'':22}{'pairs':>7}{'ratio':>8}{'interval':>18}  goal")
    for label, e in ps.items():
        if "error" in e:
            print(f"{label:22}  no interval: {e['error']}")
        for q in PAIR_GOALS if "error" not in e else ():
            ci = e[q]["ci95"]
            goal = e[q]["goal"]
            more = ""
            if not isinstance(goal, str) and e[q]["verdict"] != "met":
                need = pairs_for_band(e["pairs"], ci, goal)
                if need:
                    more = f" (an interval as narrow as the band: ~{need} pairs)"
            goal = goal if isinstance(goal, str) else f"in [{goal[0]:.2f}, {goal[1]:.2f}]"
            print(f"{label + ' ' + q:22}{e['pairs']:>7}{e[q]['ratio']:>8.3f}"
                  f"{'[%.3f, %.3f]' % tuple(ci):>18}  {goal}: {e[q]['verdict']}{more}")
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


def csv_files(summary, ps, outdir):
    """latency.csv (one row per label) and pairs.csv (one row per ratio)
    beside the JSON, for spreadsheets and other tools."""
    with open(os.path.join(outdir, "latency.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["label", "rounds", "samples", "p50_us", "p99_us", "p999_us", "max_us",
                    "lost", "duplicate", "errors"])
        for label, e in summary.items():
            w.writerow([label, e["rounds"], e["samples"]] + [e[k] for k in KEYS] +
                       [e["lost"], e["duplicate"], e["errors"]])
    with open(os.path.join(outdir, "pairs.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["label", "quantile", "pairs", "ratio", "ci95_lo", "ci95_hi", "goal",
                    "verdict", "a_us", "b_us", "block", "resamples", "seed"])
        for label, e in ps.items():
            for q in PAIR_GOALS:
                if q not in e:
                    continue
                r, g = e[q], e[q]["goal"]
                w.writerow([label, q, e["pairs"], r["ratio"], r["ci95"][0], r["ci95"][1],
                            g if isinstance(g, str) else "in [%g, %g]" % tuple(g),
                            r["verdict"], r["a_us"], r["b_us"], e["block"],
                            e["resamples"], e["seed"]])


def label_hists(runs, pairs):
    """Each label's histograms pooled over its rounds; a pair's sides
    under their own labels (the A/A control's B side as 'ims (A/A B)')."""
    hs = {}
    for r in runs:
        if "hist" in r:
            hs.setdefault(r["label"], []).append(r["hist"])
    for r in pairs:
        base, _, variant = r["label"].partition("+")
        variant = "+" + variant if variant else ""
        names = base.split("/")
        if len(names) != 2:
            continue
        if names[0] == names[1]:
            names = [names[0] + " (A/A A)", names[1] + " (A/A B)"]
        for name, side in zip(names, r["sides"]):
            if "hist" in side:
                hs.setdefault(name + variant, []).append(side["hist"])
    return {label: plots.merge_hists(h) for label, h in hs.items()}


def draw(summary, runs, pairs, ps, outdir):
    """The figures (bench/plots.py); the files written, or why none."""
    why = plots.available()
    if why:
        return [], why
    hs = label_hists([r for r in runs if r.get("mode") != "pair-side"], pairs)
    out = []
    for variant, title in (("", "idle"), ("+load", "under paced dmadev load"),
                           ("+noise", "with stress-ng, fio and dmadev load")):
        sel = {l: h for l, h in hs.items()
               if (l.endswith(variant) if variant else "+" not in l)
               and not l.startswith("scale-")}
        if sel:
            out.append(plots.ccdf(sel, os.path.join(outdir, f"ccdf{variant.replace('+', '-')}.png"),
                                  f"Completion latency, {title} (CCDF, log-log)"))
    scale = {l: h for l, h in hs.items() if l.startswith("scale-")}
    if scale:
        out.append(plots.ccdf(dict(sorted(scale.items(), key=lambda kv: int(kv[0][6:]))),
                              os.path.join(outdir, "ccdf-scale.png"),
                              "The probe's latency with N IMS interrupts active"))
    if ps:
        out.append(plots.ratios(ps, PAIR_GOALS, os.path.join(outdir, "ratios.png")))
    return [p for p in out if p], None


def throughput_csv(tp, outdir):
    cols = ["label", "mode", "dmadev", "size", "depth", "offered_ops_per_s", "ops", "seconds",
            "ops_per_s", "gb_per_s", "cpu_us_per_op", "lat_p50_us", "lat_p99_us", "late_bursts",
            "interrupt_waits", "errors", "mismatches"]
    with open(os.path.join(outdir, "throughput.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in tp:
            w.writerow([r.get(c, "") for c in cols])


def paced(r):
    return r.get("offered_ops_per_s", 0) > 0


def print_throughput(tp):
    """Per way of waiting and dmadev: a size x depth table (back to back)
    of ops/s, CPU us per operation and the bursts' median latency; then
    the paced points, offered rate x depth."""
    if not tp:
        return
    closed = [r for r in tp if not paced(r)]
    print("\nthroughput through the dmadev API, bursts back to back (ops/s | CPU us per op, "
          "all CPUs, irq and softirq included | burst latency p50 us)")
    depths = sorted({r["depth"] for r in tp})
    groups = list(dict.fromkeys((r["mode"], r["dmadev"], r["label"]) for r in tp))

    def cell(r, cpu="cpu_us_per_op"):
        bad = "!" if r.get("failed") or r["errors"] or r["mismatches"] else " "
        return (f"{r['ops_per_s']:>7.0f} |{r.get(cpu, r['cpu_us_per_op']):>6.1f} |"
                f"{r.get('lat_p50_us', 0):>7.1f}{bad}")

    def table(rows, keyname, keys):
        print(f"  {keyname:>9}" + "".join(f"{'depth ' + str(q):>27}" for q in depths))
        for k in keys:
            cells = [cell(rows[(k, q)]) if (k, q) in rows else "" for q in depths]
            print((f"  {k:>9}" + "".join(f" {c:>26}" for c in cells)).rstrip())

    for mode, dev, label in groups:
        rows = {(r["size"], r["depth"]): r for r in closed
                if (r["mode"], r["dmadev"], r["label"]) == (mode, dev, label)}
        if rows:
            print(f"  {mode} ({dev}{'' if label == 'throughput' else ': ' + label})")
            table(rows, "size", sorted({k[0] for k in rows}))
    pp = [r for r in tp if paced(r)]
    if pp:
        idle = pp[0].get("idle_machine_busy_cpus")
        print(f"\npaced: {pp[0]['size']}-byte copies offered at a fixed rate, bursts of each "
              "depth on a schedule;\nirq and spin sleep between bursts, poll spins "
              "(achieved ops/s | CPU us per op | burst latency p50 us; * over 1% of bursts late)"
              + ("" if idle is None else
                 f"\nCPU per op net of what the idle machine spends ({idle:.3f} CPUs)"))
        for mode, dev, label in groups:
            rows = {(r["offered_ops_per_s"], r["depth"]): dict(r) for r in pp
                    if (r["mode"], r["dmadev"], r["label"]) == (mode, dev, label)}
            if not rows:
                continue
            for r in rows.values():
                r["mismatches"] = r["mismatches"] or 0
            print(f"  {mode} ({dev}{'' if label == 'throughput' else ': ' + label})")
            print(f"  {'offered':>9}" + "".join(f"{'depth ' + str(q):>27}" for q in depths))
            for rate in sorted({k[0] for k in rows}):
                cells = []
                for q in depths:
                    r = rows.get((rate, q))
                    if not r:
                        cells.append("")
                        continue
                    c = cell(r, "cpu_us_per_op_net")
                    late = r["late_bursts"] * r["depth"] > 0.01 * max(r["ops"], 1)
                    cells.append(c[:-1] + ("*" if late and c[-1] == " " else c[-1]))
                print((f"  {rate:>9}" + "".join(f" {c:>26}" for c in cells)).rstrip())
    bad = [r for r in tp if r.get("failed") or r["errors"] or r["mismatches"]]
    for r in bad:
        print(f"  ! {r['mode']} {r['size']} B depth {r['depth']}: errors {r['errors']}, "
              f"mismatches {r['mismatches']} {r.get('failed', '')}")


def alloc_stats(runs, rawdir):
    """The allocation rounds (IMS ns, dynamic MSI-X ns, which went first):
    the p50 and p99 ratios with their bootstrap intervals."""
    if not runs:
        return None
    r = runs[-1]
    path = os.path.join(rawdir, r.get("raw", ""))
    if not r.get("raw") or not os.path.exists(path):
        return {"error": f"raw rounds missing: {r.get('raw', '?')}"}
    a, b, first = stats.load_pairs(path)
    out = {"label": r["label"], "raw": r["raw"], "ims_first": int((first == 0).sum())}
    try:
        out.update(stats.bootstrap_ratios(a, b))
    except ValueError as e:
        out["error"] = str(e)
    return out


def print_alloc(alloc):
    if not alloc:
        return
    if "p50" not in alloc:
        print(f"\nallocation: {alloc.get('error')}")
        return
    print(f"\nallocation: one IMS vector (slot, irq + IRTE, request, handle) against one "
          f"dynamic MSI-X vector (pci_msix_alloc_irq_at, request), {alloc['pairs']} rounds "
          f"interleaved in random order")
    for q in ("p50", "p99"):
        e = alloc[q]
        print(f"  {q}: IMS {e['a_us'] / 1000:.1f} us, MSI-X {e['b_us'] / 1000:.1f} us, "
              f"ratio {e['ratio']:.3f} [{e['ci95'][0]:.3f}, {e['ci95'][1]:.3f}]")


def host_busy(stat_before):
    """The host's CPU busy share (%) from a copy of /proc/stat taken before
    the run to now: how loaded the machine that ran TCG was."""
    def cpu_line(text):
        f = [int(x) for x in text.splitlines()[0].split()[1:]]
        idle = f[3] + (f[4] if len(f) > 4 else 0)
        return sum(f), idle
    try:
        with open(stat_before) as f:
            t0, i0 = cpu_line(f.read())
        with open("/proc/stat") as f:
            t1, i1 = cpu_line(f.read())
    except (OSError, ValueError, IndexError):
        return None
    return round(100.0 * (1 - (i1 - i0) / (t1 - t0)), 1) if t1 > t0 else None


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0].strip() if out.strip() else None


def metadata(console):
    """What produced these figures: the guest's '@@ META' line (kernel,
    driver parameters, DPDK, the device, the run's settings and seeds),
    the source commit, QEMU, the host and its load during the run.
    BENCH_QEMU (QEMU's binary) and BENCH_STAT_BEFORE (a copy of
    /proc/stat from before the run) come from the Makefile."""
    guest = load(console, "@@ META ")
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = first_line(["git", "-C", top, "rev-parse", "HEAD"])
    dirty = first_line(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"])
    qemu = os.environ.get("BENCH_QEMU")
    meta = {"commit": (commit or "unknown") + ("-dirty" if dirty else ""),
            "qemu": first_line([qemu, "--version"]) if qemu else None,
            "host": platform.node(), "host_cpu": host_cpu(),
            "host_kernel": platform.release(),
            "host_busy_pct_during_run": host_busy(os.environ.get("BENCH_STAT_BEFORE", "")),
            "host_loadavg": open("/proc/loadavg").read().split()[:3],
            "statistics": {"bootstrap": "two-stage: runs within strata, then moving blocks "
                                         "(allocation: moving blocks)",
                           "resamples": stats.RESAMPLES,
                           "seed": stats.SEED, "confidence": 0.95},
            "guest": guest[-1] if guest else None}
    return meta


def scale_row(summary):
    """The scale goal: 2048 IMS vectors live on one device, every fired
    one's interrupt arriving, the probe's samples all complete."""
    s = summary.get("scale-2048")
    if not s:
        return ("scale: 2048 IMS vectors live, each fired, none missed", "", "", "not measured")
    sc = s.get("scale", {})
    ok = (sc.get("live") == 2048 and sc.get("load_rounds", 0) >= 1 and
          sc.get("load_missed", 1) == 0 and s["lost"] == 0 and s["duplicate"] == 0)
    return (f"scale: 2048 IMS vectors live, each fired, none missed ({sc.get('live', '?')} live, "
            f"{sc.get('fired', '?')} fired x {sc.get('load_rounds', '?')} rounds)",
            str(int(sc.get("load_missed", 0)) + s["lost"]), "", "met" if ok else "missed")


def goal_rows(ps, mig, tp=(), alloc=None, seg=None, summary=None):
    """Every goal of the benchmark: (goal, value, interval, verdict).  A
    goal this run does not measure says so instead of passing."""
    rows = []
    for label, e in ps.items():
        for q in PAIR_GOALS:
            if q not in e:
                continue
            r, g = e[q], e[q]["goal"]
            target = g if isinstance(g, str) else "in [%.2f, %.2f]" % tuple(g)
            rows.append((f"{label} {q} ({e['pairs']} pairs) {target}", f"{r['ratio']:.3f}",
                         "[%.3f, %.3f]" % tuple(r["ci95"]), r["verdict"]))
    lost = sum(e["lost"] + e["duplicate"] for e in ps.values())
    lost += sum(m["lost"] + m["duplicate"] + m.get("out_of_sequence", 0) for m in mig)
    rows.append(("0 lost, 0 duplicate, 0 out of sequence", str(lost), "",
                 "met" if lost == 0 else "missed"))
    if tp:
        bad = sum(1 for r in tp if r.get("failed") or r["errors"] or r["mismatches"])
        rows.append((f"throughput: every copy completes and matches ({len(tp)} points)",
                     str(bad), "", "met" if bad == 0 else "missed"))
    for m in mig:
        for key, what in (("per_move", "moves"), ("per_hotplug", "hotplug cycles")):
            pm = m.get(key)
            if not pm:
                continue
            ctl = m.get("control_no_move", {})
            rows.append((f"migration: no {what[:-1]} over 2 x steady p99 ({pm['sampled']} {what}, "
                         f"p99 of {m.get('steady_samples', '?')}; without moves "
                         f"{ctl.get('over_2x', '?')} of {ctl.get('sampled', '?')})",
                         str(pm["over_2x"]), f"max {pm['worst_ratio_max']:.2f} x",
                         "met" if pm["over_2x"] == 0 else "missed"))
    if alloc and "p50" in alloc:
        r = alloc["p50"]
        rows.append((f"IMS allocation < 2 x dynamic MSI-X, p50 ({alloc['pairs']} rounds)",
                     f"{r['ratio']:.3f}", "[%.3f, %.3f]" % tuple(r["ci95"]),
                     "met" if r["ci95"][1] < 2.0 else "missed"))
    else:
        rows.append(("IMS allocation < 2 x dynamic MSI-X allocation", "",
                     "", (alloc or {}).get("error", "not measured")))
    e = (seg or {}).get("ims_delivery_wake_over_floor", {})
    if "p50" in e:
        r = e["p50"]
        rows.append((f"interrupt delivery + wake-up <= 1.1 x floor at p50 ({e['pairs']} samples)",
                     f"{r['ratio']:.3f}", "[%.3f, %.3f]" % tuple(r["ci95"]),
                     "met" if r["ci95"][1] <= 1.1 else "missed"))
    else:
        rows.append(("interrupt delivery + wake-up <= 1.1 x floor at p50", "", "",
                     e.get("error", (seg or {}).get("error", "not measured"))))
    e = (seg or {}).get("delivery_ims_over_msix", {})
    if "p50" in e:
        # a comparison, not a goal: does the delivery segment itself tell
        # IMS from MSI-X?
        r = e["p50"]
        rows.append((f"(compared) delivery segment IMS/MSI-X p50 ({e['pairs']} pairs)",
                     f"{r['ratio']:.3f}", "[%.3f, %.3f]" % tuple(r["ci95"]),
                     "covers 1.00" if stats.covers(r["ci95"], 1.0) else "excludes 1.00"))
    rows.append(scale_row(summary or {}))
    return rows


def print_goals(rows):
    print("\ngoals")
    w = max(len(r[0]) for r in rows)
    for goal, value, ci, verdict in rows:
        print(f"  {goal:{w}}  {value:>7}  {ci:>16}  {verdict}")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    rawdir = sys.argv[3] if len(sys.argv) == 4 else os.path.dirname(os.path.abspath(sys.argv[1]))
    allruns = load(sys.argv[1])
    prof = load(sys.argv[1], "@@ PROFILE ")
    pairs = [r for r in allruns if r.get("mode") == "pair"]
    runs = [r for r in allruns if r.get("mode") not in ("migrate", "pair", "alloc")]
    alloc = alloc_stats([r for r in allruns if r.get("mode") == "alloc"], rawdir)
    runs += pair_sides(pairs)
    mig = [r for r in allruns if r.get("mode") == "migrate"]
    tp = load(sys.argv[1], "@@ THROUGHPUT ")
    seg = segment_stats(load(sys.argv[1], "@@ SEGMENTS "), rawdir)
    if not runs:
        print("report.py: no '@@ BENCH' lines in " + sys.argv[1], file=sys.stderr)
        return 1
    summary = combine(runs)
    rat = ratios(summary)
    ps = pair_stats(pairs, rawdir)
    os.makedirs(sys.argv[2], exist_ok=True)
    meta = metadata(sys.argv[1])
    busy = meta["host_busy_pct_during_run"]
    g = meta["guest"] or {}
    print(f"machine: QEMU/TCG guest ({g.get('cpus', '?')} vCPUs, kernel {g.get('kernel', '?')}) "
          f"on {meta['host_cpu']}, host busy {'?' if busy is None else busy}% during the run; "
          f"commit {meta['commit'][:12]}\nTCG times are only meaningful as ratios\n")
    doc = {"metadata": meta, "machine": {"note": "TCG times are only meaningful as ratios"},
           "summary": summary, "ratios": rat, "targets": TARGETS, "runs": runs,
           "pairs": ps, "pair_runs": pairs,
           "migration": mig, "profile": prof, "throughput": tp, "allocation": alloc,
           "segments": seg, "goals": goal_rows(ps, mig, tp, alloc, seg, summary)}
    with open(sys.argv[2] + "/latency.json", "w") as f:
        json.dump(doc, f, indent=1)
    csv_files(summary, ps, sys.argv[2])
    throughput_csv(tp, sys.argv[2])
    segments_csv(seg, sys.argv[2])
    figures, why = draw(summary, runs, pairs, ps, sys.argv[2])
    if not why and tp:
        figures.append(plots.throughput([r for r in tp if not paced(r)],
                                        os.path.join(sys.argv[2], "throughput.png")))
        if any(paced(r) for r in tp):
            figures.append(plots.paced([r for r in tp if paced(r)],
                                       os.path.join(sys.argv[2], "paced.png")))
    if not why and seg and "error" not in seg:
        figures.append(plots.segments(seg, os.path.join(sys.argv[2], "segments.png")))
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
        print("\nscale: N IMS vectors live on the device, the probe's latency, the fired "
              "vectors' rate and any that missed")
        print(f"{'live':>8}{'fired':>7}{'p50 us':>10}{'p99 us':>10}{'max us':>10}{'lost':>6}"
              f"{'dup':>5}{'others irq/s':>14}{'rounds':>8}{'missed':>8}{'vCPUs':>7}")
        for l in scale:
            s = summary[l]
            sc = s.get("scale", {})
            print(f"{sc.get('live', l[6:]):>8}{sc.get('fired', ''):>7}{s['p50_us']:>10.1f}"
                  f"{s['p99_us']:>10.1f}{s['max_us']:>10.1f}"
                  f"{s['lost']:>6}{s['duplicate']:>5}{sc.get('load_interrupts_per_s', 0):>14.0f}"
                  f"{sc.get('load_rounds', ''):>8}{sc.get('load_missed', 0):>8.0f}"
                  f"{sc.get('cpus', ''):>7}")
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
        for key in ("per_move", "per_hotplug", "control_no_move"):
            if key in m:
                pm = m[key]
                print(f"  {key.replace('_', ' ')}: {pm['sampled']} intervals with samples, "
                      f"worst / steady p99: p50 {pm['worst_ratio_p50']:.2f}, "
                      f"p99 {pm['worst_ratio_p99']:.2f}, max {pm['worst_ratio_max']:.2f}; "
                      f"{pm['over_2x']} over 2 x")
    if prof:
        print("\nprofile (perf cpu-clock, all guest CPUs, over one run): "
              "idle in halt / the interrupt path (handler, genirq, IR/APIC ack, eventfd, wake-up)")
        for p in prof:
            print(f"  {p['label']:8} idle {p['idle_pct']:5.1f}%   interrupt path {p['irq_path_pct']:6.3f}%"
                  f"   top: " + ", ".join(f"{n} {v:.1f}%" for n, v in p["top"][:3]))
    print_segments(seg)
    print_throughput(tp)
    print_alloc(alloc)
    print_goals(doc["goals"])
    print(f"\nwrote {sys.argv[2]}/latency.json, latency.csv, pairs.csv, throughput.csv"
          + (", segments.csv" if seg and "error" not in seg else ""))
    if why:
        print(f"no figures: {why}", file=sys.stderr)
    else:
        print("figures: " + ", ".join(os.path.basename(f) for f in figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
