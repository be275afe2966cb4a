#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# imsctl on the host, where no device is needed: its man page renders
# without warnings and documents every option each command's --help
# lists; bad command lines exit 2 before touching any device.
top=$(cd "$(dirname "$0")/../.." && pwd)
man=$top/userspace/imsctl/imsctl.8
if ! out=$(make -s -C "$top" build/bin/imsctl 2>&1); then
	echo "@@ TEST imsctl:build FAIL $(echo "$out" | head -n 1)"
	exit 1
fi
ctl=$top/build/bin/imsctl
rc=0
res() {	# res NAME OK [DETAIL]
	if [ "$2" = 0 ]; then echo "@@ TEST imsctl:$1 PASS"; else
		echo "@@ TEST imsctl:$1 FAIL ${3:-}"; rc=1; fi
}

warn=$(groff -man -ww -z "$man" 2>&1)
res man-renders $([ -z "$warn" ]; echo $?) "$warn"
text=$(MANWIDTH=200 groff -man -Tutf8 -P-cbou "$man" 2>/dev/null)
for cmd in list run irq; do
	missing=""
	for o in $("$ctl" $cmd --help | grep -oE -- '--[a-z-]+' | sort -u); do
		grep -qF -- "$o" <<< "$text" || missing="$missing $o"
	done
	res man-documents-$cmd $([ -z "$missing" ]; echo $?) "missing:$missing"
done
for c in list run irq help; do
	grep -qE "^ *$c( |$)" <<< "$text" 2>/dev/null || grep -qF "imsctl $c" <<< "$text"
	res man-names-$c $?
done

usage() {	# usage NAME ARGS...: exit 2 and a message naming what is wrong
	local name=$1 out code=0
	shift
	out=$("$ctl" "$@" 2>&1 >/dev/null) || code=$?
	res usage-$name $([ $code = 2 ] && [ -n "$out" ]; echo $?) "exit $code: $out"
}
usage no-args
usage bad-command frob
usage run-no-args run
usage run-bad-op run frob wq0.0
usage run-bad-size run memmove wq0.0 --size 4X
usage run-size-overflow run memmove wq0.0 --size 99999999999999999999
usage run-bad-count run memmove wq0.0 --count 1x
usage run-bad-depth run memmove wq0.0 --depth 65
usage run-bad-timeout run memmove wq0.0 --timeout 0
usage run-bad-wq run memmove wq0
usage run-bad-wq-mismatch run memmove dsa1/wq0.0
usage run-unknown-option run memmove wq0.0 --frob
usage list-bad-filter list frob
usage irq-bad-cpus irq wq0.0 1-x
usage irq-no-wq irq
out=$("$ctl" --version); res version $([ "$out" = "imsctl 1.0" ]; echo $?) "$out"
exit $rc
