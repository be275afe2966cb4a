#!/bin/bash
# SPDX-License-Identifier: MIT
# profiles: intel
# debug-cost: 51
#
# bench/host-run.sh, the benchmark's runner for real hosts, run here as
# if this guest were one: it refuses, saying what to do, while a
# prerequisite is missing (the driver, a WQ, B on MSI-X, one device);
# with the WQs configured through accel-config it runs the paired
# comparison and writes the report, the raw pairs and the goal table.
. "$(dirname "$0")/lib.sh"

HR=$REPO/bench/host-run.sh
O=$(mktemp -d)
# hr NAME WANT_RC PATTERN ARGS...: exit code and a line of its output
hr() {
	local name=$1 want=$2 pat=$3 rc=0
	shift 3
	"$HR" --out "$O" "$@" > "$O/out.txt" 2>&1 || rc=$?
	if [ $rc = "$want" ] && [[ $(<"$O/out.txt") =~ $pat ]]; then
		pass "hostrun:$name"
	else
		fail "hostrun:$name" "exit $rc, want $want and /$pat/: $(tail -c 400 "$O/out.txt")"
	fi
}
hr bad-samples 2 "--samples wants a number" --samples x
hr unknown-arg 2 "unknown argument '--frob'" --frob
hr no-driver 2 "idxd_ims is not loaded: modprobe idxd_ims"
check hostrun:load load_driver
hr not-enabled 2 "wq0.0 is disabled: accel-config enable-wq dsa0/wq0.0"
hr no-wq 2 "no wq9.9 \(configure it with accel-config" --wq-a wq9.9

# the WQs as a user would set them up: accel-config, B on MSI-X
ac_wq() { accel-config config-wq "dsa0/$1" --group-id=0 --mode=dedicated --wq-size=16 \
	--type=user --name="$2" --driver-name=user; }
setup() {
	ac_wq wq0.0 a && ac_wq wq0.3 b && ac_wq wq0.4 aa &&
		echo msix > $SYS/wq0.3/completion_irq &&
		accel-config config-engine dsa0/engine0.0 --group-id=0 &&
		accel-config enable-device dsa0 &&
		accel-config enable-wq dsa0/wq0.0 dsa0/wq0.3 dsa0/wq0.4
}
check hostrun:accel-config setup
hr b-not-msix 2 "--wq-b \(MSI-X side\): wq0.4 is not on MSI-X" --wq-b wq0.4
hr a-not-ims 2 "--wq-a \(IMS side\): wq0.3 is not on IMS" --wq-a wq0.3
hr disabled-wq 2 "wq0.5 is disabled: accel-config enable-wq dsa0/wq0.5" --wq-aa wq0.5
hr bad-cpu 2 "no CPU 7" --cpu 7
N=$(( $(scaled 300) < 100 ? 100 : $(scaled 300) ))
# the report (numpy, matplotlib: twenty seconds of python in this guest,
# minutes on the debug kernel) is left for later, as --no-report says;
# the host's tests check bench/report.py on such a console and raw pairs
hr runs 0 "the report: /usr/bin/python3 bench/report.py $O/console.txt $O $O/raw" \
	--samples "$N" --rounds 1 --no-report
check hostrun:meta grep -q '^@@ META {.*"host_runner":true' "$O/console.txt"
check hostrun:both-pairs bash -c "[ \$(grep -c '^@@ BENCH {\"label\":\"ims/\(msix\|ims\)\",\"mode\":\"pair\",\"pairs\":$N' $O/console.txt) = 2 ]"
check hostrun:raw-pairs bash -c "[ \$(grep -vc '^#' $O/raw/pair-ims-msix-r1.txt) = $N ]"
accel-config disable-device dsa0 >/dev/null 2>&1
rm -rf "$O"
check hostrun:unload rmmod idxd_ims
check hostrun:dmesg-clean dmesg_clean
finish
