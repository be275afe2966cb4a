#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel cpu4
# debug-cost: 38
#
# IMS affinity under load: 10,000 smp_affinity changes (3,000 on cpu4)
# while RCI descriptors flow on the WQ (one in flight, each must wake the
# eventfd exactly once).  The device slot's message never changes; the IRTE's
# destination follows the effective affinity; /proc/interrupts counts
# exactly one interrupt per completion.  On cpu4 also with CPUs going
# offline and online during the load.
. "$(dirname "$0")/lib.sh"

# cpu4's share is the CPU hotplug under load: the 10,000 moves run on intel
if [ "$PROFILE" = cpu4 ]; then MOVES=${MOVES:-3000}; else MOVES=${MOVES:-$(scaled 10000)}; fi
check aff:load load_driver
cfg_wq 0 0 user afftest && enable_dev 0 && enable_wq 0 0 user
wq_slot 0 0
lo0=$lo data0=$data
entry=$(irte_of "$lo0" "$data0")
check aff:irte-present grep -q "present=1" <<< "$entry"
check aff:irte-sid grep -q "sid=0x$(printf '%04x' $(( 0x$(echo "$bdf" | cut -d: -f2) << 8 | 0x$(echo "$bdf" | cut -d: -f3 | cut -d. -f1) << 3 | ${bdf##*.} )))" <<< "$entry"
echo "slot $slot: addr_lo $lo0 data $data0 -> $entry"
ncpu=$(grep -c ^processor /proc/cpuinfo)

# load: 1 descriptor in flight, one eventfd wake each, for as long as moves go on
count0=$(irq_count "$irq")
handled0=$(<$SYS/wq0.0/ims_irq_count)
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 load > /tmp/load.out 2>&1 &
load=$!
sleep 0.5
# every 500th move, while the load runs: the slot's message is the one
# programmed at enable, and the IRTE names the irq's effective CPU
t0=$(date +%s)
refused=0 samples=0 drift=0 stale=0
for i in $(seq "$MOVES"); do
	echo $(( i % ncpu )) > /proc/irq/$irq/smp_affinity_list || refused=$(( refused + 1 ))
	if (( i % 500 == 0 )); then
		samples=$(( samples + 1 ))
		[ "$(emu_ctl "$bdf" read "$base") $(emu_ctl "$bdf" read $(printf '%#x' $(( base + 8 ))))" = \
		  "$lo0 $data0" ] || drift=$(( drift + 1 ))
		eff=$(</proc/irq/$irq/effective_affinity_list)
		e=$(irte_of "$lo0" "$data0")
		grep -q "dest=$(apic_dest "$eff" "$(sed -n 's/.* dm=\([01]\).*/\1/p' <<< "$e")")" <<< "$e" ||
			stale=$(( stale + 1 ))
	fi
done
check aff:moves-done [ "$i" = "$MOVES" ]
check aff:moves-all-accepted [ "$refused" = 0 ]
check aff:slot-message-constant-under-load [ "$drift" = 0 -a "$samples" = $(( MOVES / 500 )) ]
check aff:irte-follows-under-load [ "$stale" = 0 ]
echo "$MOVES moves in $(( $(date +%s) - t0 )) s; $samples samples: $drift message changes, $stale IRTEs not on the effective CPU"
if [ "$PROFILE" = cpu4 ]; then
	for c in $(seq 100); do
		cpu=$(( 1 + c % (ncpu - 1) ))
		echo 0 > /sys/devices/system/cpu/cpu$cpu/online
		echo "$cpu" > /proc/irq/$irq/smp_affinity_list 2>/dev/null
		echo 1 > /sys/devices/system/cpu/cpu$cpu/online
		echo "$cpu" > /proc/irq/$irq/smp_affinity_list
	done
	check aff:cpu-cycles [ "$c" = 100 ]
	check aff:all-online [ "$(</sys/devices/system/cpu/online)" = "0-$(( ncpu - 1 ))" ]
fi
# the load program runs until killed; its per-completion checks stop it on error
if kill -0 $load 2>/dev/null; then
	kill -INT $load; wait $load
	check aff:load-ran-throughout true
else
	wait $load; fail aff:load-ran-throughout "the load stopped early"
fi
grep '^@@' /tmp/load.out
grep -v '^@@' /tmp/load.out | tail -n 3
done_n=$(sed -n 's/^completions: //p' /tmp/load.out)
check aff:load-completions [ "${done_n:-0}" -gt 100 ]
check aff:no-missed-or-extra grep -q "^mismatches: 0$" /tmp/load.out
count1=$(irq_count "$irq")
handled=$(( $(<$SYS/wq0.0/ims_irq_count) - handled0 ))
# The handler ran exactly once per completion.  /proc/interrupts may show
# a few less across migrations: an edge arriving on the new CPU while the
# old one is still in the handler is replayed by that handler's loop
# without a second kstat increment (genirq's handle_edge_irq).  It must
# never show more (that would be a spurious interrupt).
check aff:handler-exact [ "$handled" = "$done_n" ]
check aff:no-spurious [ $(( count1 - count0 )) -le "$done_n" ]
echo "completions $done_n, handler runs $handled, /proc/interrupts $(( count1 - count0 ))"

lo1=$(emu_ctl "$bdf" read "$base")
data1=$(emu_ctl "$bdf" read $(printf '%#x' $(( base + 8 ))))
check aff:slot-message-unchanged [ "$lo1 $data1" = "$lo0 $data0" ]
# the IRTE names the CPU the irq is effectively on
for cpu in 1 0; do
	echo $cpu > /proc/irq/$irq/smp_affinity_list
	eff=$(</proc/irq/$irq/effective_affinity_list)
	entry=$(irte_of "$lo0" "$data0")
	dm=$(sed -n 's/.* dm=\([01]\).*/\1/p' <<< "$entry")
	check aff:irte-dest-cpu$cpu grep -q "dest=$(apic_dest "$eff" "$dm")" <<< "$entry"
done
check aff:unbind bash -c "echo wq0.0 > /sys/bus/dsa/drivers/user/unbind"
check aff:irte-cleared grep -q "present=0" <(irte_of "$lo0" "$data0")
rmmod irte_read emu_poke
check aff:unload rmmod idxd_ims
check aff:dmesg-clean dmesg_clean
finish
