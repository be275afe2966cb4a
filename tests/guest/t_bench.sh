#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel
#
# ims-bench (the DPDK latency benchmark) runs briefly in every mode, IMS
# and MSI-X: every sample completes, no interrupt is lost or duplicated,
# and its JSON has the fields the report needs.  Timings are not judged.
. "$(dirname "$0")/lib.sh"

BENCH=$REPO/build/bench/ims-bench
EAL="--no-huge --no-pci --no-shconf -l 0-1 --log-level=lib.eal:error"
N=300

# run LABEL MODE: one JSON line checked
run() {
	local out
	out=$("$BENCH" $EAL -- latency --mode "$2" --label "$1" --samples $N 2>/tmp/bench.err | grep '^{')
	python3 -S -c '
import json, sys
d = json.loads(sys.argv[1])
n = int(sys.argv[2])
ok = (d["samples"] == n and d["lost"] == 0 and d["duplicate"] == 0 and
      d["errors"] == 0 and 0 < d["p50_us"] <= d["p99_us"] <= d["max_us"])
print("@@ TEST bench:%s-%s %s %s" % (sys.argv[3], sys.argv[4], "PASS" if ok else "FAIL", sys.argv[1]))
sys.exit(0 if ok else 1)' "${out:-{\}}" $N "$1" "$2" 2>/dev/null ||
	{ _failed=1; [ -n "$out" ] || echo "@@ TEST bench:$1-$2 FAIL no output: $(head -c 300 /tmp/bench.err)"; }
}

# wq0.0 probed; wq0.1 configured for load (sizes are fixed once enabled)
setup() {
	load_driver "$@" && cfg_wq 0 0 user bench 16 && cfg_wq 0 1 user load 16 &&
		enable_dev 0 && enable_wq 0 0 user
}

check bench:load setup
check bench:ims-mode [ "$(cat $SYS/wq0.0/ims_slot)" -ge 0 ]
run ims irq
run poll poll
run floor floor
# migration under way: 1000 affinity moves, then 100 CPU offline/online
# cycles, with completion interrupts throughout: none lost or duplicated.
# Meanwhile a second WQ, its interrupt aimed at the same CPU, is kept busy.
enable_wq 0 1 user
lirq=$(cat $SYS/wq0.1/ims_irq)
echo 1 > /proc/irq/$lirq/smp_affinity_list
l0=$(cat $SYS/wq0.1/ims_irq_count)
"$REPO/build/bin/imsctl" run memmove wq0.1 --count 100000000 --depth 8 --size 4K \
	--quiet --timeout 60000 > /dev/null 2>&1 &
load=$!
out=$("$BENCH" --no-huge --no-pci --no-shconf -l 0 --log-level=lib.eal:error -- \
	latency --mode migrate --label ims-migrate --migrations 1000 --hotplug 100 2>/tmp/bench.err | grep '^{')
python3 -S -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    d = {}
ok = (d.get("migrations") == 1000 and d.get("hotplug_cycles") == 100 and
      d.get("samples", 0) > 1000 and d.get("lost") == 0 and
      d.get("duplicate") == 0 and d.get("errors") == 0 and "failed" not in d)
print("@@ TEST bench:migrate-none-lost-or-duplicate %s %s" % ("PASS" if ok else "FAIL", sys.argv[1]))
sys.exit(0 if ok else 1)' "${out:-none: $(head -c 200 /tmp/bench.err)}" 2>/dev/null || _failed=1
check bench:all-cpus-online [ "$(cat /sys/devices/system/cpu/online)" = 0-1 ]
check bench:load-ran-throughout kill $load
wait $load 2>/dev/null
check bench:load-interrupts [ $(( $(cat $SYS/wq0.1/ims_irq_count) - l0 )) -gt 1000 ]
echo wq0.1 > /sys/bus/dsa/drivers/user/unbind

check bench:unload bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
check bench:load-msix setup force_msix=1
check bench:msix-mode [ "$(cat $SYS/wq0.0/ims_slot)" = -1 ]
run msix irq
# bad command lines: exit 2, a message, nothing measured
refused() {	# refused NAME ARGS...
	local name=$1 rc=0 out
	shift
	out=$("$BENCH" $EAL -- "$@" 2>&1 >/dev/null) || rc=$?
	check "bench:$name" [ $rc = 2 -a -n "$out" ]
}
refused bad-mode-refused latency --mode frob
refused no-mode-refused latency
refused bad-samples-refused latency --mode poll --samples 0
refused bad-gap-refused latency --mode poll --gap-us 50,10
refused bad-command-refused frob --mode poll
check bench:unload-msix bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
check bench:dmesg-clean dmesg_clean
finish
