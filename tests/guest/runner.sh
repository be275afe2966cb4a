#!/bin/bash
# SPDX-License-Identifier: MIT
#
# In-guest test runner (runs in the guest, chrooted into the host's root).
# Runs every tests/guest/t_*.sh whose '# profiles:' line names this
# profile, each under a time limit.  Results are '@@ TEST name PASS|FAIL
# detail' lines on the console, read by the host.  IDXD_IMS_TESTS (a
# comma-separated list of names, from 'make check TESTS=...') narrows it.
#
# A profile with a base (debug: intel) runs the base's tests as the base
# and its own; on the debug kernel every test also fails on any report of
# the kernel's checkers, and a kmemleak scan ends the run.
set -u
profile=${1:?profile}
here=$(cd "$(dirname "$0")" && pwd)
export IDXD_IMS_REPO=$(cd "$here/../.." && pwd)
. "$IDXD_IMS_REPO/tests/vm/profiles.sh"
profile_setup "$profile" || { echo "@@ TEST runner FAIL unknown profile $profile"; exit 1; }
base=$PROFILE_BASE
export IDXD_IMS_PROFILE=$base
. "$here/lib.sh"


# A test's header: its '# profiles:' line, whether it is marked
# '# runs: last' (it leaves the machine in a state later tests cannot
# use: upstream idxd loaded and bound; it runs after the others), and
# its '# timeout:' in seconds on the stock kernel if it needs more than
# the default.  Read with builtins: an exec costs the debug kernel's
# guest half a second, and this runs for every test file.  Sets
# T_PROFILES, T_LAST and T_TIMEOUT.
header() {
	local line n=0
	T_PROFILES="" T_LAST=0 T_TIMEOUT=""
	while IFS= read -r line && [ $((n += 1)) -le 12 ]; do
		case $line in
		"# profiles:"*) [ -n "$T_PROFILES" ] || T_PROFILES=${line#"# profiles:"} ;;
		"# runs: last"*) T_LAST=1 ;;
		"# timeout:"*) T_TIMEOUT=${line#"# timeout: "} ;;
		esac
	done < "$1"
}
ordered() {
	local t last=()
	for t in "$here"/t_*.sh; do
		header "$t"
		if [ $T_LAST = 1 ]; then last+=("$t"); else echo "$t"; fi
	done
	for t in "${last[@]}"; do echo "$t"; done
}

# the debug kernel's checkers make everything several times slower
test_timeout=300
[ "$DEBUG_KERNEL" = 0 ] || test_timeout=900
# What the kernel reported while booting, before any test ran: a report
# there fails too (nothing of ours has run, but it would hide later
# ones: lockdep, for one, turns itself off after its first report)
boot_log() { dmesg | grep -vE 'DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)'; }
if boot_log | grep -qE "$SPLAT_RE"; then
	echo "@@ TEST boot:kernel-clean FAIL the kernel reported a problem while booting"
	boot_log | grep -B 2 -A 40 -m 3 -E "$SPLAT_RE" | head -n 80 | sed 's/^/   | /'
elif [ "$DEBUG_KERNEL" = 1 ]; then
	echo "@@ TEST boot:kernel-clean PASS no lockdep, KASAN, UBSAN, DMA-API or other report"
fi
kmemleak_forget
# show_results FILE: its '@@ TEST' lines; false if one of them failed
show_results() {
	local line ok=0
	while IFS= read -r line; do
		case $line in
		"@@ TEST "*" FAIL"*) echo "$line"; ok=1 ;;
		"@@ TEST "*) echo "$line" ;;
		esac
	done < "$1"
	return $ok
}
out=/run/idxd-ims-runner.out
for t in $(ordered); do
	header "$t"
	case " $T_PROFILES " in *" $profile "*|*" $base "*|*" all "*) ;; *) continue ;; esac
	name=${t##*/}
	name=${name%.sh}
	name=${name#t_}
	case ,${IDXD_IMS_TESTS:-$name}, in *",$name,"*) ;; *) continue ;; esac
	dmesg -c > /dev/null
	echo "@@ RUN $name"
	t0=$SECONDS
	limit=$test_timeout
	[ "$DEBUG_KERNEL" = 1 ] || [ -z "$T_TIMEOUT" ] || limit=$T_TIMEOUT
	timeout --kill-after=5 "${IDXD_IMS_TEST_TIMEOUT:-$limit}" bash "$t" > "$out" 2>&1
	rc=$?
	echo "@@ INFO $name took $(( SECONDS - t0 )) s"
	# Tests report their own results; show failures' output on the console.
	failed=0
	show_results "$out" || failed=1
	if [ $rc -ne 0 ] && [ $failed = 0 ]; then
		echo "@@ TEST $name FAIL exit code $rc"
	fi
	if [ $rc -ne 0 ] || [ $failed = 1 ]; then
		sed 's/^/   | /' "$out" | grep -v '^   | @@' | tail -n 40
		dmesg | tail -n 20 | sed 's/^/   | dmesg: /'
	fi
	if ! dmesg_clean; then
		echo "@@ TEST $name:kernel-clean FAIL the kernel reported a problem during the test"
		dmesg | grep -B 2 -A 40 -m 3 -E "$SPLAT_RE" | head -n 80 | sed 's/^/   | /'
	elif [ "$DEBUG_KERNEL" = 1 ]; then
		echo "@@ TEST $name:kernel-clean PASS no lockdep, KASAN, UBSAN, DMA-API or other report"
	fi
	rm -f "$out"
done
if [ "$DEBUG_KERNEL" = 1 ]; then
	gcov_save
	kmemleak_final
fi
echo "@@ DONE"
