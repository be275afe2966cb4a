#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel cpu4 nomovdir
# debug-cost: 23
#
# The emulated CPU's MOVDIR64B (emu/patches/0001-*.patch): the
# instruction itself (CPUID, RAM, alignment, faults, forms), every CPU
# firing descriptors at one portal page at once with none arriving torn,
# and, on the CPU model without it (nomovdir), CPUID clear and #UD.
. "$(dirname "$0")/lib.sh"

if [ "$PROFILE" = nomovdir ]; then
	"$BIN/movdir64b_test" absent
	finish
fi
"$BIN/movdir64b_test" cpu || _failed=1

# ---- the portal: NOOPs from every CPU at once on one dedicated WQ
check mdb:load load_driver
cfg_wq 0 0 user portal 16 && enable_dev 0 && enable_wq 0 0 user
bdf=$(dsa_bdf_of 0)
ctr() { printf '%d' "$(emu_ctl "$bdf" read $(printf '%#x' $(( 0x1100 + $1 ))))"; }
# portal_run MODE: sets sent, sub, drop, torn from the model's counters
portal_run() {
	local s0 d0 t0 out
	emu_ctl "$bdf" resume
	s0=$(ctr 0) d0=$(ctr 16) t0=$(ctr 24)
	out=$("$BIN/movdir64b_test" "$1" /dev/dsa/wq0.0 4000)
	grep '^@@ TEST' <<< "$out"
	grep -q '^@@ TEST.* FAIL' <<< "$out" && _failed=1
	sent=$(sed -n 's/^portal-sent //p' <<< "$out")
	sleep 1	# let the model run what it queued
	sub=$(( $(ctr 0) - s0 )) drop=$(( $(ctr 16) - d0 )) torn=$(( $(ctr 24) - t0 ))
	counts="sent ${sent:-none}: submitted $sub, dropped $drop, torn $torn"
}
portal_run portal
if [ "$torn" = 0 ]; then pass mdb:portal-none-torn "$counts"
else fail mdb:portal-none-torn "$counts"; fi
check mdb:portal-all-accounted [ "$(( sub + drop ))" = "${sent:-none}" ]
# a dedicated WQ of 16 drops what arrives while it is full, but never all
check mdb:portal-accepted [ "$sub" -ge 16 ]
# The control: the same from every CPU as eight 8-byte stores each does
# tear, so the check above can fail.  Tearing needs two vCPUs storing at
# the same moment, which a loaded host makes rare: up to 6 runs.
for try in 1 2 3 4 5 6; do
	portal_run portal-pieces
	[ "$torn" -gt 0 ] && break
done
if [ "$torn" -gt 0 ]; then pass mdb:control-8-byte-stores-tear "$counts (run $try)"
else fail mdb:control-8-byte-stores-tear "$counts (in each of 6 runs)"; fi
"$BIN/movdir64b_test" mmio-source /dev/dsa/wq0.0 || _failed=1
check mdb:unload rmmod idxd_ims
check mdb:dmesg-clean dmesg_clean
finish
