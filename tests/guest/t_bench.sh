#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel
# debug-cost: 163
#
# ims-bench (the DPDK latency benchmark) runs briefly in every mode, IMS
# and MSI-X: every sample completes, no interrupt is lost or duplicated,
# and its JSON has the fields the report needs.  Timings are not judged.
. "$(dirname "$0")/lib.sh"

BENCH=$REPO/build/bench/ims-bench
# 16 MiB of EAL memory, not 64: each page a start touches costs the
# debug kernel's guest dearly, and nothing here needs more
EAL="--no-huge -m 16 --no-pci --no-shconf -l 0-1 --log-level=lib.eal:error"
N=$(scaled 300)

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
		cfg_wq 0 2 kernel scale 16 && cfg_wq 0 3 user msix 16 &&
		echo msix > $SYS/wq0.3/completion_irq && enable_dev 0 && enable_wq 0 0 user
}

check bench:load setup
check bench:ims-mode [ "$(<$SYS/wq0.0/ims_slot)" -ge 0 ]
run ims irq
run poll poll
run floor floor
# paired: IMS (wq0.0) against MSI-X (wq0.3, completion_irq=msix) in one
# run, one sample of each per round in random order; every pair kept in
# the raw file, each side's interrupts on its own vector
pair_run() {
	local out n i0 i3
	n=$(scaled 200)
	enable_wq 0 3 user && [ "$(cat $SYS/wq0.3/ims_slot)" = -1 ] || return 1
	i0=$(cat $SYS/wq0.0/ims_irq_count) i3=$(cat $SYS/wq0.3/ims_irq_count)
	out=$("$BENCH" $EAL -- latency --mode pair --wq /dev/dsa/wq0.0 --wq-b /dev/dsa/wq0.3 \
	      --label ims/msix --samples "$n" --raw /tmp/pairs.txt 2>/tmp/bench.err | grep '^{')
	echo "${out:0:400}"
	python3 -S -c '
import json, sys
d = json.loads(sys.argv[1])
n = int(sys.argv[2])
rows = [l.split() for l in open(sys.argv[3]) if not l.startswith("#")]
ok = (d["pairs"] == n and len(rows) == n and {r[2] for r in rows} == {"0", "1"} and
      [s["label"] for s in d["sides"]] == ["ims", "msix"] and
      all(s["samples"] == n and s["lost"] == 0 and s["duplicate"] == 0 and
          s["errors"] == 0 and 0 < s["p50_us"] <= s["p99_us"] and
          sum(c for _, c in s["hist"]["bins"]) == n for s in d["sides"]))
sys.exit(0 if ok else 1)' "${out:-{\}}" "$n" /tmp/pairs.txt || return 1
	[ $(( $(cat $SYS/wq0.0/ims_irq_count) - i0 )) -ge "$n" ] &&
		[ $(( $(cat $SYS/wq0.3/ims_irq_count) - i3 )) -ge "$n" ]
}
check bench:pair-ims-msix pair_run
pair_needs_b() {	# --mode pair without --wq-b: refused before EAL, saying why
	local out
	out=$("$BENCH" -- latency --mode pair 2>&1) && return 1
	grep -q "wq-b goes with --mode pair" <<< "$out"
}
check bench:pair-needs-wq-b pair_needs_b
echo wq0.3 > /sys/bus/dsa/drivers/user/unbind
enable_wq 0 1 user
lirq=$(<$SYS/wq0.1/ims_irq)
# ims-bench's --load flags: bad ones refused
unknown_load() {	# fails, naming the dmadev it did not find
	local out
	out=$("$BENCH" $EAL -- latency --mode poll --samples 5 --load nosuch 2>&1) && return 1
	grep -q "no dmadev 'nosuch'" <<< "$out"
}
check bench:unknown-load-refused unknown_load

# scale: 255 IMS vectors fired through the kernel WQ by the driver's
# irq_load hook while the probe runs; then all of it freed
LD=/sys/kernel/debug/idxd_ims/dsa0/irq_load
check scale:kernel-wq enable_wq 0 2 dmaengine
used0=$(<$SYS/dsa0/ims_slots_used)
check scale:start bash -c "echo '255 wq0.2' > $LD"
check scale:vectors-requested [ "$(grep -c 'idxd_ims-load' /proc/interrupts)" = 255 ]
check scale:slots-used [ "$(<$SYS/dsa0/ims_slots_used)" = $(( used0 + 255 )) ]
run scale-256 irq
check scale:load-fires [ "$(sed -nE 's/.*interrupts=([0-9]+).*/\1/p' $LD)" -ge $(( 255 * $(scaled 10) )) ]
check scale:none-missed grep -q 'missed=0 stopped=-' $LD
check scale:stop bash -c "echo 0 > $LD"
check scale:vectors-freed [ "$(grep -c 'idxd_ims-load' /proc/interrupts)" = 0 ]
check scale:slots-freed [ "$(<$SYS/dsa0/ims_slots_used)" = "$used0" ]
# bad input: refused, nothing held
ld_refused() {	# ld_refused NAME INPUT
	check "scale:refuse-$1" bash -c "! echo '$2' > $LD"
}
ld_refused no-wq 5
ld_refused user-wq "5 wq0.0"
ld_refused no-such-wq "5 wq9.9"
ld_refused too-many "3000 wq0.2"
ld_refused garbage "frob"
# more vectors than the CPUs' vector space holds: refused at the first
# that fails, which dmesg names, and everything taken so far given back
check scale:vector-space-limit bash -c "! echo '2000 wq0.2' > $LD 2>/dev/null"
check scale:limit-explained bash -c "dmesg | grep -qE 'irq_load: vector [0-9]+ of 2000: -28'"
check scale:limit-unwound [ "$(grep -c 'idxd_ims-load' /proc/interrupts)" = 0 ]
check scale:refusal-explained bash -c "dmesg | grep -q 'irq_load: wq0.0 is not an enabled kernel WQ'"
check scale:refusals-hold-nothing [ "$(<$SYS/dsa0/ims_slots_used)" = "$used0" ]
# a load stopped while its NOOPs cannot complete (the device paused): its
# vectors and records stay with the device, orphaned (their irqs no longer
# call the freed load), until the device's next reset frees them
bdf=$(dsa_bdf_of 0)
check scale:orphan-start bash -c "echo '8 wq0.2' > $LD"
sleep 0.5
emu_ctl "$bdf" pause
sleep 0.3
check scale:orphan-stop bash -c "echo 0 > $LD"
check scale:orphan-logged grep -q "irq_load: descriptors still on the device" <(dmesg)
check scale:orphans-kept [ "$(grep -c 'idxd_ims-load' /proc/interrupts)" = 8 ]
emu_ctl "$bdf" resume		# late completions find nobody
sleep 0.5
emu_ctl "$bdf" halt		# recovery resets the device
for i in $(seq 100); do dmesg | grep -q "recovered from halt" && break; sleep 0.1; done
check scale:orphans-freed-by-reset [ "$(grep -c 'idxd_ims-load' /proc/interrupts)" = 0 ]
check scale:orphan-slots-back [ "$(<$SYS/dsa0/ims_slots_used)" = "$used0" ]
echo wq0.2 > /sys/bus/dsa/drivers/dmaengine/unbind

# migration under way: 1000 affinity moves, then 100 CPU offline/online
# cycles, with completion interrupts throughout: none lost or duplicated.
# Meanwhile the dmadev load copies on wq0.1, its interrupt aimed at CPU 1.
echo 1 > /proc/irq/$lirq/smp_affinity_list
l0=$(<$SYS/wq0.1/ims_irq_count)
out=$("$BENCH" --no-huge -m 16 --no-pci --no-shconf -l 0 --log-level=lib.eal:error \
	--vdev dma_idxd_ims0,wq=wq0.1,intr=1 -- \
	latency --mode migrate --label ims-migrate --migrations "$(scaled 1000)" \
	--hotplug "$(scaled 100)" --load dma_idxd_ims0 2>/tmp/bench.err | grep '^{')
python3 -S -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    d = {}
l = d.get("load", {})
m, h = int(sys.argv[2]), int(sys.argv[3])
ok = (d.get("migrations") == m and d.get("hotplug_cycles") == h and
      d.get("samples", 0) > m and d.get("lost") == 0 and
      d.get("duplicate") == 0 and d.get("out_of_sequence") == 0 and
      d.get("errors") == 0 and "failed" not in d)
print("@@ TEST bench:migrate-none-lost-or-duplicate %s %s" % ("PASS" if ok else "FAIL", sys.argv[1]))
ok2 = (l.get("ops", 0) > m and l.get("errors") == 0 and l.get("mismatches") == 0 and
       l.get("interrupt_timeouts") == 0 and "failed" not in l)
print("@@ TEST bench:migrate-dmadev-load-verified %s %s" % ("PASS" if ok2 else "FAIL", l))
sys.exit(0 if ok and ok2 else 1)' "${out:-none: $(head -c 200 /tmp/bench.err)}" \
	"$(scaled 1000)" "$(scaled 100)" 2>/dev/null || _failed=1
check bench:all-cpus-online [ "$(</sys/devices/system/cpu/online)" = 0-1 ]
check bench:load-interrupts [ $(( $(<$SYS/wq0.1/ims_irq_count) - l0 )) -gt "$(scaled 1000)" ]
echo wq0.1 > /sys/bus/dsa/drivers/user/unbind

check bench:unload bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
# the load runs while the module goes: unload stops and frees it
unload_running() {
	setup && enable_wq 0 2 dmaengine && echo '16 wq0.2' > $LD && sleep 1 &&
		echo wq0.0 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims
}
check scale:unload-while-running unload_running
check bench:load-msix setup force_msix=1
check scale:refuse-without-ims bash -c "! echo '5 wq0.2' > $LD"
check bench:msix-mode [ "$(<$SYS/wq0.0/ims_slot)" = -1 ]
run msix irq
check bench:unload-msix bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
check bench:dmesg-clean dmesg_clean
finish
