#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The guest half of 'make demo' (runs inside the emulated machine).
# Until the idxd-ims driver lands this shows the emulated device itself:
# the PCI function, an IMS slot programmed with a remappable message, and
# completion interrupts arriving through interrupt remapping.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf '\n== %s\n' "$*"; }

say "Kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs"
dmesg | grep -E 'DMAR-IR|AMD-Vi: Interrupt remapping' | sed 's/^\[[^]]*\] /   /'

bdf=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/device)" = 0x0b25 ] && basename $d; done | head -n 1)
say "Emulated DSA at $bdf"
lspci -nn -s "$bdf" | sed 's/^/   /'
lspci -vv -s "$bdf" 2>/dev/null | grep -E 'Subsystem|Region|MSI-X|Vector table|PBA' | sed 's/^/   /'

insmod "$REPO/tests/kmod/dsa_emu_test.ko" expect_ir_format=1 || exit 1
run=/sys/kernel/debug/dsa_emu_test/$bdf/run

say "MSI-X vectors of the device (/proc/interrupts) before"
grep dsa_emu_test /proc/interrupts | sed 's/^/   /'

say "20 MEMMOVEs with completion interrupts through IMS slot 1500"
echo "   (the slot holds the remappable message of MSI-X vector 2, so the"
echo "    device's own IRTE routes it: requester-ID checked by the IOMMU)"
dmesg -c > /dev/null
if echo ims_irq > "$run"; then
	dmesg | grep -E 'IMS slot' | sed 's/^\[[^]]*\] /   /'
	echo "   result: every completion raised exactly one interrupt"
else
	echo "   FAILED:"; dmesg | tail -n 5
fi

say "after"
grep dsa_emu_test /proc/interrupts | sed 's/^/   /'

say "Masked IMS slot: the interrupt is latched and delivered on unmask"
echo ims_mask > "$run" && echo "   ok: one interrupt, delivered at unmask"
rmmod dsa_emu_test
say "Done (the idxd-ims driver itself is not written yet; see README)"
