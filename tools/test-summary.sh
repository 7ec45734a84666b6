#!/bin/sh
# Print one closing line for every test run in the given meson build dirs:
# "tests: N passed, N failed" (meson's per-build tables come before it).
set -u
passed=0
failed=0
for d in "$@"; do
	log="$d/meson-logs/testlog.json"
	[ -f "$log" ] || continue
	p=$(grep -c '"result": "OK"' "$log" || true)
	t=$(grep -c '"result": ' "$log" || true)
	passed=$((passed + p))
	failed=$((failed + t - p))
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
