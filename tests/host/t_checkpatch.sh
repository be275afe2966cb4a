#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The kernel module and the uapi headers are checkpatch.pl --strict clean
# (checkpatch, spelling.txt and const_structs.checkpatch come from
# Debian's linux-source-6.12; 'make deps' fetches them).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
cp="$CACHE/checkpatch/scripts/checkpatch.pl"
if [ ! -x "$cp" ]; then
	echo "@@ TEST checkpatch FAIL $cp missing (run 'make deps')"
	exit 1
fi
cd "$top" || exit 1
rc=0
for f in $(git ls-files 'driver/*.c' 'driver/*.h' 'uapi/*.h'); do
	# uapi: the C11 keyword _Static_assert is not CamelCase
	ignore=""
	case $f in uapi/*) ignore="--ignore CAMELCASE" ;; esac
	out=$("$cp" --strict --no-tree --terse --show-types $ignore -f "$f" 2>&1 |
	      grep -v '^total: ')
	if [ -z "$out" ]; then
		echo "@@ TEST checkpatch:$f PASS"
	else
		echo "@@ TEST checkpatch:$f FAIL $(echo "$out" | head -n 1)"
		echo "$out" | sed 's/^/   | /'
		rc=1
	fi
done
exit $rc
