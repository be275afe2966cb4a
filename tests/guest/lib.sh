# SPDX-License-Identifier: MIT
# Helpers for in-guest tests (sourced).  A test reports each check with
# pass/fail; the first failure does not stop later checks.
REPO=${IDXD_IMS_REPO:?}
PROFILE=${IDXD_IMS_PROFILE:?}
_failed=0

pass() { echo "@@ TEST $1 PASS${2:+ $2}"; }
fail() { echo "@@ TEST $1 FAIL${2:+ $2}"; _failed=1; }
check() {	# check NAME CMD...: pass if CMD succeeds
	local n=$1; shift
	if "$@"; then pass "$n"; else fail "$n" "($*)"; fi
}
finish() { exit $_failed; }

# The PCI addresses of all emulated DSA functions, one per line.
dsa_bdfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x0b25 ] &&
			basename "$d"
	done
}

kmod_dir() { echo "$REPO/tests/kmod"; }

# modprobe from the extracted Debian kernel (the host has no such tree).
kload() { modprobe -d "$REPO/.cache/kernel/root" "$@"; }
