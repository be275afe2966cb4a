#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: debug
# debug-cost: 105
#
# The interface fuzzers (tests/guest/progs/fuzz.c) on the debug kernel,
# whose checkers (KASAN, lockdep, UBSAN, DMA-API, kmemleak) judge what they
# do: a WQ's char device (ioctls, mmap, write() descriptors), an mdev's
# VFIO device (SET_IRQS, every region, guest descriptors through its
# portal), every writable sysfs attribute, module parameter and debugfs
# hook.  After each, a real client shows the driver still works, and the
# module must still unload.  IDXD_IMS_FUZZ_ITERS and IDXD_IMS_FUZZ_SEED
# (make fuzz FUZZ_ITERS=N FUZZ_SEED=S) set the length and the seed; the
# seed is printed so that a run can be replayed.
. "$(dirname "$0")/lib.sh"

iters=${IDXD_IMS_FUZZ_ITERS:-3000}
seed=${IDXD_IMS_FUZZ_SEED:-20261202}
FUZZ=$BIN/fuzz
echo "@@ INFO fuzz: seed $seed, $iters iterations per interface"

# client NAME CMD...: a real client after a fuzzer, its results renamed
# fuzz:NAME:..., and its exit status a result of its own
client() {
	local n=$1; shift
	"$@" | sed "s/^@@ TEST \([a-z]*:\)\?/@@ TEST fuzz:$n:/"
	check "fuzz:$n" [ "${PIPESTATUS[0]}" = 0 ]
}

setup() {
	load_driver &&
	cfg_wq 0 0 user fuzz0 16 && cfg_wq 0 1 mdev m1 8 && cfg_wq 0 2 mdev m2 8 &&
	enable_dev 0 && enable_wq 0 0 user && enable_wq 0 1 mdev && enable_wq 0 2 mdev
}
check fuzz:setup setup
types=/sys/bus/pci/devices/$(dsa_bdf_of 0)/mdev_supported_types/idxd_ims-1dwq
a=6f1c3a1e-0000-4000-8000-0000000000f1
b=6f1c3a1e-0000-4000-8000-0000000000f2
check fuzz:vfio-type1 kload vfio_iommu_type1
check fuzz:mdevs bash -c "echo $a > $types/create && echo $b > $types/create"

# the char device, then a real client on the same WQ
check fuzz:cdev-exit "$FUZZ" cdev "$seed" "$iters" /dev/dsa/wq0.0
client after-cdev "$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 5

# an mdev through VFIO, then the VMM test on both (it removes b)
check fuzz:vfio-exit "$FUZZ" vfio "$seed" "$iters" "$a"
client after-vfio "$BIN/mdev_vmm" $a $b
[ ! -e /sys/bus/mdev/devices/$a ] || echo 1 > /sys/bus/mdev/devices/$a/remove

# every writable file: the dsa bus's devices and drivers, the mdev types,
# module parameters, debugfs hooks
check fuzz:sysfs-exit "$FUZZ" sysfs "$seed" "$iters" /sys/bus/dsa/devices /sys/bus/dsa/drivers \
	"$(dirname "$types")" /sys/module/idxd_ims/parameters /sys/kernel/debug/idxd_ims
for m in /sys/bus/mdev/devices/*; do [ -e "$m/remove" ] && echo 1 > "$m/remove"; done
check fuzz:unload-after rmmod idxd_ims
check fuzz:reload-after setup
client after-sysfs "$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 5
check fuzz:unload rmmod idxd_ims
finish
