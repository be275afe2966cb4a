# SPDX-License-Identifier: MIT
# Shares of the debug lane (sourced by tests/run.sh).  The debug kernel
# runs intel's tests and its own several times slower than the stock
# kernel, as long as all other guests together; make check boots it as
# several guests side by side, each with a share of the tests.  The most
# costly test goes first, each into the share with the least so far, by
# the seconds a test's '# debug-cost:' line gives (its time in make
# check, beside another guest; 30 if it has none).
SHARES_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

debug_shares() {	# debug_shares N [TESTS]: one comma-separated list per share
	local n=$1 tests=${2:-} t name profiles cost
	for t in "$SHARES_TOP"/tests/guest/t_*.sh; do
		profiles=" $(sed -n 's/^# profiles: *//p' "$t" | head -n 1) "
		case $profiles in *" debug "*|*" intel "*|*" all "*) ;; *) continue ;; esac
		name=$(basename "$t" .sh)
		name=${name#t_}
		case ,${tests:-$name}, in *",$name,"*) ;; *) continue ;; esac
		cost=$(sed -n 's/^# debug-cost: *\([0-9]*\).*/\1/p' "$t" | head -n 1)
		echo "${cost:-30} $name"
	done | sort -k1,1nr -k2 | awk -v n="$n" '
		{ b = 1; for (i = 2; i <= n; i++) if (load[i] < load[b]) b = i
		  load[b] += $1; list[b] = list[b] (list[b] == "" ? "" : ",") $2 }
		END { for (i = 1; i <= n; i++) if (list[i] != "") print list[i] }'
}
