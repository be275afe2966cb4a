#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The harness itself (tests/vm/boot.sh): a guest whose script succeeds
# passes; one whose script fails, whose kernel panics or which hangs past
# its timeout is a failure that says which, with its console log kept,
# never a pass or a hung run.  Four short boots of the intel profile.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"

# the guest scripts must be inside the repo (boot.sh --run takes a path
# in it), even when CACHE=... puts the cache elsewhere
dir=$top/build/harness
mkdir -p "$dir"
rc=0
res() {	# res NAME OK DETAIL
	if [ "$2" = 0 ]; then echo "@@ TEST harness:$1 PASS"; else
		echo "@@ TEST harness:$1 FAIL ${3:-}"; rc=1; fi
}

# boot NAME TIMEOUT BODY: run BODY as the guest script; sets out and
# status; the console is kept in $dir/NAME.console
boot() {
	printf '#!/bin/bash\n%s\n' "$3" > "$dir/$1.sh"
	out=$(IDXD_IMS_BOOT_TIMEOUT=$2 IDXD_IMS_LOG="$dir/$1.console" \
	      "$top/tests/vm/boot.sh" --run "${dir#"$top"/}/$1.sh" intel "$2" 2>&1)
	status=$?
}

# The hang mostly waits: it runs beside the other three.
t0=$(date +%s)
"$top/tests/vm/initramfs.sh"	# built once, before two boots could race on it
( boot hang 20 'echo "@@ harness hang starts"; sleep 600'; echo "$status" > "$dir/hang.status"
  printf '%s\n' "$out" > "$dir/hang.out"; echo $(( $(date +%s) - t0 )) > "$dir/hang.secs" ) &
hang=$!

boot ok 120 'echo "@@ harness says hello"; exit 0'
res guest-ok $([ $status = 0 ] && grep -q 'harness says hello' <<< "$out"; echo $?) "$out"

boot fail 120 'exit 3'
res script-failure-fails $([ $status != 0 ] &&
	grep -q 'FAIL guest script .* exited 3' <<< "$out"; echo $?) "$out"

boot panic 120 'echo c > /proc/sysrq-trigger; sleep 30'
res panic-fails $([ $status != 0 ] &&
	grep -q 'FAIL guest died before finishing' <<< "$out" &&
	grep -q 'Kernel panic' <<< "$out"; echo $?) "$out"
res panic-console-kept $(grep -q 'sysrq: Trigger a crash' "$dir/panic.console"; echo $?)

wait $hang
out=$(cat "$dir/hang.out")
res hang-times-out $([ "$(cat "$dir/hang.status")" != 0 ] &&
	grep -q 'FAIL guest timed out after 20s' <<< "$out" &&
	grep -q '@@ harness hang starts' "$dir/hang.console" &&
	[ "$(cat "$dir/hang.secs")" -lt 90 ]; echo $?) "$out"
exit $rc
