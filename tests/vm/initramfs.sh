#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the test guest's initramfs: busybox-static, /init, the 9p modules
# (decompressed, busybox insmod cannot read .ko.xz) and the two device
# nodes the kernel needs before devtmpfs is mounted.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"

kver=$(cat "$CACHE/kernel/version" 2>/dev/null) || die "no kernel in $CACHE (run 'make deps')"
out="$CACHE/vm/initramfs-$kver.cpio.gz"
mods="$CACHE/kernel/root/lib/modules/$kver"
fresh() { [ -f "$out" ] && [ "$out" -nt "$top/tests/vm/init" ] && [ "$out" -nt "$0" ]; }
fresh && exit 0

# Guests booting side by side (the harness test) must not build it twice
# into one file: one builds, the others wait for it.
mkdir -p "$(dirname "$out")"
exec 9> "$out.lock"
flock 9
fresh && exit 0
log "building $out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$work/bin/busybox"
file -L "$work/bin/busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	die "/bin/busybox is not static (install busybox-static)"
install -m 0755 "$top/tests/vm/init" "$work/init"
for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
	xz -dc "$mods/kernel/$m.ko.xz" > "$work/lib/modules/$(basename "$m").ko"
done
mknod -m 600 "$work/dev/console" c 5 1
mknod -m 666 "$work/dev/null" c 1 3
(cd "$work" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"	# a rename: a reader sees the old file or the new
