#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel noir nomovdir
# debug-cost: 93
#
# imsctl against the real driver: list (text and parsed JSON checked
# against sysfs), run for every operation with interrupts and polling
# (results verified, interrupts counted), irq show and move, and the
# error paths: no driver, no such WQ, disabled and kernel WQs, no
# permission, bad arguments and values over the WQ's limits.
. "$(dirname "$0")/lib.sh"

IMSCTL=$REPO/build/bin/imsctl
out=/tmp/imsctl.out
err=/tmp/imsctl.err

case $PROFILE in
noir) want=msix ;;
*) want=ims ;;
esac

# matches_i ERE TEXT: TEXT matches, ignoring case (bash's match: a grep
# per imsctl run cost the debug lane ten seconds)
matches_i() {
	local r
	shopt -s nocasematch
	[[ $2 =~ $1 ]]
	r=$?
	shopt -u nocasematch
	return $r
}

# t NAME WANT_RC [GREP_STDERR] -- imsctl ARGS: exit code (and message)
t() {
	local name=$1 want=$2 pat=$3 rc=0
	shift 3
	"$IMSCTL" "$@" > $out 2> $err || rc=$?
	if [ $rc != "$want" ]; then
		fail "ctl:$name" "exit $rc, want $want: $(head -c 300 $err)"
	elif [ -n "$pat" ] && ! matches_i "$pat" "$(<$err)"; then
		fail "ctl:$name" "stderr lacks '$pat': $(head -c 300 $err)"
	else
		pass "ctl:$name"
	fi
}

# ctl_jcheck NAME EXPR [NAME EXPR...]: jcheck (lib.sh) of the JSON
# in $out, the names under ctl:
ctl_jcheck() {
	local a=()
	while [ $# -ge 2 ]; do
		a+=("ctl:$1" "$2")
		shift 2
	done
	jcheck "$out" "${a[@]}"
}

# ---- before the driver is there
t no-driver-list 1 "not loaded" list
t no-driver-run 1 "not loaded" run memmove wq0.0
t help 0 "" --help
check ctl:help-text grep -q "Usage: imsctl COMMAND" $out
for c in list run irq; do
	t help-$c 0 "" $c --help
	check ctl:help-$c-text grep -q "Usage: imsctl $c" $out
done
t help-cmd 0 "" help run
t version 0 "" --version
t no-command 2 "" 
t unknown-command 2 "no command 'frob'" frob

check ctl:load load_driver
cfg_wq 0 0 user ctl 16 && cfg_wq 0 1 kernel ctlk 16 && cfg_wq 0 2 user off 16 &&
	enable_dev 0 && enable_wq 0 0 user && enable_wq 0 1 dmaengine
check ctl:configured [ "$(<$SYS/wq0.0/state)" = enabled ]

# ---- list
t list 0 "" list
check ctl:list-text grep -qE "^  wq0\.0 +enabled +dedicated +user +16 +$want" $out
t list-json 0 "" list --json
irq=$(<$SYS/wq0.0/ims_irq)
ctl_jcheck list-json-device "d['devices'][0]['name'] == 'dsa0' and d['devices'][0]['irq_mode'] == '$want'" \
	list-json-pci "d['devices'][0]['pci'] == '$(dsa_bdf_of 0)'" \
	list-json-wqs "[w['name'] for w in d['devices'][0]['wqs']][:3] == ['wq0.0', 'wq0.1', 'wq0.2']" \
	list-json-irq "d['devices'][0]['wqs'][0]['irq'] == $irq and d['devices'][0]['wqs'][0]['irq_mode'] == '$want'" \
	list-json-slot "d['devices'][0]['wqs'][0]['ims_slot'] == $(cat $SYS/wq0.0/ims_slot | sed 's/^-1$/None/')" \
	list-json-handle "d['devices'][0]['wqs'][0]['int_handle'] == $(<$SYS/wq0.0/ims_handle)" \
	list-json-affinity "d['devices'][0]['wqs'][0]['affinity'] == '$(</proc/irq/$irq/smp_affinity_list)'" \
	list-json-kernel-wq "d['devices'][0]['wqs'][1]['type'] == 'kernel' and d['devices'][0]['wqs'][1]['cdev'] is None" \
	list-json-disabled-wq "d['devices'][0]['wqs'][2]['state'] == 'disabled' and d['devices'][0]['wqs'][2]['irq'] is None" \
	list-json-cdev "d['devices'][0]['wqs'][0]['cdev'] == '/dev/dsa/wq0.0'"
t list-one-wq 0 "" list --json wq0.0
ctl_jcheck list-one-wq-only "[w['name'] for w in d['devices'][0]['wqs']] == ['wq0.0']"
t list-one-device 0 "" list dsa0
t list-no-device 1 "no such device" list dsa7
t list-bad-name 2 "neither a device" list frob
t list-too-many 2 "at most" list dsa0 dsa1
t list-bad-option 2 "unknown option" list --frob
t list-option-after 0 "" list wq0.0 --json
ctl_jcheck list-option-after-json "d['devices'][0]['wqs'][0]['name'] == 'wq0.0'"
t bundled-bad-option 2 "unknown option '-Z'" run memmove wq0.0 -qZ

# ---- run: every operation, interrupt and poll, results verified
for op in memmove fill compare crc batch; do
	c0=$(<$SYS/wq0.0/ims_irq_count)
	t run-$op 0 "" run $op wq0.0 --count 40 --size 4K --json
	ctl_jcheck run-$op-verified "d['done'] == 40 and d['mismatches'] == 0 and d['verified'] and d['completion'] == 'interrupt'" \
		run-$op-irq-mode "d['irq_mode'] == '$want'" \
		run-$op-one-irq-each "d['interrupts'] == 40 == d['interrupts_expected']"
	check ctl:run-$op-sysfs-count [ $(( $(<$SYS/wq0.0/ims_irq_count) - c0 )) = 40 ]
done
t run-poll 0 "" run memmove wq0.0 --poll --count 50 --json
ctl_jcheck run-poll-no-irq "d['completion'] == 'poll' and d['interrupts'] == 0 and d['done'] == 50"
# which path it submits on, and says: MOVDIR64B where the CPU has it (as
# root), write() otherwise or when told so
if grep -qw movdir64b /proc/cpuinfo; then sub=movdir64b; else sub=write; fi
t run-submission 0 "" run memmove wq0.0 --count 20 --json
ctl_jcheck run-submission-$sub "d['submission'] == '$sub' and d['done'] == 20 and d['mismatches'] == 0"
export IMS_FORCE_WRITE=1
t run-forced-write 0 "" run memmove wq0.0 --count 20 --json
ctl_jcheck run-forced-write-says "d['submission'] == 'write' and d['done'] == 20 and d['mismatches'] == 0"
unset IMS_FORCE_WRITE
t run-depth 0 "" run memmove wq0.0 --depth 8 --count 200 --size 64K --json
ctl_jcheck run-depth-done "d['done'] == 200 and d['mismatches'] == 0 and d['depth'] == 8"
t run-odd-fill 0 "" run fill /dev/dsa/wq0.0 --size 1001 --count 20
t run-batch-big 0 "" run batch dsa0/wq0.0 --batch 32 --size 1K --count 50 --json
ctl_jcheck run-batch-big-done "d['done'] == 50 and d['batch'] == 32 and d['mismatches'] == 0"
maxx=$(<$SYS/wq0.0/max_transfer_size)
t run-max-xfer 0 "" run memmove wq0.0 --size $maxx --count 3 --json
ctl_jcheck run-max-xfer-done "d['done'] == 3 and d['size'] == $maxx and d['mismatches'] == 0"
t run-max-batch 0 "" run batch wq0.0 --batch $(<$SYS/wq0.0/max_batch_size) --size 64 --count 3 --json
ctl_jcheck run-max-batch-done "d['done'] == 3 and d['mismatches'] == 0"
t run-over-buffer 2 "DMA buffer" run batch wq0.0 --batch 32 --size 128K
t run-text 0 "" run crc wq0.0 --count 10
check ctl:run-text-report grep -q "verified: *10 ok, 0 mismatched" $out
t run-progress 0 "" run memmove wq0.0 --count 3000 --size 64 --progress
check ctl:run-progress-lines grep -q "imsctl: memmove .*/3000" $err

# ---- run: refusals
t run-no-wq 1 "no such work queue" run memmove wq0.9
t run-disabled 1 "wq0.2 is disabled" run memmove wq0.2
t run-kernel-wq 1 "kernel work queue" run memmove wq0.1
t run-bad-op 2 "no operation" run frob wq0.0
t run-bad-size 2 "bad size" run memmove wq0.0 --size 12Q
t run-zero-size 2 "bad size" run memmove wq0.0 --size 0
t run-size-over-max 2 "largest transfer" run memmove wq0.0 --size 1G
t run-bad-count 2 "bad count" run memmove wq0.0 --count -5
t run-zero-count 2 "bad count" run memmove wq0.0 --count 0
t run-batch-one 2 "bad batch" run batch wq0.0 --batch 1
t run-batch-over-max 2 "largest batch" run batch wq0.0 --batch 100000
t run-depth-over-size 2 "over wq0.0's size" run memmove wq0.0 --depth 32
t run-depth-over-max 2 "bad depth" run memmove wq0.0 --depth 33
t run-both-modes 2 "exclude" run memmove wq0.0 --poll --interrupt
t run-missing-wq 2 "needs OP and WQ" run memmove
t run-missing-value 2 "needs a value" run memmove wq0.0 --size
t run-bad-wq-name 2 "not a work queue name" run memmove dsa1/wq0.0
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$IMSCTL" run memmove wq0.0 \
	--count 1 > $out 2> $err || rc=$?
check ctl:run-nobody-refused [ $rc = 1 ]
check ctl:run-nobody-says-why grep -q "permission denied" $err

# ---- irq: show, move, refusals
t irq-show 0 "" irq wq0.0 --json
ctl_jcheck irq-show-json "d['irq'] == $irq and d['irq_mode'] == '$want'"
for cpu in 1 0; do
	t irq-move-$cpu 0 "" irq wq0.0 $cpu --json
	# with remapping the IRTE moves at once; MSI without it, at the next interrupt
	ctl_jcheck irq-moved-$cpu "d['affinity'] == '$cpu' and (d['effective_affinity'] == '$cpu') != d['move_pending']"
	[ $want = ims ] && ctl_jcheck irq-moved-at-once-$cpu "not d['move_pending']"
	check ctl:irq-proc-$cpu [ "$(</proc/irq/$irq/smp_affinity_list)" = $cpu ]
	t irq-work-on-$cpu 0 "" run memmove wq0.0 --count 20 --json
	ctl_jcheck irq-work-on-$cpu-counted "d['interrupts'] == 20"
	t irq-after-work-$cpu 0 "" irq wq0.0 --json
	ctl_jcheck irq-effective-$cpu "d['effective_affinity'] == '$cpu' and not d['move_pending']"
	check ctl:irq-counted-on-$cpu [ "$(awk -v i="$irq:" -v c=$((cpu + 2)) '$1 == i { print $c }' /proc/interrupts)" -gt 0 ]
done
t irq-show-text 0 "" irq wq0.0
check ctl:irq-text grep -q "wq0.0: irq $irq, $want" $out
t irq-kernel-wq 0 "" irq wq0.1 --json
ctl_jcheck irq-kernel-wq-has-irq "d['irq'] == $(<$SYS/wq0.1/ims_irq)"
t irq-bad-cpulist 2 "not a CPU list" irq wq0.0 abc
t irq-offline-cpu 1 "refused CPU list '7'" irq wq0.0 7
t irq-disabled-wq 1 "has no interrupt" irq wq0.2
t irq-no-wq 1 "no such work queue" irq wq3.0
t irq-too-many 2 "at most one" irq wq0.0 1 2
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$IMSCTL" irq wq0.0 1 > $out 2> $err || rc=$?
check ctl:irq-nobody-refused [ $rc = 1 ]
check ctl:irq-nobody-says-why grep -q "needs root" $err
check ctl:irq-nobody-unchanged [ "$(</proc/irq/$irq/smp_affinity_list)" = 0 ]

# ---- nothing left behind
echo wq0.0 > /sys/bus/dsa/drivers/user/unbind
echo wq0.1 > /sys/bus/dsa/drivers/dmaengine/unbind
t run-after-disable 1 "disabled" run memmove wq0.0
check ctl:unload rmmod idxd_ims
check ctl:dmesg-clean dmesg_clean
finish
