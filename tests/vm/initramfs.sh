#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the test guest's initramfs: busybox-static, /init, the 9p modules
# (decompressed, busybox insmod cannot read .ko.xz) and the two device
# nodes the kernel needs before devtmpfs is mounted.  Usage:
# initramfs.sh [stock|debug]; the debug kernel has 9p built in.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"

flavour=${1:-stock}
kdir=$CACHE/kernel
[ "$flavour" = stock ] || kdir=$CACHE/debug-kernel
kver=$(cat "$kdir/version" 2>/dev/null) || die "no $flavour kernel in $CACHE (run 'make deps' or 'make debug-kernel')"
out="$CACHE/vm/initramfs-$kver.cpio.gz"
mods="$kdir/root/lib/modules/$kver"
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
	[ "$flavour" = stock ] || break
	xz -dc "$mods/kernel/$m.ko.xz" > "$work/lib/modules/$(basename "$m").ko"
done
mknod -m 600 "$work/dev/console" c 5 1
mknod -m 666 "$work/dev/null" c 1 3
(cd "$work" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"	# a rename: a reader sees the old file or the new
