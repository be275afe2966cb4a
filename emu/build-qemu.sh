#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make qemu: fetch Debian's QEMU 10.0.2 source with apt, apply our patches
# from emu/patches/ (TCG's MOVDIR64B/MOVDIRI), add the idxd-ims device
# model(s) from emu/qemu/, build qemu-system-x86_64 with ccache.
# Everything lands in $CACHE/qemu (git-ignored).  Re-running only copies
# changed model files and lets ninja rebuild what changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"

Q=$CACHE/qemu
SRC=$Q/src
BLD=$Q/build
export CCACHE_DIR=$Q/ccache
export CCACHE_MAXSIZE=2G

qemu_version() {
	apt-cache showsrc qemu 2>/dev/null |
		awk '/^Version: .*10\.0\./ {print $2}' | sort -V | tail -n 1
}

fetch_source() {
	[ -f "$SRC/VERSION" ] && return 0
	local v tarball
	v=$(qemu_version)
	[ -n "$v" ] || die "no QEMU 10.0.x source in apt (run 'make deps' first)"
	log "fetching QEMU source $v with apt"
	mkdir -p "$Q/dl"
	(cd "$Q/dl" && apt-get source -qq --tar-only --download-only "qemu=$v")
	tarball=$(ls "$Q"/dl/qemu_*.orig.tar.* | head -n 1)
	rm -rf "$SRC.tmp" && mkdir -p "$SRC.tmp"
	tar -xf "$tarball" -C "$SRC.tmp" --strip-components=1
	# The +ds tarball carries no edk2 blobs; don't try to unpack them.
	sed -i "s|unpack_edk2_blobs = bzip2.found()$|unpack_edk2_blobs = bzip2.found() and fs.exists('pc-bios/edk2-x86_64-code.fd.bz2')|" \
		"$SRC.tmp/meson.build"
	grep -q "fs.exists('pc-bios/edk2-x86_64-code.fd.bz2')" "$SRC.tmp/meson.build" ||
		die "QEMU meson.build changed: edk2 blob fix did not apply"
	mv "$SRC.tmp" "$SRC"
	rm -rf "$Q/dl"
}

# Our patches to QEMU itself, in name order.  The copies applied last are
# kept in $SRC/.idxd-ims-patches: when the set in emu/patches/ changes,
# the old set is reversed (newest first) and the new one applied, so an
# edited patch never needs a fresh source tree.
patches_current() {	# are exactly the patches in emu/patches applied?
	local applied=$1 p
	shift
	[ -d "$applied" ] || return 1
	[ "$(find "$applied" -name '*.patch' | wc -l)" = "$#" ] || return 1
	for p in "$@"; do
		cmp -s "$p" "$applied/$(basename "$p")" || return 1
	done
}

apply_patches() {
	local applied=$SRC/.idxd-ims-patches p
	local new=("$top"/emu/patches/*.patch)
	[ -e "${new[0]}" ] || new=()
	patches_current "$applied" "${new[@]}" && return 0
	[ ! -d "$applied.tmp" ] ||
		die "an earlier patch run stopped half way: remove $SRC and rerun"
	if [ -d "$applied" ]; then
		for p in $(ls "$applied"/*.patch 2>/dev/null | sort -r); do
			log "reversing $(basename "$p")"
			patch -d "$SRC" -p1 -R -s -f < "$p" ||
				die "cannot reverse $(basename "$p"): remove $SRC and rerun"
		done
		rm -rf "$applied"
	fi
	mkdir -p "$applied.tmp"
	for p in "${new[@]}"; do
		log "applying $(basename "$p")"
		patch -d "$SRC" -p1 -s -N < "$p" ||
			die "$(basename "$p") does not apply to QEMU $(cat "$SRC/VERSION") (remove $SRC and rerun)"
		cp "$p" "$applied.tmp/"
	done
	mv "$applied.tmp" "$applied"
}

# Wire our models into hw/misc once; copy the sources every time (cp -u
# keeps timestamps meaningful so ninja only rebuilds what changed).
add_models() {
	local f
	if ! grep -q IDXD_IMS_DSA "$SRC/hw/misc/Kconfig"; then
		cat >> "$SRC/hw/misc/Kconfig" <<'KC'

config IDXD_IMS_DSA
    bool
    default y if TEST_DEVICES
    depends on PCI && MSI_NONBROKEN
KC
		echo "system_ss.add(when: 'CONFIG_IDXD_IMS_DSA', if_true: files('intel-dsa.c', 'intel-dsa-ops.c'))" \
			>> "$SRC/hw/misc/meson.build"
	fi
	for f in "$top"/emu/qemu/*.[ch]; do
		cmp -s "$f" "$SRC/hw/misc/$(basename "$f")" || cp "$f" "$SRC/hw/misc/"
	done
	if [ -d "$top/emu/qtest" ]; then
		for f in "$top"/emu/qtest/*.c; do
			[ -e "$f" ] || continue
			cmp -s "$f" "$SRC/tests/qtest/$(basename "$f")" || cp "$f" "$SRC/tests/qtest/"
		done
		# QEMU 10.0 has "qtests_x86_64 = qtests_i386"; prepend our test.
		if ! grep -q intel-dsa-test "$SRC/tests/qtest/meson.build"; then
			sed -i "0,/^qtests_x86_64 = /s//qtests_x86_64 = ['intel-dsa-test'] + /" \
				"$SRC/tests/qtest/meson.build"
		fi
		grep -q "^qtests_x86_64 = \['intel-dsa-test'\] + " "$SRC/tests/qtest/meson.build" ||
			die "QEMU tests/qtest/meson.build changed: intel-dsa-test not wired"
	fi
}

configure() {
	[ -f "$BLD/build.ninja" ] && return 0
	log "configuring QEMU (x86_64-softmmu, TCG, virtfs)"
	mkdir -p "$BLD"
	(cd "$BLD" && "$SRC/configure" --python=/usr/bin/python3 \
		--cc="ccache cc" --cxx="ccache c++" --target-list=x86_64-softmmu \
		--enable-kvm --disable-docs --disable-user --without-default-features \
		--enable-virtfs --enable-attr --disable-install-blobs \
		--disable-werror --disable-download >"$Q/configure.log" 2>&1) ||
		{ tail -n 30 "$Q/configure.log"; die "QEMU configure failed (log: $Q/configure.log)"; }
}

build() {
	local targets=(qemu-system-x86_64)
	# The device-model qtest (tests/host/t_qtest.sh runs it).
	[ -f "$top/emu/qtest/intel-dsa-test.c" ] && targets+=(tests/qtest/intel-dsa-test)
	log "building ${targets[*]} (progress below; cold build takes minutes)"
	ninja -C "$BLD" "${targets[@]}" "$@" | awk '
		/^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), a, "/"); n = a[1] + 0; t = a[2] + 0;
			if (n % 200 == 0 || n == t) { printf "[qemu] %s/%s\n", n, t; fflush() }
			next }
		{ print; fflush() }'
	[ "${PIPESTATUS[0]}" = 0 ] || die "QEMU build failed"
}

fetch_source
apply_patches
add_models
configure
build "$@"
ln -sf "$BLD/qemu-system-x86_64" "$Q/qemu-system-x86_64"
log "ready: $Q/qemu-system-x86_64"
