#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/report.py on a console with known figures: the rounds combine by
# median, the ratios and target verdicts come out right, the JSON is
# well-formed and the figures are PNGs (matplotlib); a console without
# results is an error.  Paired runs: intervals, CSV, the goal table and
# the metadata (the guest's '@@ META' line, the commit, the statistics'
# seed).
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
line() { echo "@@ BENCH {\"label\":\"$1\",\"mode\":\"x\",\"samples\":100,\"p50_us\":$2,\"p99_us\":$3,\"p999_us\":$3,\"max_us\":$3,\"lost\":0,\"duplicate\":${4:-0},\"errors\":0,\"tsc_hz\":1,\"hist\":{\"base_us\":0.25,\"per_octave\":8,\"bins\":[[40,60],[52,39],[60,1]]}${5:+,$5}}"; }
LD='"load":{"ops_per_s":321}'
{
	echo "kernel noise"
	line ims 10 20; line msix 10 19; line floor 8 30; line poll 5 9
	line ims 12 22; line msix 10 21 1; line floor 8 30; line poll 5 9
	line ims+load 20 40 0 "$LD"; line msix+load 10 40 0 "$LD"; line floor+load 10 50 0 "$LD"
	line ims+noise 30 60 0 '"cyclictest_us":{"min":5,"avg":9,"max":77}'
	line scale-64 14 28 0 '"scale":{"active":64,"load_interrupts_per_s":4321,"load_missed":0}'
	line scale-8 13 26 0 '"scale":{"active":8,"live":8,"fired":7,"load_rounds":5,"load_interrupts_per_s":1234,"load_missed":0,"cpus":16}'
	echo '@@ PROFILE {"label":"ims","idle_pct":71.3,"irq_path_pct":0.042,"symbols":300,"top":[["pv_native_safe_halt",71.3],["_raw_spin_unlock_irqrestore",1.9]]}'
	echo '@@ BENCH {"label":"ims","mode":"migrate","migrations":1000,"hotplug_cycles":100,"samples":5000,"lost":0,"duplicate":0,"late":3,"late_k":10,"steady_p99_us":100.0,"errors":0,"worst_us_by_time_since_move":{"0-1ms":{"samples":10,"max_us":900.0}}}'
} > "$tmp/console.txt"
rc=0
res() { if [ "$2" = 0 ]; then echo "@@ TEST benchreport:$1 PASS"; else echo "@@ TEST benchreport:$1 FAIL ${3:-}"; rc=1; fi; }
out=$(/usr/bin/python3 "$top/bench/report.py" "$tmp/console.txt" "$tmp" 2>&1)
res runs $?
check=$(python3 - "$tmp/latency.json" "$tmp/ccdf.png" "$tmp/ccdf-scale.png" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, r = d["summary"], d["ratios"]
ok = (all(open(f, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for f in sys.argv[2:]) and
      s["ims"]["p50_us"] == 11 and s["ims"]["samples"] == 200 and
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
	grep -qE "^ +8 +7 +13.0 +26.0 +26.0 +0 +0 +1234 +5 +0 +16$" <<< "$out" &&
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
	echo '@@ META {"kernel":"6.12.0-test","cpus":2,"driver_parameters":{"force_msix":"N"},"samples":200}'
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
res pairs-csv $(grep -qE '^ims/msix,p50,200,1.0,1.0,1.0,"in \[0.98, 1.02\]",met,' "$tmp/pairs.csv" &&
	grep -qE '^ims/msix\+load,p50,200,1.5[0-9]*,' "$tmp/pairs.csv" &&
	grep -qE '^msix\+load,1,200,14,14,14,14,0,0,0$' "$tmp/latency.csv"; echo $?) "$(cat "$tmp"/*.csv)"
res pairs-goal-table $(grep -qE "^  ims/msix p50 \(200 pairs\) in \[0.98, 1.02\] +1.000 +\[1.000, 1.000\]  met$" <<< "$out" &&
	grep -qE "^  ims/msix\+load p50 \(200 pairs\) in \[0.98, 1.02\] +1.500 +\[1.500, 1.500\]  missed$" <<< "$out" &&
	grep -qE "^  0 lost, 0 duplicate, 0 out of sequence +0 +met$" <<< "$out" &&
	grep -qE "^  IMS allocation < 2 x dynamic MSI-X allocation +not measured$" <<< "$out"; echo $?) "$out"
check=$(/usr/bin/python3 - "$tmp/latency.json" "$top" <<'PY'
import json, subprocess, sys
m = json.load(open(sys.argv[1]))["metadata"]
head = subprocess.run(["git", "-C", sys.argv[2], "rev-parse", "HEAD"],
                      capture_output=True, text=True).stdout.strip()
ok = (m["guest"]["kernel"] == "6.12.0-test" and m["guest"]["driver_parameters"] == {"force_msix": "N"} and
      m["commit"].startswith(head) and m["statistics"]["seed"] == 20261207 and
      len(m["host_loadavg"]) == 3)
print("ok" if ok else "bad %s" % m)
PY
)
res metadata $([ "$check" = ok ]; echo $?) "$check"
# throughput points: the size x depth table per mode (ops/s, CPU us per
# op, burst latency), a copy that did not match marked and failing its
# goal, the paced points' own table (a late burst marked), the CSV
tpl() { echo "@@ THROUGHPUT {\"label\":\"throughput\",\"mode\":\"$1\",\"dmadev\":\"d\",\"size\":$2,\"depth\":$3,\"ops\":100,\"seconds\":0.5,\"ops_per_s\":$4,\"gb_per_s\":0.1,\"cpu_us_per_op\":$5,\"cpu_busy_s\":0.1,\"spin_us\":0,\"lat_p50_us\":$7,\"lat_p99_us\":99,\"offered_ops_per_s\":${8:-0},\"late_bursts\":${9:-0},\"interrupt_waits\":9,\"interrupt_timeouts\":0,\"errors\":0,\"mismatches\":${6:-0}}"; }
{
	cat "$tmp/pairs.txt"
	tpl irq 64 1 200 50.5 0 12.5; tpl irq 64 4 800 20.25 0 30; tpl irq 4096 1 150 60 0 40
	tpl poll 64 1 600 1666.7 1 3
	tpl irq 64 1 990 33.3 0 14 1000; tpl irq 64 4 3800 9.5 0 31 4000 7
} > "$tmp/tp.txt"
out=$(/usr/bin/python3 "$top/bench/report.py" "$tmp/tp.txt" "$tmp" "$tmp/raw" 2>&1)
res throughput-table $(grep -qE "^ +64 +200 \| +50.5 \| +12.5  +800 \| +20.2 \| +30.0$" <<< "$out" &&
	grep -qE "^ +4096 +150 \| +60.0 \| +40.0$" <<< "$out" &&
	grep -qE "^ +64 +600 \|1666.7 \| +3.0!$" <<< "$out" &&
	grep -qE "^ +1000 +990 \| +33.3 \| +14.0$" <<< "$out" &&
	grep -qE "^ +4000 +3800 \| +9.5 \| +31.0\*$" <<< "$out" &&
	grep -qE "^  throughput: every copy completes and matches \(6 points\) +1 +missed$" <<< "$out" &&
	grep -qE "^throughput,poll,d,64,1,0,100,0.5,600,0.1,1666.7,3,99,0,9,0,1$" "$tmp/throughput.csv" &&
	head -c 8 "$tmp/throughput.png" | grep -q PNG && head -c 8 "$tmp/paced.png" | grep -q PNG; echo $?) "$out"
# the CCDF's points: bin i starts at base * 2^(i / per_octave); after
# bins 0 and 1 of 4 samples, 3 then 1 are slower; merged rounds add up
check=$(cd "$top/bench" && /usr/bin/python3 -c '
import plots
h = {"base_us": 1, "per_octave": 1, "bins": [[0, 1], [1, 2], [3, 1]]}
m = plots.merge_hists([h, {"base_us": 1, "per_octave": 1, "bins": [[1, 1]]}])
ok = (plots.hist_points(h) == ([2.0, 4.0], [0.75, 0.25]) and
      m["bins"] == [(0, 1), (1, 3), (3, 1)])
print("ok" if ok else "bad %s %s" % (plots.hist_points(h), m))')
res ccdf-points $([ "$check" = ok ]; echo $?) "$check"
exit $rc
