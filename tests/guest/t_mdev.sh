#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel noir handles sva debugsva
# debug-cost: 23
#
# Virtual DSAs (mdev): WQs bound to the "mdev" WQ driver back them; the
# types and available_instances follow free WQs; two mdevs driven by a
# VFIO user (tests/guest/progs/mdev_vmm.c, acting as the VMM) run work
# with interrupts on host IMS slots, refuse bad input, reset, and live
# through a halt of the host device; removing them gives every slot back.
# Without interrupt remapping none exist.
. "$(dirname "$0")/lib.sh"

check mdev:load load_driver
check mdev:vfio-type1 kload vfio_iommu_type1
pdev=/sys/bus/pci/devices/$(dsa_bdf_of 0)
types=$pdev/mdev_supported_types

if [ "$PROFILE" = noir ]; then
	check mdev:no-types-without-ims [ ! -e "$types" ]
	cfg_wq 0 0 mdev m0 8 && enable_dev 0
	check mdev:bind-refused bash -c "! echo wq0.0 > /sys/bus/dsa/drivers/mdev/bind 2>/dev/null"
	check mdev:bind-refused-says-why grep -q "mdev WQs need IMS" <(dmesg)
	check mdev:unload rmmod idxd_ims
	check mdev:dmesg-clean dmesg_clean
	finish
fi

check mdev:types test -d "$types/idxd_ims-1dwq" -a -d "$types/idxd_ims-2dwq"
check mdev:type-api grep -qx vfio-pci "$types/idxd_ims-1dwq/device_api"
check mdev:none-before-wqs [ "$(<$types/idxd_ims-1dwq/available_instances)" = 0 ]

for q in 0 1 2; do cfg_wq 0 $q mdev m$q 8; done
enable_dev 0
for q in 0 1 2; do enable_wq 0 $q mdev; done
check mdev:wq-enabled [ "$(<$SYS/wq0.2/state)" = enabled ]
check mdev:available-1dwq [ "$(<$types/idxd_ims-1dwq/available_instances)" = 3 ]
check mdev:available-2dwq [ "$(<$types/idxd_ims-2dwq/available_instances)" = 1 ]
slots0=$(<$SYS/dsa0/ims_slots_used)

a=6f1c3a1e-0000-4000-8000-00000000000a
b=6f1c3a1e-0000-4000-8000-00000000000b
c=6f1c3a1e-0000-4000-8000-00000000000c
check mdev:create-a bash -c "echo $a > $types/idxd_ims-1dwq/create"
check mdev:create-b bash -c "echo $b > $types/idxd_ims-1dwq/create"
check mdev:available-after [ "$(<$types/idxd_ims-1dwq/available_instances)" = 1 ]
check mdev:available-2dwq-after [ "$(<$types/idxd_ims-2dwq/available_instances)" = 0 ]
# refusals: the create files are there, and say no
refused() { [ -w "$1" ] && ! echo "$2" > "$1" 2>/dev/null; }
check mdev:create-bad-uuid refused $types/idxd_ims-1dwq/create not-a-uuid
check mdev:create-duplicate refused $types/idxd_ims-1dwq/create $a
check mdev:create-2dwq-none-left refused $types/idxd_ims-2dwq/create $c
check mdev:logged grep -q "virtual DSA on dsa0: 1 WQ(s) from wq0" <(dmesg)

emu_ctl "$(dsa_bdf_of 0)" resume	# loads emu_poke for mdev_vmm
# sva's device has PASIDs (debugsva: the same machine): its virtual DSAs use them
case $PROFILE in sva|debugsva) mode=pasid ;; *) mode=bounce ;; esac
check mdev:dma-mode-closed [ "$(< /sys/bus/mdev/devices/$a/dma_mode)" = closed ]
IDXD_IMS_VDSA_MODE=$mode "$BIN/mdev_vmm" $a $b "$(dsa_bdf_of 0)"
check mdev:dma-mode-logged grep -q "$a: guest DMA $([ $mode = pasid ] && echo on PASID || echo through bounce)" <(dmesg)
check mdev:closed-nothing-pinned [ "$(< /sys/bus/mdev/devices/$a/pinned_pages)" = 0 ]
if [ $mode = pasid ]; then
	# the VFIO fuzzer on the PASID path (the debug lane's t_fuzz runs it
	# on intel's bounce path): batch lists changing under the device,
	# the VMM unmapping and mapping memory under work
	check mdev:fuzz-vfio-pasid "$BIN/fuzz" vfio 20261208 "$(scaled 2000)" $a
	check mdev:fuzz-closed-unpinned bash -c "[ \"\$(< /sys/bus/mdev/devices/$a/dma_mode)\" = closed ] &&
		[ \"\$(< /sys/bus/mdev/devices/$a/pinned_pages)\" = 0 ]"
	check mdev:fuzz-dmesg-clean dmesg_clean
fi
check mdev:host-halt-recovered grep -q "dsa0: recovered from halt" <(dmesg)
check mdev:host-halt-said grep -q "$a: host device was reset: the guest's device halts" <(dmesg)
check mdev:slots-baseline [ "$slots0" -ge 3 ]	# the three mdev WQs' own
check mdev:slots-freed-after-close [ "$(<$SYS/dsa0/ims_slots_used)" = "$slots0" ]

check mdev:remove-a bash -c "echo 1 > /sys/bus/mdev/devices/$a/remove"
check mdev:b-removed-by-vmm-test [ ! -e /sys/bus/mdev/devices/$b ]
check mdev:available-back [ "$(<$types/idxd_ims-1dwq/available_instances)" = 3 ]
check mdev:slots-back [ "$(<$SYS/dsa0/ims_slots_used)" = "$slots0" ]

# a 2-WQ instance takes two of the three
check mdev:create-2dwq bash -c "echo $c > $types/idxd_ims-2dwq/create"
check mdev:available-1dwq-with-2dwq [ "$(<$types/idxd_ims-1dwq/available_instances)" = 1 ]
check mdev:remove-2dwq bash -c "echo 1 > /sys/bus/mdev/devices/$c/remove"

# the host takes a WQ back from a virtual DSA: it says so, nothing breaks
d=6f1c3a1e-0000-4000-8000-00000000000d
check mdev:create-d bash -c "echo $d > $types/idxd_ims-1dwq/create"
check mdev:host-unbinds-taken-wq bash -c "echo wq0.0 > /sys/bus/dsa/drivers/mdev/unbind"
check mdev:host-unbind-logged grep -q "wq0.0: taken from virtual DSA $d" <(dmesg)
check mdev:remove-d bash -c "echo 1 > /sys/bus/mdev/devices/$d/remove"

for q in 1 2; do echo wq0.$q > /sys/bus/dsa/drivers/mdev/unbind; done
check mdev:none-after-unbind [ "$(<$types/idxd_ims-1dwq/available_instances)" = 0 ]
check mdev:unload rmmod idxd_ims
check mdev:dmesg-clean dmesg_clean
finish
