#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel
# debug-cost: 400
#
# A real guest on a virtual DSA: this machine (L1) runs QEMU (the host's
# build, over the shared root) with -device vfio-pci on an idxd_ims mdev,
# TCG, booting a nested guest (L2) on Debian's stock kernel with its own
# small initramfs (tests/nested/).  In L2, Debian's unmodified upstream
# idxd probes the virtual DSA, a kernel WQ goes to dmaengine and the
# kernel's dmatest copies through it with an interrupt per copy: every
# one of them an L2 MSI-X interrupt that L1 took as an IMS interrupt,
# counted on both sides and equal.  L1 ends with every IMS slot back and
# a clean dmesg.
. "$(dirname "$0")/lib.sh"

Q=$CACHE/qemu/qemu-system-x86_64
K=$(echo "$CACHE"/kernel/root/boot/vmlinuz-*)
L2RD=$CACHE/vm/l2-initramfs-$(<"$CACHE/kernel/version").cpio.gz
N=$(scaled 200)
a=6f1c3a1e-0000-4000-8000-0000000000a2
OUTF=/tmp/l2.console

check nested:l2-initramfs test -s "$L2RD"
check nested:load bash -c "load_driver && kload vfio_iommu_type1"
types=/sys/bus/pci/devices/$(dsa_bdf_of 0)/mdev_supported_types
check nested:mdev-wq bash -c "cfg_wq 0 0 mdev m0 8 && enable_dev 0 && enable_wq 0 0 mdev"
slots0=$(<$SYS/dsa0/ims_slots_used)
check nested:mdev-create bash -c "echo $a > $types/idxd_ims-1dwq/create"
bdf=$(dsa_bdf_of 0)
sent0=$(emu_ctl "$bdf" read 0x1018)

# L1's count of the virtual DSA's vector 1 (L2's WQ completion vector),
# sampled while L2 runs: the vector is freed when QEMU closes the device
l1_sampler() {
	local line
	while :; do
		while read -r line; do
			[[ $line == *"vdsa-$a-1"* ]] && echo "$line" > /tmp/l1.vdsa
		done < /proc/interrupts
		sleep 0.5
	done
}
rm -f /tmp/l1.vdsa
l1_sampler & sampler=$!
t0=$EPOCHREALTIME
timeout 900 "$Q" -L "$CACHE/firmware" -accel tcg -cpu max -smp 1 -m 256M -machine q35 \
	-nodefaults -display none -no-reboot -monitor none -serial stdio \
	-kernel "$K" -initrd "$L2RD" -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$a" \
	-append "console=ttyS0 panic=-1 loglevel=4 l2.run=dmatest l2.iterations=$N" \
	</dev/null > $OUTF 2>&1
rc=$?
t1=$EPOCHREALTIME
sleep 1
kill $sampler; wait $sampler 2>/dev/null
grep -a "@@ L2" $OUTF | sed 's/^/   | /'
l2() { grep -a "^@@ L2$1" $OUTF; }
up=$(l2 -UP | cut -d' ' -f3)
echo "@@ INFO L2 booted to init in ${up:-?} s (its uptime); the whole L2 run took $(( ${t1%.*} - ${t0%.*} )) s"
check nested:qemu-exit [ "$rc" = 0 ]
check nested:l2-booted test -n "$up"
check nested:l2-upstream-idxd-probed bash -c "l2 ' probed dsa0' | grep -q 'state enabled'"
check nested:l2-dmaengine-channel bash -c "l2 ' wq0.0 enabled as dma'"
checkd nested:l2-dmatest "$(l2 ' dmatest' | cut -c 14-)" \
	bash -c "l2 ' dmatest' | grep -q 'summary $N tests, 0 failures'"
l2irq=$(l2 ' portal-interrupts' | cut -d' ' -f4)
checkd nested:l2-interrupt-per-copy "${l2irq:-?} L2 interrupts for $N copies" [ "${l2irq:-0}" = "$N" ]
check nested:l2-dmesg-clean bash -c "l2 ' dmesg-warnings 0'"
l1irq=0
if [ -s /tmp/l1.vdsa ]; then
	read -r _ rest < /tmp/l1.vdsa
	for f in $rest; do [[ $f =~ ^[0-9]+$ ]] || break; l1irq=$(( l1irq + f )); done
fi
sent=$(( $(emu_ctl "$bdf" read 0x1018) - sent0 ))
checkd nested:l1-ims-equals-l2 "L1 IMS interrupts on the vector: $l1irq, the device's IMS messages: $sent, L2's: ${l2irq:-?}" \
	[ "$l1irq" = "${l2irq:-x}" -a "$sent" = "$l1irq" ]
check nested:mdev-remove bash -c "echo 1 > /sys/bus/mdev/devices/$a/remove"
check nested:slots-back [ "$(<$SYS/dsa0/ims_slots_used)" = "$slots0" ]
check nested:unload bash -c "echo wq0.0 > /sys/bus/dsa/drivers/mdev/unbind && rmmod idxd_ims"
check nested:l1-dmesg-clean dmesg_clean
finish
