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
