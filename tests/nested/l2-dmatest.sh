# SPDX-License-Identifier: MIT
#
# Sourced by L2's /init for l2.run=dmatest: Debian's upstream idxd on the
# virtual DSA, its WQ as a kernel WQ for dmaengine, and the kernel's
# dmatest through it (l2.iterations=N, default 200).  One "@@ L2 ..."
# line per step, "@@ L2 FAIL ..." where one fails.
l2arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^l2\.$1=//p" | tail -n 1; }
l2fail() { echo "@@ L2 FAIL $*"; dmesg | tail -n 20; }
# the idxd-portal interrupts L2's kernel took, all CPUs
portal_irqs() {
	awk '/idxd-portal/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts
}
l2_dmatest() {
	local S=/sys/bus/dsa/devices n chan i0 sum
	n=$(l2arg iterations)
	n=${n:-200}
	insmod /lib/modules/idxd_bus.ko && insmod /lib/modules/idxd.ko || { l2fail "insmod idxd"; return; }
	[ -d $S/dsa0 ] || { l2fail "no dsa0"; return; }
	echo "@@ L2 probed dsa0: version $(cat $S/dsa0/version), $(cat $S/dsa0/max_work_queues) WQ(s), configurable $(cat $S/dsa0/configurable), state $(cat $S/dsa0/state), wq0.0 size $(cat $S/wq0.0/size) mode $(cat $S/wq0.0/mode)"
	echo kernel > $S/wq0.0/type && echo dmaengine > $S/wq0.0/name &&
		echo dmaengine > $S/wq0.0/driver_name || { l2fail "wq0.0 attributes"; return; }
	[ "$(cat $S/dsa0/state)" = enabled ] ||
		echo dsa0 > /sys/bus/dsa/drivers/idxd/bind || { l2fail "dsa0 enable"; return; }
	echo wq0.0 > /sys/bus/dsa/drivers/dmaengine/bind || { l2fail "wq0.0 bind"; return; }
	chan=$(ls /sys/class/dma | head -n 1)
	[ -n "$chan" ] || { l2fail "no dmaengine channel"; return; }
	echo "@@ L2 wq0.0 $(cat $S/wq0.0/state) as $chan"
	i0=$(portal_irqs)
	insmod /lib/modules/dmatest.ko timeout=60000 iterations="$n" threads_per_chan=1 \
		channel="$chan" || { l2fail "insmod dmatest"; return; }
	echo 1 > /sys/module/dmatest/parameters/run
	cat /sys/module/dmatest/parameters/wait > /dev/null
	sum=$(dmesg | grep "dmatest: $chan-copy0: summary" | tail -n 1)
	echo "@@ L2 dmatest ${sum#*dmatest: }"
	echo "@@ L2 portal-interrupts $(( $(portal_irqs) - i0 )) for $n copies"
	echo "@@ L2 dmesg-warnings $(dmesg --level=emerg,alert,crit,err,warn 2>/dev/null | wc -l)"
	dmesg --level=emerg,alert,crit,err,warn 2>/dev/null | sed 's/^/@@ L2 warn: /' | head -n 10
}
l2_dmatest
