#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ims-bench on the host: it checks its command line before DPDK's EAL
# starts, so a bad one exits 2 with a message at once, needing neither
# a device nor hugepages; --help documents every option it parses.
top=$(cd "$(dirname "$0")/../.." && pwd)
if ! out=$(make -s -C "$top" build/bench/ims-bench 2>&1); then
	echo "@@ TEST ims-bench:build FAIL $(echo "$out" | head -n 1)"
	exit 1
fi
bench=$top/build/bench/ims-bench
rc=0
res() {	# res NAME OK [DETAIL]
	if [ "$2" = 0 ]; then echo "@@ TEST ims-bench:$1 PASS"; else
		echo "@@ TEST ims-bench:$1 FAIL ${3:-}"; rc=1; fi
}
refused() {	# refused NAME ARGS...: exit 2, a message, at once (no EAL start)
	local name=$1 out code=0 t0
	shift
	t0=$(date +%s%N)
	out=$(timeout 10 "$bench" "$@" 2>&1 >/dev/null) || code=$?
	res "refused-$name" $([ $code = 2 ] && [ -n "$out" ] &&
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ]; echo $?) "exit $code: $out"
}
refused no-separator latency --mode poll
refused bad-mode -- latency --mode frob
refused no-mode -- latency
refused bad-samples -- latency --mode poll --samples 0
refused bad-gap -- latency --mode poll --gap-us 50,10
refused bad-command -- frob --mode poll
refused bad-load-cpu -- latency --mode poll --load-cpu -1
refused stamps-need-pair-or-floor -- latency --mode irq --stamps /tmp/x
refused unknown-option --no-huge -- latency --mode poll --frob
refused pair-without-wq-b -- latency --mode pair
refused wq-b-without-pair -- latency --mode irq --wq-b /dev/dsa/wq0.3
refused bad-load-rate -- latency --mode poll --load-rate x
refused negative-load-rate -- latency --mode poll --load-rate -5
refused huge-load-rate -- latency --mode poll --load-rate 2000000
refused bad-warmup -- latency --mode pair --wq-b w --warmup x
refused negative-warmup -- latency --mode pair --wq-b w --warmup -1
refused bad-steady -- latency --mode migrate --steady 5
refused steady-not-number -- latency --mode migrate --steady x
# throughput: its own command line, checked before EAL too
refused tp-no-dmadev -- throughput
refused tp-zero-size -- throughput --dmadev d --sizes 0
refused tp-size-list -- throughput --dmadev d --sizes 64,,128
refused tp-deep -- throughput --dmadev d --depths 1,300
refused tp-negative-depth -- throughput --dmadev d --depths -1
refused tp-seconds -- throughput --dmadev d --seconds 0
refused tp-seconds-word -- throughput --dmadev d --seconds soon
refused tp-spin -- throughput --dmadev d --spin-us 1,2
refused tp-five-devs -- throughput --dmadev a --dmadev b --dmadev c --dmadev d --dmadev e
refused tp-zero-rate -- throughput --dmadev d --rates 0
refused tp-rate-word -- throughput --dmadev d --rates fast
refused tp-paced-size-list -- throughput --dmadev d --paced-size 64,128
refused tp-paced-size-zero -- throughput --dmadev d --paced-size 0
refused tp-paced-seconds -- throughput --dmadev d --paced-seconds 0
refused tp-extra-arg -- throughput --dmadev d extra
refused tp-unknown-option -- throughput --dmadev d --mode irq
out=$("$bench" --help 2>&1); code=$?
res help $([ $code = 0 ] && grep -q -- '--mode' <<< "$out"; echo $?) "exit $code"
missing=""
for o in wq mode samples label gap-us migrations hotplug steady load load-cpu wq-b raw warmup \
	load-rate dmadev sizes depths seconds spin-us; do
	grep -q -- "--$o" <<< "$out" || missing="$missing --$o"
done
res help-documents-options $([ -z "$missing" ]; echo $?) "missing:$missing"
exit $rc
