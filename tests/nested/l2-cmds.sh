# SPDX-License-Identifier: MIT
#
# Sourced by L2's /init: the commands the nested test types on L2's
# console.  Each says what it saw on lines "@@ L2 ...", "@@ L2 FAIL ..."
# where something went wrong; /init ends each with "@@ L2-END".
S=/sys/bus/dsa/devices
# L2's memory the test's descriptors use: the kernel command line the
# snapshot was booted with reserves it (memmap=1M$0xf000000), so /dev/mem
# may reach it and nothing else does.
RSV=0xf000000

l2fail() { echo "@@ L2 FAIL $*"; dmesg | tail -n 20 | sed 's/^/@@ L2 dmesg: /'; }
# the idxd-portal interrupts L2's kernel took, all CPUs
portal_irqs() {
	awk '/idxd-portal/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts
}
# the virtual DSA's PCI address (8086:0b25), hot-plugged after the restore
vdsa_bdf() {
	local d v i
	for d in /sys/bus/pci/devices/*; do
		read -r v < "$d/vendor"; read -r i < "$d/device"
		[ "$v:$i" = 0x8086:0x0b25 ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}
# kernel warnings since the last report, then forget them
report_warnings() {
	echo "@@ L2 dmesg-warnings $(dmesg --level=emerg,alert,crit,err,warn 2>/dev/null | wc -l)"
	dmesg --level=emerg,alert,crit,err,warn 2>/dev/null | sed 's/^/@@ L2 warn: /' | head -n 10
	dmesg -c > /dev/null
}

# Wait (2 min at most) for upstream idxd to have probed the device; say
# how long it took from the first command (the hot-plug came just before)
uptime_s() { cut -d' ' -f1 /proc/uptime; }
T0=
l2_device() {
	local i=0
	[ -d $S/dsa0 ] && return 0
	while [ ! -d $S/dsa0 ]; do
		i=$((i + 1))
		[ $i -le 1200 ] || return 1
		sleep 0.1
	done
	echo "@@ L2 device probed $(awk -v a="$T0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s after the first command"
}

# get FILE: its first line, without an exec (each costs L2 a tenth of a
# second or more under two levels of TCG)
get() { local v; read -r v < "$1"; echo "$v"; }
# wq0.0 as a kernel WQ for dmaengine, as an administrator sets it up.
l2_wq_up() {
	local ver nwq cfg st size mode
	read -r st < $S/wq0.0/state
	[ "$st" = enabled ] && return 0
	read -r ver < $S/dsa0/version; read -r nwq < $S/dsa0/max_work_queues
	read -r cfg < $S/dsa0/configurable; read -r st < $S/dsa0/state
	read -r size < $S/wq0.0/size; read -r mode < $S/wq0.0/mode
	echo "@@ L2 probed dsa0: version $ver, $nwq WQ(s), configurable $cfg, state $st, wq0.0 size $size mode $mode"
	echo kernel > $S/wq0.0/type && echo dmaengine > $S/wq0.0/name &&
		echo dmaengine > $S/wq0.0/driver_name || { l2fail "wq0.0 attributes"; return 1; }
	[ "$st" = enabled ] ||
		echo dsa0 > /sys/bus/dsa/drivers/idxd/bind || { l2fail "dsa0 enable"; return 1; }
	echo wq0.0 > /sys/bus/dsa/drivers/dmaengine/bind || { l2fail "wq0.0 bind"; return 1; }
}

# dmatest N [bg]: the kernel's dmatest, N copies through wq0.0's channel,
# each with an interrupt; bg: start it and return (the test then kills
# L2's QEMU in the middle of the work).
l2_dmatest() {
	local n=${1:-200} chan i0 sum
	l2_device || { l2fail "no virtual DSA probed by idxd"; return; }
	l2_wq_up || return
	for chan in /sys/class/dma/*; do break; done
	chan=${chan##*/}
	[ "$chan" != "*" ] || { l2fail "no dmaengine channel"; return; }
	echo "@@ L2 wq0.0 $(get $S/wq0.0/state) as $chan"
	i0=$(portal_irqs)
	insmod /lib/modules/dmatest.ko timeout=60000 iterations="$n" threads_per_chan=1 \
		channel="$chan" || { l2fail "insmod dmatest"; return; }
	echo 1 > /sys/module/dmatest/parameters/run
	if [ "$2" = bg ]; then
		echo "@@ L2 dmatest started"
		return
	fi
	cat /sys/module/dmatest/parameters/wait > /dev/null
	sum=$(dmesg | grep "dmatest: $chan-copy0: summary" | tail -n 1)
	echo "@@ L2 dmatest ${sum#*dmatest: }"
	echo "@@ L2 portal-interrupts $(( $(portal_irqs) - i0 )) for $n copies"
	# dmatest holds its channel until unloaded; idxd may go away next
	rmmod dmatest
	report_warnings
}

# isolate: descriptors written to the portal from L2 (l2-isolate, a
# static program in the initramfs) naming memory L2 does not have: a
# line "@@ L2 isolate CASE STATUS FAULT-ADDR" each, which L1 checks (and
# that it saw no DMAR fault).  The last one's record is outside too:
# only SWERR can say so, and upstream idxd logs it as err[0].
l2_isolate() {
	local bdf bar2
	bdf=$(vdsa_bdf) || { l2fail "no virtual DSA"; return; }
	[ "$(get $S/wq0.0/state)" = enabled ] || { l2fail "wq0.0 is not enabled"; return; }
	bar2=$(sed -n 3p /sys/bus/pci/devices/"$bdf"/resource | cut -d' ' -f1)
	dmesg -c > /dev/null
	/bin/l2-isolate "$bar2" $RSV 0x100000000
	sleep 1
	echo "@@ L2 isolate cr-outside $(dmesg | sed -n 's/.*err\[0\]: *//p' | head -n 1)"
	dmesg -c > /dev/null
}

# reset: the function reset an administrator asks of the device with
# idxd bound (and work in flight if the test started some): FLR, which
# L1's QEMU carries out as VFIO_DEVICE_RESET, config space restored by
# L2's kernel around it.  Upstream idxd (6.12) has no reset handlers, so
# the device is left disabled under it; unbinding idxd instead would
# crash Debian's 6.12.118 on this DSA 1.0 (no event log: see
# docs/mdev.md), so the test resets and then ends this L2.
gensts() { devmem $(($(sed -n 1p /sys/bus/pci/devices/"$1"/resource | cut -d' ' -f1) + 0x90)) 32; }
l2_reset() {
	local bdf before
	bdf=$(vdsa_bdf) || { l2fail "no virtual DSA"; return; }
	before=$(gensts "$bdf")
	echo 1 > /sys/bus/pci/devices/"$bdf"/reset || { l2fail "reset $bdf"; return; }
	echo "@@ L2 reset $bdf by $(get /sys/bus/pci/devices/"$bdf"/reset_method): GENSTS $before before, $(gensts "$bdf") after"
}
