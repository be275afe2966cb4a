# SPDX-License-Identifier: MIT
# Machine profiles for the test guest (sourced).  Each sets PROFILE_ARGS
# (QEMU arguments beyond the common ones) and PROFILE_CMDLINE (kernel
# arguments), and PROFILE_DESC for people.
PROFILES_ALL="intel amd noir two cpu4"

profile_setup() {
	local dsa="-device intel-dsa,id=dsa0"
	local intel="-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on,eim=on,caching-mode=on"
	PROFILE_SMP=2
	# The IO-APIC timer check counts PIT ticks over a busy-wait; a TCG
	# vCPU starved by a loaded host can miss them and the kernel panics
	# before init.  Nothing here uses the PIT, so skip the check.
	PROFILE_CMDLINE="no_timer_check"
	PROFILE_CONSOLE=ttyS0
	case $1 in
	intel)
		PROFILE_DESC="Intel VT-d with interrupt remapping (x2apic), one DSA"
		PROFILE_ARGS="$intel $dsa" ;;
	amd)
		PROFILE_DESC="AMD-Vi with interrupt remapping, one DSA"
		PROFILE_ARGS="-machine q35,kernel-irqchip=split -device amd-iommu,intremap=on $dsa"
		# QEMU 10.0's AMD-Vi under TCG delivers remapped MSI/MSI-X but
		# not IO-APIC interrupts (the PIT check panics, the 8250's TX
		# interrupt never comes) and does not complete DMA translation
		# for our device.  So: LAPIC ticks without the PIT check, the
		# console on virtio (MSI-X), and DMA identity-mapped; interrupt
		# remapping itself stays on, which is what the profile is for.
		PROFILE_CMDLINE="$PROFILE_CMDLINE iommu.passthrough=1"
		PROFILE_CONSOLE=hvc0 ;;
	noir)
		PROFILE_DESC="no IOMMU, so no interrupt remapping, one DSA"
		PROFILE_ARGS="-machine q35 $dsa" ;;
	two)
		PROFILE_DESC="Intel VT-d with interrupt remapping, two DSAs"
		PROFILE_ARGS="$intel $dsa -device intel-dsa,id=dsa1" ;;
	cpu4)
		PROFILE_DESC="Intel VT-d with interrupt remapping, four vCPUs, one DSA"
		PROFILE_ARGS="$intel $dsa"
		PROFILE_SMP=4 ;;
	*)
		return 1 ;;
	esac
}
