#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libidxdims host unit tests (built by 'make lib').
top=$(cd "$(dirname "$0")/../.." && pwd)
if ! out=$(make -s -C "$top" build/tests/lib_unit 2>&1); then
	echo "@@ TEST lib:build FAIL $(echo "$out" | head -n 1)"
	exit 1
fi
"$top/build/tests/lib_unit"
