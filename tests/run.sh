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
. "$top/tests/vm/shares.sh"

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

# Host tests run beside the builds and guests (they are light and mostly
# serial); their lines are shown as a block when they are done.
outs=$(mktemp -d)
if [ -z "$tests" ]; then
	echo "== starting host tests"
	{
		(
			t0=$(date +%s)
			echo "== host tests"
			for t in "$top"/tests/host/t_*.sh; do
				[ -e "$t" ] || continue
				bash "$t" 2>&1 | record host
			done
			echo "       ($(( $(date +%s) - t0 )) s)"
		) > "$outs/host.out" 2>&1
		touch "$outs/host.done"
	} &
fi

echo "== building test modules"
if ! make -s -C "$top" test-modules >/dev/null 2>"$CACHE/logs-build.txt"; then
	cat "$CACHE/logs-build.txt"
	echo "FAIL build/test-modules" >> "$results"
	profiles=""
fi
case " $profiles " in
*" debug "*|*" debugsva "*)
	echo "== building the debug kernel and the modules for it (about 20 min the first time)"
	if ! bash "$top/scripts/build-debug-kernel.sh" ||
	   ! make -s -C "$top" debug-modules >/dev/null 2>"$CACHE/logs-build-debug.txt"; then
		tail -n 30 "$CACHE/logs-build-debug.txt"
		echo "FAIL build/debug-modules" >> "$results"
		profiles=$(echo " $profiles " | sed 's/ debug / /; s/ debugsva / /')
	fi ;;
esac

# One guest per profile, IDXD_IMS_JOBS (default 2) side by side: a TCG
# guest spends much of its time halted or waiting on the device model,
# so two share the two host CPUs well.  Each guest's lines are shown
# together when it is done; the slowest (debug) starts first.
#
# The debug lane alone takes as long as all the other guests together, so
# it runs as IDXD_IMS_DEBUG_PARTS (default 2) boots, each with a share of
# its tests: the most costly first, each into the share with the least
# so far, by the seconds a test's '# debug-cost:' line gives (30 if none).
# Every share reports as 'debug' and leaves its gcov counters; they are
# merged for 'make coverage'.
run_guest() {	# run_guest PROFILE OUT [SHARE TESTS]: one boot, its results, its time
	local p=$1 out=$2 share=${3:-} t0 n
	t0=$(date +%s)
	{
		profile_setup "$p"
		if [ -n "$share" ]; then
			echo "== guest: $p, share $share: $4"
			export IDXD_IMS_PART=$share
			export IDXD_IMS_APPEND="${IDXD_IMS_APPEND:-} idxd_ims.tests=$4"
		else
			echo "== guest: $p ($PROFILE_DESC)"
		fi
		"$top/tests/vm/boot.sh" "$p" 2>&1 | record "$p"
		echo "       ($(( $(date +%s) - t0 )) s)"
	} > "$out"
	n=$(grep -c "^[A-Z]* *$p/" "$out")
	if [ "$n" = 0 ]; then
		echo "FAIL   $p/ran-no-test${share:+ (share $share)}" >> "$out"
		echo "FAIL $p/ran-no-test${share:+-$share}" >> "$results"
	fi
}

for p in $profiles; do
	profile_setup "$p" || { echo "unknown profile $p"; exit 2; }
done
# guests to boot: PROFILE, or PROFILE:SHARE:TESTS for a share of one
guests=""
shares=0
case " $profiles " in
*" debug "*)
	while IFS= read -r list; do
		shares=$((shares + 1))
		guests="$guests debug:$shares:$list"
	done < <(debug_shares "${IDXD_IMS_DEBUG_PARTS:-2}" "$tests")
	if [ "$shares" = 0 ]; then	# TESTS= names none of the debug lane's
		echo "FAIL   debug/ran-no-test"
		echo "FAIL debug/ran-no-test" >> "$results"
	fi ;;
esac
for p in $profiles; do [ "$p" = debug ] || guests="$guests $p"; done
jobs=${IDXD_IMS_JOBS:-2}
started=0
running() {	# how many guests are still running: started, not finished
	echo $(( started - $(find "$outs" -name '*.fin' | wc -l) ))
}
show_done() {	# print the blocks of guests that have finished
	local f
	for f in "$outs"/*.done; do
		[ -e "$f" ] || continue
		cat "${f%.done}.out"
		rm -f "$f"
	done
}
for g in $guests; do
	while [ "$(running)" -ge "$jobs" ]; do
		sleep 2
		show_done
	done
	IFS=: read -r p share list <<< "$g"
	echo "== starting guest: $p${share:+ (share $share)}"
	( run_guest "$p" "$outs/$p$share.out" $share $list
	  touch "$outs/$p$share.done" "$outs/$p$share.fin" ) &
	started=$((started + 1))
done
wait
show_done

# the driver's coverage in the debug lane (make coverage shows it again):
# the shares' counters summed into vm-out/debug/gcov
if [ "$shares" -gt 0 ]; then
	cov=$CACHE/vm-out/debug/gcov
	rm -rf "$cov" && mkdir -p "$cov"
	for k in $(seq "$shares"); do
		d=$CACHE/vm-out/debug-$k/gcov
		ls "$d"/*.gcda >/dev/null 2>&1 || continue
		if ls "$cov"/*.gcda >/dev/null 2>&1; then
			gcov-tool merge -o "$cov.new" "$cov" "$d" >/dev/null &&
				rm -rf "$cov" && mv "$cov.new" "$cov"
		else
			cp "$d"/*.gcda "$cov"/
		fi
	done
	if ls "$cov"/*.gcda >/dev/null 2>&1; then
		echo
		echo "== driver coverage in the debug lane (gcov, $shares shares)"
		python3 "$top/tests/host/coverage.py" "$top/build/debug/driver" \
			"$cov" | sed '/^functions never run/,$d'
	fi
fi

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
