#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The nested test's L2 runner (tests/nested/l2vm.py) on bad input: a
# snapshot that is not there, a VM spec without a UUID, steps for an L2
# that is not there, a save with no kernel.  Each is refused with a line
# saying why (and, but for the steps, a failing exit status) and leaves
# no QEMU behind.  (What it does right is t_nested's, in the guest.)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
Q=$CACHE/qemu/qemu-system-x86_64
L2VM=$top/tests/nested/l2vm.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

res() {	# res NAME OK DETAIL
	if [ "$2" = 0 ]; then echo "@@ TEST l2vm:$1 PASS${3:+ $3}"; else
		echo "@@ TEST l2vm:$1 FAIL ${3:-}"; fi
}
qemus() { pgrep -f "qemu-system.*$tmp/" | wc -l; }
run() {	# run STDIN ARGS...: l2vm.py run, its output in $out, status in $rc
	out=$(timeout 120 python3 "$L2VM" run --qemu "$Q" --firmware "$CACHE/firmware" \
		--tmp "$tmp" --timeout 30 "${@:2}" <<< "$1" 2>&1)
	rc=$?
}

if [ ! -x "$Q" ]; then
	res qemu 1 "no QEMU at $Q (make qemu)"
	exit 0
fi
run "" --snapshot "$tmp/none.mig" --vm "a=6f1c3a1e-0000-4000-8000-0000000000c1"
[ "$rc" = 1 ] && grep -q "^@@ L2 FAIL no saved L2" <<< "$out"
res missing-snapshot $? "rc $rc: $(head -n 1 <<< "$out")"
[ "$(qemus)" = 0 ]
res missing-snapshot-no-qemu-left $?

run "" --snapshot "$tmp/none.mig" --vm "no-uuid"
[ "$rc" != 0 ] && grep -q 'NAME=MDEV-UUID' <<< "$out"
res vm-spec-refused $? "rc $rc: $(tail -n 1 <<< "$out")"

# steps for L2s that are not there (none is): each answered, refused
run $'x dance\nz quit' --snapshot "$tmp/none.mig"
[ "$rc" = 0 ] && [ "$(grep -c '^@@ STEP 2 ' <<< "$out")" = 2 ]
res steps-for-no-l2-refused $? "$(grep '^@@ STEP' <<< "$out" | tr '\n' ' ')"

out=$(timeout 120 python3 "$L2VM" save --qemu "$Q" --firmware "$CACHE/firmware" \
	--tmp "$tmp" --timeout 30 --kernel "$tmp/none" --initrd "$tmp/none" \
	--append x --out "$tmp/out.mig" 2>&1)
rc=$?
[ "$rc" != 0 ] && [ ! -e "$tmp/out.mig" ] && grep -q 'l2vm: no such file' <<< "$out"
res save-without-kernel $? "rc $rc: $(tail -n 1 <<< "$out")"
[ "$(qemus)" = 0 ]
res save-no-qemu-left $?
