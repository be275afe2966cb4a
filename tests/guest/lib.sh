# SPDX-License-Identifier: MIT
# Helpers for in-guest tests (sourced).  A test reports each check with
# pass/fail; the first failure does not stop later checks.
REPO=${IDXD_IMS_REPO:?}
PROFILE=${IDXD_IMS_PROFILE:?}
_failed=0

pass() { echo "@@ TEST $1 PASS${2:+ $2}"; }
fail() { echo "@@ TEST $1 FAIL${2:+ $2}"; _failed=1; }
check() {	# check NAME CMD...: pass if CMD succeeds
	local n=$1; shift
	if "$@"; then pass "$n"; else fail "$n" "($*)"; fi
}
checkd() {	# checkd NAME DETAIL CMD...: check, saying DETAIL either way
	local n=$1 d=$2; shift 2
	if "$@"; then pass "$n" "$d"; else fail "$n" "$d ($*)"; fi
}
finish() { exit $_failed; }

# The PCI addresses of all emulated DSA functions, one per line.
dsa_bdfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x0b25 ] &&
			basename "$d"
	done
}

kmod_dir() { echo "$REPO/tests/kmod"; }

# modprobe from the extracted Debian kernel (the host has no such tree).
kload() { modprobe -d "$REPO/.cache/kernel/root" "$@"; }

# Does this profile's machine have Intel VT-d interrupt remapping?
intel_ir() {
	case $PROFILE in intel|cpu4|handles|nomovdir) return 0 ;; esac
	return 1
}

BIN=$REPO/build/tests
SYS=/sys/bus/dsa/devices

# idxd_ims needs vfio and mdev (its virtual DSAs): modprobe would load them
load_driver() { kload -a vfio mdev && insmod "$REPO/driver/idxd_ims.ko" "$@"; }

# Configure wq<dev>.<wq> through sysfs: cfg_wq DEV WQ TYPE NAME [SIZE]
cfg_wq() {
	local w=$SYS/wq$1.$2
	echo 0 > "$w/group_id" && echo dedicated > "$w/mode" &&
	echo "${5:-16}" > "$w/size" && echo "$3" > "$w/type" &&
	echo "$4" > "$w/name" &&
	if [ "$3" = kernel ]; then echo dmaengine; else echo "$3"; fi > "$w/driver_name"
}

# Engine 0 in group 0, the device enabled, then the listed WQs bound.
enable_dev() {
	echo 0 > "$SYS/engine$1.0/group_id" &&
	echo "dsa$1" > /sys/bus/dsa/drivers/idxd/bind
}
enable_wq() { echo "wq$1.$2" > "/sys/bus/dsa/drivers/$3/bind"; }

# dmesg since the test started has no kernel warnings
dmesg_clean() { ! dmesg | grep -qE 'WARNING:|BUG:|Call Trace|general protection'; }

# emu_ctl BDF pause|resume|halt|halt-flr|read OFF: the model's test page
emu_ctl() {
	local d=/sys/kernel/debug/emu_poke
	[ -e $d ] || insmod "$REPO/tests/kmod/emu_poke.ko" || return 1
	echo "$*" > $d/ctl || return 1
	[ "$2" != read ] || cat $d/result
}

dsa_bdf_of() { basename "$(readlink -f "$SYS/dsa$1/..")"; }

# wq_slot DEV WQ: sets bdf irq slot base lo data for wq<DEV>.<WQ>'s IMS
# slot, reading address low and data back from the device itself
wq_slot() {
	bdf=$(dsa_bdf_of "$1")
	irq=$(cat "$SYS/wq$1.$2/ims_irq")
	slot=$(cat "$SYS/wq$1.$2/ims_slot")
	base=$(printf '%#x' $(( 0x8000 + slot * 16 )))
	emu_ctl "$bdf" resume
	lo=$(emu_ctl "$bdf" read "$base")
	data=$(emu_ctl "$bdf" read $(printf '%#x' $(( base + 8 ))))
}

# total of /proc/interrupts for one irq
irq_count() {
	awk -v irq="$1:" '$1 == irq { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts
}

# irte_of ADDR_LO DATA: the decoded VT-d IRTE a remappable message names
irte_of() {
	local d=/sys/kernel/debug/irte_read
	[ -e $d ] || insmod "$REPO/tests/kmod/irte_read.ko" || return 1
	echo "$1 $2" > $d/msg && cat $d/entry
}

# The IRTE destination a CPU has: its APIC ID in physical mode, else the
# x2APIC cluster logical ID.  apic_dest CPU DM
apic_dest() {
	local id
	id=$(awk -v c="$1" '$1 == "processor" { p = $3 } $1 == "apicid" && p == c { print $3 }' /proc/cpuinfo)
	if [ "$2" = 0 ]; then printf '0x%08x\n' "$id"
	else printf '0x%08x\n' $(( ((id >> 4) << 16) | (1 << (id & 15)) )); fi
}
