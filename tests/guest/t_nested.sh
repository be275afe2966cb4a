#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel sva
# debug-cost: 340
# timeout: 720
#
# Real guests on virtual DSAs: this machine (L1) runs QEMU (the host's
# build, over the shared root) with vfio-pci on idxd_ims mdevs, TCG, two
# nested guests (L2) at once on Debian's stock kernel with their own
# small initramfs (tests/nested/).  L2 was booted once on the host to its
# command prompt and saved (make test-modules); each L2 here is that file
# restored with its virtual DSA hot-plugged before it runs
# (tests/nested/l2vm.py).  In each L2, Debian's unmodified upstream idxd
# probes the virtual DSA and the kernel's dmatest copies through a kernel
# WQ, an interrupt per copy: every one an L2 MSI-X interrupt that L1 took
# as an IMS interrupt on that L2's own mdev, counted on both sides and
# equal.  Then what an L2 must not be able to do or undo: descriptors
# naming memory it does not have, a function reset in the middle of
# work, a reboot, and its QEMU killed mid-work; after each, the IMS slots
# its virtual DSA held are back and L1's dmesg is clean.  The debug lane
# runs one L2 (reset and reboot; its kill is mdev_vmm's close mid-work).
# Both paths of a virtual DSA: on intel's machine (no PASID) guest DMA
# goes through the host's bounce buffers; on sva's each virtual DSA has
# a PASID of the host device mapping its guest's memory, and the device
# uses the guest's addresses (BATCH, CFLUSH and large transfers too).
# Two levels of TCG beside other guests: 200 to 300 s (so its own time
# limit; the stock kernel's default is 300 s).
. "$(dirname "$0")/lib.sh"

# 100 copies each on intel (10 in the debug lane); on sva, whose guest
# runs the same L1 paths but for the PASID, 30
if [ "$PROFILE" = sva ]; then N=30; else N=$(scaled 100); fi
a=6f1c3a1e-0000-4000-8000-0000000000a2
b=6f1c3a1e-0000-4000-8000-0000000000b2
SNAP=$CACHE/vm/l2-snapshot-$(<"$CACHE/kernel/version").mig
STEP=/tmp/l2.step

# L1's count on a virtual DSA's vector 1 (L2's WQ completion vector)
vdsa_irqs() {
	local line f s=0
	while read -r line; do
		[[ $line == *" vdsa-$1-1" ]] || continue
		for f in ${line#*:}; do [[ $f =~ ^[0-9]+$ ]] || break; s=$((s + f)); done
	done < /proc/interrupts
	echo $s
}
slots() { echo "$(<$SYS/dsa0/ims_slots_used)"; }
sent() { emu_ctl "$bdf" read 0x1018; }	# IMS messages the device sent

# l2start NAME=UUID...: restore an L2 per mdev, run by l2vm.py as a
# coprocess; l2do STEP: one step (l2vm.py's usage), its answer in $STEP
l2start() {
	local v args=() line
	for v in "$@"; do args+=(--vm "$v"); done
	coproc L2 { exec python3 "$REPO/tests/nested/l2vm.py" run \
		--qemu "$CACHE/qemu/qemu-system-x86_64" --firmware "$CACHE/firmware" \
		--snapshot "$SNAP" --timeout 600 "${args[@]}" 2>&1; }
	: > $STEP
	for v in "$@"; do
		read -r -t 600 line <&"${L2[0]}" || break
		echo "$line" >> $STEP
	done
	sed 's/^/   | /' $STEP
	cp $STEP /tmp/l2.restored
	[ "$(grep -c '^@@ L2-RESTORED' $STEP)" = $# ]
}
l2do() {
	local line
	: > $STEP
	echo "$*" >&"${L2[1]}" || return 1
	while read -r -t 900 line <&"${L2[0]}"; do
		echo "$line" >> $STEP
		[[ $line == "@@ STEP "* ]] && break
	done
	echo "   > $*"
	sed 's/^/   | /' $STEP
	grep -q '^@@ STEP 0 ' $STEP
}
l2() { grep -a "^@@ L2$1" $STEP; }
# l2check NAME STEP: a check on one step, saying how long it took
l2check() {
	local n=$1
	shift
	if l2do "$@"; then
		pass "$n" "$(cut -d' ' -f4 <<< "$(grep '^@@ STEP' $STEP)") s"
	else
		fail "$n" "($*) $(grep -v '^@@ STEP' $STEP | tail -n 3 | tr '\n' ' ')"
	fi
}
l2end() {	# the coprocess ends with its L2s
	exec {L2[1]}>&-
	wait "$L2_PID" 2>/dev/null
}

check nested:snapshot test -s "$SNAP"
check nested:load bash -c "load_driver && kload vfio_iommu_type1"
check nested:mdev-wqs bash -c "cfg_wq 0 0 mdev m0 8 && cfg_wq 0 1 mdev m1 8 && enable_dev 0 &&
	enable_wq 0 0 mdev && enable_wq 0 1 mdev"
bdf=$(dsa_bdf_of 0)
types=/sys/bus/pci/devices/$bdf/mdev_supported_types
slots0=$(slots)
check nested:mdev-create bash -c "echo $a > $types/idxd_ims-1dwq/create && echo $b > $types/idxd_ims-1dwq/create"

# --- two L2s at once, each on its own mdev: upstream idxd, dmatest, an
# interrupt per copy on both sides, each L2's only on its own mdev.  The
# debug lane runs one (a): its checks are on L1's paths, which one L2
# takes as two do, and each L2 costs the debug kernel's guest minutes
if [ "$DEBUG_KERNEL" = 1 ]; then VMS="a"; else VMS="a b"; fi
t0=$EPOCHREALTIME
sent0=$(sent)
specs=()
for v in $VMS; do specs+=("$v=${!v}"); done
l2start "${specs[@]}"
checkd nested:l2-restored "$(tr '\n' ' ' < /tmp/l2.restored)" [ $? = 0 ]
if [ "$PROFILE" = sva ]; then mode=pasid; else mode=bounce; fi
for v in $VMS; do
	m=$(< /sys/bus/mdev/devices/${!v}/dma_mode)
	checkd nested:dma-mode-$v "$m" bash -c "[[ '$m' == $mode* ]]"
done
declare -A i0
for v in $VMS; do i0[$v]=$(vdsa_irqs "${!v}"); done
l2check nested:l2-dmatest-step "all say dmatest $N"
echo "@@ INFO restore, hot-plug, probe and $N copies each: $(( ${EPOCHREALTIME%.*} - ${t0%.*} )) s"
per=() sum=0 ok=1
for v in $VMS; do
	checkd nested:l2-upstream-idxd-probed-$v "$(l2 " probed dsa0.*\[$v\]" | cut -c 20-)" \
		bash -c "l2 ' probed dsa0.*state enabled.*\[$v\]'"
	check nested:l2-dmaengine-channel-$v bash -c "l2 ' wq0.0 enabled as dma.*\[$v\]'"
	checkd nested:l2-dmatest-$v "$(l2 " dmatest.*\[$v\]" | cut -c 14-)" \
		bash -c "l2 ' dmatest.*summary $N tests, 0 failures.*\[$v\]'"
	check nested:l2-dmesg-clean-$v bash -c "l2 ' dmesg-warnings 0 \[$v\]'"
	l=$(l2 " portal-interrupts.*\[$v\]" | cut -d' ' -f4)
	d=$(( $(vdsa_irqs "${!v}") - ${i0[$v]} ))
	checkd nested:l2-interrupt-per-copy-$v "L2 $v: ${l:-?} for $N copies" [ "${l:-0}" = "$N" ]
	per+=("L2 $v ${l:-?}, L1 on its vector $d")
	[ "$d" = "${l:-x}" ] || ok=0
	sum=$((sum + d))
done
nsent=$(( $(sent) - sent0 ))
checkd nested:l1-ims-equals-l2 "${per[*]}; the device's IMS messages $nsent" \
	[ $ok = 1 -a "$nsent" = $sum ]
slots_all=$(slots)
nvm=$(wc -w <<< "$VMS")
checkd nested:l2-holds-slots "$((slots_all - slots0)) IMS slots for $nvm L2s' vectors" \
	[ "$slots_all" = $((slots0 + 2 * nvm)) ]

# --- isolation: descriptors from L2 a (l2-isolate on the portal) naming
# memory L2 does not have get the device's fault status, or SWERR when
# the record itself has nowhere to go; L1 sees no DMAR fault, no warning
l2check nested:isolate-step "a say isolate"
checkd nested:isolate-own "$(l2 ' isolate own')" \
	bash -c "l2 ' isolate own 0x01 .* copied 0x5a5a5a5a00000007'"
checkd nested:isolate-src-fault "$(l2 ' isolate src-outside')" \
	bash -c "l2 ' isolate src-outside 0x03 0x0000000100000000'"
checkd nested:isolate-dst-fault "$(l2 ' isolate dst-outside')" \
	bash -c "l2 ' isolate dst-outside 0x83 0x0000000100001000'"
# SWERR: valid, descriptor and WQ valid, error 0x1a (record address
# translation), MEMMOVE (3)
swerr=$(l2 ' isolate cr-outside' | cut -d' ' -f5)
checkd nested:isolate-cr-swerr "SWERR ${swerr:-none}" \
	bash -c "[ \$(( (${swerr:-0} >> 8) & 0xff )) = 26 ] && [ \$(( ${swerr:-0} & 1 )) = 1 ] && [ \$(( (${swerr:-0} >> 32) & 0xff )) = 3 ]"
# what runs only on a PASID: a 128 KiB copy (the bounce path's limit is
# 64 KiB), CFLUSH, and a BATCH whose members are a copy of L2's own, one
# from outside (a page fault in its own record) and a NOOP asking for
# an interrupt on a vector L2 does not have
if [ $mode = pasid ]; then
	checkd nested:isolate-pasid-big "$(l2 ' isolate big')" \
		bash -c "l2 ' isolate big 0x01 copied 0x5a5a5a5a00000007'"
	checkd nested:isolate-pasid-cflush "$(l2 ' isolate cflush')" \
		bash -c "l2 ' isolate cflush 0x01 '"
	checkd nested:isolate-pasid-batch "$(l2 ' isolate batch')" \
		bash -c "l2 ' isolate batch 0x05 m 0x01 0x03 0x19 fault 0x0000000100000000 copied 0x5a5a5a5a00000007'"
	p="$(< /sys/bus/mdev/devices/$a/pins) guest pages of L2 a pinned while in use, $(< /sys/bus/mdev/devices/$a/pinned_pages) now"
	checkd nested:pasid-pages-pinned "$p" [ "${p%% *}" -gt 0 ]
else
	checkd nested:isolate-bounce-big-refused "$(l2 ' isolate big')" \
		bash -c "l2 ' isolate big 0x13 '"
	checkd nested:isolate-bounce-cflush-refused "$(l2 ' isolate cflush')" \
		bash -c "l2 ' isolate cflush 0x10 '"
	checkd nested:isolate-bounce-batch-refused "$(l2 ' isolate batch')" \
		bash -c "l2 ' isolate batch 0x10 '"
fi
check nested:isolate-no-dmar-fault bash -c "! dmesg | grep -qiE 'DMAR:.*fault|dmar_fault'"
check nested:isolate-l1-dmesg-clean dmesg_clean

# mid_work NAME V: L2 V starts a long dmatest; pass once L1 has seen it
mid_work() {
	local i1 _
	l2check nested:$1-work-started "$2 say dmatest-bg 100000"
	i1=$(vdsa_irqs "${!2}")
	for _ in $(seq 60); do [ $(( $(vdsa_irqs "${!2}") - i1 )) -ge 3 ] && break; sleep 1; done
	checkd nested:$1-mid-work "$(( $(vdsa_irqs "${!2}") - i1 )) completions before it" \
		[ $(( $(vdsa_irqs "${!2}") - i1 )) -ge 3 ]
}

# r: the L2 that is reset and reboots; k: the one L1 kills (intel: b and
# a; the debug lane's one L2 is reset and reboots, and is then quit: its
# kill mid-work is mdev_vmm's close with work in flight there)
r=${VMS##* } k=a
# --- a function reset from L2 r in the middle of work
mid_work reset $r
l2check nested:reset-step "$r say reset"
checkd nested:reset-device-disabled "$(l2 ' reset')" \
	bash -c "l2 ' reset .*: GENSTS 0x00000001 before, 0x00000000 after'"
check nested:reset-l1-dmesg-clean dmesg_clean

# --- L2 r reboots: QEMU resets the machine and the device with it; the
# vectors r's guest had enabled go back (its vector leaves
# /proc/interrupts), the other keeps its own, and r's QEMU, which still
# holds the device open, keeps only the one internal slot every open
# device has
l2check nested:reboot-step "$r send reboot"
l2check nested:reboot-reset-seen "$r reset-wait 120"
for _ in $(seq 30); do [ "$(slots)" = $((slots_all - 1)) ] && break; sleep 1; done
checkd nested:reboot-slots-back "$slots_all before, $(slots) after $r's reboot" \
	[ "$(slots)" = $((slots_all - 1)) ]
check nested:reboot-vector-freed bash -c "! grep -q 'vdsa-${!r}-1' /proc/interrupts"
[ $nvm = 1 ] || check nested:reboot-a-kept bash -c "grep -q 'vdsa-$a-1' /proc/interrupts"
check nested:reboot-l1-dmesg-clean dmesg_clean

if [ $nvm = 2 ]; then
	# --- L1 kills a's QEMU in the middle of work: a's slots all back
	mid_work kill $k
	l2check nested:kill-step "$k kill"
	for _ in $(seq 30); do [ "$(slots)" = $((slots0 + 1)) ] && break; sleep 1; done
	checkd nested:kill-slots-back "$(slots) with $r's QEMU alone" [ "$(slots)" = $((slots0 + 1)) ]
	check nested:kill-vectors-gone bash -c "! grep -q 'vdsa-${!k}' /proc/interrupts"
	m="$(< /sys/bus/mdev/devices/${!k}/dma_mode), $(< /sys/bus/mdev/devices/${!k}/pinned_pages) pinned"
	checkd nested:kill-closed-unpinned "$m" [ "$m" = "closed, 0 pinned" ]
	check nested:kill-l1-dmesg-clean dmesg_clean
fi
l2check nested:quit "$r quit"
l2end
check nested:slots-back-after-quit [ "$(slots)" = "$slots0" ]

check nested:mdev-remove bash -c "echo 1 > /sys/bus/mdev/devices/$a/remove && echo 1 > /sys/bus/mdev/devices/$b/remove"
check nested:slots-back [ "$(slots)" = "$slots0" ]
check nested:unload bash -c "echo wq0.0 > /sys/bus/dsa/drivers/mdev/unbind &&
	echo wq0.1 > /sys/bus/dsa/drivers/mdev/unbind && rmmod idxd_ims"
check nested:l1-dmesg-clean dmesg_clean
finish
