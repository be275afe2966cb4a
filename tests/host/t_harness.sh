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

dir=$CACHE/tmp/harness
mkdir -p "$dir"
rc=0
res() {	# res NAME OK DETAIL
	if [ "$2" = 0 ]; then echo "@@ TEST harness:$1 PASS"; else
		echo "@@ TEST harness:$1 FAIL ${3:-}"; rc=1; fi
}

# boot NAME TIMEOUT BODY: run BODY as the guest script; sets out and status
boot() {
	printf '#!/bin/bash\n%s\n' "$3" > "$dir/$1.sh"
	out=$(IDXD_IMS_BOOT_TIMEOUT=$2 "$top/tests/vm/boot.sh" --run "${dir#"$top"/}/$1.sh" \
	      intel "$2" 2>&1)
	status=$?
	cp "$CACHE/logs/intel.log" "$dir/$1.console" 2>/dev/null
}

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

t0=$(date +%s)
boot hang 40 'sleep 600'
res hang-times-out $([ $status != 0 ] &&
	grep -q 'FAIL guest timed out after 40s' <<< "$out" &&
	[ $(( $(date +%s) - t0 )) -lt 120 ]; echo $?) "$out"
exit $rc
