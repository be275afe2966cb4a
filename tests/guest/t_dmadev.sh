#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel nomovdir sva
# debug-cost: 76
#
# dma_idxd_ims, our DPDK dmadev driver, driven through DPDK's public API
# by dmadev-test: copies verified, refusals, a full ring, the WQ unbound
# under it, and every interrupt it asked for (one per submission) counted
# in /proc/interrupts.  Both submission paths: MOVDIR64B to the portal
# where the CPU has it, and write() (IMS_FORCE_WRITE=1 there; the only
# path on the CPU model without MOVDIR64B).  On the sva machine the WQ is
# in virtual-address mode (a PASID per file): the driver says SVA, and
# memory that is not DPDK's is mapped when the device faults on it.
#
# Then DPDK's own dmadev_autotest (Debian's dpdk-test) on the driver as a
# plugin (-d), with ordinary DPDK memory (hugepages the driver registers
# with the kernel, which pins and maps them; in virtual-address mode on
# the file's PASID), interrupts on and off: copies, burst capacity, the
# error-handling tests (addresses nothing maps: page faults), fills.
. "$(dirname "$0")/lib.sh"

DT=$REPO/build/bench/dmadev-test
PLUGIN=$REPO/build/bench/librte_dma_idxd_ims.so
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
[ "$PROFILE" = sva ] && export IMS_EXPECT_VA=1
DT_EAL="--no-huge -m 8 --no-pci --no-shconf --no-telemetry -l 0 --log-level=lib.eal:error"	# see t_bench.sh

setup() {	# wq0.2 and wq0.3 for dmadev_autotest, below
	load_driver && cfg_wq 0 1 user load 16 && cfg_wq 0 2 user pmd_a 32 &&
		cfg_wq 0 3 user pmd_b 32 && enable_dev 0 && enable_wq 0 1 user
}
check dmadev:setup setup
lirq=$(<$SYS/wq0.1/ims_irq)

# memory registration without PASID (what the driver does with DPDK's
# memory below), through write() and its checks
[ "$PROFILE" = sva ] || IMS_FORCE_WRITE=1 "$REPO/build/tests/va_test" /dev/dsa/wq0.1 reg

# dt NAME ARGS...: run dmadev-test, its results renamed dmadev:NAME:...
dt() {
	local name=$1
	shift
	"$DT" $DT_EAL "$@" 2>/tmp/dmadev.err | sed "s/^@@ TEST dmadev:/@@ TEST dmadev:$name:/"
	# it must end on its own, not die half way through its checks
	local rc=${PIPESTATUS[0]}
	[ "$rc" -lt 128 ] || echo "@@ TEST dmadev:$name:exit FAIL killed by signal $(( rc - 128 ))"
}

# dmadev PATH DEVARGS NAME MIN: the WQ's interrupts in /proc/interrupts
# are at most those it asked for (completions close together may merge
# into one, as MSI does) and at least MIN (those it waited for one at a
# time); the driver says it submits the way PATH says
dmadev() {
	local i0 out req got
	i0=$(irq_count "$lirq")
	out=$(dt "$1:$3" --vdev "dma_idxd_ims0,$2" -- dma_idxd_ims0)
	grep '^@@ TEST' <<< "$out" || fail "dmadev:$1:$3" "no output: $(head -c 300 /tmp/dmadev.err)"
	grep -q '^@@ TEST.* FAIL' <<< "$out" && _failed=1
	check "dmadev:$1:$3:submits-$1" grep -q "probed PASS .*submits: $1\$" <<< "$out"
	req=$(sed -n 's/^@@ DMADEV {"interrupts_requested":\([0-9]*\)}/\1/p' <<< "$out")
	sleep 0.2	# the last interrupt's count
	got=$(( $(irq_count "$lirq") - i0 ))
	check "dmadev:$1:$3:irqs" [ -n "$req" -a "$got" -le "${req:-0}" -a "$got" -ge "$4" ]
	echo "   ($2: ${req:-?} interrupts requested, $got in /proc/interrupts)"
}

# unbound PATH: the WQ unbound under a running device: what it will not
# run (refused by the kernel, or dropped by the disabled WQ and found
# lost) completes as not attempted, no hang; then the WQ back
unbound() {
	local out
	out=$(dt "$1:unbound" --vdev dma_idxd_ims0,wq=wq0.1 -- dma_idxd_ims0 unbind wq0.1)
	grep '^@@ TEST' <<< "$out" || fail "dmadev:$1:unbind" "no output: $(head -c 300 /tmp/dmadev.err)"
	grep -q '^@@ TEST.* FAIL' <<< "$out" && _failed=1
	check "dmadev:$1:rebind" enable_wq 0 1 user
	lirq=$(<$SYS/wq0.1/ims_irq)
}

# the debug lane takes write(), the path the kernel checks (through the
# portal the kernel sees nothing): each EAL start costs it seconds
if [ "$PROFILE" = nomovdir ] || [ "$DEBUG_KERNEL" = 1 ]; then paths=write; else paths="movdir64b write"; fi
for path in $paths; do
	if [ "$path" = write ]; then export IMS_FORCE_WRITE=1; else unset IMS_FORCE_WRITE; fi
	dmadev $path wq=wq0.1,intr=1,batch=1 batch-intr 50
	dmadev $path wq=wq0.1,intr=0,batch=0 single-poll 0
	unbound $path
done
unset IMS_FORCE_WRITE

# bad devargs (the same on both paths), all in one EAL start: each probe
# fails with its message, EAL gives up, no device appears
bad=(no-such-wq wq=wq0.7 'no such work queue'
     no-wq intr=1 'needs exactly one wq='
     bad-mem wq=wq0.1,mem=0 'mem= takes 1..64'
     bad-intr wq=wq0.1,intr=2 'intr= and batch= take 0 or 1'
     unknown-key wq=wq0.1,frob=1 'bad arguments'
     bare-key wq 'bad wq='
     bare-mem wq=wq0.1,mem 'mem= takes 1..64')
vdevs=()
for ((i = 0; i < ${#bad[@]}; i += 3)); do
	vdevs+=(--vdev "dma_idxd_ims$((i / 3)),${bad[i + 1]}")
done
rc=0
out=$("$DT" $DT_EAL "${vdevs[@]}" -- dma_idxd_ims0 2>&1) || rc=$?
for ((i = 0; i < ${#bad[@]}; i += 3)); do
	check "dmadev:refused-${bad[i]}" grep -q "dma_idxd_ims$((i / 3)).*${bad[i + 2]}\|${bad[i + 2]}.*dma_idxd_ims$((i / 3))" <<< "$out"
done
check dmadev:refusals-no-device [ $rc != 0 -a -z "${out##*dmadev:probed FAIL*}" ]
grep -i 'dma_idxd_ims' <<< "$out" | grep -v '^@@' | head -n 10 | sed 's/^/   /'

# DPDK's dmadev_autotest on the plugin: two WQs, interrupts on one; on
# the CPU without MOVDIR64B every submission goes through write(), whose
# checks then see the registered memory
autotest() {
	local log=/tmp/dmadev_autotest.log rc=0 n=0 d devs="0 1"
	local vdevs=(--vdev dma_idxd_ims0,wq=wq0.2,intr=1 --vdev dma_idxd_ims1,wq=wq0.3,intr=0)

	# the debug lane: one device (the suite takes it minutes); the
	# other lanes run interrupts on and off
	if [ "$DEBUG_KERNEL" = 1 ]; then devs=0; vdevs=("${vdevs[@]:0:2}"); fi
	check dmadev:autotest-setup bash -c "enable_wq 0 2 user && enable_wq 0 3 user"
	echo 64 > $HP
	# EAL loads a plugin only from a path no directory of which is
	# world-writable: a clone under /tmp is not such a path, so the
	# plugin goes to a directory of its own under /dev (0755 up to /)
	local pdir=/dev/idxd-ims-pmd
	install -d -m 0755 $pdir && install -m 0644 "$PLUGIN" $pdir/
	DPDK_TEST=dmadev_autotest timeout 400 dpdk-test -l 0 --in-memory -m 64 \
		--no-telemetry -d "$pdir/${PLUGIN##*/}" "${vdevs[@]}" > $log 2>&1 || rc=$?
	tr '\r' '\n' < $log | grep -E 'IOVA mode|dma_idxd_ims|Test dmadev instance|Running|Test OK|Test Failed|failed|Error' |
		grep -v '^Ops submitted' | head -n 30 | sed 's/^/   /'
	[ "$rc" = 0 ] || tr '\r' '\n' < $log | grep -v '^Ops submitted' | tail -n 20
	checkd dmadev:autotest "dpdk-test exit $rc" [ "$rc" = 0 ]
	check dmadev:autotest-ok grep -q '^Test OK' $log
	for d in $devs; do
		check "dmadev:autotest-instance-$d" grep -qE "Test dmadev instance [0-9]+ \[dma_idxd_ims$d\]" $log
	done
	n=$(tr '\r' '\n' < $log | grep -c 'Running error handling Tests')
	checkd dmadev:autotest-error-tests-each "$n devices" [ "$n" = "$(wc -w <<< "$devs")" ]
	echo 0 > $HP
	echo wq0.2 > /sys/bus/dsa/drivers/user/unbind
	echo wq0.3 > /sys/bus/dsa/drivers/user/unbind
}
autotest

check dmadev:unload bash -c "echo wq0.1 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
check dmadev:dmesg-clean dmesg_clean
finish
