#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The interrupt taken apart: ims-bench's per-sample TSC stamps joined
with the kernel's trace of the same samples, all on one clock.

For each sample of an IMS/MSI-X pair run (ims-bench --stamps):
  submit   ims-bench reads the TSC, then submits (MOVDIR64B or write())
  record   the emulated DSA writes the completion record (its stamp)
  irq      the emulated DSA sends the interrupt (its stamp)
  entry    irq_handler_entry of the WQ's irq  (ftrace, trace_clock x86-tsc)
  exit     irq_handler_exit
  oncpu    sched_switch to ims-bench: the waiter runs again
  wake     ims-bench's rte_epoll_wait() has returned (TSC)
and the segments between them: device (submit -> record), message
(record -> irq), delivery (irq -> entry), handler (entry -> exit),
wake-up (exit -> oncpu), return (oncpu -> wake), and the one the goal
holds against the floor: delivery + wake-up (irq -> wake).  A waiter
that had not gone to sleep yet when the interrupt came (no sched_switch
to it after the handler) is placed with a wake-up of 0 and counted as
not_asleep.

For each sample of a floor run: the writer's TSC just before its
write() (it has just woken from halt), the waiter's oncpu and its wake.

    segments.py STAMPS FLOOR_STAMPS TRACE     one JSON object per round

Needs Debian's python3-numpy (through stats.py).
"""
import bisect
import json
import re
import sys

import numpy as np

import stats

EVENT = re.compile(r"^\s*.+?-\d+\s+\[(\d+)\]\s+\S+\s+(\d+):\s+(\w+):\s+(.*)$")
SEGMENTS = ["device", "message", "delivery", "handler", "wake-up", "return",
            "delivery+wake-up", "total"]
FLOOR_SEGMENTS = ["wake-up", "return", "total"]


def load_stamps(path):
    """(tsc_hz, {side: array of rows [submit, record, irq, wake]})."""
    hz, rows = None, {}
    with open(path) as f:
        for line in f:
            if line.startswith("# tsc_hz"):
                hz = int(line.split()[2])
            if line.startswith("#") or not line.strip():
                continue
            side, *t = line.split()
            rows.setdefault(side, []).append([int(x) for x in t])
    if not hz:
        raise ValueError(f"{path}: no tsc_hz header")
    return hz, {k: np.array(v, dtype=np.int64) for k, v in rows.items()}


def load_trace(path):
    """The trace's events as sorted TSC lists: entry, exit (per irq, but
    one descriptor is in flight, so any of the two) and oncpu."""
    ev = {"irq_handler_entry": [], "irq_handler_exit": [], "sched_switch": [],
          "sched_waking": []}
    with open(path) as f:
        for line in f:
            m = EVENT.match(line)
            if m and m.group(3) in ev:
                ev[m.group(3)].append(int(m.group(2)))
    return {k: sorted(v) for k, v in ev.items()}


def first_in(times, lo, hi):
    """The first time in [lo, hi] of a sorted list, or None."""
    i = bisect.bisect_left(times, lo)
    return times[i] if i < len(times) and times[i] <= hi else None


def join_irq(rows, ev, hz):
    """Per sample, its segments in microseconds; and how many samples
    could not be placed (no stamps, stamps out of order, missing events)."""
    us = 1e6 / hz
    seg = {k: [] for k in SEGMENTS}
    dropped = {"unstamped": 0, "out_of_order": 0, "untraced": 0}
    awake = 0
    for t0, rec, irq, t1 in rows:
        why = None
        if not rec or not irq:
            why = "unstamped"
        elif not t0 <= rec <= irq <= t1:
            why = "out_of_order"
        else:
            entry = first_in(ev["irq_handler_entry"], irq, t1)
            ex = entry and first_in(ev["irq_handler_exit"], entry, t1)
            on = ex and first_in(ev["sched_switch"], ex, t1)
            if ex and not on:
                # the waiter had not gone to sleep yet (the device was
                # quicker than the way into epoll): nothing to wake
                on = ex
                awake += 1
            if not on:
                why = "untraced"
        if why:
            # kept as NaN: a pair run's rows stay pairs
            dropped[why] += 1
            for k in SEGMENTS:
                seg[k].append(np.nan)
            continue
        for k, v in (("device", rec - t0), ("message", irq - rec), ("delivery", entry - irq),
                     ("handler", ex - entry), ("wake-up", on - ex), ("return", t1 - on),
                     ("delivery+wake-up", t1 - irq), ("total", t1 - t0)):
            seg[k].append(v * us)
    dropped["not_asleep"] = awake	# placed, with a wake-up of 0
    return {k: np.array(v) for k, v in seg.items()}, dropped


def join_floor(rows, ev, hz):
    us = 1e6 / hz
    seg = {k: [] for k in FLOOR_SEGMENTS}
    dropped = {"untraced": 0}
    for t0, _, _, t1 in rows:
        on = first_in(ev["sched_switch"], t0, t1)
        if not on:
            dropped["untraced"] += 1
            for k in FLOOR_SEGMENTS:
                seg[k].append(np.nan)
            continue
        for k, v in (("wake-up", on - t0), ("return", t1 - on), ("total", t1 - t0)):
            seg[k].append(v * us)
    return {k: np.array(v) for k, v in seg.items()}, dropped


def one_round(stamps, floor_stamps, trace):
    """One round's joined segments: {"ims": {...}, "msix": {...},
    "floor": {...}} of arrays, and what was dropped."""
    hz, rows = load_stamps(stamps)
    fhz, frows = load_stamps(floor_stamps)
    ev = load_trace(trace)
    out, dropped = {}, {}
    for side, name in (("a", "ims"), ("b", "msix")):
        out[name], dropped[name] = join_irq(rows.get(side, []), ev, hz)
    out["floor"], dropped["floor"] = join_floor(frows.get("floor", []), ev, fhz)
    return out, dropped


def percentiles(x):
    x = x[~np.isnan(x)]
    if not len(x):
        return None
    return {"p50_us": round(float(stats.quantile(x, 0.5)), 3),
            "p99_us": round(float(stats.quantile(x, 0.99)), 3), "samples": int(len(x))}


def summarize(rounds):
    """rounds: [(round number, joined, dropped)].  Each segment's p50 and
    p99 per side over all rounds; the IMS/MSI-X delivery ratio (paired:
    each round's samples are pairs) and IMS delivery + wake-up against
    the floor's total, both with two-stage bootstrap intervals."""
    sides = {}
    for name, segs in (("ims", SEGMENTS), ("msix", SEGMENTS), ("floor", FLOOR_SEGMENTS)):
        sides[name] = {k: percentiles(np.concatenate([j[name][k] for _, j, _ in rounds]))
                       for k in segs}
    dropped = {}
    for _, _, d in rounds:
        for side, c in d.items():
            for k, v in c.items():
                dropped.setdefault(side, {}).setdefault(k, 0)
                dropped[side][k] += v
    out = {"rounds": len(rounds), "segments": sides, "dropped": dropped}
    q50 = {"p50": 0.5}
    try:
        # a and b of one round are pairs only where both were placed
        out["delivery_ims_over_msix"] = stats.bootstrap_rounds(
            [(r % 2,) + paired(j, "delivery") for r, j, _ in rounds], quantiles=stats.QUANTILES)
    except ValueError as e:
        out["delivery_ims_over_msix"] = {"error": str(e)}
    try:
        # independent series: equal lengths, the same resampled blocks on
        # both are as good as independent draws
        pairs = []
        for r, j, _ in rounds:
            a, b = j["ims"]["delivery+wake-up"], j["floor"]["total"]
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            n = min(len(a), len(b))
            pairs.append((r % 2, a[:n], b[:n]))
        out["ims_delivery_wake_over_floor"] = stats.bootstrap_rounds(pairs, quantiles=q50)
    except ValueError as e:
        out["ims_delivery_wake_over_floor"] = {"error": str(e)}
    return out


def paired(j, key):
    """Both sides' KEY in the rounds that placed both (a pair run writes
    a and b for every round; a sample not placed drops its round)."""
    a, b = j["ims"][key], j["msix"][key]
    ok = ~np.isnan(a) & ~np.isnan(b)
    return a[ok], b[ok]


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    j, d = one_round(*argv[1:])
    print(json.dumps(summarize([(1, j, d)]), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
