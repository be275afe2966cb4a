#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the nested guest's (L2's) initramfs: busybox-static, its /init
# and commands, l2-isolate (static), Debian's idxd_bus and idxd
# (decompressed: busybox insmod cannot read .ko.xz) and the kernel's own
# dmatest (make upstream-modules).
# Usage: l2-initramfs.sh; prints the file's path.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"

kdir=$CACHE/kernel
kver=$(cat "$kdir/version" 2>/dev/null) || die "no kernel in $CACHE (run 'make deps')"
mods=$kdir/root/lib/modules/$kver/kernel
dmatest=$CACHE/upstream-kmod/dmatest/drivers/dma/dmatest.ko
out=$CACHE/vm/l2-initramfs-$kver.cpio.gz
[ -s "$dmatest" ] || die "no $dmatest (run 'make upstream-modules')"
# fresh by content, not time: two checkouts may share one cache
sum=$(cat "$0" "$top/tests/nested/l2-init" "$top/tests/nested/l2-cmds.sh" \
	"$top/tests/nested/l2-isolate.c" "$dmatest" | sha256sum | cut -c1-64)
if [ -f "$out" ] && [ "$(cat "$out.sum" 2>/dev/null)" = "$sum" ]; then
	echo "$out"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,lib/modules}
cp /bin/busybox "$work/bin/busybox"
install -m 0755 "$top/tests/nested/l2-init" "$work/init"
install -m 0644 "$top/tests/nested/l2-cmds.sh" "$work/l2-cmds.sh"
${CC:-cc} -static -O2 -Wall -Wextra -Werror -o "$work/bin/l2-isolate" "$top/tests/nested/l2-isolate.c"
for m in drivers/dma/idxd/idxd_bus drivers/dma/idxd/idxd; do
	xz -dc "$mods/$m.ko.xz" > "$work/lib/modules/$(basename "$m").ko"
done
cp "$dmatest" "$work/lib/modules/dmatest.ko"
mknod -m 600 "$work/dev/console" c 5 1
mknod -m 666 "$work/dev/null" c 1 3
mkdir -p "$(dirname "$out")"
(cd "$work" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$sum" > "$out.sum"
echo "$out"
