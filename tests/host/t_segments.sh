#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/segments.py on stamps and a trace with known times: each segment
# comes out as built, samples whose stamps are missing or out of order or
# whose events are not in the trace are counted and left out, a waiter
# still on its CPU is placed with a wake-up of 0, and the ratios carry
# intervals.
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
res() { if [ "$2" = 0 ]; then echo "@@ TEST segments:$1 PASS"; else echo "@@ TEST segments:$1 FAIL ${3:-}"; rc=1; fi; }
# 1 MHz TSC: one tick a microsecond.  Per IMS sample (side a): device 50,
# message 1, delivery 20, handler 10, wake-up 30, return 9; MSI-X (b) the
# same with delivery 22.  Floor: wake-up 70, return 10.
/usr/bin/python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
st = open(d + "/stamps.txt", "w")
fl = open(d + "/floor.txt", "w")
tr = open(d + "/trace.txt", "w")
st.write("# tsc_hz 1000000\n")
fl.write("# tsc_hz 1000000\n")
tr.write("# tracer: nop\n")
ev = []
def irq_sample(side, t, deliv, trace=True, order=True, asleep=True):
    rec, irq = t + 50, t + 51
    entry = irq + deliv
    ex = entry + 10
    on = ex + 30
    wake = on + 9
    if not asleep:
        wake = ex + 9
    st.write("%s %d %d %d %d\n" % (side, t, rec if order else wake + 5, irq, wake))
    if trace:
        ev.append((entry, "irq_handler_entry: irq=38 name=wq0.0"))
        ev.append((ex, "irq_handler_exit: irq=38 ret=handled"))
        if asleep:
            ev.append((on, "sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=ims-bench next_pid=9 next_prio=120"))
t = 1000
for i in range(60):
    # round 7: a's stamps out of order; round 8: b not traced;
    # round 9: a's waiter not yet asleep
    irq_sample("a", t, 20, order=(i != 7), asleep=(i != 9)); t += 1000
    irq_sample("b", t, 22, trace=(i != 8)); t += 1000
for i in range(60):
    ev.append((t + 70, "sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=ims-bench next_pid=9 next_prio=120"))
    fl.write("floor %d 0 0 %d\n" % (t, t + 80)); t += 1000
for ts, text in sorted(ev):
    tr.write("          <idle>-0       [001] d.h..  %d: %s\n" % (ts, text))
PY
/usr/bin/python3 "$top/bench/segments.py" "$tmp/stamps.txt" "$tmp/floor.txt" "$tmp/trace.txt" > "$tmp/seg.json" 2>"$tmp/err"
res runs $? "$(cat "$tmp/err")"
check=$(/usr/bin/python3 - "$tmp/seg.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["segments"]
want = {"device": 50, "message": 1, "delivery": 20, "handler": 10, "wake-up": 30,
        "return": 9, "delivery+wake-up": 69, "total": 120}
bad = [k for k, v in want.items() if abs(s["ims"][k]["p50_us"] - v) > 1e-6]
bad += [k for k in ("delivery", "delivery+wake-up") if abs(s["msix"][k]["p50_us"] - want[k] - 2) > 1e-6]
bad += [k for k, v in (("wake-up", 70), ("return", 10), ("total", 80)) if abs(s["floor"][k]["p50_us"] - v) > 1e-6]
dr = d["dropped"]
if dr["ims"] != {"unstamped": 0, "out_of_order": 1, "untraced": 0, "not_asleep": 1}:
    bad.append("ims dropped %s" % dr["ims"])
if dr["msix"]["untraced"] != 1 or s["ims"]["device"]["samples"] != 59:
    bad.append("msix dropped %s" % dr["msix"])
r = d["delivery_ims_over_msix"]
if not (r["pairs"] == 58 and abs(r["p50"]["ratio"] - 20 / 22) < 1e-9 and
        r["p50"]["ci95"][0] <= 20 / 22 <= r["p50"]["ci95"][1]):
    bad.append("delivery ratio %s" % r)
f = d["ims_delivery_wake_over_floor"]["p50"]
if abs(f["ratio"] - 69 / 80) > 1e-9:
    bad.append("floor ratio %s" % f)
print("ok" if not bad else " ".join(map(str, bad)))
PY
)
res known-segments $([ "$check" = ok ]; echo $?) "$check"
printf 'a 1 2 3 4\n' > "$tmp/nohz.txt"
/usr/bin/python3 "$top/bench/segments.py" "$tmp/nohz.txt" "$tmp/floor.txt" "$tmp/trace.txt" >/dev/null 2>"$tmp/err"
res no-tsc-header-is-error $([ $? != 0 ] && grep -q "no tsc_hz header" "$tmp/err"; echo $?) "$(cat "$tmp/err")"
exit $rc
