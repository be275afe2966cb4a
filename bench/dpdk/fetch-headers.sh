#!/bin/bash
# SPDX-License-Identifier: MIT
#
# fetch-headers.sh DIR: DPDK's driver-side headers (rte_dmadev_pmd.h,
# bus_vdev_driver.h, dev_driver.h, bus_driver.h), which libdpdk-dev does
# not install, from the source package of exactly the installed
# libdpdk-dev version, into DIR/include.  The source tarball is kept in
# DIR; nothing is fetched again once the headers are there.
set -euo pipefail
mkdir -p "$1"
dir=$(cd "$1" && pwd)
ver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) || {
	echo "fetch-headers: libdpdk-dev is not installed (run 'make deps')" >&2
	exit 1
}
stamp=$dir/include/.version
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ver" ]; then
	exit 0
fi
mkdir -p "$dir/include"
cd "$dir"
upstream=${ver%-*}
upstream=${upstream#*:}
tarball=dpdk_$upstream.orig.tar.xz
if [ ! -f "$tarball" ]; then
	echo "== fetching the DPDK $ver source package for its driver headers"
	apt-get source --download-only -q "dpdk=$ver" >/dev/null 2>apt.err || {
		echo "fetch-headers: 'apt-get source dpdk=$ver' failed (deb-src entries: 'make deps'):" >&2
		cat apt.err >&2
		exit 1
	}
fi
tar -xJf "$tarball" --wildcards --strip-components=3 -C include \
	'*/lib/dmadev/rte_dmadev_pmd.h'
tar -xJf "$tarball" --wildcards --strip-components=4 -C include \
	'*/lib/eal/include/dev_driver.h' '*/lib/eal/include/bus_driver.h' \
	'*/drivers/bus/vdev/bus_vdev_driver.h'
for h in rte_dmadev_pmd.h dev_driver.h bus_driver.h bus_vdev_driver.h; do
	[ -f "include/$h" ] || { echo "fetch-headers: $h missing from $tarball" >&2; exit 1; }
done
echo "$ver" > "$stamp"
