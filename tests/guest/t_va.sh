#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: sva debugsva
# debug-cost: 90
#
# User WQs in virtual-address mode, on the machine SVA hosts run (VT-d
# in scalable mode with PASID, the DSA with PASID and ATS): each open
# file gets a PASID that mirrors its process's memory.  DPDK's own
# dma_idxd in bus mode (Debian's DPDK, unmodified, as it finds WQs under
# /dev/dsa) passes dmadev_autotest on one of our WQs with ordinary DPDK
# memory; va_test copies through malloc'ed memory, handles page faults,
# and checks that unmapped and other processes' memory is never reached;
# the WQ carries the file's PASID in WQCFG only while the file is open.
# A shared WQ, configured and enabled by Debian's accel-config as on
# hardware, takes descriptors from several files at once (ENQCMDS, each
# naming its file's PASID).
. "$(dirname "$0")/lib.sh"

HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
LOG=/tmp/dmadev_autotest.log

check va:load load_driver
check va:pasid-enabled [ "$(<$SYS/dsa0/pasid_enabled)" = 1 ]
check va:dmesg-says-why bash -c "dmesg | grep -q 'user WQs work in their process.s virtual addresses'"
# wq0.0 for our own programs, wq0.1 named as DPDK's bus looks for
setup() {
	cfg_wq 0 0 user app0 16 && cfg_wq 0 1 user dpdk_wq 32 &&
	accel-config config-wq dsa0/wq0.4 --group-id=0 --mode=shared --wq-size=16 \
		--threshold=8 --type=user --name=shared0 --priority=1 --driver-name=user &&
	enable_dev 0 && enable_wq 0 0 user && enable_wq 0 1 user
}
check va:setup setup
bdf=$(dsa_bdf_of 0)

# WQCFG dword 2 of wq0.0 (BAR0 0x600 + 8): PASID_EN bit 28, PASID 27:8
wqcfg2() { emu_ctl "$bdf" read 0x608; }
v=$(wqcfg2)
checkd va:wqcfg-no-pasid-closed "$v" [ $(( v >> 28 & 1 )) = 0 ]
exec 3<>/dev/dsa/wq0.0
v=$(wqcfg2)
checkd va:wqcfg-pasid-while-open "$v" [ $(( v >> 28 & 1 )) = 1 -a $(( v >> 8 & 0xfffff )) != 0 ]
exec 3>&-
v=$(wqcfg2)
checkd va:wqcfg-pasid-off-after-close "$v" [ $(( v >> 28 & 1 )) = 0 ]

# the shared WQ: accel-config enables it; WQCFG says shared, PASID on
check va:shared-enable accel-config enable-wq dsa0/wq0.4
check va:shared-mode [ "$(<$SYS/wq0.4/mode)" = shared ]
v=$(emu_ctl "$bdf" read $(printf '%#x' $(( 0x600 + 4 * 32 + 8 ))))
checkd va:wqcfg-shared-pasid-en "$v" [ $(( v & 1 )) = 0 -a $(( v >> 28 & 1 )) = 1 ]
check va:enqcmds-retries [ "$(<$SYS/wq0.4/enqcmds_retries)" = 32 ]
check va:enqcmds-retries-bad bash -c "! echo 65 > $SYS/wq0.4/enqcmds_retries 2>/dev/null"
check va:enqcmds-retries-dedicated bash -c "! cat $SYS/wq0.0/enqcmds_retries 2>/dev/null"
"$REPO/build/tests/va_test" /dev/dsa/wq0.4 shared "$bdf"
check va:shared-disable accel-config disable-wq dsa0/wq0.4
# what a shared WQ cannot be here: kernel (no kernel PASID), threshold 0
check va:shared-kernel-refused bash -c "echo kernel > $SYS/wq0.4/type &&
	echo dmaengine > $SYS/wq0.4/driver_name && echo shared0 > $SYS/wq0.4/name &&
	! echo wq0.4 > /sys/bus/dsa/drivers/dmaengine/bind 2>/dev/null &&
	dmesg | grep -q 'only user WQs can be shared here'"
check va:threshold-0-refused bash -c "! echo 0 > $SYS/wq0.4/threshold 2>/dev/null"
# back to dedicated and shared again: the threshold is gone
check va:shared-no-threshold-refused bash -c "echo user > $SYS/wq0.4/type &&
	echo user > $SYS/wq0.4/driver_name && echo shared0 > $SYS/wq0.4/name &&
	echo dedicated > $SYS/wq0.4/mode &&
	echo shared > $SYS/wq0.4/mode && ! echo wq0.4 > /sys/bus/dsa/drivers/user/bind 2>/dev/null &&
	dmesg | grep -q 'a shared WQ needs a threshold'"

echo 64 > $HP
check va:hugepages [ "$(<$HP)" = 64 ]
"$REPO/build/tests/va_test" /dev/dsa/wq0.0
# the char device's fuzzer in this mode (IDXD_IMS_IOC_MAP of its own and
# anyone's memory, descriptors naming anything), then a client; the
# debug kernel's checkers judge it, the stock kernel runs a short one
fuzz_iters=1000
[ "$DEBUG_KERNEL" = 1 ] || fuzz_iters=200
check va:fuzz-cdev "$REPO/build/tests/fuzz" cdev "${IDXD_IMS_FUZZ_SEED:-20261208}" $fuzz_iters /dev/dsa/wq0.0
check va:after-fuzz bash -c "'$REPO/build/tests/lib_smoke' /dev/dsa/wq0.0 | grep -q 'lib:memfill-poll PASS'"

# DPDK's dma_idxd, bus mode: it scans /dev/dsa, takes wq0.1 by its name,
# maps the portal and names process addresses in every descriptor.
# -m 64: EAL's memory is mapped at start, before the WQ is opened (the
# open mirrors the process's hugetlb memory).
rc=0
DPDK_TEST=dmadev_autotest timeout 300 dpdk-test -l 0 --in-memory -m 64 \
	--no-telemetry -a wq0.1 > $LOG 2>&1 || rc=$?
tr '\r' '\n' < $LOG | grep -E 'IOVA mode|Test dmadev instance|Running|Test OK|Test Failed|failed|Error' |
	grep -v '^Ops submitted' | head -n 30
[ "$rc" = 0 ] || tr '\r' '\n' < $LOG | grep -v '^Ops submitted' | tail -n 25
checkd va:dpdk-bus-autotest "dpdk-test exit $rc" [ "$rc" = 0 ]
check va:dpdk-bus-test-ok grep -q '^Test OK' $LOG
check va:dpdk-bus-instance grep -qE 'Test dmadev instance [0-9]+ \[wq0\.1\]' $LOG
for t in copy 'burst capacity' 'error handling' fill; do
	check "va:dpdk-bus-ran-${t// /-}" bash -c "tr '\r' '\n' < $LOG | grep -q 'Dev [0-9]*: Running $t Tests'"
done
# the error tests read address 0: page faults the device reports, which
# the IOMMU does not log (ATS translation failures are the device's)
check va:no-dmar-fault bash -c "! dmesg | grep -q 'DMAR: \[DMA'"

check va:unload bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind &&
	echo wq0.1 > /sys/bus/dsa/drivers/user/unbind && rmmod idxd_ims"
echo 0 > $HP
check va:dmesg-clean dmesg_clean
finish
