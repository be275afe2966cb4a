#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel nomovdir
# debug-cost: 76
#
# dma_idxd_ims, our DPDK dmadev driver, driven through DPDK's public API
# by dmadev-test: copies verified, refusals, a full ring, the WQ unbound
# under it, and every interrupt it asked for (one per submission) counted
# in /proc/interrupts.  Both submission paths: MOVDIR64B to the portal
# where the CPU has it, and write() (IMS_FORCE_WRITE=1 there; the only
# path on the CPU model without MOVDIR64B).
. "$(dirname "$0")/lib.sh"

DT=$REPO/build/bench/dmadev-test
DT_EAL="--no-huge -m 8 --no-pci --no-shconf --no-telemetry -l 0 --log-level=lib.eal:error"	# see t_bench.sh

setup() {
	load_driver && cfg_wq 0 1 user load 16 && enable_dev 0 && enable_wq 0 1 user
}
check dmadev:setup setup
lirq=$(<$SYS/wq0.1/ims_irq)

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

if [ "$PROFILE" = nomovdir ]; then paths=write; else paths="movdir64b write"; fi
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

check dmadev:unload bash -c "echo wq0.1 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
check dmadev:dmesg-clean dmesg_clean
finish
