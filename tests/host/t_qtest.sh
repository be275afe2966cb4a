#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Host test: the intel-dsa device-model qtest (emu/qtest/intel-dsa-test.c,
# built by emu/build-qemu.sh) against the QEMU in $CACHE/qemu/build, on a
# q35 machine with -device intel-dsa and no IOMMU.  Each qtest case runs in
# its own process, so a failed assertion (which aborts a qtest binary)
# costs only that case.  Prints "@@ TEST qtest:<case> PASS" or
# "@@ TEST qtest:<case> FAIL <detail>" per case; a missing binary, an
# empty test list, a crash or a timeout is a FAIL too.  Exits non-zero on
# any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"

BLD=$CACHE/qemu/build
bin=$BLD/tests/qtest/intel-dsa-test
qemu=$BLD/qemu-system-x86_64
fw=$CACHE/firmware
case_timeout=${IDXD_IMS_QTEST_TIMEOUT:-120}
failed=0

pass() { echo "@@ TEST qtest:$1 PASS"; }
fail() { echo "@@ TEST qtest:$1 FAIL${2:+ $2}"; failed=1; }
show() { tail -n "$2" "$1" | sed 's/^/   | /'; }	# for tests/run.sh

[ -x "$bin" ] || { fail binary "missing $bin (run emu/build-qemu.sh)"; exit 1; }
[ -x "$qemu" ] || { fail binary "missing $qemu (run emu/build-qemu.sh)"; exit 1; }
[ -s "$fw/bios-256k.bin" ] ||
	{ fail binary "missing $fw/bios-256k.bin (run make deps)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# libqtest takes the target from the binary's name.  The wrapper adds the
# firmware directory: Debian's +ds source leaves no BIOS in the build tree.
cat > "$tmp/qemu-system-x86_64" <<EOF
#!/bin/sh
exec "$qemu" -L "$fw" "\$@"
EOF
chmod +x "$tmp/qemu-system-x86_64"
export QTEST_QEMU_BINARY=$tmp/qemu-system-x86_64
unset QTEST_LOG QTEST_STOP QTEST_TRACE

if ! "$bin" -l > "$tmp/list" 2>&1; then
	fail list "'intel-dsa-test -l' failed"
	show "$tmp/list" 10
	exit 1
fi
mapfile -t paths < <(grep '^/' "$tmp/list")
if [ "${#paths[@]}" = 0 ]; then
	fail list "no test cases listed"
	show "$tmp/list" 10
	exit 1
fi

for path in "${paths[@]}"; do
	name=${path#/*/}			# drop "/x86_64/"
	name=${name#intel-dsa/}
	out=$tmp/out
	# (the group's 2>/dev/null drops bash's "Aborted" job notices)
	{ timeout --kill-after=5 "$case_timeout" "$bin" --tap -p "$path" \
		> "$out" 2>&1; } 2>/dev/null
	rc=$?
	okline=$(grep -m 1 -E "^(not )?ok [0-9]+ $path( |\$)" "$out")
	err=$(grep -m 1 -E 'ERROR:|Bail out!|assertion|kill_qemu|Segmentation|Aborted' "$out" |
		sed -e 's/^Bail out! //' -e 's/^# //' | cut -c 1-240)
	if [ "$rc" = 0 ] && [[ $okline == "ok "* ]]; then
		case $okline in
		*"# SKIP"*) fail "$name" "skipped: ${okline#*# SKIP}" ;;
		*) pass "$name" ;;
		esac
		continue
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		detail="timed out after ${case_timeout}s"
	elif [ -n "$err" ]; then
		detail=$err
	elif [ "$rc" -gt 128 ]; then
		detail="crashed (signal $((rc - 128)))"
	elif [ -z "$okline" ]; then
		detail="exit $rc, no result"
	else
		detail="exit $rc"
	fi
	fail "$name" "$detail"
	show "$out" 15
done
exit $failed
