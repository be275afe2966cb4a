#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The guest half of 'make demo' (runs inside the emulated machine): load
# idxd_ims, configure a user WQ with accel-config, and show its IMS
# completion interrupt at work through interrupt remapping.
set -u
export IDXD_IMS_REPO=$(cd "$(dirname "$0")/../.." && pwd) IDXD_IMS_PROFILE=intel
. "$IDXD_IMS_REPO/tests/guest/lib.sh"
say() { printf '\n== %s\n' "$*"; }
quiet() { "$@" > /dev/null 2>&1; }

say "Kernel $(uname -r) (Debian's stock build), $(grep -c ^processor /proc/cpuinfo) vCPUs"
dmesg | grep -E 'DMAR-IR: Enabled' | sed 's/^\[[^]]*\] /   /'

say "Loading idxd_ims"
load_driver || exit 1
dmesg | grep -E 'idxd_ims .*dsa0' | sed 's/^\[[^]]*\] idxd_ims /   /'
bdf=$(dsa_bdf_of 0)
printf '   %s: ims_mode=%s (%s)\n' dsa0 "$(cat $SYS/dsa0/ims_mode)" "$(cat $SYS/dsa0/ims_reason)"

say "accel-config: one dedicated user WQ"
accel-config config-engine dsa0/engine0.0 --group-id=0
accel-config config-wq dsa0/wq0.0 --group-id=0 --mode=dedicated --wq-size=16 \
	--type=user --name=demo --driver-name=user --priority=10
accel-config enable-device dsa0 2>&1 | sed 's/^/   /'
accel-config enable-wq dsa0/wq0.0 2>&1 | sed 's/^/   /'

wq_slot 0 0
say "wq0.0's completion interrupt"
printf '   Linux irq %s, IMS slot %s, interrupt handle %s\n' "$irq" "$slot" "$(cat $SYS/wq0.0/ims_handle)"
printf '   irq domains: %s\n' "$(cat $SYS/wq0.0/ims_hierarchy)"
printf '   device slot holds: address %s data %s (bit 4 set: remappable format)\n' "$lo" "$data"
entry=$(irte_of "$lo" "$data")
printf '   the IRTE it names: %s\n' "$(grep -oE '(index|present|vector|dest|sid)=[^ ]*' <<< "$entry" | tr '\n' ' ')"
echo "   (sid is the DSA's requester ID: the IOMMU checks who sent the message)"

say "200 copies through write(), each with a completion interrupt"
before=$(irq_count "$irq")
grep -E "^ *$irq:" /proc/interrupts | sed 's/^/   before: /'
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 irq 200 | grep -E 'one-per-completion|irq-count' |
	sed 's/^@@ TEST drv:/   /'
grep -E "^ *$irq:" /proc/interrupts | sed 's/^/   after:  /'
printf '   %s interrupts for 200 copies and 1 interrupting NOOP\n' $(( $(irq_count "$irq") - before ))

say "Moving the interrupt between CPUs"
for cpu in 1 0; do
	echo $cpu > /proc/irq/$irq/smp_affinity_list
	lo2=$(emu_ctl "$bdf" read "$base")
	entry=$(irte_of "$lo" "$data")
	printf '   -> CPU %s: slot message %s/%s (%s), IRTE %s\n' "$cpu" "$lo2" \
		"$(emu_ctl "$bdf" read $(printf '%#x' $(( base + 8 ))))" \
		"$([ "$lo2" = "$lo" ] && echo unchanged || echo CHANGED)" \
		"$(grep -o 'vector=[^ ]* dest=[^ ]*' <<< "$entry")"
done
echo "   only the IOMMU's entry moves; the device is never rewritten"

say "Latency of one copy, submit to eventfd wake-up (TCG: compare, don't trust absolutes)"
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 latency 2000 | grep -v '^@@' | sed 's/^/   /'

say "Done"
accel-config disable-wq dsa0/wq0.0 2>&1 | sed 's/^/   /'
accel-config disable-device dsa0 2>&1 | sed 's/^/   /'
quiet rmmod irte_read emu_poke
rmmod idxd_ims && echo "   idxd_ims unloaded"
