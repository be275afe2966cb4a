# SPDX-License-Identifier: MIT
# Machine profiles for the test guest (sourced).  Each sets PROFILE_ARGS
# (QEMU arguments beyond the common ones) and PROFILE_CMDLINE (kernel
# arguments), and PROFILE_DESC for people.
PROFILES_ALL="intel sva amd noir cpu4 handles nomovdir debug debugsva"

profile_setup() {
	# The device as bare-metal Sapphire Rapids has it: no REQUEST_INT_HANDLE
	# (the model's default); the CPU with MOVDIR64B (-cpu max, patched).
	local dsa="-device intel-dsa,id=dsa0"
	local intel="-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on,eim=on,caching-mode=on"
	PROFILE_SMP=2
	PROFILE_ACCEL=tcg,thread=multi
	PROFILE_CPU=max
	# The IO-APIC timer check counts PIT ticks over a busy-wait; a TCG
	# vCPU starved by a loaded host can miss them and the kernel panics
	# before init.  Nothing here uses the PIT, so skip the check.
	PROFILE_CMDLINE="no_timer_check"
	PROFILE_CONSOLE=ttyS0
	PROFILE_KERNEL=stock
	PROFILE_BASE=$1
	PROFILE_MEM=1G
	PROFILE_TIMEOUT=900	# seconds for the whole boot
	case $1 in
	intel)
		# DMA remapping on too (Debian's kernel leaves it off by
		# default): device DMA is translated, and vfio-pci has groups
		# 4 spare MSI-X entries past SPR's 9: room for dynamic MSI-X,
		# which the allocation benchmark holds IMS against
		PROFILE_DESC="Intel VT-d with DMA and interrupt remapping (x2apic), one DSA (4 spare MSI-X entries)"
		PROFILE_ARGS="$intel $dsa,msix-spare=4"
		PROFILE_CMDLINE="$PROFILE_CMDLINE intel_iommu=on" ;;
	sva)
		# Sapphire Rapids as hosts run it for SVA: VT-d in scalable
		# mode with first-stage tables (process page tables), PASID
		# and device TLBs (ATS); the DSA with PASID and ATS
		# capabilities and shared WQs.  4-level paging (la57=off):
		# QEMU's first stage has no 5-level tables, and Linux keeps
		# SVA off when the CPU could use them.
		PROFILE_DESC="Intel VT-d in scalable mode with PASID (SVA) and interrupt remapping, a DSA with PASID, ATS and shared WQs"
		PROFILE_ARGS="$intel,x-scalable-mode=on,x-flts=on,x-pasid-mode=on,device-iotlb=on,aw-bits=48 $dsa,pasid=on,shared-mode=on"
		PROFILE_CPU=max,la57=off
		PROFILE_CMDLINE="$PROFILE_CMDLINE intel_iommu=on,sm_on" ;;
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
	cpu4)
		PROFILE_DESC="Intel VT-d with interrupt remapping, four vCPUs, one DSA"
		PROFILE_ARGS="$intel $dsa"
		PROFILE_SMP=4 ;;
	handles)
		# two DSAs: dsa0 as a VMM or a newer part presents it, with
		# interrupt handles (REQUEST_INT_HANDLE) that change at each
		# reset, and an event log (DSA 2.0); dsa1 as bare-metal SPR
		PROFILE_DESC="Intel VT-d with interrupt remapping, two DSAs: one with interrupt handles and an event log"
		PROFILE_ARGS="$intel $dsa,int-handles=on,event-log=on,handle-rotate=on -device intel-dsa,id=dsa1" ;;
	nomovdir)
		PROFILE_DESC="as intel (interrupt remapping only), a CPU without MOVDIR64B, a second DSA that looks like silicon"
		PROFILE_ARGS="$intel $dsa -device intel-dsa,id=dsa1,emulation-id=off"
		PROFILE_CPU=max,movdir64b=off ;;
	bench)
		# make bench: intel's machine (its spare MSI-X entries for the
		# allocation benchmark), not a make check profile
		PROFILE_DESC="as intel, for make bench"
		PROFILE_ARGS="$intel $dsa,msix-spare=4"
		PROFILE_CMDLINE="$PROFILE_CMDLINE intel_iommu=on"
		PROFILE_BASE=intel
		PROFILE_TIMEOUT=3600 ;;
	scale)
		# make bench's scale runs: 2048 IMS vectors live at once need
		# the vector space of about 11 CPUs (some 200 device vectors
		# each); 16 vCPUs leave room.  Not a make check profile.
		# One TCG thread for all of them: with a thread per vCPU,
		# QEMU 10.0.2 with 16 vCPUs and intel-iommu segfaulted in
		# address_space_translate_internal() while delivering an
		# interrupt, in 3 boots of 3 (12 vCPUs booted); one thread
		# booted every time, as fast (8 s to init).
		PROFILE_DESC="as intel, 16 vCPUs, for make bench's 2048-vector scale runs"
		PROFILE_ARGS="$intel $dsa"
		PROFILE_CMDLINE="$PROFILE_CMDLINE intel_iommu=on"
		PROFILE_BASE=intel
		PROFILE_SMP=16
		PROFILE_ACCEL=tcg,thread=single
		PROFILE_TIMEOUT=3600 ;;
	debug)
		# intel's machine and tests under KASAN, lockdep, kmemleak,
		# DMA-API debugging, UBSAN, KFENCE and fault injection; KASAN's
		# shadow and kmemleak's pool want the extra memory
		PROFILE_DESC="as intel, on the debug kernel (KASAN, lockdep, kmemleak, DMA-API debug, UBSAN, fault injection)"
		PROFILE_ARGS="$intel $dsa,msix-spare=4"
		# no CPU-bug mitigations: page-table isolation alone costs a
		# TCG guest a TLB flush per system call, and they check nothing.
		# 4-level paging: with LA57, KASAN's "has this address a
		# shadow" test follows the LA57 feature bit, which
		# identify_cpu() clears and sets again at boot; an interrupt
		# in that window was reported as a wild-memory-access in
		# handle_edge_irq (6.12, seen once in make check)
		PROFILE_CMDLINE="$PROFILE_CMDLINE intel_iommu=on mitigations=off no5lvl"
		PROFILE_KERNEL=debug
		PROFILE_BASE=intel
		PROFILE_MEM=2G
		PROFILE_TIMEOUT=2400 ;;
	debugsva)
		# the sva machine on the debug kernel, for the tests of the
		# driver's PASID code that name it (the debug lane's shares
		# run intel's machine, where that code never runs)
		profile_setup sva
		PROFILE_DESC="as sva, on the debug kernel (KASAN, lockdep, kmemleak, DMA-API debug, UBSAN, fault injection)"
		PROFILE_CMDLINE="$PROFILE_CMDLINE mitigations=off"
		PROFILE_KERNEL=debug
		PROFILE_BASE=debugsva
		PROFILE_MEM=2G
		PROFILE_TIMEOUT=2400 ;;
	*)
		return 1 ;;
	esac
}
