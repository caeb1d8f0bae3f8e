#!/usr/bin/env bash
# tests/all.sh — `make test`: every stage (unit bats validation clients vm systemd),
# each through `make STAGE`, all of them run even when one fails, then a
# summary: each stage's verdict and closing line, and for a failed stage the
# lines that say what failed. A CI log is often read from its tail only, so
# the tail has to explain a red run.
#
# usage: tests/all.sh [STAGE...]   (default: every stage, in order)
# Exit status: 0 when every stage passed, 1 otherwise.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
MAKE=${MAKE:-make}
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(unit bats validation clients vm systemd)

logs=$(mktemp -d /tmp/rt-test-logs.XXXXXX) || exit 2
trap 'rm -rf "$logs"' EXIT

declare -A verdict secs
failed=()
for stage in "${stages[@]}"; do
	echo "=== make $stage"
	t0=$(date +%s)
	"$MAKE" --no-print-directory "$stage" 2>&1 | tee "$logs/$stage"
	rc=${PIPESTATUS[0]}
	secs[$stage]=$(($(date +%s) - t0))
	if [ "$rc" = 0 ]; then
		verdict[$stage]=ok
	else
		verdict[$stage]="FAILED (exit $rc)"
		failed+=("$stage")
	fi
done

# what_failed STAGE — the lines of a stage's output that name its failures.
what_failed() {
	grep -E -e '^not ok' -e '^--- FAIL' -e '^FAIL' -e '^failed: ' -e '^    \| ' \
		-e '^(#|[a-z/._-]+:[0-9]+:) ' -e 'Error [0-9]+$' "$logs/$1" |
		grep -vE '^# (took|[0-9]+ skipped)' | tail -n 25 | cut -c1-300
}

# count_of STAGE — the stage's own closing count where it prints one, else
# one made from its TAP lines (bats) or its package lines (go test).
count_of() {
	local f=$logs/$1 line
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$f" | tail -n 1)
	if [ -n "$line" ]; then
		echo "$line"
	elif grep -qE '^1\.\.[0-9]+$' "$f"; then
		echo "tests: $(grep -cE '^ok ' "$f") ok, $(grep -cE '^not ok ' "$f") not ok"
	else
		echo "packages: $(grep -cE '^ok ' "$f") ok, $(grep -cE '^(FAIL|---) FAIL' "$f") failed"
	fi
}

echo
echo "=== make test: summary"
for stage in "${stages[@]}"; do
	printf '%-11s %-18s %5ss  %s\n' "$stage" "${verdict[$stage]}" "${secs[$stage]}" "$(count_of "$stage")"
done
for stage in "${failed[@]}"; do
	echo "--- what failed in $stage:"
	what_failed "$stage" | sed 's/^/  /'
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "make test: failed stages: ${failed[*]}"
	exit 1
fi
echo "make test: every stage passed"
