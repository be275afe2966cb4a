#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel amd noir nomovdir handles
# debug-cost: 35
#
# A kernel WQ bound to "dmaengine" is a dmaengine provider; a client
# module using only the dmaengine API runs 10,000 verified memcpys of
# random sizes (and memsets), each completing through the WQ's
# interrupt (IMS where there is remapping).
. "$(dirname "$0")/lib.sh"

check dma:load load_driver
cfg_wq 0 1 kernel dmatest 32 && enable_dev 0
check dma:bind enable_wq 0 1 dmaengine
check dma:channel grep -q "wq0.1: dmaengine channel dma[0-9]*chan0 (memcpy, memset)" <(dmesg)
irq=$(<$SYS/wq0.1/ims_irq)
bdf=$(dsa_bdf_of 0)
emu_ctl "$bdf" resume
# the model counts messages sent (IMS at +0x18, MSI-X at +0x10)
if [ "$(<$SYS/dsa0/ims_mode)" = ims ]; then sent_reg=0x1018; else sent_reg=0x1010; fi
sent0=$(( $(emu_ctl "$bdf" read $sent_reg) ))
before=$(irq_count "$irq")
copies=$(scaled 10000)
check dma:client-$copies insmod "$KMOD/dma_client_test.ko" count=$copies
dmesg | grep dma_client_test | tail -n 2
after=$(irq_count "$irq")
check dma:client-verified grep -q "$copies memcpys of 1..65536 bytes and 16 memsets verified" <(dmesg)
sent=$(( $(emu_ctl "$bdf" read $sent_reg) - sent0 ))
# The device sends one message per descriptor; messages to one vector
# that arrive before the CPU takes the previous merge in the APIC, as on
# hardware, and each interrupt reaps every finished record.
check dma:one-message-per-descriptor [ "$sent" = $(( copies + 16 )) ]
check dma:interrupts-taken test $(( after - before )) -ge 1 -a $(( after - before )) -le "$sent"
echo "irq $irq ($(<$SYS/dsa0/ims_mode)): $sent messages sent, $(( after - before )) interrupts taken"
rmmod dma_client_test
# a halt with work held on the device, and more issued while the device
# is being reset (the model holds the recovery's commands until polled,
# two seconds each): what the device held completes as aborted, what it
# never got runs once it is back
emu_ctl "$bdf" pause
insmod "$KMOD/dma_client_test.ko" reset=1 depth=32 &
pid=$!
for i in $(seq 300); do dmesg | grep -q "16 memcpys issued, held" && break; sleep 0.1; done
emu_ctl "$bdf" halt-hold
for i in $(seq 300); do dmesg | grep -q "dsa0: device halted" && break; sleep 0.1; done
echo 1 > /sys/module/dma_client_test/parameters/go
for i in $(seq 300); do dmesg | grep -q "16 more issued" && break; sleep 0.1; done
emu_ctl "$bdf" resume
wait $pid
check dma:reset-client-returned [ $? = 0 ]
check dma:reset-held-aborted-pending-run \
	grep -q "reset: 16 aborted, 16 completed and verified, 0 wrong, 0 timed out" <(dmesg)
dmesg | grep -E "dma_client_test: (reset|16 more)|dsa0: (device halted|recovered)"
# the second half really went in while the device was resetting
ts() { dmesg | grep -m1 "$1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/'; }
t_more=$(ts "16 more issued") t_back=$(ts "dsa0: recovered from halt")
check dma:reset-issued-while-resetting awk -v a="$t_more" -v b="$t_back" \
	'BEGIN { exit !(a != "" && b != "" && a < b) }'
rmmod dma_client_test 2>/dev/null
check dma:unbind bash -c "echo wq0.1 > /sys/bus/dsa/drivers/dmaengine/unbind"
check dma:no-channel-after [ "$(ls /sys/class/dma | wc -l)" = 0 ]
check dma:rebind enable_wq 0 1 dmaengine
check dma:client-again insmod "$KMOD/dma_client_test.ko" count=500
rmmod dma_client_test
check dma:unload rmmod idxd_ims
rmmod emu_poke
check dma:dmesg-clean dmesg_clean
finish
