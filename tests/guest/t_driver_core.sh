#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel noir handles
# debug-cost: 46
#
# idxd_ims core: probe, sysfs ABI (reads; good and bad writes leave the
# device unchanged), user WQ through write(), full WQ, SWERR, halt and
# recovery, PCI unbind/rebind and module unload with WQs enabled.
. "$(dirname "$0")/lib.sh"

check core:load load_driver
ndev=$(dsa_bdfs | wc -l)
check core:probe-all [ "$(ls -d $SYS/dsa* 2>/dev/null | wc -l)" = "$ndev" ]
check core:module-alias [ -d /sys/module/idxd ]
check core:dmesg-probe grep -q "dsa0: version 0x100, 8 WQs, 4 groups, 4 engines, 2048 IMS entries, emulated" <(dmesg)

# ---- every attribute readable (a few refuse by design)
bad=""
for d in dsa0 wq0.0 group0.0 engine0.0; do
	for f in $SYS/$d/*; do
		[ -f "$f" ] && [ "${f##*/}" != uevent ] || continue
		if ! readable "$f"; then
			case $d/${f##*/} in
			wq0.0/cdev_minor|wq0.0/enqcmds_retries) ;;	# -ENXIO/-EOPNOTSUPP by design
			*) bad="$bad $d/${f##*/}" ;;
			esac
		fi
	done
done
check core:attrs-readable [ -z "$bad" ]
[ -z "$bad" ] || echo "unreadable:$bad"
check core:state-disabled [ "$(<$SYS/dsa0/state)" = disabled ]
# no PASID on these machines (legacy VT-d, or no IOMMU): user WQs keep
# the kernel-checked buffers, and sysfs and dmesg say so
check core:pasid-disabled [ "$(<$SYS/dsa0/pasid_enabled)" = 0 ]
check core:dmesg-why-no-va grep -q "user WQs use kernel-checked buffers: " <(dmesg)
check core:op_cap-format grep -qE '^([0-9a-f]{8},){7}[0-9a-f]{8}$' $SYS/dsa0/op_cap
check core:group-empty-list [ "$(wc -c < $SYS/group0.0/work_queues)" = 0 ]

# ---- writable attributes: good values stick, bad ones are refused and
# leave the old value (attr good bad...)
try_attr() {
	local f=$SYS/$1 good=$2 before after v; shift 2
	echo "$good" > "$f" 2>/dev/null || { echo "good $good refused by $f"; return 1; }
	before=$(<"$f")
	for v in "$@"; do
		if echo "$v" > "$f" 2>/dev/null; then echo "bad '$v' accepted by $f"; return 1; fi
		after=$(<"$f")
		[ "$after" = "$before" ] || { echo "$f changed to $after by '$v'"; return 1; }
	done
}
check core:attr-wq-size try_attr wq0.0/size 16 129 -1 abc ""
check core:attr-wq-size-total try_attr wq0.1/size 100 113
echo 0 > $SYS/wq0.1/size
check core:attr-wq-priority try_attr wq0.0/priority 5 0 16 x
check core:attr-wq-mode try_attr wq0.0/mode dedicated shared bogus
check core:attr-wq-type try_attr wq0.0/type user bogus kernelx
check core:attr-wq-group try_attr wq0.0/group_id 0 4 -2 x
check core:attr-wq-name try_attr wq0.0/name app1 "" "$(head -c 1100 /dev/zero | tr '\0' a)"
check core:attr-wq-driver_name try_attr wq0.0/driver_name user ""
check core:attr-wq-threshold bash -c "! echo 4 > $SYS/wq0.0/threshold 2>/dev/null"
check core:attr-wq-xfer try_attr wq0.0/max_transfer_size 65536 0 4194304 x
check core:attr-wq-xfer-pow2 bash -c "echo 3000 > $SYS/wq0.0/max_transfer_size && [ \$(<$SYS/wq0.0/max_transfer_size) = 4096 ]"
echo 2097152 > $SYS/wq0.0/max_transfer_size
check core:attr-wq-batch try_attr wq0.0/max_batch_size 1024 1 2048 x
check core:attr-wq-bof try_attr wq0.0/block_on_fault 0 1 2
check core:attr-engine-group try_attr engine0.0/group_id 0 4 x
check core:attr-group-rdbuf try_attr group0.0/read_buffers_allowed 8 97 x
check core:attr-group-tc-fixed-on-1.0 try_attr group0.0/traffic_class_a -1 3 8 x
check core:attr-dev-rdbuf-limit try_attr dsa0/read_buffer_limit 0 97 x
check core:attr-group-rdbuf-reserved try_attr group0.0/read_buffers_reserved 2 97 -1 x
check core:attr-group-tokens-alias bash -c "echo 3 > $SYS/group0.0/tokens_reserved && [ \$(<$SYS/group0.0/read_buffers_reserved) = 3 ] && echo 0 > $SYS/group0.0/tokens_reserved"
check core:attr-dev-token-limit-alias bash -c "echo 5 > $SYS/dsa0/token_limit && [ \$(<$SYS/dsa0/read_buffer_limit) = 5 ] && echo 0 > $SYS/dsa0/token_limit"
check core:attr-group-tc-b-fixed-on-1.0 try_attr group0.0/traffic_class_b -1 3 8 x
check core:attr-wq-enqcmds-retries-dedicated bash -c "! echo 1 > $SYS/wq0.0/enqcmds_retries 2>/dev/null && ! cat $SYS/wq0.0/enqcmds_retries 2>/dev/null"
# attributes a capability gates: where shown, good and bad values; where
# the device lacks it, hidden (is_visible), as on a version 1.0 DSA
gated() {	# gated NAME FILE GOOD BAD...
	local name=$1 f=$2
	shift 2
	if [ -e "$SYS/$f" ]; then
		check "core:attr-$name" try_attr "$f" "$@"
	else
		check "core:attr-$name-hidden" [ ! -e "$SYS/$f" -a "$(<$SYS/dsa0/version)" = 0x100 ]
	fi
}
gated group-use-rdbuf-limit group0.0/use_read_buffer_limit 0 2 -1 x
gated group-desc-progress group0.0/desc_progress_limit 0 4 -1 x
gated group-batch-progress group0.0/batch_progress_limit 0 4 -1 x
gated wq-ats-disable wq0.0/ats_disable 0 2 -1 x
gated wq-prs-disable wq0.0/prs_disable 0 2 -1 x
check core:attr-cmd-status-clear bash -c "echo 1 > $SYS/dsa0/cmd_status && [ \$((\$(<$SYS/dsa0/cmd_status))) = 0 ]"
check core:dmesg-explains grep -q "size 113: only 112 entries are left of 128" <(dmesg)

# ---- a command the device refuses (the model's failcmd test control):
# the CMDSTS code decoded in dmesg and cmd_status, nothing left enabled
# or held, and the next try works
bdf=$(dsa_bdf_of 0)
cfg_wq 0 0 user app1
emu_ctl "$bdf" failcmd 0x11
check core:cmd-refused-enable-device bash -c "! echo 0 > $SYS/engine0.0/group_id || ! echo dsa0 > /sys/bus/dsa/drivers/idxd/bind 2>/dev/null"
check core:cmd-refusal-explained grep -q "dsa0: device refused to enable: invalid device configuration (CMDSTS 0x11)" <(dmesg)
check core:cmd-refusal-status [ "$(( $(<$SYS/dsa0/cmd_status) ))" = 17 ]
check core:cmd-refused-disabled [ "$(<$SYS/dsa0/state)" = disabled -a "$(( $(emu_ctl "$bdf" read 0x90) ))" = 0 ]

# ---- enable; then configuration is refused with -EBUSY and unchanged
check core:enable-device enable_dev 0
check core:state-enabled [ "$(<$SYS/dsa0/state)" = enabled ]
check core:enabled-refuses-group bash -c "! echo 1 > $SYS/engine0.0/group_id 2>/dev/null && [ \$(<$SYS/engine0.0/group_id) = 0 ]"
check core:enabled-refuses-size bash -c "! echo 8 > $SYS/wq0.1/size 2>/dev/null"
check core:wrong-driver-refused bash -c "! echo wq0.0 > /sys/bus/dsa/drivers/dmaengine/bind 2>/dev/null"
used0=$(<$SYS/dsa0/ims_slots_used)
emu_ctl "$bdf" failcmd 0x22 6	# ENABLE_WQ (6), not the handle's request
check core:cmd-refused-enable-wq bash -c "! echo wq0.0 > /sys/bus/dsa/drivers/user/bind 2>/dev/null"
check core:wq-refusal-explained grep -q "wq0.0: device refused to enable the WQ: invalid WQ size or threshold (CMDSTS 0x22)" <(dmesg)
check core:wq-refused-nothing-held [ "$(<$SYS/wq0.0/state)" = disabled -a "$(<$SYS/dsa0/ims_slots_used)" = "$used0" -a ! -e /dev/dsa/wq0.0 ]
check core:enable-wq enable_wq 0 0 user
check core:wq-enabled [ "$(<$SYS/wq0.0/state)" = enabled ]
check core:cdev-node [ -c /dev/dsa/wq0.0 ]
check core:enabled-wq-refuses bash -c "! echo 9 > $SYS/wq0.0/priority 2>/dev/null && [ \$(<$SYS/wq0.0/priority) = 5 ]"
check core:cdev_minor grep -qE '^[0-9]+$' $SYS/wq0.0/cdev_minor

# an unconfigured WQ refuses to bind, saying why
check core:unconfigured-wq-refused bash -c "echo user > $SYS/wq0.2/type; ! echo wq0.2 > /sys/bus/dsa/drivers/user/bind 2>/dev/null"
check core:unconfigured-wq-explained grep -q "wq0.2: cannot enable: size is 0" <(dmesg)
echo none > $SYS/wq0.2/type

# ---- user WQ: operations, refusals, full WQ, software errors
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 ops
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 refusals
bdf=$(dsa_bdf_of 0)
emu_ctl "$bdf" resume	# loads emu_poke
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 full "$bdf"
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 swerr
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 batch "$bdf"
check core:errors-attr bash -c "grep -q '[1-9a-f]' $SYS/dsa0/errors"
check core:swerr-dmesg grep -q "software error 0x11 (invalid flags) on wq0.0" <(dmesg)

# ---- halt: the driver recovers by itself, WQ back, work flows
h_start=$(<$SYS/wq0.0/ims_handle)
emu_ctl "$bdf" halt
for i in $(seq 50); do dmesg | grep -q "recovered from halt" && break; sleep 0.1; done
check core:halt-logged grep -q "device halted" <(dmesg)
check core:halt-recovered grep -q "recovered from halt" <(dmesg)
check core:halt-state [ "$(<$SYS/dsa0/state)" = enabled ] 
check core:halt-wq-back [ "$(<$SYS/wq0.0/state)" = enabled ]
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 20

# ---- interrupt handles: after a reset (dsa0 of this profile grants
# other handles then, handle-rotate=on) and after a revocation, the WQ
# asks for a new one and its work still completes with interrupts
if [ "$PROFILE" = handles ]; then
	h0=$(<$SYS/wq0.0/ims_handle)
	check core:handle-from-before-halt [ "$h0" != "$h_start" ]
	bad0=$(( $(emu_ctl "$bdf" read 0x1028) ))
	emu_ctl "$bdf" revoke
	for i in $(seq 50); do dmesg | grep -q "handles revoked" && break; sleep 0.1; done
	check core:revoke-logged grep -q "interrupt handles revoked: asking for new ones" <(dmesg)
	h1=$(<$SYS/wq0.0/ims_handle)
	checkd core:revoke-new-handle "$h0 -> $h1" [ "$h1" != "$h0" ]
	"$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 20 | sed 's/^@@ TEST \([a-z]*:\)\?/@@ TEST core:after-revoke:/'
	check core:revoke-no-bad-handle [ "$(( $(emu_ctl "$bdf" read 0x1028) ))" = "$bad0" ]
fi

# ---- PCI unbind with WQs enabled, rebind, module unload
check core:pci-unbind bash -c "echo $bdf > /sys/bus/pci/drivers/idxd_ims/unbind"
check core:unbound-disabled [ "$(( $(emu_ctl "$bdf" read 0x90) ))" = 0 ]
check core:unbound-gone [ ! -e $SYS/dsa0 ] 
check core:pci-rebind bash -c "echo $bdf > /sys/bus/pci/drivers/idxd_ims/bind"
new=$(basename "$(ls -d /sys/bus/pci/devices/$bdf/dsa* | head -n 1)")
check core:rebound [ -n "$new" ] 
n=${new#dsa}
cfg_wq "$n" 0 user again && enable_dev "$n" && enable_wq "$n" 0 user
"$BIN/dsa_wq_test" "/dev/dsa/wq$n.0" copy 5
# a file held open across the PCI unbind: no use after free, no warning
exec 7<>"/dev/dsa/wq$n.0"
check core:unbind-with-open-file bash -c "echo $bdf > /sys/bus/pci/drivers/idxd_ims/unbind"
check core:open-file-gets-enxio bash -c "! dd if=/dev/zero bs=64 count=1 >&7 2>/dev/null"
exec 7>&-
check core:rebind-after-open-file bash -c "echo $bdf > /sys/bus/pci/drivers/idxd_ims/bind"
# module unload with the device and a WQ enabled, its interrupt live
new=$(basename "$(ls -d /sys/bus/pci/devices/$bdf/dsa* | head -n 1)")
n=${new#dsa}
cfg_wq "$n" 0 user last && enable_dev "$n" && enable_wq "$n" 0 user
check core:rmmod-wq-enabled [ "$(<$SYS/wq$n.0/state)" = enabled ]
"$BIN/dsa_wq_test" "/dev/dsa/wq$n.0" copy 3
check core:rmmod-with-wqs rmmod idxd_ims
check core:rmmod-disabled [ "$(( $(emu_ctl "$bdf" read 0x90) ))" = 0 ]
check core:rmmod-no-char-devices [ ! -e "/dev/dsa/wq$n.0" ]
check core:rmmod-no-irqs bash -c "! grep -qE 'idxd|IR-IMS' /proc/interrupts"
rmmod emu_poke
check core:rmmod-no-dsa-bus [ ! -e /sys/bus/dsa ]

# upstream's idxd_bus holds the dsa bus: idxd_ims refuses, says why
# and what to do, and leaves nothing behind
if kload idxd_bus; then
	check core:refused-beside-upstream bash -c "! insmod $DRIVER_KO 2>/dev/null"
	check core:refusal-explained grep -q "the dsa bus already exists.*modprobe -r idxd idxd_bus" <(dmesg)
	check core:refused-left-nothing bash -c "! grep -q '^idxd_ims ' /proc/modules && [ ! -e /sys/module/idxd_ims ]"
	kload -r idxd_bus
	reload() { load_driver && rmmod idxd_ims; }
	check core:loads-after-upstream-gone reload
else
	fail core:refused-beside-upstream "cannot load Debian's idxd_bus to test against"
fi
check core:dmesg-clean dmesg_clean
finish
