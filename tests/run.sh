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
outs=""
trap 'rm -f "$results"; [ -z "$outs" ] || rm -rf "$outs"' EXIT
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
case " $profiles " in
*" debug "*)
	echo "== building the debug kernel and the modules for it (about 20 min the first time)"
	if ! bash "$top/scripts/build-debug-kernel.sh" ||
	   ! make -s -C "$top" debug-modules >/dev/null 2>"$CACHE/logs-build-debug.txt"; then
		tail -n 30 "$CACHE/logs-build-debug.txt"
		echo "FAIL build/debug-modules" >> "$results"
		profiles=$(echo " $profiles " | sed 's/ debug / /')
	fi ;;
esac

# One guest per profile, IDXD_IMS_JOBS (default 2) side by side: a TCG
# guest spends much of its time halted or waiting on the device model,
# so two share the two host CPUs well.  Each guest's lines are shown
# together when it is done; the slowest (debug) starts first.
run_guest() {	# run_guest PROFILE OUT: one boot, its results, its time
	local p=$1 out=$2 t0 n
	t0=$(date +%s)
	{
		profile_setup "$p"
		echo "== guest: $p ($PROFILE_DESC)"
		"$top/tests/vm/boot.sh" "$p" 2>&1 | record "$p"
		echo "       ($(( $(date +%s) - t0 )) s)"
	} > "$out"
	n=$(grep -c "^[A-Z]* *$p/" "$out")
	if [ "$n" = 0 ]; then
		echo "FAIL   $p/ran-no-test" >> "$out"
		echo "FAIL $p/ran-no-test" >> "$results"
	fi
}

for p in $profiles; do
	profile_setup "$p" || { echo "unknown profile $p"; exit 2; }
done
ordered=$(for p in $profiles; do [ "$p" != debug ] || echo "$p"; done
	  for p in $profiles; do [ "$p" = debug ] || echo "$p"; done)
jobs=${IDXD_IMS_JOBS:-2}
outs=$(mktemp -d)
running=0
show_done() {	# print the blocks of guests that have finished
	local f
	for f in "$outs"/*.done; do
		[ -e "$f" ] || continue
		cat "${f%.done}.out"
		rm -f "$f"
	done
}
for p in $ordered; do
	while [ "$running" -ge "$jobs" ]; do
		wait -n
		running=$((running - 1))
		show_done
	done
	echo "== starting guest: $p"
	( run_guest "$p" "$outs/$p.out"; touch "$outs/$p.done" ) &
	running=$((running + 1))
done
wait
show_done

# the driver's coverage in the debug lane (make coverage shows it again)
case " $profiles " in
*" debug "*)
	if ls "$CACHE/vm-out/debug/gcov/"*.gcda >/dev/null 2>&1; then
		echo
		echo "== driver coverage in the debug lane (gcov)"
		python3 "$top/tests/host/coverage.py" "$top/build/debug/driver" \
			"$CACHE/vm-out/debug/gcov" | sed '/^functions never run/,$d'
	fi ;;
esac

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
