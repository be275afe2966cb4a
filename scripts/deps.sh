#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make deps: install everything idxd-ims needs on a Debian 12 (bookworm)
# host, as root.  Idempotent: a second run only checks.
#
#  1. apt sources: bookworm-backports (deb + deb-src) and deb-src for
#     bookworm, added next to Debian's own sources file when missing,
#     reusing its URI (we name no archive host of our own).
#  2. apt packages: QEMU build deps (meson/pycotap from backports),
#     guest userland (busybox-static), and tools the tests run.
#  3. into the cache (default .cache/, git-ignored): Debian's stock 6.12
#     kernel image + headers + kbuild, extracted, never installed on the
#     host; SeaBIOS and QEMU option ROMs extracted from their packages;
#     Debian's linux-source-6.12 tarball (kept whole: checkpatch.pl and
#     dmatest.c come out of it; Debian builds no dmatest module).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"

[ "$(id -u)" = 0 ] || die "make deps must run as root (it runs apt-get)"

add_apt_sources() {
	local src=/etc/apt/sources.list.d/debian.sources uri
	local ours=/etc/apt/sources.list.d/idxd-ims.sources
	uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' "$src" 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '/^deb / && $3 ~ /^bookworm$/ {print $2; exit}' \
		/etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "cannot find Debian's archive URI in $src or sources.list"

	if ! apt-cache policy 2>/dev/null | grep -q 'bookworm-backports' ||
	   ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "adding bookworm-backports (deb, deb-src) and bookworm deb-src from $uri"
		cat > "$ours" <<SRC
# Added by idxd-ims 'make deps': the 6.12 kernel, meson >= 1.5 and the
# QEMU 10.0.2 source come from bookworm-backports.
Types: deb deb-src
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $uri
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		rm -f "$CACHE/.apt-updated"
	fi
	if [ ! -e "$CACHE/.apt-updated" ] ||
	   [ -n "$(find "$CACHE/.apt-updated" -mmin +1440 2>/dev/null)" ]; then
		log "apt-get update"
		apt-get update -qq
		touch "$CACHE/.apt-updated"
	fi
}

APT_PKGS=(
	# QEMU build
	build-essential ninja-build pkgconf libglib2.0-dev zlib1g-dev
	python3-venv ccache bzip2 xz-utils flex bison dpkg-dev libfdt-dev
	# kernel module build against the extracted headers; the debug
	# lane's kernel from linux-source (make debug-kernel)
	libelf-dev bc libssl-dev cpio rsync
	# guest userland and in-guest tools
	busybox-static kmod pciutils groff-base
	# real clients of the driver's ABI, run in the guest
	accel-config
	# host-side tests; the benchmark's statistics (numpy) and plots
	python3 python3-numpy python3-matplotlib
	# the DPDK benchmark, its background load, noise reference and profiler;
	# dpdk-dev has dpdk-test, whose dmadev_autotest drives DPDK's own
	# DSA driver (dma_idxd) against the emulated device
	libdpdk-dev dpdk-dev
	stress-ng rt-tests fio linux-perf
)
BPO_PKGS=(meson python3-pycotap)

install_packages() {
	local missing=() p
	for p in "${APT_PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "apt-get install ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}"
	fi
	if ! meson --version 2>/dev/null | awk -F. '{exit !($1 > 1 || ($1 == 1 && $2 >= 5))}'; then
		log "apt-get install -t bookworm-backports ${BPO_PKGS[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends -t bookworm-backports "${BPO_PKGS[@]}"
	fi
}

# Newest 6.12 amd64 image in bookworm-backports, e.g. 6.12.57+deb12-amd64.
pick_kernel() {
	apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1
}

fetch_debs() {
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -qq "$@")
}

extract_debs() {
	local dir=$1 to=$2 d
	mkdir -p "$to"
	for d in "$dir"/*.deb; do dpkg-deb -x "$d" "$to"; done
}

fetch_kernel() {
	local kver kdir common
	if [ -s "$CACHE/kernel/version" ] && [ -d "$CACHE/kernel/root/boot" ]; then
		return 0
	fi
	kver=$(pick_kernel)
	[ -n "$kver" ] || die "no linux-image-6.12.*+deb12-amd64 in bookworm-backports"
	local base=${kver%-amd64}
	log "fetching Debian kernel $kver (image, headers, kbuild)"
	rm -rf "$CACHE/kernel"
	fetch_debs "$CACHE/kernel/debs" "linux-image-$kver" \
		"linux-headers-$kver" "linux-headers-$base-common" \
		"linux-kbuild-${base%%+*}"
	extract_debs "$CACHE/kernel/debs" "$CACHE/kernel/root"
	kdir="$CACHE/kernel/root/usr/src/linux-headers-$kver"
	common="$CACHE/kernel/root/usr/src/linux-headers-$base-common"
	# The headers' Makefile includes the -common tree by absolute path.
	sed -i "s|/usr/src/linux-headers-$base-common|$common|g" "$kdir/Makefile"
	# kbuild's scripts are symlinks into /usr/lib/linux-kbuild-X: point
	# them at our extracted copy instead.
	local l t
	while IFS= read -r l; do
		t=$(readlink "$l")
		case $t in /usr/lib/linux-kbuild-*) ln -snf "$CACHE/kernel/root$t" "$l" ;; esac
	done < <(find "$kdir" "$common" -type l)
	# The package's postinst would run depmod; do it for the guest.
	depmod -b "$CACHE/kernel/root" "$kver"
	echo "$kver" > "$CACHE/kernel/version"
	rm -rf "$CACHE/kernel/debs"
}

fetch_firmware() {
	local fw="$CACHE/firmware"
	[ -s "$fw/bios-256k.bin" ] && return 0
	log "fetching SeaBIOS and QEMU option ROMs (extracted, not installed)"
	local tmp="$CACHE/firmware.tmp"
	rm -rf "$tmp"
	fetch_debs "$tmp/debs" seabios qemu-system-data
	extract_debs "$tmp/debs" "$tmp/root"
	mkdir -p "$fw"
	cp "$tmp/root/usr/share/seabios/bios-256k.bin" "$fw/"
	local f
	for f in linuxboot_dma.bin kvmvapic.bin pvh.bin; do
		cp "$tmp/root/usr/share/qemu/$f" "$fw/" 2>/dev/null ||
			cp "$(find "$tmp/root" -name "$f" | head -n 1)" "$fw/"
	done
	rm -rf "$tmp"
}

# Debian's linux-source-6.12 tarball, the same 6.12 as the guest kernel,
# kept in $CACHE/linux-source; checkpatch.pl with its data files and the
# kernel's dmatest.c come out of it.
fetch_linux_source() {
	local ls="$CACHE/linux-source" tmp="$CACHE/linux-source.tmp" tarball
	[ -s "$ls/version" ] && return 0
	log "fetching linux-source-6.12 (the tarball is kept in $ls)"
	rm -rf "$tmp" && mkdir -p "$tmp"
	(cd "$tmp" && apt-get download -qq linux-source-6.12)
	dpkg-deb -x "$tmp"/linux-source-6.12_*.deb "$tmp/root"
	tarball=$(find "$tmp/root/usr/src" -maxdepth 1 -name 'linux-source-6.12*.tar.*' | head -n 1)
	[ -n "$tarball" ] || die "no tarball in linux-source-6.12"
	rm -rf "$ls" && mkdir -p "$ls"
	mv "$tarball" "$ls/"
	basename "$(ls "$tmp"/linux-source-6.12_*.deb)" .deb | sed 's/^linux-source-6.12_//' > "$ls/version"
	rm -rf "$tmp"
}

# extract_source DIR PATH...: files of the kept tarball into DIR
extract_source() {
	local dir=$1 tarball top; shift
	tarball=$(ls "$CACHE"/linux-source/linux-source-6.12*.tar.* | head -n 1)
	top=$(basename "$tarball" | sed 's/\.tar\..*//')
	mkdir -p "$dir"
	tar -xf "$tarball" -C "$dir" --strip-components=1 "${@/#/$top/}"
}

fetch_checkpatch() {
	local cp="$CACHE/checkpatch"
	[ -x "$cp/scripts/checkpatch.pl" ] && return 0
	log "unpacking checkpatch.pl from linux-source-6.12"
	extract_source "$cp" scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch
	[ -x "$cp/scripts/checkpatch.pl" ] || die "checkpatch.pl not found in linux-source-6.12"
}

# The kernel's own DMA engine test, built unmodified against the guest
# kernel's headers by 'make upstream-modules'.
fetch_dmatest() {
	local d="$CACHE/upstream-kmod/dmatest"
	[ -s "$d/drivers/dma/dmatest.c" ] && return 0
	log "unpacking dmatest.c from linux-source-6.12"
	extract_source "$d" drivers/dma/dmatest.c
	[ -s "$d/drivers/dma/dmatest.c" ] || die "dmatest.c not found in linux-source-6.12"
}

mkdir -p "$CACHE"
add_apt_sources
install_packages
fetch_kernel
fetch_firmware
fetch_linux_source
fetch_checkpatch
fetch_dmatest
log "deps ready: kernel $(cat "$CACHE/kernel/version"), cache $CACHE"
