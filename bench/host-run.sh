#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench/host-run.sh: the paired IMS/MSI-X comparison of 'make bench' on
# a real host (a Sapphire Rapids machine with idxd_ims loaded), where its
# absolute figures mean something.  See --help.
set -u
top=$(cd "${0%/*}/.." && pwd)
SYS=/sys/bus/dsa/devices

usage() {
	cat <<'EOF'
Usage: bench/host-run.sh [options]

Runs the paired latency comparison of 'make bench' on this machine: IMS
against MSI-X on two user WQs of one idxd_ims device, one sample of each
per round in random order, and the A/A control (IMS against IMS); then
bench/report.py writes the same report, figures and goal table.

Before running it (as root):
  - load the driver:            modprobe idxd_ims
  - configure three dedicated user WQs on one device with accel-config
    (or sysfs), B's completion interrupt on MSI-X before it is enabled:
      accel-config config-wq dsa0/wq0.0 --group-id=0 --mode=dedicated \
          --wq-size=16 --type=user --name=a --driver-name=user
      (the same for wq0.3 and wq0.4, names b and aa)
      echo msix > /sys/bus/dsa/devices/wq0.3/completion_irq
      accel-config config-engine dsa0/engine0.0 --group-id=0
      accel-config enable-device dsa0
      accel-config enable-wq dsa0/wq0.0 dsa0/wq0.3 dsa0/wq0.4
  - build the benchmark:        make bench-build

Options:
  --wq-a WQ      the IMS side (default wq0.0)
  --wq-b WQ      the MSI-X side: completion_irq must be msix (default wq0.3)
  --wq-aa WQ     the A/A control's second IMS WQ (default wq0.4; "none": skip)
  --cpu N        the CPU the interrupts are aimed at and the load thread
                 runs on; the measuring lcore is the lowest other online
                 CPU (default 1)
  --samples N    pairs a run (default 2500)
  --rounds N     runs of each pair label (default 8): the interval comes
                 from how the runs differ as well as from their samples
  --out DIR      where the console, raw pairs and report go
                 (default build/bench-host)
  --bench PATH   ims-bench (default build/bench/ims-bench)
  --no-report    leave the console and the raw pairs in --out; run
                 bench/report.py CONSOLE OUT RAW later (on any machine
                 with python3-numpy and python3-matplotlib)
  --help         this text

Exit status: 0 when every run completed (goals may still be missed: read
the goal table), 1 when a run failed, 2 when a prerequisite is missing
(the message says which, and what to do).
EOF
}

die2() { echo "host-run: $*" >&2; exit 2; }

wq_a=wq0.0 wq_b=wq0.3 wq_aa=wq0.4 cpu=1 samples=2500 rounds=8
out=$top/build/bench-host bench=$top/build/bench/ims-bench report=1
num() { [[ $2 =~ ^[0-9]+$ ]] || die2 "$1 wants a number, not '$2'"; }
while [ $# -gt 0 ]; do
	case $1 in
	--wq-a|--wq-b|--wq-aa|--cpu|--samples|--rounds|--out|--bench)
		[ $# -ge 2 ] || die2 "$1 needs a value (see --help)" ;;&
	--wq-a) wq_a=$2 ;;
	--wq-b) wq_b=$2 ;;
	--wq-aa) wq_aa=$2 ;;
	--cpu) num "$1" "$2"; cpu=$2 ;;
	--samples) num "$1" "$2"; samples=$2 ;;
	--rounds) num "$1" "$2"; rounds=$2 ;;
	--out) out=$2 ;;
	--bench) bench=$2 ;;
	--no-report) report=0; shift; continue ;;
	--help|-h) usage; exit 0 ;;
	*) die2 "unknown argument '$1' (see --help)" ;;
	esac
	shift 2
done
[ "$samples" -ge 100 ] || die2 "--samples: at least 100 pairs"
[ "$rounds" -ge 1 ] || die2 "--rounds: at least 1"

# ---- prerequisites, each with what to do about it
[ "$EUID" = 0 ] || die2 "needs root (interrupt affinity, the WQs' char devices)"
[ -d /sys/module/idxd_ims ] || die2 "idxd_ims is not loaded: modprobe idxd_ims"
[ -x "$bench" ] || die2 "no ims-bench at $bench: make bench-build (or --bench PATH)"
[ -e "/sys/devices/system/cpu/cpu$cpu/online" ] || [ "$cpu" = 0 ] ||
	die2 "no CPU $cpu (--cpu)"
online_cpus() {	# the online CPUs, one a line, from "0-3,6"
	local r c IFS=,
	for r in $(</sys/devices/system/cpu/online); do
		for ((c = ${r%-*}; c <= ${r#*-}; c++)); do echo "$c"; done
	done
}
lcore="" on=0
for c in $(online_cpus); do
	[ "$c" = "$cpu" ] && on=1
	[ -z "$lcore" ] && [ "$c" != "$cpu" ] && lcore=$c
done
[ $on = 1 ] || die2 "CPU $cpu is offline (--cpu)"
[ -n "$lcore" ] || die2 "needs a second online CPU for the measuring lcore"

dev_of() {	# dev_of WQ: its device, dsa<N>
	local p
	p=$(cd -P "$SYS/$1/.." && pwd) && echo "${p##*/}"
}
check_wq() {	# check_wq WQ WANT(ims|msix) ROLE
	local w=$SYS/$1 role=$3
	[ -d "$w" ] || die2 "$role: no $1 (configure it with accel-config; see --help)"
	[ "$(<"$w/state")" = enabled ] ||
		die2 "$role: $1 is $(<"$w/state"): accel-config enable-wq $(dev_of "$1")/$1"
	[ "$(<"$w/type")" = user ] || die2 "$role: $1 is type $(<"$w/type"), not user"
	[ "$(<"$w/mode")" = dedicated ] || die2 "$role: $1 is not a dedicated WQ"
	[ -c "/dev/dsa/$1" ] || die2 "$role: no /dev/dsa/$1"
	if [ "$2" = ims ]; then
		[ "$(<"$w/ims_slot")" -ge 0 ] || die2 "$role: $1 is not on IMS ($(<"$w/../ims_reason" 2>/dev/null || echo '?'); completion_irq $(<"$w/completion_irq"))"
	else
		[ "$(<"$w/completion_irq")" = msix ] && [ "$(<"$w/ims_slot")" = -1 ] ||
			die2 "$role: $1 is not on MSI-X: disable it, echo msix > $w/completion_irq, enable it"
	fi
}
check_wq "$wq_a" ims "--wq-a (IMS side)"
check_wq "$wq_b" msix "--wq-b (MSI-X side)"
[ "$wq_aa" = none ] || check_wq "$wq_aa" ims "--wq-aa (A/A control)"
dev_a=$(dev_of "$wq_a")
for w in $wq_b ${wq_aa/none/}; do
	[ "$(dev_of "$w")" = "$dev_a" ] ||
		die2 "$w is not on $dev_a, $wq_a's device: both sides must share one device"
done

[ $report = 0 ] || /usr/bin/python3 -c 'import numpy' 2>/dev/null ||
	die2 "the report needs Debian's python3-numpy: apt install python3-numpy python3-matplotlib (or --no-report)"

# ---- the run
mkdir -p "$out/raw" || die2 "cannot write $out"
cp /proc/stat "$out/stat-before"
console=$out/console.txt
: > "$console"
for w in $wq_a $wq_b ${wq_aa/none/}; do
	echo "$cpu" > "/proc/irq/$(<"$SYS/$w/ims_irq")/smp_affinity_list" ||
		die2 "cannot aim $w's interrupt at CPU $cpu"
done
say() { echo "$*"; echo "$*" >> "$console"; }
params=""
for p in /sys/module/idxd_ims/parameters/*; do
	params="$params${params:+,}\"${p##*/}\":\"$(<"$p")\""
done
sub=write
[[ $(</proc/cpuinfo) =~ [[:space:]]movdir64b([[:space:]]|$) ]] && sub="movdir64b to the WQ portal"
say "@@ META {\"kernel\":\"$(</proc/sys/kernel/osrelease)\",\"cpus\":$(nproc),\"driver\":\"idxd_ims\",\"driver_parameters\":{$params},\"device_version\":\"$(<"$SYS/$dev_a/version")\",\"dpdk\":\"$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)\",\"submission\":\"$sub\",\"samples\":$samples,\"rounds\":$rounds,\"host_runner\":true,\"wqs\":\"$wq_a/$wq_b/$wq_aa\",\"irq_cpu\":$cpu,\"lcore\":$lcore}"
say "== host-run: $dev_a, IMS $wq_a against MSI-X $wq_b (A/A $wq_aa), interrupts on CPU $cpu, $samples pairs x $rounds rounds"
eal="--no-huge --no-pci --no-shconf -l $lcore --log-level=lib.eal:error"
rc=0
pair() {	# pair LABEL WQ_B ROUND
	local raw json
	raw=${1//[\/+]/-}
	raw=pair-$raw-r$3.txt
	json=$("$bench" $eal -- latency --mode pair --wq "/dev/dsa/$wq_a" --wq-b "/dev/dsa/$2" \
	       --label "$1" --samples "$samples" --raw "$out/raw/$raw" 2>"$out/bench.err" | grep '^{')
	if [ -z "$json" ]; then
		say "@@ BENCH-FAIL $1: $(tail -c 300 "$out/bench.err")"
		rc=1
		return
	fi
	say "@@ BENCH ${json%\}},\"raw\":\"$raw\",\"round\":$3}"
}
for r in $(seq 1 "$rounds"); do
	say "== round $r of $rounds"
	pair ims/msix "$wq_b" "$r"
	[ "$wq_aa" = none ] || pair ims/ims "$wq_aa" "$r"
done
if [ $report = 1 ]; then
	BENCH_STAT_BEFORE=$out/stat-before /usr/bin/python3 "$top/bench/report.py" "$console" "$out" "$out/raw" ||
		rc=1
else
	echo "host-run: the report: /usr/bin/python3 bench/report.py $console $out $out/raw"
fi
exit $rc
