#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Boot the test guest for one machine profile and run the in-guest tests
# for it.  Usage: tests/vm/boot.sh [--run SCRIPT] PROFILE [TIMEOUT_SECONDS]
#
# --run SCRIPT runs SCRIPT (a path in the repo) in the guest instead of
# the test runner and shows all of its output (the demo does this).
# IDXD_IMS_APPEND adds kernel arguments (how settings reach the guest).
#
# The console goes to $CACHE/logs/PROFILE.log (kept for failed runs) and,
# filtered to the '@@' result lines, to stdout.  A guest that hangs or
# panics is killed at the timeout and reported as a failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
. "$top/tests/vm/profiles.sh"

run=tests/guest/runner.sh
filter='^@@'
if [ "${1:-}" = --run ]; then
	run=${2:?--run needs a script}
	filter='^[^[]|^@@'	# everything but kernel messages
	shift 2
fi
profile=${1:?usage: boot.sh [--run SCRIPT] PROFILE [TIMEOUT]}
profile_setup "$profile" || die "unknown profile '$profile' (known: $PROFILES_ALL)"
timeout_s=${2:-${IDXD_IMS_BOOT_TIMEOUT:-$PROFILE_TIMEOUT}}

if [ "$PROFILE_KERNEL" = debug ]; then
	kdir=$CACHE/debug-kernel
	kver=$(cat "$kdir/version" 2>/dev/null) || die "no debug kernel (run 'make debug-kernel')"
else
	kdir=$CACHE/kernel
	kver=$(cat "$kdir/version" 2>/dev/null) || die "no kernel (run 'make deps')"
fi
qemu="$CACHE/qemu/qemu-system-x86_64"
[ -x "$qemu" ] || die "no QEMU build (run 'make qemu')"
"$top/tests/vm/initramfs.sh" "$PROFILE_KERNEL"

# Serial and (where the profile wants it) a virtio console share stdout.
console_args="-chardev stdio,id=con,mux=on,signal=off -serial chardev:con"
console_cmdline="console=ttyS0"
if [ "$PROFILE_CONSOLE" = hvc0 ]; then
	console_args="$console_args -device virtio-serial-pci -device virtconsole,chardev=con"
	console_cmdline="console=ttyS0 console=hvc0"
fi

mkdir -p "$CACHE/logs"
# IDXD_IMS_PART=K: this boot is share K of a profile that runs as several
# boots side by side (run.sh splits the debug lane): its own log and share.
name=$profile${IDXD_IMS_PART:+-$IDXD_IMS_PART}
logf=${IDXD_IMS_LOG:-$CACHE/logs/$name.log}	# IDXD_IMS_LOG: elsewhere
# What a guest hands back (gcov data, fuzzer findings): a writable share,
# emptied before each boot, that the guest sees as /run/idxd-ims-out.
out=$CACHE/vm-out/$name
[ -z "${IDXD_IMS_LOG:-}" ] || out=$logf.out	# boots side by side: one each
rm -rf "$out" && mkdir -p "$out"
boot_guest() {	# boot once; the console goes to $logf; returns QEMU's status
	# shellcheck disable=SC2086
	timeout --kill-after=10 "$timeout_s" "$qemu" -L "$CACHE/firmware" \
		-accel "$PROFILE_ACCEL" -cpu "$PROFILE_CPU" -smp "$PROFILE_SMP" -m "$PROFILE_MEM" \
		$PROFILE_ARGS \
		-nodefaults -display none -no-reboot -monitor none $console_args \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-virtfs local,path="$out",mount_tag=out,security_model=none \
		-kernel "$kdir/root/boot/vmlinuz-$kver" \
		-initrd "$CACHE/vm/initramfs-$kver.cpio.gz" \
		-append "$console_cmdline loglevel=4 panic=-1 oops=panic $PROFILE_CMDLINE idxd_ims.repo=$top idxd_ims.cache=$CACHE idxd_ims.profile=$profile idxd_ims.run=$run ${IDXD_IMS_APPEND:-}" \
		</dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$logf" | grep --line-buffered -E "$filter"
	return "${PIPESTATUS[0]}"
}

rc=0
boot_guest || rc=$?
# A guest that dies before its init says it is up never ran any of our
# code in the guest (the stock kernel's boot under TCG on a loaded host,
# seen once in CI).  Boot once more, keep the first console, and say so.
if [ "$rc" != 124 ] && [ "$rc" != 137 ] && ! grep -aq '^@@ GUEST-UP' "$logf"; then
	mv "$logf" "$logf.first"
	echo "@@ INFO guest died during boot (qemu exit $rc, console: $logf.first); booting again"
	grep -aE 'Kernel panic|BUG:|Oops|qemu-system|error' "$logf.first" |
		head -n 5 | sed 's/^/@@ INFO   /' || true
	rc=0
	boot_guest || rc=$?
fi
# No exit line is a dead guest: keep going (set -e) to say so below.
exit_line=$(grep -a '^@@ GUEST-EXIT' "$logf" | tail -n 1 || true)
# the kernel's own console lines (the power-off's) may run into it
[[ $exit_line =~ ^@@\ GUEST-EXIT\ [0-9]+ ]] && exit_line=${BASH_REMATCH[0]}
if [ -n "$exit_line" ] && [ "$exit_line" != "@@ GUEST-EXIT 0" ]; then
	echo "@@ TEST boot:$name FAIL guest script $run exited ${exit_line#@@ GUEST-EXIT } (console: $logf)"
	exit 1
fi
if [ "$run" = tests/guest/runner.sh ] && [ -n "$exit_line" ] &&
   ! grep -aq '^@@ DONE' "$logf"; then
	echo "@@ TEST boot:$name FAIL the guest runner did not finish (console: $logf)"
	exit 1
fi
if [ -z "$exit_line" ]; then
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "@@ TEST boot:$name FAIL guest timed out after ${timeout_s}s (console: $logf)"
	else
		echo "@@ TEST boot:$name FAIL guest died before finishing, qemu exit $rc (console: $logf)"
	fi
	grep -aE 'Kernel panic|BUG:|Oops|WARNING:|qemu-system' "$logf" |
		head -n 5 | sed 's/^/@@ INFO /' || true
	exit 1
fi
