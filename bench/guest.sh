#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The guest half of 'make bench' (runs inside the emulated machine).
# Completion latency of user WQs (their interrupts on CPU 1), side by
# side in one boot:
#   (a) paired: IMS (wq0.0) against MSI-X (wq0.3, completion_irq=msix)
#       of the same device, one sample of each per round in random order
#       (ims-bench --mode pair), and the A/A control, the same two WQs
#       both on IMS; the WQs swap sides between rounds; idle, under a paced dmadev load (dma_idxd_ims on wq0.1,
#       64 B-64 KiB bursts at a fixed offered rate, interrupt per burst
#       aimed at CPU 1) and with stress-ng and fio in the background and
#       cyclictest alongside as the noise reference.  Every round's pair
#       goes to the output share for bench/stats.py.  Completion-record
#       polling and the eventfd wake-up floor run alone for reference;
#   (b) migration: affinity moves and CPU 1 offline/online under load;
#   (c) scale, in a boot of its own (ims_bench.scale_only=1, profile
#       'scale', 16 vCPUs): the probe with 1 ... 2048 IMS vectors live on
#       the device, the others fired through a kernel WQ by the driver's
#       irq_load hook;
#   (d) throughput: copies of 64 B-1 MiB at 1-32 in flight through the
#       dmadev API, waiting by interrupt, spin-then-sleep or polling, with
#       the CPU time each operation cost the machine and each burst's
#       latency; and 64-byte copies offered at 1000, 4000 and 16000 ops/s;
#   (e) allocation: one IMS vector against one dynamic MSI-X vector, round
#       after round (the machine profile 'bench' gives the device spare
#       MSI-X entries for it);
#   (f) the anchor: DPDK's own dma_idxd through the same throughput
#       sweep, the device rebound to vfio-pci;
#   (g) the interrupt taken apart (every round): the emulated DSA stamps
#       each record's write and interrupt with the guest's TSC, ftrace
#       (on the TSC too) the handler and the waiter's wake-up, for an
#       IMS/MSI-X pair run and a floor run (bench/segments.py joins them).
# Each result is one "@@ BENCH {json}" line on the console ("@@ THROUGHPUT"
# for (d), "@@ META" for what ran), for bench/report.py.
set -u
export IDXD_IMS_REPO=$(cd "$(dirname "$0")/.." && pwd) IDXD_IMS_PROFILE=intel
. "$IDXD_IMS_REPO/tests/guest/lib.sh"
BENCH=$REPO/build/bench/ims-bench
# settings come as kernel arguments (make bench IMS_BENCH_SAMPLES=...)
arg() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
SAMPLES=$(arg ims_bench.samples)
ROUNDS=$(arg ims_bench.rounds)
SAMPLES=${SAMPLES:-750}
ROUNDS=${ROUNDS:-8}
EAL="--no-huge --no-pci --no-shconf -l 0-1 --log-level=lib.eal:error"
LOAD="--vdev dma_idxd_ims0,wq=wq0.1,intr=1"
LOAD_RATE=$(arg ims_bench.load_rate)
LOAD_RATE=${LOAD_RATE:-2000}	# bursts a second, the same for every run
ALLOC=$(arg ims_bench.alloc)
ALLOC=${ALLOC:-2000}
SCALE_ONLY=$(arg ims_bench.scale_only)
SEG_SAMPLES=$(arg ims_bench.seg_samples)
SEG_SAMPLES=${SEG_SAMPLES:-400}
MOVES=$(arg ims_bench.moves)
MOVES=${MOVES:-10000}
TP_SECONDS=$(arg ims_bench.tp_ms)
TP_SECONDS=$(printf '%d.%03d' $(( ${TP_SECONDS:-500} / 1000 )) $(( ${TP_SECONDS:-500} % 1000 )))
# paced points: 64-byte copies offered at these ops/s, at every depth
TP_RATES=1000,4000,16000
OUT=/run/idxd-ims-out		# the host's share: raw pairs for stats.py
[ -d "$OUT" ] || OUT=/tmp
LOADDBG=/sys/kernel/debug/idxd_ims/dsa0/irq_load

# setup MODULE-ARGS: driver loaded; user WQs wq0.0 the probe (IMS),
# wq0.3 its MSI-X twin, wq0.4 for the throughput's polling, wq0.1 the
# dmadev load,
# all with their interrupts on CPU 1 (where floor mode's writer runs: the
# same wake-up path); wq0.2 a kernel WQ for irq_load
setup() {
	local w
	load_driver "$@" || return 1
	cfg_wq 0 0 user bench 16 && cfg_wq 0 1 user load 16 &&
		cfg_wq 0 2 kernel scale 16 && cfg_wq 0 3 user msix 16 &&
		cfg_wq 0 4 user poll 16 && echo msix > $SYS/wq0.3/completion_irq &&
		enable_dev 0 || return 1
	for w in 0 1 3 4; do
		enable_wq 0 $w user || return 1
		echo 1 > "/proc/irq/$(cat $SYS/wq0.$w/ims_irq)/smp_affinity_list"
	done
}

teardown() {
	local w
	for w in wq0.0 wq0.1 wq0.3 wq0.4; do echo $w > /sys/bus/dsa/drivers/user/unbind; done
	[ -e /sys/bus/dsa/drivers/dmaengine/wq0.2 ] &&
		echo wq0.2 > /sys/bus/dsa/drivers/dmaengine/unbind
	rmmod idxd_ims
}

# emit LABEL JSON [EXTRA]: one result line, EXTRA (a JSON member) added;
# a line for people (both sides of a pair)
emit() {
	local out=$2
	[ -n "${3:-}" ] && out="${out%\}},$3}"
	echo "@@ BENCH $out"
	python3 -S -c '
import json, sys
d = json.loads(sys.argv[2])
for s in d.get("sides", [d]):
    name = sys.argv[1] + (" " + s["label"] if "sides" in d else "")
    print("   %-18s p50 %7.2f us  p99 %8.2f us  lost %d  dup %d" %
          (name, s["p50_us"], s["p99_us"], s["lost"], s["duplicate"]))' "$1" "$out"
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

# roles ROUND msix|aa: side A (AWQ, on IMS) is wq0.0 in odd rounds and
# wq0.3 in even ones, side B (BWQ) the other, on MSI-X, or on IMS too for
# the A/A control (aa).  What one WQ's place costs (its index in the
# device's round-robin among WQs, its portal) then falls on both sides
# alike: with a fixed third WQ as the A/A's B side, the control under
# load missed 1.00 by 1.7% (A/A p50 1.017 [1.001, 1.032]) while IMS
# against MSI-X, swapped, met its goal.  The interrupts again on CPU 1.
roles() {
	local w b=$2
	[ "$b" = aa ] && b=auto
	if [ $(( $1 % 2 )) = 1 ]; then AWQ=wq0.0 BWQ=wq0.3; else AWQ=wq0.3 BWQ=wq0.0; fi
	[ "$(<$SYS/$AWQ/completion_irq)" = auto ] &&
		[ "$(<$SYS/$BWQ/completion_irq)" = "$b" ] && return 0
	for w in $AWQ $BWQ; do echo $w > /sys/bus/dsa/drivers/user/unbind; done
	echo auto > $SYS/$AWQ/completion_irq && echo "$b" > $SYS/$BWQ/completion_irq || return 1
	for w in $AWQ $BWQ; do
		enable_wq 0 "${w#wq0.}" user || return 1
		echo 1 > "/proc/irq/$(<$SYS/$w/ims_irq)/smp_affinity_list"
	done
	[ "$(<$SYS/$AWQ/ims_slot)" -ge 0 ] &&
		if [ "$b" = msix ]; then [ "$(<$SYS/$BWQ/ims_slot)" = -1 ]; else [ "$(<$SYS/$BWQ/ims_slot)" -ge 0 ]; fi
}

# pair LABEL WQ_B [ims-bench options...]: $AWQ against WQ_B, LABEL
# "A/B"; the raw pairs to $OUT/pair-LABEL-rROUND.txt
pair() {
	local label=$1 wqb=$2 out eal=$EAL raw
	shift 2
	raw=pair-$(tr '/+' '--' <<< "$label")-r$ROUND.txt
	case " $* " in *" --load "*) eal="$EAL $LOAD" ;; esac
	out=$("$BENCH" $eal -- latency --mode pair --wq "/dev/dsa/$AWQ" \
	      --wq-b "/dev/dsa/$wqb" --label "$label" --samples "$SAMPLES" \
	      --raw "$OUT/$raw" "$@" 2>/tmp/bench.err | grep '^{')
	if [ -z "$out" ]; then
		echo "@@ BENCH-FAIL $label pair: $(tail -c 300 /tmp/bench.err)"
		return 1
	fi
	emit "$label" "$out" "\"raw\":\"$raw\",\"round\":$ROUND${EXTRA:+,$EXTRA}"
}

# noisy LABEL CMD...: CMD (a bench or pair run) with stress-ng and fio in
# the background and cyclictest alongside; cyclictest's figures ride
# along in the JSON
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
	local label=$1
	shift
	EXTRA= "$@" > /tmp/noisy.txt
	local rc=$?
	kill -INT $ct; wait $ct 2>/dev/null
	kill "${bg[@]}" 2>/dev/null; wait "${bg[@]}" 2>/dev/null
	rm -f /tmp/fio.dat
	cyc=$(sed -nE 's/.*Min: *([0-9]+) .*Avg: *([0-9]+) .*Max: *([0-9]+).*/"cyclictest_us":{"min":\1,"avg":\2,"max":\3}/p' /tmp/cyc.txt | tail -1)
	if [ $rc = 0 ]; then
		local line
		line=$(sed -n 's/^@@ BENCH //p' /tmp/noisy.txt)
		emit "$label" "$line" "\"background\":\"stress-ng --cpu 2 --cpu-load 30, fio randrw, dmadev copies\"${cyc:+,$cyc}"
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

# segments: the interrupt taken apart, on one clock (the TSC).  The
# emulated DSA writes the TSC of each record's write and of its interrupt
# into the record (its test page's STAMP control, emu_poke); ftrace with
# trace_clock x86-tsc gives the handler's entry and exit (only the two
# probe WQs' irqs) and the waiter's wake-up and return to a CPU (only
# ims-bench's main thread).  One IMS/MSI-X pair run ($AWQ against $BWQ)
# and one floor run, both traced; the stamps and the trace go to the
# output share, one "@@ SEGMENTS {json}" line names them.
segments() {
	local T=/sys/kernel/tracing bdf irqs ev out fout sa sf tr rc=0
	local evs="irq/irq_handler_entry irq/irq_handler_exit sched/sched_waking sched/sched_switch"
	[ -e $T/trace ] || mount -t tracefs nodev $T || return 1
	bdf=$(dsa_bdf_of 0)
	irqs="irq == $(<$SYS/$AWQ/ims_irq) || irq == $(<$SYS/$BWQ/ims_irq)"
	sa=stamps-pair-r$ROUND.txt sf=stamps-floor-r$ROUND.txt tr=trace-r$ROUND.txt
	echo 0 > $T/tracing_on && echo > $T/trace && echo x86-tsc > $T/trace_clock &&
		echo 4096 > $T/buffer_size_kb &&
		echo "$irqs" > $T/events/irq/irq_handler_entry/filter &&
		echo "$irqs" > $T/events/irq/irq_handler_exit/filter &&
		echo 'comm == "ims-bench"' > $T/events/sched/sched_waking/filter &&
		echo 'next_comm == "ims-bench"' > $T/events/sched/sched_switch/filter || return 1
	for ev in $evs; do echo 1 > $T/events/$ev/enable || return 1; done
	emu_ctl "$bdf" stamp || return 1
	echo 1 > $T/tracing_on
	out=$("$BENCH" $EAL -- latency --mode pair --wq "/dev/dsa/$AWQ" --wq-b "/dev/dsa/$BWQ" \
	      --label ims/msix --samples "$SEG_SAMPLES" --stamps "$OUT/$sa" 2>/tmp/bench.err |
	      grep '^{') || rc=1
	fout=$("$BENCH" $EAL -- latency --mode floor --label floor --samples "$SEG_SAMPLES" \
	       --stamps "$OUT/$sf" 2>>/tmp/bench.err | grep '^{') || rc=1
	echo 0 > $T/tracing_on
	emu_ctl "$bdf" nostamp
	for ev in $evs; do echo 0 > $T/events/$ev/enable; echo 0 > $T/events/$ev/filter; done
	if [ $rc = 0 ]; then
		cat $T/trace > "$OUT/$tr"
		echo "@@ SEGMENTS {\"round\":$ROUND,\"ims_wq\":\"$AWQ\",\"msix_wq\":\"$BWQ\",\"stamps\":\"$sa\",\"floor_stamps\":\"$sf\",\"trace\":\"$tr\",\"lost\":$(jsum lost "$out" "$fout"),\"duplicate\":$(jsum duplicate "$out" "$fout")}"
	else
		echo "@@ BENCH-FAIL segments round $ROUND: $(tail -c 300 /tmp/bench.err)"
	fi
	echo > $T/trace
	return $rc
}

# jsum KEY JSON...: the sum of KEY over the objects (and their sides)
jsum() {
	local key=$1
	shift
	python3 -S -c '
import json, sys
t = 0
for a in sys.argv[2:]:
    d = json.loads(a)
    t += sum(s[sys.argv[1]] for s in d.get("sides", [d]))
print(t)' "$key" "$@"
}

# meta: one "@@ META {json}" line: what ran, for the report's metadata
meta() {
	local p params="" sub=write dpdk
	for p in /sys/module/idxd_ims/parameters/*; do
		params="$params${params:+,}\"${p##*/}\":\"$(<"$p")\""
	done
	grep -qw movdir64b /proc/cpuinfo && sub="movdir64b to the WQ portal"
	dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
	echo "@@ META {\"kernel\":\"$(uname -r)\",\"cpus\":$(nproc),\"driver\":\"idxd_ims\",\"driver_parameters\":{$params},\"device_version\":\"$(<$SYS/dsa0/version)\",\"dpdk\":\"$dpdk\",\"submission\":\"$sub\",\"samples\":$SAMPLES,\"rounds\":$ROUNDS,\"load_rate_per_s\":$LOAD_RATE,\"ims_bench_seeds\":\"fixed in bench/*.c (order and gaps: xorshift from 0x9e3779b97f4a7c15)\"}"
}

# scale: the probe's latency with N IMS vectors live on one device, N = 1
# ... 2048 (all of its IMS slots): the probe (wq0.0, interrupt on CPU 1),
# then from N = 8 on the kernel WQ wq0.2 (its own vector) and N - 2 more
# that the driver's irq_load hook allocates the way an mdev's guest
# vectors get them and fires round after round through wq0.2, one NOOP
# each, waiting for all of a round's interrupts before the next.  Every
# fired vector's interrupt must come within a second (missed counts
# those that did not).  2048 vectors need the vector space of some 11
# CPUs: the machine profile 'scale' has 16.
scale() {
	local n k live t0 t1 i0 i1 miss rounds out rate
	stat() { sed -nE "s/.*$1=([0-9]+).*/\1/p" $LOADDBG; }
	echo "== scale: the probe's latency with N IMS vectors live on the device ($(nproc) vCPUs)"
	load_driver && cfg_wq 0 0 user bench 16 && cfg_wq 0 2 kernel scale 16 && enable_dev 0 &&
		enable_wq 0 0 user || { echo "@@ BENCH-FAIL scale setup"; return 1; }
	echo 1 > "/proc/irq/$(<$SYS/wq0.0/ims_irq)/smp_affinity_list"
	for n in 1 8 64 256 1024 2048; do
		k=0
		if [ $n -gt 1 ]; then
			[ -e /sys/bus/dsa/drivers/dmaengine/wq0.2 ] || enable_wq 0 2 dmaengine ||
				{ echo "@@ BENCH-FAIL scale: kernel WQ"; return 1; }
			k=$(( n - $(<$SYS/dsa0/ims_slots_used) ))
			if ! echo "$k wq0.2" > $LOADDBG; then
				echo "@@ BENCH-FAIL scale-$n: irq_load: $(dmesg | tail -n 1)"
				rc=1
				continue
			fi
		fi
		live=$(<$SYS/dsa0/ims_slots_used)
		t0=$EPOCHREALTIME i0=$(stat interrupts)
		out=$("$BENCH" $EAL -- latency --mode irq --label "scale-$n" \
		      --samples "$SAMPLES" 2>/tmp/bench.err | grep '^{')
		t1=$EPOCHREALTIME i1=$(stat interrupts) rounds=$(stat rounds)
		miss=$(( $(stat missed) + 0 ))
		echo 0 > $LOADDBG
		if [ -z "$out" ]; then echo "@@ BENCH-FAIL scale-$n: $(tail -c 300 /tmp/bench.err)"; rc=1; continue; fi
		rate=$(python3 -S -c "print(round((${i1:-0} - ${i0:-0}) / ($t1 - $t0)))")
		emit "scale-$n" "$out" "\"scale\":{\"active\":$n,\"live\":$live,\"fired\":$(( k + 1 )),\"load_rounds\":${rounds:-0},\"load_interrupts_per_s\":$rate,\"load_missed\":$miss,\"cpus\":$(nproc)}"
	done
	echo wq0.0 > /sys/bus/dsa/drivers/user/unbind
	[ -e /sys/bus/dsa/drivers/dmaengine/wq0.2 ] && echo wq0.2 > /sys/bus/dsa/drivers/dmaengine/unbind
	rmmod idxd_ims
}

if [ "${SCALE_ONLY:-0}" = 1 ]; then
	rc=0
	scale
	echo "@@ BENCH-DONE"
	exit $rc
fi

echo "== ims-bench: $(nproc) vCPUs, kernel $(uname -r), $SAMPLES samples x $ROUNDS rounds"
echo "   (TCG: absolute times mean little; compare the ratios)"
rc=0
ROUND=0
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
meta
[ "$(<$SYS/wq0.0/ims_slot)" -ge 0 ] && [ "$(<$SYS/wq0.3/ims_slot)" = -1 ] ||
	{ echo "@@ BENCH-FAIL wq0.0 not on IMS or wq0.3 not on MSI-X"; exit 1; }
PACED="--load dma_idxd_ims0 --load-rate $LOAD_RATE"
for r in $(seq 1 "$ROUNDS"); do
	ROUND=$r
	roles "$r" msix || { echo "@@ BENCH-FAIL round $r: cannot put $AWQ on IMS and $BWQ on MSI-X"; exit 1; }
	echo "== round $r: $AWQ on IMS against $BWQ on MSI-X, one sample of each per round, random order"
	pair ims/msix $BWQ || rc=1
	segments || rc=1
	pair ims/msix+load $BWQ $PACED || rc=1
	noisy ims/msix+noise pair ims/msix+noise $BWQ $PACED || rc=1
	roles "$r" aa || { echo "@@ BENCH-FAIL round $r: cannot put $AWQ and $BWQ on IMS"; exit 1; }
	echo "== round $r: the A/A control, $AWQ against $BWQ, both on IMS"
	pair ims/ims $BWQ || rc=1
	pair ims/ims+load $BWQ $PACED || rc=1
	echo "== round $r: alone, for reference"
	bench poll poll || rc=1
	bench floor floor || rc=1
	bench floor+load floor $PACED || rc=1
	if [ "$r" = 1 ]; then profile ims irq || rc=1; profile floor floor || rc=1; fi
done
teardown

echo "== migration: $MOVES affinity moves, 100 CPU offline/online cycles, the"
echo "   steady p99 from 10000 samples first; paced dmadev copies on wq0.1 with"
echo "   their interrupts on the same CPU"
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
out=$("$BENCH" --no-huge --no-pci --no-shconf -l 0 --log-level=lib.eal:error $LOAD -- \
      latency --mode migrate --label ims --migrations "$MOVES" --hotplug 100 --steady 10000 \
      --load dma_idxd_ims0 --load-rate "$LOAD_RATE" 2>/tmp/bench.err | grep '^{')
if [ -n "$out" ]; then echo "@@ BENCH $out"; else echo "@@ BENCH-FAIL migrate: $(tail -c 300 /tmp/bench.err)"; rc=1; fi
teardown
echo "== allocation: one IMS vector against one dynamic MSI-X vector, $ALLOC rounds,"
echo "   interleaved in random order (the driver's debugfs alloc_bench)"
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
AB=/sys/kernel/debug/idxd_ims/dsa0/alloc_bench
if echo "$ALLOC" > $AB 2>/tmp/bench.err; then
	printf '%s\n' "$(<$AB)" > "$OUT/pair-alloc-r1.txt"
	echo "@@ BENCH {\"label\":\"alloc ims/msix\",\"mode\":\"alloc\",\"rounds\":$ALLOC,\"raw\":\"pair-alloc-r1.txt\"}"
else
	echo "@@ BENCH-FAIL alloc: $(<"/tmp/bench.err") $(dmesg | grep alloc_bench | tail -n 1)"
	rc=1
fi
teardown

# tp_emit WHAT OUT: a sweep's JSON lines to the console as "@@ THROUGHPUT";
# rc=1 if it printed nothing or a point failed, erred or mismatched
tp_emit() {
	if [ -z "$2" ]; then
		echo "@@ BENCH-FAIL $1: $(tail -c 300 /tmp/bench.err)"
		rc=1
		return
	fi
	sed 's/^/@@ THROUGHPUT /' <<< "$2"
	! grep -q '"failed"\|"errors":[1-9]\|"mismatches":[1-9]' <<< "$2" || rc=1
}

echo "== throughput: sizes x depths through the dmadev API: irq and spin-then-sleep"
echo "   (wq0.1, interrupts on), poll (wq0.4, interrupts off)"
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
out=$("$BENCH" $EAL --vdev dma_idxd_ims0,wq=wq0.1,intr=1,mem=24 \
      --vdev dma_idxd_ims1,wq=wq0.4,mem=24 -- throughput --dmadev dma_idxd_ims0 \
      --dmadev dma_idxd_ims1 --seconds "$TP_SECONDS" --rates "$TP_RATES" 2>/tmp/bench.err | grep '^{')
tp_emit throughput "$out"
teardown

# The anchor: what users pick today, DPDK's own dma_idxd (unmodified,
# polling, PCI mode through vfio-pci), through the same sweep.  The
# device is rebound from idxd_ims to vfio-pci for it; the report says so.
echo "== throughput anchor: DPDK's dma_idxd on the device rebound to vfio-pci"
bdf=$(for d in /sys/bus/pci/devices/*; do [ "$(<$d/device)" = 0x0b25 ] && echo "${d##*/}"; done | head -n 1)
dev=/sys/bus/pci/devices/$bdf
if kload vfio-pci disable_denylist=1 && echo vfio-pci > "$dev/driver_override" &&
   { [ ! -e "$dev/driver" ] || echo "$bdf" > "$dev/driver/unbind"; } &&
   echo "$bdf" > /sys/bus/pci/drivers_probe &&
   echo 64 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; then
	out=$("$BENCH" -l 0-1 --in-memory --iova-mode=va --no-telemetry --log-level=lib.eal:error \
	      -a "$bdf,max_queues=1" -- throughput --label "dpdk dma_idxd, device rebound to vfio-pci" \
	      --dmadev "$bdf-q0" --seconds "$TP_SECONDS" --rates "$TP_RATES" 2>/tmp/bench.err | grep '^{')
	tp_emit anchor "$out"
	echo "$bdf" > "$dev/driver/unbind"
	echo > "$dev/driver_override"
	echo 0 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
else
	echo "@@ BENCH-FAIL anchor: cannot bind $bdf to vfio-pci"
	rc=1
fi
echo "@@ BENCH-DONE"
exit $rc
