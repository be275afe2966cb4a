#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The guest half of 'make bench' (runs inside the emulated machine).
# Completion latency of one WQ (wq0.0, its interrupt on CPU 1), side by
# side in one boot:
#   (a) IMS interrupt, MSI-X interrupt (the driver reloaded with
#       force_msix=1), completion-record polling and the eventfd wake-up
#       floor; then IMS, MSI-X and floor again under load: dmadev copies
#       (dma_idxd_ims on wq0.1, 64 B-64 KiB bursts, interrupt per burst
#       aimed at CPU 1) and, with stress-ng and fio in the background,
#       cyclictest alongside as the noise reference;
#   (b) migration: affinity moves and CPU 1 offline/online under load;
#   (c) scale: the probe with 1, 8, 64 and 256 IMS interrupts active (the
#       rest fired through a kernel WQ by the driver's irq_load hook).
# Rounds alternate IMS and MSI-X so that drift hits both.  Each result is
# one "@@ BENCH {json}" line on the console, for bench/report.py.
set -u
export IDXD_IMS_REPO=$(cd "$(dirname "$0")/.." && pwd) IDXD_IMS_PROFILE=intel
. "$IDXD_IMS_REPO/tests/guest/lib.sh"
BENCH=$REPO/build/bench/ims-bench
# settings come as kernel arguments (make bench IMS_BENCH_SAMPLES=...)
arg() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
SAMPLES=$(arg ims_bench.samples)
ROUNDS=$(arg ims_bench.rounds)
SAMPLES=${SAMPLES:-3000}
ROUNDS=${ROUNDS:-2}
EAL="--no-huge --no-pci --no-shconf -l 0-1 --log-level=lib.eal:error"
LOAD="--vdev dma_idxd_ims0,wq=wq0.1,intr=1"
LOADDBG=/sys/kernel/debug/idxd_ims/dsa0/irq_load

# setup MODULE-ARGS: driver loaded; wq0.0 the probe, wq0.1 the dmadev
# load, both user WQs with their interrupts on CPU 1 (where floor mode's
# writer runs: the same wake-up path); wq0.2 a kernel WQ for irq_load
setup() {
	load_driver "$@" || return 1
	cfg_wq 0 0 user bench 16 && cfg_wq 0 1 user load 16 &&
		cfg_wq 0 2 kernel scale 16 &&
		enable_dev 0 && enable_wq 0 0 user && enable_wq 0 1 user || return 1
	echo 1 > "/proc/irq/$(cat $SYS/wq0.0/ims_irq)/smp_affinity_list"
	echo 1 > "/proc/irq/$(cat $SYS/wq0.1/ims_irq)/smp_affinity_list"
}

teardown() {
	local w
	for w in wq0.0 wq0.1; do echo $w > /sys/bus/dsa/drivers/user/unbind; done
	[ -e /sys/bus/dsa/drivers/dmaengine/wq0.2 ] &&
		echo wq0.2 > /sys/bus/dsa/drivers/dmaengine/unbind
	rmmod idxd_ims
}

# emit LABEL JSON [EXTRA]: one result line, EXTRA (a JSON member) added
emit() {
	local out=$2
	[ -n "${3:-}" ] && out="${out%\}},$3}"
	echo "@@ BENCH $out"
	printf '   %-12s %s\n' "$1" \
		"$(sed -E 's/.*"p50_us":([0-9.]+),"p99_us":([0-9.]+).*"lost":([0-9]+),"duplicate":([0-9]+).*/p50 \1 us  p99 \2 us  lost \3  dup \4/' <<< "$out")"
}

bench() {	# bench LABEL MODE [ims-bench options...]
	local label=$1 mode=$2 out eal=$EAL
	shift 2
	case " $* " in *" --load "*) eal="$EAL $LOAD" ;; esac
	out=$("$BENCH" $eal -- latency --mode "$mode" --label "$label" \
	      --samples "$SAMPLES" "$@" 2>/tmp/bench.err | grep '^{')
	if [ -z "$out" ]; then
		echo "@@ BENCH-FAIL $label $mode: $(tail -c 300 /tmp/bench.err)"
		return 1
	fi
	emit "$label" "$out" "${EXTRA:-}"
}

# noisy LABEL MODE: the run with stress-ng and fio in the background and
# cyclictest alongside; cyclictest's figures ride along in the JSON
noisy() {
	local ct bg=() cyc
	if ! command -v stress-ng >/dev/null || ! command -v cyclictest >/dev/null; then
		echo "@@ BENCH-FAIL $1: stress-ng or cyclictest missing (make deps)"
		return 1
	fi
	stress-ng --cpu 2 --cpu-load 30 --timeout 600 -q >/dev/null 2>&1 & bg+=($!)
	if command -v fio >/dev/null; then
		fio --name=bg --filename=/tmp/fio.dat --size=8M --rw=randrw --bs=4k \
		    --ioengine=psync --time_based --runtime=600 >/dev/null 2>&1 & bg+=($!)
	fi
	cyclictest -q -m -p 80 -t 1 -a 0 -i 500 -D 600 > /tmp/cyc.txt 2>&1 & ct=$!
	sleep 1
	EXTRA= bench "$1" "$2" --load dma_idxd_ims0 > /tmp/noisy.txt
	local rc=$?
	kill -INT $ct; wait $ct 2>/dev/null
	kill "${bg[@]}" 2>/dev/null; wait "${bg[@]}" 2>/dev/null
	rm -f /tmp/fio.dat
	cyc=$(sed -nE 's/.*Min: *([0-9]+) .*Avg: *([0-9]+) .*Max: *([0-9]+).*/"cyclictest_us":{"min":\1,"avg":\2,"max":\3}/p' /tmp/cyc.txt | tail -1)
	if [ $rc = 0 ]; then
		local line
		line=$(sed -n 's/^@@ BENCH //p' /tmp/noisy.txt)
		emit "$1" "$line" "\"background\":\"stress-ng --cpu 2 --cpu-load 30, fio randrw, dmadev copies\"${cyc:+,$cyc}"
	else
		cat /tmp/noisy.txt
	fi
	return $rc
}

# profile LABEL MODE: where the guest's CPU time goes during a run (perf,
# cpu-clock sampling on every CPU): idle in halt, in the interrupt path
# (the driver's handler, genirq, IR/APIC ack, eventfd and wake-up), and
# the top symbols; one "@@ PROFILE {json}" line
profile() {
	if ! command -v perf >/dev/null; then
		echo "@@ BENCH-FAIL profile $1: perf missing (make deps)"
		return 1
	fi
	perf record -q -e cpu-clock -F 4000 -a -o /tmp/prof.data -- \
		"$BENCH" $EAL -- latency --mode "$2" --label "$1" --samples "$SAMPLES" \
		>/dev/null 2>&1 || { echo "@@ BENCH-FAIL profile $1"; return 1; }
	perf report --stdio --no-children --sort sym -i /tmp/prof.data 2>/dev/null |
		python3 -c '
import json, re, sys
rows = []
for line in sys.stdin:
    m = re.match(r"\s+([0-9.]+)%\s+\[.\]\s+(\S+)", line)
    if m:
        rows.append((m.group(2), float(m.group(1))))
path = re.compile(r"^(idxd_|handle_edge_irq|handle_irq_event|__handle_irq_event|irq_chip_|"
                  r"apic_ack|intel_ir|ir_ack|amd_ir|__common_interrupt|common_interrupt|"
                  r"asm_common_interrupt|__sysvec|sysvec_|eventfd_|ep_poll_callback|"
                  r"__wake_up|try_to_wake_up|ttwu_)")
idle = sum(p for s, p in rows if s.endswith("safe_halt") or s == "default_idle")
irq = sum(p for s, p in rows if path.match(s))
print("@@ PROFILE " + json.dumps({"label": sys.argv[1], "idle_pct": round(idle, 2),
      "irq_path_pct": round(irq, 3), "symbols": len(rows),
      "top": [[s, p] for s, p in rows[:6]]}))' "$1"
	rm -f /tmp/prof.data
}

echo "== ims-bench: $(nproc) vCPUs, kernel $(uname -r), $SAMPLES samples x $ROUNDS rounds"
echo "   (TCG: absolute times mean little; compare the ratios)"
rc=0
for r in $(seq 1 "$ROUNDS"); do
	echo "== round $r"
	setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
	[ "$(cat $SYS/wq0.0/ims_slot)" -ge 0 ] || { echo "@@ BENCH-FAIL not IMS"; exit 1; }
	bench ims irq || rc=1
	bench poll poll || rc=1
	bench floor floor || rc=1
	bench ims+load irq --load dma_idxd_ims0 || rc=1
	bench floor+load floor --load dma_idxd_ims0 || rc=1
	noisy ims+noise irq || rc=1
	noisy floor+noise floor || rc=1
	if [ "$r" = 1 ]; then profile ims irq || rc=1; profile floor floor || rc=1; fi
	teardown
	setup force_msix=1 || { echo "@@ BENCH-FAIL setup msix"; exit 1; }
	[ "$(cat $SYS/wq0.0/ims_slot)" = -1 ] || { echo "@@ BENCH-FAIL not MSI-X"; exit 1; }
	bench msix irq || rc=1
	bench msix+load irq --load dma_idxd_ims0 || rc=1
	noisy msix+noise irq || rc=1
	if [ "$r" = 1 ]; then profile msix irq || rc=1; fi
	teardown
done

echo "== scale: the probe's latency with N IMS interrupts active"
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
enable_wq 0 2 dmaengine || { echo "@@ BENCH-FAIL kernel WQ"; exit 1; }
for n in 1 8 64 256; do
	stat() { sed -nE "s/.*interrupts=([0-9]+) missed=([0-9]+).*/\\$1/p" $LOADDBG; }
	if [ $n -gt 1 ] && ! echo "$((n - 1)) wq0.2" > $LOADDBG; then
		echo "@@ BENCH-FAIL scale-$n: irq_load: $(dmesg | tail -1)"
		rc=1
		continue
	fi
	t0=$(date +%s.%N) i0=$(stat 1)
	out=$("$BENCH" $EAL -- latency --mode irq --label "scale-$n" \
	      --samples "$SAMPLES" 2>/tmp/bench.err | grep '^{')
	t1=$(date +%s.%N) i1=$(stat 1) miss=$(stat 2)
	echo 0 > $LOADDBG
	if [ -z "$out" ]; then echo "@@ BENCH-FAIL scale-$n"; rc=1; continue; fi
	rate=$(python3 -c "print(round((${i1:-0} - ${i0:-0}) / ($t1 - $t0)))")
	emit "scale-$n" "$out" "\"scale\":{\"active\":$n,\"load_interrupts_per_s\":$rate,\"load_missed\":${miss:-0}}"
done
teardown

echo "== migration: 1000 affinity moves, 100 CPU offline/online cycles,"
echo "   dmadev copies on wq0.1 with their interrupts on the same CPU"
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
out=$("$BENCH" --no-huge --no-pci --no-shconf -l 0 --log-level=lib.eal:error $LOAD -- \
      latency --mode migrate --label ims --migrations 1000 --hotplug 100 \
      --load dma_idxd_ims0 2>/dev/null | grep '^{')
if [ -n "$out" ]; then echo "@@ BENCH $out"; else echo "@@ BENCH-FAIL migrate"; rc=1; fi
teardown
echo "@@ BENCH-DONE"
exit $rc
