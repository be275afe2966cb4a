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


# A test marked '# runs: last' leaves the machine in a state later tests
# cannot use (upstream idxd loaded and bound): it runs after the others.
ordered() {
	local t
	for t in "$here"/t_*.sh; do grep -q '^# runs: last' "$t" || echo "$t"; done
	for t in "$here"/t_*.sh; do grep -q '^# runs: last' "$t" && echo "$t"; done
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
for t in $(ordered); do
	profiles=$(sed -n 's/^# profiles: *//p' "$t" | head -n 1)
	case " $profiles " in *" $profile "*|*" $base "*|*" all "*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	name=${name#t_}
	case ,${IDXD_IMS_TESTS:-$name}, in *",$name,"*) ;; *) continue ;; esac
	dmesg -c > /dev/null
	echo "@@ RUN $name"
	out=$(mktemp)
	t0=$(date +%s)
	timeout --kill-after=5 "${IDXD_IMS_TEST_TIMEOUT:-$test_timeout}" bash "$t" > "$out" 2>&1
	rc=$?
	echo "@@ INFO $name took $(( $(date +%s) - t0 )) s"
	# Tests report their own results; show failures' output on the console.
	grep '^@@ TEST' "$out"
	if [ $rc -ne 0 ] && ! grep -q '^@@ TEST .* FAIL' "$out"; then
		echo "@@ TEST $name FAIL exit code $rc"
	fi
	if [ $rc -ne 0 ] || grep -q '^@@ TEST .* FAIL' "$out"; then
		sed 's/^/   | /' "$out" | grep -v '^   | @@' | tail -n 40
		dmesg | tail -n 20 | sed 's/^/   | dmesg: /'
	fi
	if dmesg | grep -qE "$SPLAT_RE"; then
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
