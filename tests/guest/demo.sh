#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The guest half of 'make demo' (runs inside the emulated machine): load
# idxd_ims, configure a user and a kernel WQ with accel-config, and show
# their IMS completion interrupts at work through interrupt remapping.
set -u
export IDXD_IMS_REPO=$(cd "$(dirname "$0")/../.." && pwd) IDXD_IMS_PROFILE=intel
. "$IDXD_IMS_REPO/tests/guest/lib.sh"
say() { printf '\n== %s\n' "$*"; }
quiet() { "$@" > /dev/null 2>&1; }
imsctl() { "$IDXD_IMS_REPO/build/bin/imsctl" "$@"; }

say "Kernel $(uname -r) (Debian's stock build), $(grep -c ^processor /proc/cpuinfo) vCPUs"
dmesg | grep -E 'DMAR-IR: Enabled' | sed 's/^\[[^]]*\] /   /'

say "Loading idxd_ims"
load_driver || exit 1
dmesg | grep -E 'idxd_ims .*dsa0' | sed 's/^\[[^]]*\] idxd_ims /   /'
bdf=$(dsa_bdf_of 0)
printf '   %s: ims_mode=%s (%s)\n' dsa0 "$(<$SYS/dsa0/ims_mode)" "$(<$SYS/dsa0/ims_reason)"

say "accel-config: a dedicated user WQ and a kernel (dmaengine) WQ"
accel-config config-engine dsa0/engine0.0 --group-id=0
accel-config config-wq dsa0/wq0.0 --group-id=0 --mode=dedicated --wq-size=16 \
	--type=user --name=demo --driver-name=user --priority=10
accel-config config-wq dsa0/wq0.1 --group-id=0 --mode=dedicated --wq-size=16 \
	--type=kernel --name=demo-dma --driver-name=dmaengine --priority=10
accel-config enable-device dsa0 2>&1 | sed 's/^/   /'
accel-config enable-wq dsa0/wq0.0 2>&1 | sed 's/^/   /'
accel-config enable-wq dsa0/wq0.1 2>&1 | sed 's/^/   /'

say "imsctl list: each WQ has its own IMS slot, irq and handle"
imsctl list | sed 's/^/   /'

wq_slot 0 0
say "wq0.0's completion interrupt"
printf '   Linux irq %s, IMS slot %s, interrupt handle %s\n' "$irq" "$slot" "$(<$SYS/wq0.0/ims_handle)"
printf '   irq domains: %s\n' "$(<$SYS/wq0.0/ims_hierarchy)"
printf '   device slot holds: address %s data %s (bit 4 set: remappable format)\n' "$lo" "$data"
entry=$(irte_of "$lo" "$data")
printf '   the IRTE it names: %s\n' "$(grep -oE '(index|present|vector|dest|sid)=[^ ]*' <<< "$entry" | tr '\n' ' ')"
echo "   (sid is the DSA's requester ID: the IOMMU checks who sent the message)"

say "imsctl run: 200 verified 4 KiB copies on wq0.0, each with a completion interrupt"
before=$(irq_count "$irq")
grep -E "^ *$irq:" /proc/interrupts | sed 's/^/   before: /'
imsctl run memmove wq0.0 --count 200 --size 4K --quiet | sed 's/^/   /'
grep -E "^ *$irq:" /proc/interrupts | sed 's/^/   after:  /'
printf '   /proc/interrupts: +%s for 200 copies\n' $(( $(irq_count "$irq") - before ))

kirq=$(<$SYS/wq0.1/ims_irq)
kbefore=$(irq_count "$kirq")
say "The kernel WQ: 2000 dmaengine copies and fills from a kernel client"
insmod "$IDXD_IMS_REPO/tests/kmod/dma_client_test.ko" count=2000 &&
	dmesg | grep dma_client_test | tail -n 2 | sed 's/^\[[^]]*\] /   /'
quiet rmmod dma_client_test
printf '   wq0.1: irq %s, IMS slot %s, %s interrupts taken (completions coalesce under load)\n' \
	"$kirq" "$(<$SYS/wq0.1/ims_slot)" $(( $(irq_count "$kirq") - kbefore ))

say "imsctl irq: moving wq0.0's interrupt between CPUs"
for cpu in 1 0; do
	imsctl irq wq0.0 $cpu | sed -n 2p | sed "s/^ */   -> CPU $cpu: /"
	lo2=$(emu_ctl "$bdf" read "$base")
	entry=$(irte_of "$lo" "$data")
	printf '      slot message %s/%s (%s), IRTE %s\n' "$lo2" \
		"$(emu_ctl "$bdf" read $(printf '%#x' $(( base + 8 ))))" \
		"$([ "$lo2" = "$lo" ] && echo unchanged || echo CHANGED)" \
		"$(grep -o 'vector=[^ ]* dest=[^ ]*' <<< "$entry")"
	imsctl run memmove wq0.0 --count 20 --size 64 --quiet | grep interrupts: | sed 's/^ */      /'
done
echo "   only the IOMMU's entry moves; the device is never rewritten"

say "Latency of one 64-byte copy, submit to completion seen (TCG: compare, don't trust absolutes)"
for mode in --interrupt --poll; do
	printf '   %-12s ' "${mode#--}:"
	imsctl run memmove wq0.0 --count 1000 --size 64 --quiet $mode | grep latency: | sed 's/^ *latency: *//'
done
echo "   eventfd wake-up from the IMS interrupt, against spinning on the record"

say "Done"
accel-config disable-wq dsa0/wq0.0 2>&1 | sed 's/^/   /'
accel-config disable-wq dsa0/wq0.1 2>&1 | sed 's/^/   /'
accel-config disable-device dsa0 2>&1 | sed 's/^/   /'
quiet rmmod irte_read emu_poke
rmmod idxd_ims && echo "   idxd_ims unloaded"
