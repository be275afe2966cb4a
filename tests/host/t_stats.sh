#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The benchmark's statistics (bench/stats.py) on synthetic samples with a
# known answer: A/A intervals cover 1.00, a known ratio's interval covers
# it and leaves out 1.00, pairing cancels shared drift, blocks carry
# drift that is not shared, a goal is met only by a whole interval.
top=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 "$top/bench/stats.py" selftest 2>&1 ||
	echo "@@ TEST stats:selftest FAIL exit code $? (is python3-numpy installed? make deps)"
# its command line: a missing file, bad rows and an unknown option are
# an error that names them, not a traceback or a number
py() { /usr/bin/python3 "$top/bench/stats.py" "$@" 2>&1; }
res() { if [ "$2" = 0 ]; then echo "@@ TEST stats:$1 PASS"; else echo "@@ TEST stats:$1 FAIL ${3:-}"; fi; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
out=$(py pairs /nonexistent/pairs.txt); c=$?
res cli-missing-file $([ $c != 0 ] && grep -q '^stats.py: /nonexistent' <<< "$out" && ! grep -q Traceback <<< "$out"; echo $?) "$out"
echo "1.0 x 0" > "$tmp"
out=$(py pairs "$tmp"); c=$?
res cli-bad-rows $([ $c != 0 ] && grep -q '^stats.py:' <<< "$out" && ! grep -q Traceback <<< "$out"; echo $?) "$out"
out=$(py pairs "$tmp" --frob 1); c=$?
res cli-unknown-option $([ $c != 0 ] && grep -q 'unknown option --frob' <<< "$out"; echo $?) "$out"
