#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: debug
# debug-cost: 83
#
# Fault injection (failslab and fail_page_alloc, sleeping allocations
# included) swept across the driver's set-up paths: PCI probe, WQ
# enable, open of a WQ's char device, mdev create, SET_IRQS of an mdev.
# For each path, allocation N fails for N = 1, 2, ... until the path
# needs fewer than N (tests/guest/progs/failnth.c uses the kernel's
# per-task fail-nth).  Each failure must be a clean error: the operation
# fails with an errno, the next attempt without a fault succeeds, and the
# debug kernel sees no use after free or lock problem; kmemleak's scan at
# the end of the run finds anything left behind.  Then a real client
# shows the device still works.  IDXD_IMS_FAULT_STEP (make fuzz sets 1:
# every N) tries every STEP-th N only; make check's default is 13, and 29
# for PCI probe, the longest path by far (about 2,300 allocations, most
# of them the PCI core's, ACPI's and sysfs's, each point a whole probe
# under the debug kernel: a minute and a half of the lane at 13).
. "$(dirname "$0")/lib.sh"

step=${IDXD_IMS_FAULT_STEP:-13}
probe_step=${IDXD_IMS_FAULT_STEP:-29}
FI=/sys/kernel/debug
for a in failslab fail_page_alloc; do
	echo N > $FI/$a/ignore-gfp-wait	# GFP_KERNEL too: what probe uses
	echo 0 > $FI/$a/verbose		# no stack per injected failure
done
echo 0 > $FI/fail_page_alloc/min-order
echo N > $FI/fail_page_alloc/ignore-gfp-highmem

# sweep NAME UNDO-FILE UNDO-VALUE FAILNTH-OP...: N = 1, 1 + step, ...
# until the operation no longer reaches N, all in one failnth process;
# after each N that succeeded, UNDO-VALUE is written to UNDO-FILE (none
# if empty) to put things back.  Every N must end in success or a
# negative errno; the last run, which met no fault, must succeed (and is
# not undone: the operation is then done).
sweep() {
	local name=$1 ufile=$2 uval=$3 out last step=$step
	shift 3
	[ "$name" != probe ] || step=$probe_step
	out=$("$BIN/failnth" sweep $step ${ufile:+undo "$ufile" "$uval"} "$@" 2>&1)
	last=${out##*$'\n'}
	if [[ $last =~ ^done\ tried=([0-9]+)\ failed=([0-9]+)\ rc=0$ ]]; then
		pass "faults:$name" "${BASH_REMATCH[1]} points (every ${step}th) failed in turn (${BASH_REMATCH[2]} gave an error, the rest recovered), then success"
	else
		fail "faults:$name" "$(tail -n 4 <<< "$out" | tr '\n' ' ')"
	fi
}

check faults:load load_driver
bdf=$(dsa_bdf_of 0)
PCIDRV=/sys/bus/pci/drivers/idxd_ims

# probe: unbound, then bound with allocation N failing.  The function
# stays enabled through its sysfs "enable" meanwhile, so that the driver's
# pcim_enable_device() does not evaluate ACPI's _PRT each time: an
# allocation failing in ACPICA there leaves a freed operand in the
# namespace (a use after free KASAN reports on the next _PRT; ACPICA's,
# not ours, and not what this test is about).
echo "$bdf" > $PCIDRV/unbind
echo 1 > /sys/bus/pci/devices/$bdf/enable
sweep probe $PCIDRV/unbind "$bdf" write $PCIDRV/bind "$bdf"
echo 0 > /sys/bus/pci/devices/$bdf/enable
check faults:probe-dsa0 test -d $SYS/dsa0

# WQ enable (a user WQ: its char device too)
# wq0.1 (mdev, for later) too: sizes are fixed once the device is on
user_wq() { cfg_wq 0 0 user f0 16 && cfg_wq 0 1 mdev m1 8 && enable_dev 0; }
check faults:wq-config user_wq
sweep wq-enable /sys/bus/dsa/drivers/user/unbind wq0.0 \
	write /sys/bus/dsa/drivers/user/bind wq0.0

# open of its char device
sweep open "" "" open /dev/dsa/wq0.0
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 5 | sed 's/^@@ TEST \([a-z]*:\)\?/@@ TEST faults:after-open:/'

# mdev create, and SET_IRQS on one
check faults:vfio-type1 kload vfio_iommu_type1
check faults:mdev-wq enable_wq 0 1 mdev
types=/sys/bus/pci/devices/$bdf/mdev_supported_types/idxd_ims-1dwq
check faults:mdev-available-before [ "$(<$types/available_instances)" = 1 ]
u=6f1c3a1e-0000-4000-8000-0000000000e1
sweep mdev-create /sys/bus/mdev/devices/$u/remove 1 write $types/create $u
sweep set-irqs "" "" setirqs $u
check faults:mdev-available [ "$(<$types/available_instances)" = 0 ]
check faults:mdev-remove bash -c "echo 1 > /sys/bus/mdev/devices/$u/remove"
check faults:mdev-available-after [ "$(<$types/available_instances)" = 1 ]

check faults:unload rmmod idxd_ims
# Reports the kernel itself makes under injected failures, not bugs of
# the driver, are taken out of the log before it is checked (and the
# runner's own check then sees a clean log); anything else fails:
#  - "page allocation failure" with a stack: the allocator saying so;
#  - remove_proc_entry() warning from unregister_irq_proc() that a file
#    of /proc/irq/N (spurious, node, smp_affinity...) is missing:
#    register_irq_proc() ignores a failed proc_create() or proc_mkdir(),
#    so freeing such an irq warns (kernel/irq/proc.c, 6.12; the irq
#    core's, not ours: any of its files can be the one that failed);
#  - a warning from device_release() in vfio_create_group()'s error path
#    (drivers/vfio/group.c, 6.12: vfio's own unwinding when an allocation
#    for a new group fails inside __vfio_register_dev()).
# What was left out is listed.
dmesg > /tmp/faults.all
awk '
	function flush(keep) { if (keep) printf "%s", blk; else dropped++; blk = ""; inblk = 0 }
	/cut here/ { inblk = 1; blk = "" }
	/page allocation failure/ { alloc = 1 }
	inblk { blk = blk $0 "\n"; if (/---\[ end trace/) flush(!((blk ~ /name .[a-z_]+./ && blk ~ /unregister_irq_proc/) || blk ~ /vfio_create_group/)); next }
	alloc { if (/<\/TASK>/) alloc = 0; next }
	{ print }
	END { if (inblk) printf "%s", blk }' /tmp/faults.all > /tmp/faults.dmesg
dmesg -C
known=$(grep -cE 'page allocation failure|unregister_irq_proc|vfio_create_group' /tmp/faults.all)
grep -E 'page allocation failure|name .[a-z_]+.$|WARNING:' /tmp/faults.all | sed 's/^\[[^]]*\] //' | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/@@ INFO faults: left out: /'
if grep -E -B 2 -A 30 "$SPLAT_RE" /tmp/faults.dmesg; then
	fail faults:no-report "a report besides the kernel's own under injected failures"
else
	pass faults:no-report "no report but the kernel's own ($known lines of them left out)"
fi
finish
