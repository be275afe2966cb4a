#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel
# debug-cost: 179
#
# ims-bench (the DPDK latency benchmark) runs briefly in every mode, IMS
# and MSI-X: every sample completes, no interrupt is lost or duplicated,
# and its JSON has the fields the report needs.  Timings are not judged.
. "$(dirname "$0")/lib.sh"

BENCH=$REPO/build/bench/ims-bench
# 8 MiB of EAL memory, not 64, and no telemetry thread: each page and
# thread a start makes costs the debug kernel's guest dearly, and
# nothing here needs more (the buffers are the WQ's own)
EAL="--no-huge -m 8 --no-pci --no-shconf --no-telemetry -l 0-1 --log-level=lib.eal:error"
N=$(scaled 300)
# Each run's JSON goes to a file; one python3 checks them all at the end
# (a start costs the debug kernel's guest seconds): jcheck FILE NAME EXPR
J=$(mktemp -d)

# run LABEL MODE: one latency run, its JSON checked at the end
run() {
	"$BENCH" $EAL -- latency --mode "$2" --label "$1" --samples $N 2>"$J/$1-$2.err" |
		grep '^{' > "$J/$1-$2.json"
	[ -s "$J/$1-$2.json" ] || echo "no output: $(head -c 300 "$J/$1-$2.err")" > "$J/$1-$2.json"
	LATENCY_RUNS+=("$1-$2")
}
LATENCY_RUNS=()

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
	local n i0 i3
	n=$(scaled 200)
	enable_wq 0 3 user && [ "$(<$SYS/wq0.3/ims_slot)" = -1 ] || return 1
	i0=$(<$SYS/wq0.0/ims_irq_count) i3=$(<$SYS/wq0.3/ims_irq_count)
	"$BENCH" $EAL -- latency --mode pair --wq /dev/dsa/wq0.0 --wq-b /dev/dsa/wq0.3 \
	      --label ims/msix --samples "$n" --raw "$J/pairs.txt" --stamps "$J/nostamp.txt" 2>"$J/pair.err" |
		grep '^{' > "$J/pair.json"
	head -c 400 "$J/pair.json"
	[ $(( $(<$SYS/wq0.0/ims_irq_count) - i0 )) -ge "$n" ] &&
		[ $(( $(<$SYS/wq0.3/ims_irq_count) - i3 )) -ge "$n" ]
}
check bench:pair-irq-counts pair_run
# the interrupt taken apart (bench/segments.py): with the emulated DSA's
# stamps on and the kernel tracing on the TSC, every sample of a pair run
# is stamped in order (the device's record and interrupt between submit
# and wake-up: one clock) and found in the trace, and so is every floor
# sample; with the stamps off (silicon's reserved zeros) none is stamped.
# (A waiter still on its CPU when its interrupt comes has a wake-up of
# 0: with the interrupt on the waiter's CPU and a quick device, most do.)
TR=/sys/kernel/tracing
TREV="irq/irq_handler_entry irq/irq_handler_exit sched/sched_switch"
trace_on() {	# trace_on IRQ...: the handlers of these irqs, and ims-bench going on CPU
	local f="irq == $1" ev
	[ -e $TR/trace ] || mount -t tracefs nodev $TR || return 1
	[ $# -gt 1 ] && f="$f || irq == $2"
	echo 0 > $TR/tracing_on && echo > $TR/trace && echo x86-tsc > $TR/trace_clock &&
		echo "$f" > $TR/events/irq/irq_handler_entry/filter &&
		echo "$f" > $TR/events/irq/irq_handler_exit/filter &&
		echo 'next_comm == "ims-bench"' > $TR/events/sched/sched_switch/filter || return 1
	for ev in $TREV; do echo 1 > $TR/events/$ev/enable || return 1; done
	echo 1 > $TR/tracing_on
}
trace_off() {	# trace_off FILE: stop, keep the trace in FILE, clear it all
	local ev
	echo 0 > $TR/tracing_on
	for ev in $TREV; do echo 0 > $TR/events/$ev/enable; echo 0 > $TR/events/$ev/filter; done
	printf '%s\n' "$(<$TR/trace)" > "$1"
	echo > $TR/trace && echo local > $TR/trace_clock
}
SEGN=$(( DEBUG_KERNEL == 1 ? 40 : 200 ))
segments_run() {
	local bdf rc=0
	bdf=$(dsa_bdf_of 0)
	trace_on "$(<$SYS/wq0.0/ims_irq)" "$(<$SYS/wq0.3/ims_irq)" && emu_ctl "$bdf" stamp || return 1
	"$BENCH" $EAL -- latency --mode pair --wq /dev/dsa/wq0.0 --wq-b /dev/dsa/wq0.3 \
		--label ims/msix --samples $SEGN --stamps "$J/stamps.txt" >/dev/null 2>"$J/seg.err" &&
		"$BENCH" $EAL -- latency --mode floor --samples $SEGN --stamps "$J/fstamps.txt" \
		>/dev/null 2>>"$J/seg.err" || rc=1
	emu_ctl "$bdf" nostamp
	trace_off "$J/trace.txt"
	python3 "$REPO/bench/segments.py" "$J/stamps.txt" "$J/fstamps.txt" "$J/trace.txt" \
		> "$J/seg.json" 2>>"$J/seg.err" || rc=1
	[ $rc = 0 ] || head -c 400 "$J/seg.err"
	return $rc
}
check bench:segments-run segments_run
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
# a kernel WQ on MSI-X submits through its MSI-X portal, where IMS
# handles would name MSI-X entries (every load interrupt lost): refused
msix_kernel_wq() {
	echo wq0.2 > /sys/bus/dsa/drivers/dmaengine/unbind &&
		echo msix > $SYS/wq0.2/completion_irq && enable_wq 0 2 dmaengine || return 1
	! echo '5 wq0.2' > $LD 2>/dev/null
}
check scale:refuse-msix-portal msix_kernel_wq
check scale:msix-portal-explained bash -c "dmesg | grep -q 'irq_load: wq0.2 submits through its MSI-X portal'"
check scale:msix-portal-holds-nothing [ "$(<$SYS/dsa0/ims_slots_used)" = $(( used0 - 1 )) ]
check scale:kernel-wq-back-on-ims bash -c "echo wq0.2 > /sys/bus/dsa/drivers/dmaengine/unbind && echo auto > $SYS/wq0.2/completion_irq && enable_wq 0 2 dmaengine"
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
"$BENCH" --no-huge -m 8 --no-pci --no-shconf --no-telemetry -l 0 --log-level=lib.eal:error \
	--vdev dma_idxd_ims0,wq=wq0.1,intr=1 -- \
	latency --mode migrate --label ims-migrate --migrations "$(scaled 1000)" \
	--hotplug "$(scaled 100)" --steady "$(( $(scaled 1000) < 100 ? 100 : $(scaled 1000) ))" --load dma_idxd_ims0 2>"$J/migrate.err" | grep '^{' > "$J/migrate.json"
# throughput: a short sweep through the dmadev API, wq0.1 with
# interrupts (irq, spin-then-sleep), wq0.0 without (poll): every point
# copied right, irq points slept on interrupts that came, poll points on
# none
tp_run() {
	local lines l0
	l0=$(<$SYS/wq0.1/ims_irq_count)
	mapfile -t lines < <("$BENCH" $EAL --vdev dma_idxd_ims0,wq=wq0.1,intr=1,mem=4 \
		--vdev dma_idxd_ims1,wq=wq0.0,mem=4 -- throughput --dmadev dma_idxd_ims0 \
		--dmadev dma_idxd_ims1 --sizes 64,65536 --depths 1,8 --seconds 0.05 --rates 2000 --paced-seconds 0.1 \
		2>"$J/tp.err" | grep '^{')
	local IFS=,
	echo "[${lines[*]}]" > "$J/tp.json"
	[ $(( $(<$SYS/wq0.1/ims_irq_count) - l0 )) -gt 0 ]
}
check bench:throughput-irq-count tp_run
jcheck "$J/tp.json" bench:throughput-points \
	"sorted((r['mode'], r['size'], r['depth'], r['offered_ops_per_s']) for r in d) == sorted([(m, s, q, 0) for m in ('irq', 'spin', 'poll') for s in (64, 65536) for q in (1, 8)] + [(m, 64, q, 2000) for m in ('irq', 'spin', 'poll') for q in (1, 8)]) and all(r['ops'] > 0 and r['ops'] % r['depth'] == 0 and r['errors'] == 0 and r['mismatches'] == 0 and r['interrupt_timeouts'] == 0 and 'failed' not in r and r['cpu_us_per_op'] >= 0 and 0 < r['lat_p50_us'] <= r['lat_p99_us'] for r in d)" \
	bench:throughput-paced-holds-its-rate \
	"all(r['ops_per_s'] <= 1.1 * 2000 and r['late_bursts'] <= r['ops'] // r['depth'] for r in d if r['offered_ops_per_s'])" \
	bench:throughput-waits \
	"all((r['interrupt_waits'] > 0) == (r['mode'] == 'irq') for r in d if r['mode'] != 'spin') and all(r['dmadev'] == ('dma_idxd_ims1' if r['mode'] == 'poll' else 'dma_idxd_ims0') for r in d)"
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

# the JSON of every run: every sample completed, no interrupt lost or
# duplicated, percentiles in order; the pair's raw file has every pair
# and both orders, its sides their own labels and full histograms; the
# migration made every move and cycle, its load copied right
for r in "${LATENCY_RUNS[@]}"; do
	jcheck "$J/$r.json" "bench:$r" \
		"d['samples'] == $N and d['lost'] == 0 and d['duplicate'] == 0 and d['errors'] == 0 and 0 < d['p50_us'] <= d['p99_us'] <= d['max_us']"
done
n=$(scaled 200) m=$(scaled 1000) h=$(scaled 100)
jcheck "$J/pair.json" bench:pair-ims-msix \
	"d['pairs'] == $n and len([l for l in open('$J/pairs.txt') if not l.startswith('#')]) == $n and {l.split()[2] for l in open('$J/pairs.txt') if not l.startswith('#')} == {'0', '1'} and [s['label'] for s in d['sides']] == ['ims', 'msix'] and all(s['samples'] == $n and s['lost'] == 0 and s['duplicate'] == 0 and s['errors'] == 0 and 0 < s['p50_us'] <= s['p99_us'] and sum(c for _, c in s['hist']['bins']) == $n for s in d['sides'])"
jcheck "$J/pair.json" bench:unstamped-records-zero \
	"[l.split()[2:4] for l in open('$J/nostamp.txt') if not l.startswith('#')] == [['0', '0']] * (2 * $n)"
jcheck "$J/seg.json" bench:segments-stamped-in-order \
	"all(d['dropped'][s]['unstamped'] == 0 and d['dropped'][s]['out_of_order'] == 0 for s in ('ims', 'msix'))" \
	bench:segments-traced \
	"all(d['segments'][s][k]['samples'] >= 0.9 * $SEGN for s, k in (('ims', 'delivery'), ('msix', 'delivery'), ('floor', 'total')))" \
	bench:segments-add-up \
	"all(d['segments'][s][k]['p50_us'] > 0 for s in ('ims', 'msix') for k in ('device', 'delivery', 'handler', 'return')) and all(d['segments'][s][k]['p50_us'] >= 0 for s in ('ims', 'msix') for k in ('message', 'wake-up')) and 'p50' in d['ims_delivery_wake_over_floor'] and 'p50' in d['delivery_ims_over_msix']"
jcheck "$J/migrate.json" bench:migrate-none-lost-or-duplicate \
	"d['migrations'] == $m and d['hotplug_cycles'] == $h and d['samples'] > $m and d['per_move']['intervals'] == $m and d['per_hotplug']['intervals'] == $h and d['control_no_move']['intervals'] > 0 and d['lost'] == 0 and d['duplicate'] == 0 and d['out_of_sequence'] == 0 and d['errors'] == 0 and 'failed' not in d" \
	bench:migrate-dmadev-load-verified \
	"d['load']['ops'] > $m and d['load']['errors'] == 0 and d['load']['mismatches'] == 0 and d['load']['interrupt_timeouts'] == 0 and 'failed' not in d['load']"
rm -rf "$J"
finish
