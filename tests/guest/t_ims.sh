#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel amd noir cpu4 handles
# debug-cost: 79
#
# Per-WQ completion interrupts: IMS through interrupt remapping where
# there is remapping (IMS -> INTEL-IR/AMD-IR -> VECTOR), MSI-X with the
# reason logged where there is not or when forced; exactly one interrupt
# per RCI completion, seen by /proc/interrupts and the eventfd; slots
# released on disable and restored after a reset.
. "$(dirname "$0")/lib.sh"

if intel_ir; then want=ims parent=INTEL-IR
elif [ "$PROFILE" = amd ]; then want=ims parent=AMD-IR
else want=msix parent=""; fi

check ims:load load_driver
bdf=$(dsa_bdf_of 0)
check ims:mode [ "$(<$SYS/dsa0/ims_mode)" = $want ]
if [ $want = ims ]; then
	check ims:reason [ "$(<$SYS/dsa0/ims_reason)" = $parent ]
	check ims:logged grep -q "dsa0: WQ completion interrupts through IMS (2048 slots) and $parent" <(dmesg)
else
	check ims:reason grep -q "no interrupt remapping" $SYS/dsa0/ims_reason
	check ims:logged grep -q "dsa0: IMS not used (no interrupt remapping" <(dmesg)
fi
check ims:no-irq-while-disabled [ "$(<$SYS/wq0.0/ims_irq)" = -1 ]

# wq0.1 is for the per-WQ choice below (sizes are fixed once enabled)
cfg_wq 0 0 user irqtest && cfg_wq 0 1 user msixtest && enable_dev 0 && enable_wq 0 0 user
irq=$(<$SYS/wq0.0/ims_irq)
slot=$(<$SYS/wq0.0/ims_slot)
check ims:irq-assigned [ "$irq" -gt 0 ]
if [ $want = ims ]; then
	check ims:slot-assigned [ "$slot" -ge 0 ]
	check ims:slots-used [ "$(<$SYS/dsa0/ims_slots_used)" = 1 ]
	check ims:chip-name grep -qE "^ *$irq:.* IR-IMS .*wq0.0" /proc/interrupts
	check ims:hierarchy grep -qE "^IMS-$bdf -> $parent-.* -> VECTOR$" $SYS/wq0.0/ims_hierarchy
	cat $SYS/wq0.0/ims_hierarchy
	# the device slot holds the message the domain composed, unmasked
	emu_ctl "$bdf" resume
	base=$(( 0x8000 + slot * 16 ))
	lo=$(emu_ctl "$bdf" read $(printf '%#x' $base))
	ctrl=$(emu_ctl "$bdf" read $(printf '%#x' $((base + 12))))
	check ims:slot-programmed [ $(( lo & 0xfff00000 )) = $(( 0xfee00000 )) ]
	check ims:slot-unmasked [ $(( ctrl & 1 )) = 0 ]
	if [ $parent = INTEL-IR ]; then
		check ims:slot-remappable [ $(( lo & 0x10 )) = 16 ]
	fi
else
	check ims:no-slot [ "$slot" = -1 ]
	check ims:msix-chip grep -qE "^ *$irq:.*PCI-MSIX.*wq0.0" /proc/interrupts
fi

# ---- the allocation benchmark's hook (debugfs alloc_bench): an IMS
# vector against a dynamic MSI-X vector, round after round, everything
# given back.  Only intel's machine has spare MSI-X entries for it; the
# others refuse, saying why.
AB=/sys/kernel/debug/idxd_ims/dsa0/alloc_bench
msi_count() { local a=(/sys/bus/pci/devices/$bdf/msi_irqs/*); echo ${#a[@]}; }
used=$(<$SYS/dsa0/ims_slots_used) nmsi=$(msi_count)
for v in 0 10001 x -1; do
	check "ims:alloc-bench-refuses-$v" bash -c "! echo $v > $AB 2>/dev/null"
done
ab_rounds() {	# N lines "IMS_NS MSIX_NS FIRST", both times above 0
	local n=0 a b f
	while read -r a b f; do
		[ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [[ $f == [01] ]] || return 1
		n=$((n + 1))
	done < $AB
	[ $n = "$1" ]
}
if [ $want = ims ] && [ "$PROFILE" = intel ]; then
	check ims:alloc-bench-runs bash -c "echo 20 > $AB"
	check ims:alloc-bench-rounds ab_rounds 20
else
	check ims:alloc-bench-refused bash -c "! echo 5 > $AB 2>/dev/null"
	check ims:alloc-bench-says-why grep -qE "alloc_bench: (round 0: no MSI-X vector: -[0-9]+ \(no spare MSI-X table entry\)|needs IMS)" <(dmesg)
fi
check ims:alloc-bench-gave-back bash -c "[ \$(<$SYS/dsa0/ims_slots_used) = $used ] && [ \$(msi_count) = $nmsi ] && ! grep -q abench /proc/interrupts"

before=$(irq_count "$irq")
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 200
after=$(irq_count "$irq")
# 200 completions plus the one RCI NOOP after the eventfd was removed
check ims:proc-interrupts-exact [ $(( after - before )) = 201 ]
echo "irq $irq: $before -> $after"
# the library (libidxdims) against the same WQ, on both of its paths:
# MOVDIR64B to the portal where the CPU has it, and write(); it must pick
# the one that fits and say which
bdf=$(dsa_bdf_of 0)
case $(cat "/sys/bus/pci/devices/$bdf/iommu_group/type" 2>/dev/null) in
DMA*) dma=translated ;; *) dma=direct ;; esac
lib_smoke() {	# lib_smoke NAME SAYS [env]: results renamed lib:NAME:...
	local name=$1 says=$2 out
	shift 2
	out=$(env "$@" "$BIN/lib_smoke" /dev/dsa/wq0.0 $dma)
	sed -n "s/^@@ TEST lib:/@@ TEST lib:$name:/p" <<< "$out"
	grep -q '^@@ TEST.* FAIL' <<< "$out" && _failed=1
	check "lib:$name:says-so" grep -qxF "submission: $says" <<< "$out"
}
if grep -qw movdir64b /proc/cpuinfo; then lib_smoke movdir64b MOVDIR64B; fi
lib_smoke write 'write()' IMS_FORCE_WRITE=1

# the debugfs test hooks refuse garbage and change nothing
ctl=/sys/kernel/debug/idxd_ims/dsa0/irq_ctl
check ims:irq_ctl-unknown-wq bash -c "! echo 'wq0.9 disable' > $ctl 2>/dev/null"
check ims:irq_ctl-bad-op bash -c "! echo 'wq0.0 bogus' > $ctl 2>/dev/null"
check ims:irq_ctl-garbage bash -c "! echo 'x' > $ctl 2>/dev/null"
if [ $want = ims ]; then
	fill=/sys/kernel/debug/idxd_ims/dsa0/ims_fill
	check ims:fill-garbage bash -c "! echo abc > $fill 2>/dev/null"
	check ims:fill-too-many bash -c "! echo 4096 > $fill 2>/dev/null"
	check ims:fill-refusals-unchanged [ "$(<$SYS/dsa0/ims_slots_used)" = 1 ]
else
	check ims:fill-refused-without-ims bash -c "! echo 4 > /sys/kernel/debug/idxd_ims/dsa0/ims_fill 2>/dev/null"
fi
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 5

# an interrupt raised while the irq is disabled arrives on enable
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 masked /sys/kernel/debug/idxd_ims/dsa0/irq_ctl wq0.0

# a function-level reset (PCI core) keeps the WQ, its irq and its slot
check ims:flr bash -c "echo 1 > /sys/bus/pci/devices/$bdf/reset"
check ims:flr-restored grep -q "dsa0: restored after a function-level reset" <(dmesg)
check ims:flr-wq-enabled [ "$(<$SYS/wq0.0/state)" = enabled ]
check ims:flr-same-irq [ "$(<$SYS/wq0.0/ims_irq)" = "$irq" ]
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 20
# work in flight across a reset (a halt recovered from, an FLR) is lost,
# the WQ's files are told (ims_wait() -EIO, EPOLLPRI once), new work runs
emu_ctl "$bdf" resume	# loads emu_poke
for m in halt flr; do "$BIN/reset_lost" /dev/dsa/wq0.0 "$bdf" $m; done

# an interrupt pending (irq disabled) across an FLR arrives on enable
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 masked-flr /sys/kernel/debug/idxd_ims/dsa0/irq_ctl wq0.0 \
	/sys/bus/pci/devices/$bdf/reset
if [ $want = ims ]; then
	check ims:flr-slot-restored [ "$(emu_ctl "$bdf" read $(printf '%#x' $base))" = "$lo" ]

	# capacity: every other slot gets an irq and an IRTE; activation
	# stops, cleanly and with the reason, where CPU vectors run out
	fill=/sys/kernel/debug/idxd_ims/dsa0/ims_fill
	check ims:fill bash -c "echo 2048 > $fill"
	read -r got < $fill; echo "ims_fill: $got"
	slots=$(sed -n 's/.*slots=\([0-9]*\).*/\1/p' <<< "$got")
	req=$(sed -n 's/.*requested=\([0-9]*\).*/\1/p' <<< "$got")
	if [ $parent = INTEL-IR ]; then
		check ims:fill-all-slots [ "$slots" = 2047 ]
	else
		check ims:fill-slots-or-reason bash -c "[ $slots = 2047 ] || grep -q IRTE $fill"
	fi
	check ims:fill-reason bash -c "[ $req = $slots ] || grep -q 'no CPU vector left' $fill"
	check ims:fill-many-active [ "$req" -ge 100 ]
	check ims:fill-used [ "$(<$SYS/dsa0/ims_slots_used)" = $(( slots + 1 )) ]
	"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 20
	check ims:fill-release bash -c "echo 0 > $fill"
	check ims:fill-released [ "$(<$SYS/dsa0/ims_slots_used)" = 1 ]
fi

# a reset (halt recovery) restores the slot from the cached message
if [ $want = ims ]; then
	emu_ctl "$bdf" halt
	for i in $(seq 50); do dmesg | grep -q "recovered from halt" && break; sleep 0.1; done
	check ims:halt-recovered grep -q "recovered from halt" <(dmesg)
	check ims:same-irq-after-reset [ "$(<$SYS/wq0.0/ims_irq)" = "$irq" ]
	check ims:slot-restored [ "$(emu_ctl "$bdf" read $(printf '%#x' $base))" = "$lo" ]
	"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 20
fi

# per WQ: completion_irq "msix" puts one WQ on its MSI-X vector while
# another of the same device stays on IMS (the benchmark's pairs); a bad
# value, or any change while enabled, is refused with nothing changed
c=$SYS/wq0.1/completion_irq
check ims:per-wq-default [ "$(<$c)" = auto ]
check ims:per-wq-bad-value bash -c "! echo ims > $c 2>/dev/null && [ \$(<$c) = auto ]"
check ims:per-wq-bad-explained grep -q "wq0.1: completion_irq must be 'auto' or 'msix'" <(dmesg)
check ims:per-wq-set bash -c "echo msix > $c && [ \$(<$c) = msix ]"
enable_wq 0 1 user
irq1=$(<$SYS/wq0.1/ims_irq)
check ims:per-wq-msix [ "$(<$SYS/wq0.1/ims_slot)" = -1 -a "$irq1" -gt 0 ]
check ims:per-wq-msix-chip grep -qE "^ *$irq1:.*PCI-MSIX.*wq0.1" /proc/interrupts
check ims:per-wq-other-kept [ "$(<$SYS/wq0.0/ims_irq)" = "$irq" -a "$(<$SYS/wq0.0/ims_slot)" = "$slot" ]
check ims:per-wq-enabled-refused bash -c "! echo auto > $c 2>/dev/null && [ \$(<$c) = msix ]"
before=$(irq_count "$irq1") before0=$(irq_count "$irq")
"$BIN/dsa_wq_test" /dev/dsa/wq0.1 irq 50
check ims:per-wq-msix-interrupts [ $(( $(irq_count "$irq1") - before )) = 51 ]
check ims:per-wq-not-on-the-other [ "$(irq_count "$irq")" = "$before0" ]
echo wq0.1 > /sys/bus/dsa/drivers/user/unbind
check ims:per-wq-back-to-auto bash -c "echo auto > $c"
enable_wq 0 1 user
if [ $want = ims ]; then
	check ims:per-wq-auto-ims [ "$(<$SYS/wq0.1/ims_slot)" -ge 0 ]
else
	check ims:per-wq-auto-msix [ "$(<$SYS/wq0.1/ims_slot)" = -1 ]
fi
echo wq0.1 > /sys/bus/dsa/drivers/user/unbind

# disable releases the interrupt and the slot; the slot is masked again
check ims:disable-wq bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind"
check ims:irq-released [ "$(<$SYS/wq0.0/ims_irq)" = -1 ]
check ims:irq-gone bash -c "! grep -qE '^ *$irq:.*wq0.0' /proc/interrupts"
if [ $want = ims ]; then
	check ims:slots-released [ "$(<$SYS/dsa0/ims_slots_used)" = 0 ]
	check ims:slot-masked [ $(( $(emu_ctl "$bdf" read $(printf '%#x' $((base + 12)))) & 1 )) = 1 ]
fi
check ims:unload rmmod idxd_ims

# forced MSI-X: same behaviour through MSI-X vectors
check ims:load-forced load_driver force_msix=1
check ims:forced-mode [ "$(<$SYS/dsa0/ims_mode)" = msix ]
check ims:forced-reason grep -q force_msix $SYS/dsa0/ims_reason
cfg_wq 0 0 user irqtest && enable_dev 0 && enable_wq 0 0 user
check ims:forced-no-slot [ "$(<$SYS/wq0.0/ims_slot)" = -1 ]
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 50
check ims:unload-forced rmmod idxd_ims
rmmod emu_poke 2>/dev/null
check ims:dmesg-clean dmesg_clean
finish
