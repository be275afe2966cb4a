#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/report.py on a console with known figures: the rounds combine by
# median, the ratios and target verdicts come out right, the JSON and the
# SVG are well-formed; a console without results is an error.
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
line() { echo "@@ BENCH {\"label\":\"$1\",\"mode\":\"x\",\"samples\":100,\"p50_us\":$2,\"p99_us\":$3,\"p999_us\":$3,\"max_us\":$3,\"lost\":0,\"duplicate\":${4:-0},\"errors\":0,\"tsc_hz\":1${5:+,$5}}"; }
LD='"load":{"ops_per_s":321}'
{
	echo "kernel noise"
	line ims 10 20; line msix 10 19; line floor 8 30; line poll 5 9
	line ims 12 22; line msix 10 21 1; line floor 8 30; line poll 5 9
	line ims+load 20 40 0 "$LD"; line msix+load 10 40 0 "$LD"; line floor+load 10 50 0 "$LD"
	line ims+noise 30 60 0 '"cyclictest_us":{"min":5,"avg":9,"max":77}'
	line scale-64 14 28 0 '"scale":{"active":64,"load_interrupts_per_s":4321,"load_missed":0}'
	line scale-8 13 26 0 '"scale":{"active":8,"load_interrupts_per_s":1234,"load_missed":0}'
	echo '@@ PROFILE {"label":"ims","idle_pct":71.3,"irq_path_pct":0.042,"symbols":300,"top":[["pv_native_safe_halt",71.3],["_raw_spin_unlock_irqrestore",1.9]]}'
	echo '@@ BENCH {"label":"ims","mode":"migrate","migrations":1000,"hotplug_cycles":100,"samples":5000,"lost":0,"duplicate":0,"late":3,"late_k":10,"steady_p99_us":100.0,"errors":0,"worst_us_by_time_since_move":{"0-1ms":{"samples":10,"max_us":900.0}}}'
} > "$tmp/console.txt"
rc=0
res() { if [ "$2" = 0 ]; then echo "@@ TEST benchreport:$1 PASS"; else echo "@@ TEST benchreport:$1 FAIL ${3:-}"; rc=1; fi; }
out=$(/usr/bin/python3 "$top/bench/report.py" "$tmp/console.txt" "$tmp" 2>&1)
res runs $?
check=$(python3 - "$tmp/latency.json" "$tmp/latency.svg" <<'PY'
import json, sys, xml.dom.minidom
d = json.load(open(sys.argv[1]))
s, r = d["summary"], d["ratios"]
xml.dom.minidom.parse(sys.argv[2])
ok = (s["ims"]["p50_us"] == 11 and s["ims"]["samples"] == 200 and
      s["msix"]["duplicate"] == 1 and abs(r["ims/msix p50"] - 1.1) < 1e-9 and
      abs(r["ims/floor p50"] - 11 / 8) < 1e-9 and len(d["runs"]) == 14 and
      abs(r["(ims-poll)/floor p50"] - 6 / 8) < 1e-9 and
      d["migration"][0]["late"] == 3 and abs(r["ims/msix p50+load"] - 2) < 1e-9 and
      abs(r["ims/floor p50+load"] - 2) < 1e-9 and "ims/msix p50+noise" not in r and
      s["scale-64"]["scale"]["load_interrupts_per_s"] == 4321 and
      s["ims+noise"]["cyclictest_max_us"] == 77 and s["ims+load"]["load_ops_per_s"] == 321 and
      d["profile"][0]["irq_path_pct"] == 0.042)
print("ok" if ok else "bad %s %s" % (s, r))
PY
)
res summary $([ "$check" = ok ]; echo $?) "$check"
res verdicts $(grep -qE "ims/msix p50 +1.100   target <= 1.02: MISSED" <<< "$out" &&
	grep -qE "ims/msix p99 +1.050   target <= 1.05: met" <<< "$out" &&
	grep -qE "\(ims-poll\)/floor p50 +0.750   \(no target" <<< "$out" &&
	grep -q "lost 0, duplicate 0, out of sequence 0, late 3" <<< "$out" &&
	grep -qE "ims/msix p50\+load +2.000   target <= 1.02: MISSED" <<< "$out" &&
	grep -qE "^ +8 +13.0 +26.0 +26.0 +0 +0 +1234 +0$" <<< "$out" &&
	[ "$(grep -E '^ +(8|64) ' <<< "$out" | awk '{print $1}' | tr '\n' ' ')" = "8 64 " ] &&
	grep -q "cyclictest max 77 us" <<< "$out" &&
	grep -qE "^  ims +idle +71.3%   interrupt path +0.042%   top: pv_native_safe_halt 71.3%" <<< "$out"; echo $?) "$out"
echo "nothing here" > "$tmp/empty.txt"
/usr/bin/python3 "$top/bench/report.py" "$tmp/empty.txt" "$tmp" > /dev/null 2>&1
res no-results-is-error $([ $? = 1 ]; echo $?)

# paired runs: raw pairs in RAWDIR; a pair whose sides are equal sample
# for sample has the interval [1, 1] (a goal met, an A/A covering 1.00),
# one whose B side is A's / 1.5 the interval [1.5, 1.5] (missed); their
# sides join the per-label table; a missing raw file is said
side() { echo "{\"label\":\"$1\",\"wq\":\"w\",\"samples\":$2,\"p50_us\":$3,\"p99_us\":$3,\"p999_us\":$3,\"max_us\":$3,\"lost\":0,\"duplicate\":0,\"errors\":0}"; }
pline() { echo "@@ BENCH {\"label\":\"$1\",\"mode\":\"pair\",\"pairs\":200,\"sides\":[$(side "$2" 200 $4),$(side "$3" 200 $5)],\"raw\":\"$6\",\"round\":1}"; }
mkdir -p "$tmp/raw"
awk 'BEGIN { for (i = 1; i <= 200; i++) printf "%.3f %.3f %d\n", 10 + (i * 7919) % 13, 10 + (i * 7919) % 13, i % 2 }' > "$tmp/raw/same.txt"
awk 'BEGIN { for (i = 1; i <= 200; i++) { a = 15 + (i * 7919) % 13; printf "%.3f %.3f %d\n", a, a / 1.5, i % 2 } }' > "$tmp/raw/scaled.txt"
{
	pline ims/msix ims msix 16 16 same.txt
	pline ims/ims ims ims 16 16 same.txt
	pline ims/msix+load ims msix+load 21 14 scaled.txt
	pline ims/ims+noise ims ims+noise 16 16 gone.txt
} > "$tmp/pairs.txt"
out=$(/usr/bin/python3 "$top/bench/report.py" "$tmp/pairs.txt" "$tmp" "$tmp/raw" 2>&1)
res pairs-run $? "$out"
check=$(/usr/bin/python3 - "$tmp/latency.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p, s = d["pairs"], d["summary"]
ok = (p["ims/msix"]["p50"]["ci95"] == [1.0, 1.0] and p["ims/msix"]["p50"]["verdict"] == "met" and
      p["ims/ims"]["control"] and p["ims/ims"]["p99"]["verdict"] == "met" and
      abs(p["ims/msix+load"]["p50"]["ratio"] - 1.5) < 1e-3 and
      p["ims/msix+load"]["p50"]["verdict"] == "missed" and
      p["ims/msix"]["pairs"] == 200 and p["ims/ims+noise"]["missing_raw"] == ["gone.txt"] and
      "error" in p["ims/ims+noise"] and
      s["ims"]["p50_us"] == 16 and s["msix+load"]["p50_us"] == 14 and "ims/ims" not in s)
print("ok" if ok else "bad %s" % json.dumps(p)[:2000])
PY
)
res pairs-intervals $([ "$check" = ok ]; echo $?) "$check"
res pairs-table $(grep -qE "^ims/msix p50 +200 +1.000 +\[1.000, 1.000\]  in \[0.98, 1.02\]: met" <<< "$out" &&
	grep -qE "^ims/ims p99 +200 +1.000 +\[1.000, 1.000\]  covers 1.00: met" <<< "$out" &&
	grep -qE "^ims/msix\+load p50 +200 +1.500 .*: missed" <<< "$out" &&
	grep -q "raw pairs missing: gone.txt" <<< "$out"; echo $?) "$out"
exit $rc
