# SPDX-License-Identifier: MIT
# Helpers for in-guest tests (sourced).  A test reports each check with
# pass/fail; the first failure does not stop later checks.
REPO=${IDXD_IMS_REPO:?}
PROFILE=${IDXD_IMS_PROFILE:?}
_failed=0

pass() { echo "@@ TEST $1 PASS${2:+ $2}"; }
fail() { echo "@@ TEST $1 FAIL${2:+ $2}"; _failed=1; }
# _run CMD...: CMD; "bash -c STRING" runs in a subshell of this shell
# instead of a new bash: an exec costs the debug kernel's guest half a
# second (kmemleak and KASAN on every page a new process touches), a
# fork a twentieth of that
_run() {
	if [ $# = 3 ] && [ "$1" = bash ] && [ "$2" = -c ]; then
		( eval "$3" )
	else
		"$@"
	fi
}
check() {	# check NAME CMD...: pass if CMD succeeds
	local n=$1; shift
	if _run "$@"; then pass "$n"; else fail "$n" "($*)"; fi
}
checkd() {	# checkd NAME DETAIL CMD...: check, saying DETAIL either way
	local n=$1 d=$2; shift 2
	if _run "$@"; then pass "$n" "$d"; else fail "$n" "$d ($*)"; fi
}
finish() { exit $_failed; }

# The PCI addresses of all emulated DSA functions, one per line.
dsa_bdfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(<"$d/vendor")" = 0x8086 ] && [ "$(<"$d/device")" = 0x0b25 ] &&
			basename "$d"
	done
}

# The kernel this guest runs: Debian's stock 6.12, or the debug lane's
# (the same 6.12 with the kernel's checkers on), each with the modules
# built for it.
# The host's cache (CACHE=..., passed by boot.sh; the repo's .cache by default).
CACHE=${IDXD_IMS_CACHE:-$REPO/.cache}
case $(uname -r) in
*-idxd-ims-debug)
	DEBUG_KERNEL=1
	KROOT=$CACHE/debug-kernel/root
	KMOD=$REPO/build/debug/kmod
	DRIVER_KO=$REPO/build/debug/driver/idxd_ims.ko
	DMATEST_KO=$KROOT/lib/modules/$(uname -r)/kernel/drivers/dma/dmatest.ko ;;
*)
	DEBUG_KERNEL=0
	KROOT=$CACHE/kernel/root
	KMOD=$REPO/tests/kmod
	DRIVER_KO=$REPO/build/test/driver/idxd_ims.ko	# with the test hooks
	# Debian builds no dmatest: 'make upstream-modules' builds upstream's
	DMATEST_KO=$CACHE/upstream-kmod/dmatest/drivers/dma/dmatest.ko ;;
esac
kmod_dir() { echo "$KMOD"; }

# scaled N: a repetition count (copies, moves, cycles) for this kernel.
# The debug kernel's checkers make each step several times slower; it
# runs every check with a tenth of the repetitions (at least 1).
scaled() {
	if [ "$DEBUG_KERNEL" = 1 ]; then echo $(( ($1 + 9) / 10 )); else echo "$1"; fi
}

# modprobe from the extracted kernel's tree (the host has no such tree).
kload() { modprobe -d "$KROOT" "$@"; }

# Does this profile's machine have Intel VT-d interrupt remapping?
intel_ir() {
	case $PROFILE in intel|cpu4|handles|nomovdir) return 0 ;; esac
	return 1
}

BIN=$REPO/build/tests
SYS=/sys/bus/dsa/devices

# idxd_ims needs vfio and mdev (its virtual DSAs): modprobe would load them
load_driver() { kload -a vfio mdev && insmod "$DRIVER_KO" "$@"; }

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

# What the kernel says when something is wrong: WARN and BUG, oopses,
# lockdep (its reports are WARNINGs), KASAN and KFENCE (BUGs), UBSAN,
# DMA-API debugging, hung tasks, RCU stalls, list corruption.
SPLAT_RE='WARNING:|BUG:|UBSAN:|DMA-API: |general protection|Call Trace|INFO: task [^[:cntrl:]]* blocked|rcu: INFO:|list_(add|del) corruption|kmemleak: [0-9]+ new suspected'

# dmesg since the test started has no kernel warnings (one exec: the
# match is bash's own; SPLAT_RE stays within a line)
dmesg_clean() {
	local log
	log=$(dmesg)
	! [[ $log =~ $SPLAT_RE ]]
}

# readable FILE: a read of FILE succeeds, without an exec ($(<FILE)
# hides a read error; read's message on stderr says it)
readable() {
	local v
	read -r -d '' v 2> /run/readable.err < "$1"
	[ ! -s /run/readable.err ]
}

# jcheck FILE NAME EXPR [NAME EXPR...]: one test per Python expression
# over the JSON in FILE (as d), passing if it is True.  One python3 serves
# the whole test file, started at the first call (each start costs the
# debug kernel's guest seconds): it reads the file name, then
# "name<TAB>expr" lines up to ".", and answers with result lines and
# "@@END".
_jcheck_start() {
	coproc JSONCHK { python3 -S -u -c '
import json, sys
while True:
    path = sys.stdin.readline().strip()
    if not path:
        break
    try:
        text = open(path).read()
        d = json.loads(text)
    except Exception as e:
        d, text = None, "not JSON: %s: %s" % (e, text if "text" in dir() else "")
    for line in iter(sys.stdin.readline, ".\n"):
        name, expr = line.rstrip("\n").split("\t", 1)
        try:
            ok = d is not None and eval(expr) is True
        except Exception:
            ok = False
        print("@@ TEST %s %s" % (name, "PASS" if ok else
              "FAIL %s in %s" % (expr, " ".join(text[:600].split()))))
    print("@@END")
'; }
}
jcheck() {
	local line
	[ -n "${JSONCHK_PID:-}" ] || _jcheck_start
	echo "$1" >&"${JSONCHK[1]}"
	shift
	while [ $# -ge 2 ]; do
		printf '%s\t%s\n' "$1" "$2" >&"${JSONCHK[1]}"
		shift 2
	done
	echo . >&"${JSONCHK[1]}"
	while IFS= read -r line <&"${JSONCHK[0]}" && [ "$line" != "@@END" ]; do
		echo "$line"
		case $line in *" FAIL "*) _failed=1 ;; esac
	done
}

# emu_ctl BDF pause|resume|halt|halt-flr|read OFF: the model's test page
emu_ctl() {
	local d=/sys/kernel/debug/emu_poke
	[ -e $d ] || insmod "$KMOD/emu_poke.ko" || return 1
	echo "$*" > $d/ctl || return 1
	[ "$2" != read ] || printf '%s\n' "$(<$d/result)"
}

dsa_bdf_of() {
	local p
	p=$(cd -P "$SYS/dsa$1/.." && pwd) && echo "${p##*/}"
}

# wq_slot DEV WQ: sets bdf irq slot base lo data for wq<DEV>.<WQ>'s IMS
# slot, reading address low and data back from the device itself
wq_slot() {
	bdf=$(dsa_bdf_of "$1")
	irq=$(<"$SYS/wq$1.$2/ims_irq")
	slot=$(<"$SYS/wq$1.$2/ims_slot")
	base=$(printf '%#x' $(( 0x8000 + slot * 16 )))
	emu_ctl "$bdf" resume
	lo=$(emu_ctl "$bdf" read "$base")
	data=$(emu_ctl "$bdf" read $(printf '%#x' $(( base + 8 ))))
}

# total of /proc/interrupts for one irq
irq_count() {
	local key rest f s=0
	while read -r key rest; do
		[ "$key" = "$1:" ] || continue
		for f in $rest; do
			[[ $f =~ ^[0-9]+$ ]] || break
			s=$((s + f))
		done
		echo "$s"
		return
	done < /proc/interrupts
}

# irte_of ADDR_LO DATA: the decoded VT-d IRTE a remappable message names
irte_of() {
	local d=/sys/kernel/debug/irte_read
	[ -e $d ] || insmod "$KMOD/irte_read.ko" || return 1
	echo "$1 $2" > $d/msg && printf '%s\n' "$(<$d/entry)"
}

# The IRTE destination a CPU has: its APIC ID in physical mode, else the
# x2APIC cluster logical ID.  apic_dest CPU DM
apic_dest() {
	local k v p= id=
	while IFS=: read -r k v; do
		k=${k%%[[:space:]]*}
		case $k in
		processor) p=${v# } ;;
		apicid) [ "$p" = "$1" ] && { id=${v# }; break; } ;;
		esac
	done < /proc/cpuinfo
	if [ "$2" = 0 ]; then printf '0x%08x\n' "$id"
	else printf '0x%08x\n' $(( ((id >> 4) << 16) | (1 << (id & 15)) )); fi
}

# kmemleak (debug kernel): what boot left unreferenced is not ours; each
# suspect found later is a failure.  An object is reported only once it
# is 5 s old and unreferenced in a scan, hence the second scan.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_forget() {
	[ -w $KMEMLEAK ] || return 0
	echo scan > $KMEMLEAK && echo clear > $KMEMLEAK
}
kmemleak_final() {
	local f
	if [ ! -w $KMEMLEAK ]; then
		fail kmemleak "no $KMEMLEAK (is kmemleak off?)"
		return
	fi
	f=$(mktemp)
	echo scan > $KMEMLEAK
	sleep 6
	echo scan > $KMEMLEAK
	cat $KMEMLEAK > "$f"
	if [ -s "$f" ]; then
		fail kmemleak "$(grep -c '^unreferenced object' "$f") unreferenced object(s) after the tests"
		head -n 120 "$f" | sed 's/^/   | /'
	else
		pass kmemleak "no unreferenced object after two scans"
	fi
	rm -f "$f"
}

# gcov (debug kernel): the driver's counters, kept by the kernel across
# module unloads, copied to the host's output share for 'make coverage'.
gcov_save() {
	local g=/sys/kernel/debug/gcov$REPO/build/debug/driver f
	[ -d "$g" ] || { echo "@@ INFO no gcov data at $g"; return 0; }
	mkdir -p /run/idxd-ims-out/gcov
	for f in "$g"/*.gcda; do cat "$f" > "/run/idxd-ims-out/gcov/${f##*/}"; done
}
