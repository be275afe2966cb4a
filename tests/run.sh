#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make check: host-side tests, then one guest boot per machine profile
# running every in-guest test for that profile.  Prints each result, a
# per-suite summary, and last a line "N passed, M failed"; exits non-zero
# on any failure.  Usage: tests/run.sh [PROFILE...]  (default: all)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/common.sh"
. "$top/tests/vm/profiles.sh"

profiles=${*:-${IDXD_IMS_PROFILES:-$PROFILES_ALL}}
# IDXD_IMS_TESTS=a,b (make check TESTS=a,b): only those in-guest tests,
# no host tests.
tests=${IDXD_IMS_TESTS:-}
if [ -n "$tests" ]; then
	export IDXD_IMS_APPEND="${IDXD_IMS_APPEND:-} idxd_ims.tests=$tests"
fi
results=$(mktemp)
trap 'rm -f "$results"' EXIT
start=$(date +%s)

record() {	# record SUITE < lines: keep "@@ TEST name PASS|FAIL ..."
	local suite=$1 line
	while IFS= read -r line; do
		case $line in
		"@@ TEST "*)
			set -- $line
			printf '%-6s %-44s %s\n' "$4" "$suite/$3" "${line#* $4}" |
				sed 's/ *$//'
			echo "$4 $suite/$3" >> "$results" ;;
		"@@ RUN "*|"@@ GUEST-UP"*)
			echo "       ${line#@@ }" ;;
		"@@ INFO "*)
			echo "       ${line#@@ INFO }" ;;
		"   | "*)
			echo "$line" ;;
		"["*"] error: "*)	# a harness script gave up: say why
			echo "       $line" ;;
		esac
	done
}

echo "== host tests"
for t in "$top"/tests/host/t_*.sh; do
	[ -z "$tests" ] || break
	[ -e "$t" ] || continue
	bash "$t" 2>&1 | record host
done

echo "== building test modules"
if ! make -s -C "$top" test-modules >/dev/null 2>"$CACHE/logs-build.txt"; then
	cat "$CACHE/logs-build.txt"
	echo "FAIL build/test-modules" >> "$results"
	profiles=""
fi

for p in $profiles; do
	profile_setup "$p" || { echo "unknown profile $p"; exit 2; }
	echo "== guest: $p ($PROFILE_DESC)"
	t0=$(date +%s)
	n0=$(wc -l < "$results")
	"$top/tests/vm/boot.sh" "$p" 2>&1 | record "$p"
	if [ "$(wc -l < "$results")" = "$n0" ]; then
		echo "FAIL   $p/ran-no-test"
		echo "FAIL $p/ran-no-test" >> "$results"
	fi
	echo "       ($(( $(date +%s) - t0 )) s)"
done

pass=$(grep -c '^PASS ' "$results")
fail=$(grep -c '^FAIL ' "$results")
echo
if [ "$fail" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL ' "$results" | sed 's/^FAIL /  /'
fi
echo "took $(( $(date +%s) - start )) s; console logs in $CACHE/logs/"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
