#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The debug lane's shares (tests/vm/shares.sh): every test the debug
# profile runs is in exactly one share, none is in two, the shares are
# balanced by cost, TESTS= narrows them, and there are never more shares
# than tests (an empty share would be a boot that runs nothing).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/vm/shares.sh"

res() {	# res NAME OK DETAIL
	if [ "$2" = 0 ]; then echo "@@ TEST shares:$1 PASS${3:+ $3}"; else
		echo "@@ TEST shares:$1 FAIL ${3:-}"; fi
}

# the debug profile's tests, as the guest runner picks them
want=$(for t in "$top"/tests/guest/t_*.sh; do
	p=" $(sed -n 's/^# profiles: *//p' "$t" | head -n 1) "
	case $p in *" debug "*|*" intel "*|*" all "*) basename "$t" .sh | sed 's/^t_//' ;; esac
done | sort)
cost() { local c; c=$(sed -n 's/^# debug-cost: *\([0-9]*\).*/\1/p' "$top/tests/guest/t_$1.sh"); echo "${c:-30}"; }

shares=$(debug_shares 2)
got=$(tr ',' '\n' <<< "$shares" | sort)
[ "$got" = "$want" ]
res all-once $? "$(wc -l <<< "$shares") shares of $(wc -l <<< "$want") tests"
[ "$(wc -l <<< "$shares")" = 2 ]
res two-shares $?

# balanced: the two loads differ by no more than the largest single cost
loads=$(while IFS= read -r l; do
	s=0; for n in ${l//,/ }; do s=$((s + $(cost "$n"))); done; echo $s
done <<< "$shares")
max=$(for n in $want; do cost "$n"; done | sort -n | tail -n 1)
a=$(head -n 1 <<< "$loads") b=$(tail -n 1 <<< "$loads")
d=$((a > b ? a - b : b - a))
[ "$d" -le "$max" ]
res balanced $? "loads $(echo $loads) s, largest test $max s"

# TESTS= narrows; one test gives one share, not an empty second boot
[ "$(debug_shares 2 fuzz)" = fuzz ]
res one-test-one-share $? "$(debug_shares 2 fuzz | tr '\n' ' ')"
[ "$(debug_shares 3 fuzz,faults | sort | tr '\n' ' ')" = "faults fuzz " ]
res narrowed $?
[ -z "$(debug_shares 2 nosuch)" ]
res unknown-test-no-share $?
# a test only for another profile is never in a debug share
! tr ',' '\n' <<< "$shares" | grep -qx no_movdir64b
res other-profiles-out $?
