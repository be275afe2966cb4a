#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The guest half of 'make bench' (runs inside the emulated machine).
# Completion latency of one WQ, side by side in one boot: the IMS
# interrupt, the MSI-X interrupt (the driver reloaded with force_msix=1),
# completion-record polling, and the eventfd wake-up floor.  Rounds
# alternate IMS and MSI-X so that drift hits both.  Each result is one
# "@@ BENCH {json}" line on the console, for bench/report.py.
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

# setup MODULE-ARGS: driver loaded, wq0.0 a dedicated user WQ, its
# interrupt on CPU 1 (where floor mode's writer runs: the same wake-up
# path); wq0.1 configured for the migration run's load
setup() {
	load_driver "$@" || return 1
	cfg_wq 0 0 user bench 16 && cfg_wq 0 1 user load 16 &&
		enable_dev 0 && enable_wq 0 0 user || return 1
	echo 1 > "/proc/irq/$(cat $SYS/wq0.0/ims_irq)/smp_affinity_list"
}

teardown() {
	echo wq0.0 > /sys/bus/dsa/drivers/user/unbind
	rmmod idxd_ims
}

bench() {	# bench LABEL MODE
	local out
	out=$("$BENCH" $EAL -- latency --mode "$2" --label "$1" \
	      --samples "$SAMPLES" 2>/dev/null | grep '^{')
	if [ -z "$out" ]; then
		echo "@@ BENCH-FAIL $1 $2"
		return 1
	fi
	echo "@@ BENCH $out"
	printf '   %-6s %-5s %s\n' "$1" "$2" \
		"$(sed -E 's/.*"p50_us":([0-9.]+),"p99_us":([0-9.]+).*"lost":([0-9]+),"duplicate":([0-9]+).*/p50 \1 us  p99 \2 us  lost \3  dup \4/' <<< "$out")"
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
	teardown
	setup force_msix=1 || { echo "@@ BENCH-FAIL setup msix"; exit 1; }
	[ "$(cat $SYS/wq0.0/ims_slot)" = -1 ] || { echo "@@ BENCH-FAIL not MSI-X"; exit 1; }
	bench msix irq || rc=1
	teardown
done
echo "== migration: 1000 affinity moves, 100 CPU offline/online cycles,"
echo "   a second WQ kept busy with its interrupt on the same CPU"
setup || { echo "@@ BENCH-FAIL setup"; exit 1; }
enable_wq 0 1 user
echo 1 > "/proc/irq/$(cat $SYS/wq0.1/ims_irq)/smp_affinity_list"
"$REPO/build/bin/imsctl" run memmove wq0.1 --count 100000000 --depth 8 --size 4K \
	--quiet --timeout 60000 > /dev/null 2>&1 &
load=$!
out=$("$BENCH" --no-huge --no-pci --no-shconf -l 0 --log-level=lib.eal:error -- \
      latency --mode migrate --label ims --migrations 1000 --hotplug 100 2>/dev/null | grep '^{')
if [ -n "$out" ]; then echo "@@ BENCH $out"; else echo "@@ BENCH-FAIL migrate"; rc=1; fi
kill $load; wait $load 2>/dev/null
echo wq0.1 > /sys/bus/dsa/drivers/user/unbind
teardown
echo "@@ BENCH-DONE"
exit $rc
