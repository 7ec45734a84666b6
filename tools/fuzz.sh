#!/bin/sh
# make fuzz: run each libFuzzer target for $1 seconds on a working copy of
# its corpus (build-fuzz/corpus-NAME keeps what it finds between runs).
# Exits non-zero, with the crash report, if any target finds a problem.
set -u
secs=${1:-60}
status=0
for t in notice ini legacy; do
	dir=build-fuzz/corpus-$t
	mkdir -p "$dir"
	cp tests/fuzz/corpus/$t/* "$dir"/
	echo "fuzz_$t: $secs s"
	if ! build-fuzz/tests/fuzz_$t -max_total_time="$secs" -max_len=65536 \
		-artifact_prefix=build-fuzz/crash-$t- "$dir" > build-fuzz/fuzz_$t.log 2>&1; then
		tail -n 40 build-fuzz/fuzz_$t.log
		echo "fuzz_$t FOUND A PROBLEM: reproduce with build-fuzz/tests/fuzz_$t build-fuzz/crash-$t-*"
		status=1
	else
		grep -E "DONE" build-fuzz/fuzz_$t.log | tail -n 1
	fi
done
exit $status
