#!/usr/bin/env bats
# The cgroup manager (issue 12 point 5): a container's status is derived
# from what its state keeps, without reading the host's mount table or
# cgroup layout again.

load helpers

# trace_opens FILE CMD... — run CMD under strace, the files it opens in FILE.
trace_opens() {
	local out=$1
	shift
	strace -f -qq -e trace=open,openat,openat2 -o "$out" "$@"
}

# bats test_tags=rt-only
@test "cgroups manager: state, list and a paused check read no mountinfo" {
	command -v strace >/dev/null || skip "strace is not installed"
	set_cmd sleep 1000
	start_container
	local id2
	id2=$(new_id)
	start_container "$id2"
	wait_for_status "$ID" running
	wait_for_status "$id2" running
	trace_opens "$BATS_TEST_TMPDIR/state.trace" "$RT" --root "$ROOT" state "$ID"
	trace_opens "$BATS_TEST_TMPDIR/list.trace" "$RT" --root "$ROOT" list
	# The Go runtime reads it once at start-up (GOMAXPROCS from the cpu
	# cgroup's quota); rt itself must not.
	run grep -c mountinfo "$BATS_TEST_TMPDIR/state.trace"
	[ "$output" -le 1 ]
	run grep -c mountinfo "$BATS_TEST_TMPDIR/list.trace"
	[ "$output" -le 1 ]
	# the status still comes out right: pause is seen from the freezer
	rt pause "$ID"
	run rt state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = paused ]
	rt resume "$ID"
	wait_for_status "$ID" running
}

# bats test_tags=rt-only
@test "cgroups manager: ps, update, events --stats and delete still find the cgroup" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	run rt ps "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *sleep* ]]
	rt update --pids-limit 50 "$ID"
	run rt events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .data.pids.limit <<<"$output")" = 50 ]
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	run rt state "$ID"
	[ "$status" -eq 1 ]
}
