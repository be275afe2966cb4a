#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# uapi/linux/idxd_ims.h compiles alone in C and in C++ with every warning
# an error, and its layout asserts hold (they fail the build otherwise).
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <linux/idxd_ims.h>\nint main(void) { return sizeof(struct idxd_ims_desc) != 64; }\n' > "$tmp/t.c"
cp "$tmp/t.c" "$tmp/t.cc"
rc=0
for lang in c11:cc:t.c c17:cc:t.c c++11:c++:t.cc c++17:c++:t.cc; do
	IFS=: read -r std comp src <<< "$lang"
	if out=$($comp -std=$std -Wall -Wextra -Werror -pedantic -I"$top/uapi" \
		 -o "$tmp/t" "$tmp/$src" 2>&1) && "$tmp/t"; then
		echo "@@ TEST uapi:compile-$std PASS"
	else
		echo "@@ TEST uapi:compile-$std FAIL $(echo "$out" | head -n 1)"
		echo "$out" | sed 's/^/   | /'
		rc=1
	fi
done
exit $rc
