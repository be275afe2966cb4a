#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the 'debug' lane's kernel: Debian's linux-source-6.12 (the tarball
# 'make deps' keeps, the same 6.12 as the stock guest kernel) configured
# with x86_64 defconfig + kvm_guest.config + tests/vm/debug.config, built
# with ccache into $CACHE/debug-kernel:
#   src/    the unpacked source          build/  the O= tree (KDIR for M=)
#   root/   boot/vmlinuz-VER and lib/modules/VER    version  VER
# Rebuilds only when the fragment or this script changes; with a warm
# ccache a rebuild from scratch takes about a minute.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"

D=$CACHE/debug-kernel
frag=$top/tests/vm/debug.config
export CCACHE_DIR=$CACHE/ccache-kernel CCACHE_MAXSIZE=1G
# Kbuild puts the build time and host into the image, which defeats
# ccache for the files that include them.
export KBUILD_BUILD_TIMESTAMP="idxd-ims debug" KBUILD_BUILD_USER=idxd-ims KBUILD_BUILD_HOST=cache
tarball=$(ls "$CACHE"/linux-source/linux-source-6.12*.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "no linux-source-6.12 tarball in $CACHE/linux-source (run 'make deps')"
stamp=$(cat "$frag" "$0" "$CACHE/linux-source/version" | sha256sum | cut -c1-16)
if [ -s "$D/version" ] && [ "$(cat "$D/stamp" 2>/dev/null)" = "$stamp" ] &&
   [ -f "$D/root/boot/vmlinuz-$(cat "$D/version")" ]; then
	exit 0
fi

mkdir -p "$D"
exec 9> "$D/.lock"
flock 9
if [ "$(cat "$D/src/.tarball" 2>/dev/null)" != "$(basename "$tarball")" ]; then
	log "unpacking $(basename "$tarball") into $D/src"
	rm -rf "$D/src" "$D/build"
	mkdir -p "$D/src"
	tar -xf "$tarball" -C "$D/src" --strip-components=1
	basename "$tarball" > "$D/src/.tarball"
fi

mk() { make -C "$D/src" O="$D/build" CC="ccache gcc" HOSTCC="ccache gcc" "$@"; }
log "configuring (defconfig + kvm_guest.config + $(basename "$frag"))"
mkdir -p "$D/build"
mk -s defconfig kvm_guest.config >/dev/null
"$D/src/scripts/kconfig/merge_config.sh" -m -O "$D/build" "$D/build/.config" "$frag" >/dev/null
mk -s olddefconfig >/dev/null
# Every option the fragment turns on must have survived olddefconfig (a
# missing dependency drops one silently).
lost=$(grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' "$frag" | while read -r l; do
	grep -qx "$l" "$D/build/.config" || echo "$l"; done)
[ -z "$lost" ] || die "the debug config lost: $(echo $lost) (a dependency is missing)"

log "building bzImage and modules (about 17 min with a cold ccache, 1-2 min warm)"
t0=$(date +%s)
mk -j"$(nproc)" bzImage modules > "$D/build.log" 2>&1 ||
	{ tail -n 30 "$D/build.log" >&2; die "kernel build failed (log: $D/build.log)"; }
ver=$(mk -s kernelrelease)
rm -rf "$D/root"
mk -s INSTALL_MOD_PATH="$D/root" modules_install >/dev/null
install -D -m 0644 "$D/build/arch/x86/boot/bzImage" "$D/root/boot/vmlinuz-$ver"
echo "$ver" > "$D/version"
echo "$stamp" > "$D/stamp"
log "built $ver in $(( $(date +%s) - t0 )) s ($(ccache -s 2>/dev/null | grep -m1 -i 'hits' | tr -s ' '))"
