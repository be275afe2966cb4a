# SPDX-License-Identifier: MIT
"""The figures of 'make bench', drawn with matplotlib (Debian's
python3-matplotlib), for bench/report.py:

  latency-ccdf.png   the fraction of completions slower than x, per label,
                     log-log, from each run's log-binned histogram
  ratios.png         each paired ratio with its 95% interval and its goal
  throughput.png     ops/s and CPU per operation against transfer size,
                     per mode and queue depth (when the run has a sweep)
  paced.png          CPU per operation and burst latency against the
                     offered rate, per way of waiting and depth
  segments.png       the interrupt taken apart: each segment's median,
                     stacked, for IMS, MSI-X and the floor

Each function takes what report.py has already combined and a path, and
returns the path it wrote.  available() says whether matplotlib is there,
and if not, why.
"""
_IMPORT_ERROR = None
try:
    import matplotlib
    matplotlib.use("Agg")	# no display: files only
    import matplotlib.pyplot as plt
except ImportError as e:	# report.py still writes JSON, CSV and text
    _IMPORT_ERROR = str(e)


def available():
    """None if plots can be drawn, else the reason they cannot."""
    if _IMPORT_ERROR:
        return f"{_IMPORT_ERROR} (apt install python3-matplotlib; make deps does)"
    return None


def hist_points(hist):
    """(x_us, fraction slower than x) from a log-binned histogram: bin i
    starts at base_us * 2^(i / per_octave)."""
    bins = sorted(hist["bins"])
    total = sum(c for _, c in bins)
    if not total:
        return [], []
    xs, ys, seen = [], [], 0
    for i, c in bins:
        seen += c
        left = total - seen
        if left == 0:
            break
        xs.append(hist["base_us"] * 2 ** ((i + 1) / hist["per_octave"]))
        ys.append(left / total)
    return xs, ys


def merge_hists(hists):
    """One histogram from several with the same binning (rounds of a label)."""
    out = {"base_us": hists[0]["base_us"], "per_octave": hists[0]["per_octave"]}
    counts = {}
    for h in hists:
        if (h["base_us"], h["per_octave"]) != (out["base_us"], out["per_octave"]):
            raise ValueError("histograms with different binning")
        for i, c in h["bins"]:
            counts[i] = counts.get(i, 0) + c
    out["bins"] = sorted(counts.items())
    return out


def ccdf(hists, path, title):
    """hists: {label: histogram}.  One line per label."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, h in hists.items():
        xs, ys = hist_points(h)
        if xs:
            ax.step(xs, ys, where="post", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("completion latency (us, TCG guest: compare, do not read absolutely)")
    ax.set_ylabel("fraction of completions slower")
    ax.set_title(title)
    ax.axhline(0.5, color="#bbb", lw=0.8, ls=":")
    ax.axhline(0.01, color="#bbb", lw=0.8, ls=":")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def ratios(pairs, goals, path):
    """pairs: report.py's pair_stats(); goals: {q: (lo, hi)}.  Each
    label's p50 and p99 ratio with its interval; the goal band shaded."""
    rows = [(label, q, e[q]) for label, e in pairs.items() for q in goals if q in e]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    for y, (label, q, r) in enumerate(rows):
        lo, hi = r["ci95"]
        colour = {"met": "#228833", "missed": "#cc3311"}.get(r.get("verdict"), "#666")
        ax.errorbar(r["ratio"], y, xerr=[[r["ratio"] - lo], [hi - r["ratio"]]],
                    fmt="o", color=colour, capsize=4)
        g = r.get("goal")
        if isinstance(g, list):
            ax.fill_betweenx([y - 0.35, y + 0.35], g[0], g[1], color="#ddeeff", zorder=0)
    ax.axvline(1.0, color="#888", lw=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{label} {q}" for label, q, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("A/B ratio, 95% moving-block bootstrap interval (goal shaded; "
                  "green met, red missed)")
    ax.set_title("Paired ratios")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _sweep_lines(rows, xkey, panels):
    """One line per (mode, label, depth) against xkey on each panel, a
    (axes, row key) pair; the line's name and style say which it is."""
    for mode, label, depth in sorted({(r["mode"], r["label"], r["depth"]) for r in rows}):
        rs = sorted((r for r in rows if (r["mode"], r["label"], r["depth"]) == (mode, label, depth)),
                    key=lambda r: r[xkey])
        xs = [r[xkey] for r in rs]
        name = f"{mode} q{depth}" if label == "throughput" else f"{label.split(',')[0]} q{depth}"
        ls = {"irq": "-", "spin": "-."}.get(mode, "--" if label == "throughput" else ":")
        for ax, key in panels:
            ax.plot(xs, [r.get(key) or float("nan") for r in rs], ls, marker=".", label=name)


def _finish(fig, path, axes, xlabel, base):
    """Log axes with their y labels, grid, legend on the first; saved."""
    for ax, ylabel in axes:
        ax.set_xscale("log", base=base)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def throughput(rows, path):
    """rows: the back-to-back points: ops/s, CPU us per operation and the
    bursts' median latency against the transfer size."""
    if not rows:
        return None
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(15, 4.5))
    _sweep_lines(rows, "size", [(a1, "ops_per_s"), (a2, "cpu_us_per_op"), (a3, "lat_p50_us")])
    axes = [(a1, "operations per second"), (a2, "CPU us per operation")]
    if any(r.get("lat_p50_us") for r in rows):
        axes.append((a3, "burst latency p50 (us)"))
    else:		# an older run's points: no latency kept
        a3.set_visible(False)
    a1.set_title("Throughput (dmadev API)")
    a2.set_title("CPU per completion (all CPUs, irq + softirq)")
    a3.set_title("Burst latency, median")
    return _finish(fig, path, axes, "transfer size (bytes)", 2)


def paced(rows, path):
    """rows: the paced points (offered_ops_per_s > 0): CPU us per operation
    and the bursts' median latency against the offered rate."""
    if not rows:
        return None
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    net = "cpu_us_per_op_net" if all("cpu_us_per_op_net" in r for r in rows) else "cpu_us_per_op"
    _sweep_lines(rows, "offered_ops_per_s", [(a1, net), (a2, "lat_p50_us")])
    a1.set_title("CPU per completion at a paced load" +
                 (" (less the idle machine's)" if net.endswith("net") else ""))
    a2.set_title("Burst latency at a paced load")
    return _finish(fig, path, [(a1, "CPU us per operation"), (a2, "burst latency p50 (us)")],
                   f"offered load ({rows[0]['size']}-byte copies per second)", 10)


def segments(seg, path):
    """Stacked medians of the interrupt's segments (bench/segments.py)."""
    parts = ["device", "message", "delivery", "handler", "wake-up", "return"]
    sides = [("ims", "IMS", parts), ("msix", "MSI-X", parts),
             ("floor", "floor (eventfd)", ["wake-up", "return"])]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    colors = plt.get_cmap("tab10")
    # the floor starts where the IMS interrupt is sent: its bar then sits
    # under IMS's delivery + wake-up, the part the goal compares
    ims = seg["segments"]["ims"]
    start = sum(ims[k]["p50_us"] for k in ("device", "message") if ims.get(k))
    for y, (key, name, segs) in enumerate(sides):
        left = start if key == "floor" else 0.0
        for i, k in enumerate(parts):
            v = seg["segments"][key].get(k) if k in segs else None
            if not v:
                continue
            ax.barh(y, v["p50_us"], left=left, color=colors(i),
                    label=k if y == 0 else None)
            left += v["p50_us"]
    ax.set_yticks(range(len(sides)), [n for _, n, _ in sides])
    ax.invert_yaxis()
    ax.set_xlabel("median per segment, us (TCG: compare, do not read absolutely)")
    ax.set_title("the interrupt taken apart (medians, stacked; the floor from the IMS send)")
    ax.legend(ncol=6, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
