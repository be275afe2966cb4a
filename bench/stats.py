#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Paired statistics for ims-bench: ratios of two sides' percentiles with
95% confidence intervals, from a moving-block bootstrap over consecutive
pairs, and over several runs a two-stage one (runs, then blocks).

A paired run (ims-bench --mode pair) takes one sample on side A and one
on side B per round, in random order, so that whatever drifts during the
run drifts on both.  The samples are not independent in time (a busy
host slows a stretch of rounds), so the bootstrap resamples blocks of
consecutive rounds, keeping each round's pair together: the interval
carries the run's own drift.

    stats.py pairs RAW [--seed S] [--resamples N]    one JSON object
    stats.py selftest                                synthetic checks

Needs Debian's python3-numpy.
"""
import json
import math
import sys

import numpy as np

QUANTILES = {"p50": 0.50, "p99": 0.99}
RESAMPLES = 2000
SEED = 20261207


def load_pairs(path):
    """The (a, b, first) columns of a --raw file, in time order."""
    rows = np.loadtxt(path, comments="#", ndmin=2)
    if rows.size == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    return rows[:, 0], rows[:, 1], rows[:, 2]


def quantile(x, q, axis=None):
    """The q-quantile as ims-bench computes it: the sample at rank
    round(q * (n - 1)) of the sorted samples (along axis, if given)."""
    x = np.asarray(x, dtype=float)
    if axis is None:
        x = x.ravel()
        axis = 0
    k = int(q * (x.shape[axis] - 1) + 0.5)
    return np.take(np.partition(x, k, axis=axis), k, axis=axis)


def block_length(n):
    """Blocks of about n^(1/3) rounds (at least 5): long enough to keep a
    stretch of drift together, short enough for many distinct resamples."""
    return max(5, int(round(n ** (1.0 / 3.0))))


def bootstrap_ratios(a, b, quantiles=QUANTILES, resamples=RESAMPLES,
                     seed=SEED, block=None):
    """For each named quantile q: the ratio q(a)/q(b) and its 95% moving-
    block bootstrap interval.  a[i] and b[i] are round i's pair."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n = a.size
    if n != b.size or n < 20:
        raise ValueError("need at least 20 pairs of equal count, got %d and %d"
                         % (a.size, b.size))
    L = block or block_length(n)
    nblocks = int(math.ceil(n / L))
    rng = np.random.default_rng(seed)
    out = {}
    ratios = {name: [] for name in quantiles}
    done = 0
    chunk = max(1, 4000000 // n)	# bounded memory: chunk x n indices
    while done < resamples:
        m = min(chunk, resamples - done)
        starts = rng.integers(0, n - L + 1, size=(m, nblocks))
        idx = (starts[:, :, None] + np.arange(L)).reshape(m, -1)[:, :n]
        ra, rb = a[idx], b[idx]
        for name, q in quantiles.items():
            ratios[name].append(quantile(ra, q, axis=1) / quantile(rb, q, axis=1))
        done += m
    for name, q in quantiles.items():
        r = np.concatenate(ratios[name])
        out[name] = {
            "ratio": float(quantile(a, q) / quantile(b, q)),
            "ci95": [float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))],
            "a_us": float(quantile(a, q)),
            "b_us": float(quantile(b, q)),
        }
    out["pairs"] = int(n)
    out["block"] = int(L)
    out["resamples"] = int(resamples)
    out["seed"] = int(seed)
    return out


def bootstrap_rounds(rounds, quantiles=QUANTILES, resamples=RESAMPLES, seed=SEED):
    """As bootstrap_ratios(), for pairs from several runs ("rounds"), each
    a (stratum, a, b) triple: a two-stage bootstrap (with the usual
    sqrt(g / (g - 1)) widening for g rounds a stratum).  Each resample draws,
    within each stratum (e.g. which WQ was side A), as many rounds as it
    has, with replacement, then moving blocks within each drawn round.  A
    run's own state (where a paced load's phase fell, what the host did
    meanwhile) then widens the interval as much as it moves the ratio
    from run to run, which blocks inside one pooled series cannot show.
    With one round in every stratum it is the moving-block bootstrap of
    each round, the strata kept together."""
    groups = {}
    for stratum, a, b in rounds:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        if a.size != b.size or a.size < 20:
            raise ValueError("need at least 20 pairs of equal count a round, got %d and %d"
                             % (a.size, b.size))
        groups.setdefault(stratum, []).append((a, b))
    if not groups:
        raise ValueError("no round with pairs")
    rng = np.random.default_rng(seed)
    ratios = {name: np.empty(resamples) for name in quantiles}
    for k in range(resamples):
        ra, rb = [], []
        for members in groups.values():
            for j in rng.integers(0, len(members), size=len(members)):
                a, b = members[j]
                n = a.size
                L = block_length(n)
                starts = rng.integers(0, n - L + 1, size=int(math.ceil(n / L)))
                idx = (starts[:, None] + np.arange(L)).ravel()[:n]
                ra.append(a[idx])
                rb.append(b[idx])
        ra, rb = np.concatenate(ra), np.concatenate(rb)
        for name, q in quantiles.items():
            ratios[name][k] = quantile(ra, q) / quantile(rb, q)
    a = np.concatenate([a for m in groups.values() for a, _ in m])
    b = np.concatenate([b for m in groups.values() for _, b in m])
    # drawing g of g rounds spreads their mean (g - 1) / g as much as the
    # runs do: widen back by sqrt(g / (g - 1)) for the smallest stratum
    g = min(len(m) for m in groups.values())
    widen = math.sqrt(g / (g - 1)) if g > 1 else 1.0
    out = {}
    for name, q in quantiles.items():
        point = quantile(a, q) / quantile(b, q)
        r = point + (ratios[name] - point) * widen
        out[name] = {
            "ratio": float(point),
            "ci95": [float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))],
            "a_us": float(quantile(a, q)),
            "b_us": float(quantile(b, q)),
        }
    out["pairs"] = int(a.size)
    out["rounds"] = sum(len(m) for m in groups.values())
    out["strata"] = len(groups)
    out["block"] = int(block_length(min(x.size for m in groups.values() for x, _ in m)))
    out["resamples"] = int(resamples)
    out["seed"] = int(seed)
    out["method"] = "two-stage: rounds within strata, then moving blocks"
    out["widened"] = round(widen, 4)
    return out


def verdict(ci, lo, hi):
    """A goal [lo, hi] is met only when the whole interval is inside it."""
    return "met" if lo <= ci[0] and ci[1] <= hi else "missed"


def covers(ci, value):
    return ci[0] <= value <= ci[1]


def _synthetic(n, ratio, seed, drift=0.3, rho=0.98):
    """Pairs from one log-normal latency law, B's scaled by 1/ratio, both
    riding the same AR(1) drift in log space (a host that slows down and
    speeds up in stretches): the true ratio of any percentile is ratio."""
    rng = np.random.default_rng(seed)
    d = np.empty(n)
    x = 0.0
    for i in range(n):
        x = rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal()
        d[i] = x
    a = np.exp(3.0 + drift * d + 0.25 * rng.standard_normal(n))
    b = np.exp(3.0 + drift * d + 0.25 * rng.standard_normal(n)) / ratio
    return a * 1.0, b * 1.0


def selftest():
    """Checks the statistics on samples with a known answer; prints
    '@@ TEST stats:NAME PASS|FAIL detail' lines, returns the failures."""
    fails = 0

    def res(name, ok, detail):
        nonlocal fails
        fails += not ok
        print("@@ TEST stats:%s %s %s" % (name, "PASS" if ok else "FAIL", detail))

    # A/A: one law on both sides; the intervals cover 1.00 (19 of 20
    # seeds at least, as a 95% interval should, with room for chance)
    hit = {name: 0 for name in QUANTILES}
    for s in range(20):
        a, b = _synthetic(3000, 1.0, seed=100 + s)
        r = bootstrap_ratios(a, b, resamples=400, seed=s)
        for name in QUANTILES:
            hit[name] += covers(r[name]["ci95"], 1.0)
    for name in QUANTILES:
        res("aa-covers-1-" + name, hit[name] >= 17,
            "%d of 20 A/A intervals cover 1.00" % hit[name])

    # a known ratio: covered, and 1.00 excluded with enough pairs
    a, b = _synthetic(10000, 1.10, seed=7)
    r = bootstrap_ratios(a, b, resamples=400, seed=1)
    for name in QUANTILES:
        ci = r[name]["ci95"]
        res("known-ratio-covered-" + name, covers(ci, 1.10),
            "ratio %.3f, interval [%.3f, %.3f] holds 1.10" % (r[name]["ratio"], *ci))
    res("known-ratio-not-1", not covers(r["p50"]["ci95"], 1.0),
        "p50 interval [%.3f, %.3f] leaves out 1.00" % tuple(r["p50"]["ci95"]))

    # drift shared by both sides cancels: a paired interval is narrower
    # than what unpaired (shuffled) samples give
    a, b = _synthetic(3000, 1.0, seed=11, drift=0.8)
    paired = bootstrap_ratios(a, b, resamples=400, seed=2)["p50"]["ci95"]
    rng = np.random.default_rng(3)
    unpaired = bootstrap_ratios(a, rng.permutation(b), resamples=400, seed=2)["p50"]["ci95"]
    res("pairing-narrows", paired[1] - paired[0] < unpaired[1] - unpaired[0],
        "paired width %.3f, unpaired %.3f" % (paired[1] - paired[0], unpaired[1] - unpaired[0]))

    # blocks carry the drift: with autocorrelated noise that is not
    # shared, single-round blocks give too narrow an interval
    rng = np.random.default_rng(5)
    a, _ = _synthetic(3000, 1.0, seed=21, drift=0.8)
    b2, _ = _synthetic(3000, 1.0, seed=22, drift=0.8)
    blk = bootstrap_ratios(a, b2, resamples=400, seed=4)["p50"]["ci95"]
    iid = bootstrap_ratios(a, b2, resamples=400, seed=4, block=1)["p50"]["ci95"]
    res("blocks-widen", blk[1] - blk[0] > iid[1] - iid[0],
        "block width %.3f, one-round blocks %.3f" % (blk[1] - blk[0], iid[1] - iid[0]))

    # runs that differ by more than their samples say (each run its own
    # offset, as a paced load's phase gives): pooled blocks are fooled,
    # the two-stage bootstrap over rounds covers 1.00
    rng = np.random.default_rng(9)
    rounds = []
    for r in range(6):
        a, b = _synthetic(1000, 1.0, seed=200 + r, drift=0.1)
        rounds.append((r % 2, a * math.exp(0.03 * rng.standard_normal()), b))
    pooled = bootstrap_ratios(np.concatenate([x for _, x, _ in rounds]),
                              np.concatenate([y for _, _, y in rounds]), resamples=400, seed=6)
    staged = bootstrap_rounds(rounds, resamples=400, seed=6)
    wp = pooled["p50"]["ci95"][1] - pooled["p50"]["ci95"][0]
    ws = staged["p50"]["ci95"][1] - staged["p50"]["ci95"][0]
    res("rounds-widen", ws > 1.5 * wp,
        "two-stage width %.3f, pooled blocks %.3f" % (ws, wp))
    hit = 0
    for s in range(10):
        rng = np.random.default_rng(300 + s)
        rounds = []
        for r in range(6):
            a, b = _synthetic(500, 1.0, seed=400 + 10 * s + r, drift=0.1)
            rounds.append((r % 2, a * math.exp(0.02 * rng.standard_normal()), b))
        hit += covers(bootstrap_rounds(rounds, resamples=200, seed=s)["p50"]["ci95"], 1.0)
    res("rounds-aa-covers-1", hit >= 8, "%d of 10 two-stage A/A intervals cover 1.00" % hit)
    try:
        bootstrap_rounds([(0, [1.0] * 5, [1.0] * 5)])
        res("rounds-too-few-refused", False, "5 pairs gave an interval")
    except ValueError as e:
        res("rounds-too-few-refused", True, str(e))

    # the verdict needs the whole interval inside the goal
    res("verdict", verdict([0.99, 1.01], 0.98, 1.02) == "met" and
        verdict([0.97, 1.01], 0.98, 1.02) == "missed" and
        verdict([0.99, 1.03], 0.98, 1.02) == "missed", "inside met, straddling missed")

    # the quantile is ims-bench's (rank round(q (n-1)))
    x = np.arange(1.0, 101.0)
    res("quantile-rank", quantile(x, 0.5) == 51.0 and quantile(x, 0.99) == 99.0,
        "p50 of 1..100 is %g, p99 %g" % (quantile(x, 0.5), quantile(x, 0.99)))

    # too few pairs is an error, not a number
    try:
        bootstrap_ratios([1.0] * 5, [1.0] * 5)
        res("too-few-refused", False, "5 pairs gave an interval")
    except ValueError as e:
        res("too-few-refused", True, str(e))
    return fails


def main(argv):
    if len(argv) >= 2 and argv[1] == "selftest":
        return 1 if selftest() else 0
    if len(argv) >= 3 and argv[1] == "pairs":
        seed, resamples = SEED, RESAMPLES
        rest = argv[3:]
        while rest:
            if rest[0] == "--seed" and len(rest) > 1:
                seed = int(rest[1])
            elif rest[0] == "--resamples" and len(rest) > 1:
                resamples = int(rest[1])
            else:
                sys.exit("stats.py: unknown option %s" % rest[0])
            rest = rest[2:]
        try:
            a, b, _ = load_pairs(argv[2])
            print(json.dumps(bootstrap_ratios(a, b, resamples=resamples, seed=seed)))
        except (OSError, ValueError) as e:
            sys.exit("stats.py: %s: %s" % (argv[2], e))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
