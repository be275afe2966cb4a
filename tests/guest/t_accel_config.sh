#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel
# debug-cost: 58
#
# Real clients nobody here wrote: Debian's accel-config drives the driver
# (config, enable, list, save-config, load-config, disable) and its view
# must match sysfs; DPDK's DSA bus contract (files it reads) is checked.
. "$(dirname "$0")/lib.sh"
export PATH=$PATH:/usr/bin

check ac:load load_driver
accel-config list -i > /tmp/ac-list.json
jcheck /tmp/ac-list.json ac:list-disabled "d[0]['dev'] == 'dsa0' and d[0]['state'] == 'disabled'"
check ac:config-engine accel-config config-engine dsa0/engine0.0 --group-id=0
check ac:config-engine2 accel-config config-engine dsa0/engine0.1 --group-id=1
check ac:config-wq accel-config config-wq dsa0/wq0.0 --group-id=0 --mode=dedicated \
	--wq-size=16 --type=user --name=app1 --driver-name=user --priority=4
check ac:config-wq-kernel accel-config config-wq dsa0/wq0.1 --group-id=1 --mode=dedicated \
	--wq-size=8 --type=kernel --name=dmaeng --driver-name=dmaengine --priority=2
check ac:config-sysfs-match bash -c "[ \$(<$SYS/wq0.0/size) = 16 ] && [ \$(<$SYS/wq0.0/priority) = 4 ] && [ \$(<$SYS/wq0.1/type) = kernel ]"
check ac:config-device accel-config config-device dsa0 --read-buffer-limit=20
check ac:config-device-sysfs [ "$(<$SYS/dsa0/read_buffer_limit)" = 20 ]
check ac:config-device-bad-refused bash -c "! accel-config config-device dsa0 --read-buffer-limit=100000 2>/dev/null && [ \$(<$SYS/dsa0/read_buffer_limit) = 20 ]"
check ac:config-bad-refused bash -c "! accel-config config-wq dsa0/wq0.2 --wq-size=500 2>/dev/null && [ \$(<$SYS/wq0.2/size) = 0 ]"
check ac:enable-device accel-config enable-device dsa0
check ac:enable-wq accel-config enable-wq dsa0/wq0.0
check ac:enable-kernel-wq accel-config enable-wq dsa0/wq0.1
check ac:states bash -c "[ \$(<$SYS/dsa0/state) = enabled ] && [ \$(<$SYS/wq0.0/state) = enabled ] && [ \$(<$SYS/wq0.1/state) = enabled ]"
# what accel-config lists is what sysfs says, WQ by WQ, key by key
accel-config list > /tmp/ac-list.json
jcheck /tmp/ac-list.json ac:list-matches-sysfs "d[0]['state'] == 'enabled' and sorted(w['dev'] for g in d[0]['groups'] for w in g.get('grouped_workqueues', [])) == ['wq0.0', 'wq0.1'] and all(str(w[k]) == open('/sys/bus/dsa/devices/%s/%s' % (w['dev'], k)).read().strip() for g in d[0]['groups'] for w in g.get('grouped_workqueues', []) for k in ('size', 'priority', 'mode', 'type', 'name', 'state', 'group_id'))"
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 5
check ac:save-config accel-config save-config -s /tmp/saved.conf
jcheck /tmp/saved.conf ac:saved-has-wqs "sorted(x['dev'] for g in d[0]['groups'] for x in g.get('grouped_workqueues', [])) == ['wq0.0', 'wq0.1']"
check ac:disable-wq accel-config disable-wq dsa0/wq0.0
check ac:disable-kernel-wq accel-config disable-wq dsa0/wq0.1
check ac:disable-device accel-config disable-device dsa0
check ac:disabled bash -c "[ \$(<$SYS/dsa0/state) = disabled ] && [ \$(<$SYS/wq0.0/state) = disabled ]"
# Reset the configuration, then load one in the format of accel-config's
# shipped profiles.  (accel-config 3.5.3 cannot load its own save-config
# output on a version 1.0 device: it refuses traffic_class locally.)
for w in 0 1; do echo 0 > $SYS/wq0.$w/size; echo none > $SYS/wq0.$w/type; done
cat > /tmp/profile.conf <<JSON
[ { "dev": "dsa0", "read_buffer_limit": 0,
    "groups": [
      { "dev": "group0.0", "read_buffers_reserved": 0, "use_read_buffer_limit": 0,
        "read_buffers_allowed": 8,
        "grouped_workqueues": [
          { "dev": "wq0.0", "mode": "dedicated", "size": 16, "group_id": 0,
            "priority": 4, "block_on_fault": 0, "max_batch_size": 1024,
            "max_transfer_size": 2097152, "type": "user", "driver_name": "user",
            "name": "app1", "threshold": 0 },
          { "dev": "wq0.1", "mode": "dedicated", "size": 8, "group_id": 0,
            "priority": 2, "block_on_fault": 0, "max_batch_size": 32,
            "max_transfer_size": 65536, "type": "kernel",
            "driver_name": "dmaengine", "name": "dmaeng", "threshold": 0 } ],
        "grouped_engines": [ { "dev": "engine0.0", "group_id": 0 } ] } ] } ]
JSON
check ac:load-config accel-config load-config -c /tmp/profile.conf -e
check ac:load-config-applied bash -c "[ \$(<$SYS/wq0.0/state) = enabled ] && [ \$(<$SYS/wq0.0/size) = 16 ] && [ \$(<$SYS/wq0.1/name) = dmaeng ] && [ \$(<$SYS/wq0.1/max_batch_size) = 32 ] && [ \$(<$SYS/group0.0/read_buffers_allowed) = 8 ]"
"$BIN/dsa_wq_test" /dev/dsa/wq0.0 copy 5
# an open WQ: accel-config refuses to disable it without -f
exec 7<>/dev/dsa/wq0.0
check ac:clients-counted [ "$(<$SYS/wq0.0/clients)" = 1 ]
check ac:busy-wq-kept bash -c "! accel-config disable-wq dsa0/wq0.0 2>/dev/null; [ \$(<$SYS/wq0.0/state) = enabled ]"
exec 7>&-
check ac:disable-all bash -c "accel-config disable-wq dsa0/wq0.0 && accel-config disable-wq dsa0/wq0.1 && accel-config disable-device dsa0"

# ---- DPDK's dsa bus: what it reads for a WQ named dpdk_*
cfg_wq 0 2 user dpdk_app 8 && enable_dev 0 && enable_wq 0 2 user
check dpdk:type-user grep -q '^user' $SYS/wq0.2/type
check dpdk:name-prefix grep -q '^dpdk_' $SYS/wq0.2/name
check dpdk:size-number grep -qE '^[0-9]+$' $SYS/wq0.2/size
check dpdk:max-batch-number grep -qE '^[0-9]+$' $SYS/wq0.2/max_batch_size
check dpdk:numa-node grep -qE '^-?[0-9]+$' $SYS/dsa0/numa_node
check dpdk:dev-node [ -c /dev/dsa/wq0.2 ]
check dpdk:portal-mmap python3 -c "
import mmap, os
fd = os.open('/dev/dsa/wq0.2', os.O_RDWR)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_WRITE, offset=0)
m.close(); os.close(fd)"
check ac:unload rmmod idxd_ims
check ac:dmesg-clean dmesg_clean
finish
