#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The nested guest (L2) booted once to its command prompt and saved with
# QEMU's migration to a file, here on the host where TCG is one level
# deep (a boot in L1, two levels deep, takes a minute or more): the
# nested test restores it for each L2 it runs (tests/nested/l2vm.py).
# Made again when L2's kernel, initramfs, QEMU or this script change.
# Usage: l2-snapshot.sh; prints the file's path.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"

kver=$(cat "$CACHE/kernel/version" 2>/dev/null) || die "no kernel in $CACHE (run 'make deps')"
kernel=$(echo "$CACHE"/kernel/root/boot/vmlinuz-"$kver")
initrd=$(bash "$top/tests/nested/l2-initramfs.sh")
qemu=$CACHE/qemu/qemu-system-x86_64
out=$CACHE/vm/l2-snapshot-$kver.mig
[ -x "$qemu" ] || die "no QEMU in $CACHE (run 'make qemu')"
# fresh by content, not time: two checkouts may share one cache
sum=$(cat "$kernel" "$initrd" "$qemu" "$0" "$top/tests/nested/l2vm.py" | sha256sum | cut -c1-64)
if [ -f "$out" ] && [ "$(cat "$out.sum" 2>/dev/null)" = "$sum" ]; then
	echo "$sum" > "$out.sum"
echo "$out"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# memmap: 1 MiB of L2's memory kept from its kernel for the isolation
# test's descriptors and records (l2-cmds.sh), reachable through /dev/mem
if ! python3 "$top/tests/nested/l2vm.py" save --qemu "$qemu" --firmware "$CACHE/firmware" \
	--tmp "$tmp" --kernel "$kernel" --initrd "$initrd" --console "$CACHE/vm/l2-snapshot.console" \
	--append "console=ttyS0 panic=-1 loglevel=4 memmap=1M\$0xf000000" \
	--out "$out" --timeout 600 >&2; then
	tail -n 30 "$CACHE/vm/l2-snapshot.console" >&2
	die "could not save L2"
fi
echo "$sum" > "$out.sum"
echo "$out"
