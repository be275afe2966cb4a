#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: nomovdir
#
# The CPU model without MOVDIR64B (-cpu max,movdir64b=off), with two DSAs:
# dsa0 the emulated one, dsa1 passing for silicon (emulation-id=off).
# The driver says at probe that it has no MOVDIR64B; on the emulated DSA
# it submits as 8-byte stores (which only the model assembles) and user
# WQs go through write(); on what looks like real hardware it refuses to
# enable a WQ, says why (dmesg and errno), and holds nothing.
. "$(dirname "$0")/lib.sh"

check nomdb:cpu-lacks-movdir64b bash -c "! grep -qw movdir64b /proc/cpuinfo"
check nomdb:load load_driver
probe0=$(dmesg | grep -o 'dsa0: version.*')
probe1=$(dmesg | grep -o 'dsa1: version.*')
checkd nomdb:probe-emulated "$probe0" grep -q 'emulated, no MOVDIR64B$' <<< "$probe0"
checkd nomdb:probe-silicon "$probe1" grep -q 'IMS entries, no MOVDIR64B$' <<< "$probe1"

# ---- dsa1 (silicon): the device enables, a WQ does not
used=$(<$SYS/dsa1/ims_slots_used)
cfg_wq 1 0 user app 16 && cfg_wq 1 1 kernel kwq 16
check nomdb:silicon-device-enables enable_dev 1
echo wq1.0 > /sys/bus/dsa/drivers/user/bind 2>/tmp/bind.err
checkd nomdb:silicon-wq-refused "$(</tmp/bind.err)" grep -q 'Operation not supported' /tmp/bind.err
check nomdb:silicon-says-why grep -q 'wq1.0: cannot enable: the CPU has no MOVDIR64B to submit with' <(dmesg)
check nomdb:silicon-wq-disabled [ "$(<$SYS/wq1.0/state)" = disabled ]
check nomdb:silicon-no-node [ ! -e /dev/dsa/wq1.0 ]
check nomdb:silicon-no-slot-held [ "$(<$SYS/dsa1/ims_slots_used)" = "$used" ]
echo wq1.1 > /sys/bus/dsa/drivers/dmaengine/bind 2>/tmp/bind.err
check nomdb:silicon-kernel-wq-refused grep -q 'Operation not supported' /tmp/bind.err

# ---- dsa0 (emulated): the kernel's 8-byte stores, user WQs by write()
cfg_wq 0 0 user app 16 && cfg_wq 0 1 kernel kwq 16
check nomdb:emulated-enables enable_dev 0
check nomdb:emulated-user-wq enable_wq 0 0 user
check nomdb:emulated-kernel-wq enable_wq 0 1 dmaengine
out=$("$BIN/lib_smoke" /dev/dsa/wq0.0)
sed -n 's/^@@ TEST lib:/@@ TEST nomdb:lib:/p' <<< "$out"
grep -q '^@@ TEST.* FAIL' <<< "$out" && _failed=1
check nomdb:lib-picks-write grep -qxF 'submission: write()' <<< "$out"
rc=0
out=$("$REPO/build/bin/imsctl" run memmove wq0.0 --size 4K --count 50 2>&1) || rc=$?
checkd nomdb:imsctl-picks-write "exit $rc: $(grep submission <<< "$out")" \
	test "$rc" = 0 -a -n "$(grep 'write submission' <<< "$out")"
check nomdb:dma-client insmod "$KMOD/dma_client_test.ko" count=200
check nomdb:dma-client-verified grep -q '200 memcpys of 1..65536 bytes and 16 memsets verified' <(dmesg)
rmmod dma_client_test 2>/dev/null

check nomdb:unload rmmod idxd_ims
check nomdb:dmesg-clean dmesg_clean
finish
