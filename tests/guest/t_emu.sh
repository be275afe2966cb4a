#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel amd noir cpu4 handles
# debug-cost: 13
#
# Device-model conformance: load tests/kmod/dsa_emu_test.ko (a bare PCI
# driver for the emulated DSA) and run each of its checks on every DSA.
. "$(dirname "$0")/lib.sh"

TESTS="caps bad_config memmove ops bad_desc msix_irq ims_irq ims_mask
       bad_handle wq_full reset halt"
if intel_ir; then ir=1; else ir=0; fi

# intel's machine (and the debug lane's) has 4 spare MSI-X entries
spare=0
[ "$PROFILE" = intel ] && spare=4
if ! insmod "$(kmod_dir)/dsa_emu_test.ko" expect_ir_format=$ir msix_spare=$spare; then
	fail emu:load "insmod dsa_emu_test.ko failed"
	finish
fi
bdfs=$(dsa_bdfs)
want=1; [ "$PROFILE" = handles ] && want=2
check emu:devices-found [ "$(echo "$bdfs" | wc -w)" = "$want" ]
for bdf in $bdfs; do
	run=/sys/kernel/debug/dsa_emu_test/$bdf/run
	for t in $TESTS; do
		if echo "$t" > "$run" 2>/dev/null; then
			pass "emu:$t@$bdf"
		else
			fail "emu:$t@$bdf" "$(dmesg | grep -F "$t: line" | tail -n 1)"
		fi
	done
done
# The IMS interrupts arrived on remapped vectors of this device.
if [ $ir = 1 ]; then
	check emu:ir-msix-domain grep -q 'IR-PCI-MSIX.*dsa_emu_test' /proc/interrupts
fi
check emu:unload rmmod dsa_emu_test
finish
