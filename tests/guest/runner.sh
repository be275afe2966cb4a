#!/bin/bash
# SPDX-License-Identifier: MIT
#
# In-guest test runner (runs in the guest, chrooted into the host's root).
# Runs every tests/guest/t_*.sh whose '# profiles:' line names this
# profile, each under a time limit.  Results are '@@ TEST name PASS|FAIL
# detail' lines on the console, read by the host.  IDXD_IMS_TESTS (a
# comma-separated list of names, from 'make check TESTS=...') narrows it.
set -u
profile=${1:?profile}
here=$(cd "$(dirname "$0")" && pwd)
export IDXD_IMS_REPO=$(cd "$here/../.." && pwd)
export IDXD_IMS_PROFILE=$profile

# A test marked '# runs: last' leaves the machine in a state later tests
# cannot use (upstream idxd loaded and bound): it runs after the others.
ordered() {
	local t
	for t in "$here"/t_*.sh; do grep -q '^# runs: last' "$t" || echo "$t"; done
	for t in "$here"/t_*.sh; do grep -q '^# runs: last' "$t" && echo "$t"; done
}

for t in $(ordered); do
	profiles=$(sed -n 's/^# profiles: *//p' "$t" | head -n 1)
	case " $profiles " in *" $profile "*|*" all "*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	name=${name#t_}
	case ,${IDXD_IMS_TESTS:-$name}, in *",$name,"*) ;; *) continue ;; esac
	dmesg -c > /dev/null
	echo "@@ RUN $name"
	out=$(mktemp)
	t0=$(date +%s)
	timeout --kill-after=5 "${IDXD_IMS_TEST_TIMEOUT:-300}" bash "$t" > "$out" 2>&1
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
	if dmesg | grep -qE 'WARNING:|BUG:|general protection|Call Trace'; then
		echo "@@ TEST $name:kernel-clean FAIL kernel warning during the test"
		dmesg | grep -A 12 -E 'WARNING:|BUG:' | head -n 30 | sed 's/^/   | /'
	fi
	rm -f "$out"
done
echo "@@ DONE"
