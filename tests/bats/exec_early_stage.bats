#!/usr/bin/env bats
# rt exec starts its C stage before it has read the container's config and
# built the plan (issue 15): the stage waits for the plan. An error found
# meanwhile must still be one line, exit 1, with no stage left behind, and
# the exec must still run what the config and the flags say.

load helpers

# stages — how many C stages run now (argv "rt init").
stages() {
	pgrep -c -x -f "rt init" || true
}

start_sleeper() {
	set_cmd sleep 1000
	run_detached "$ID"
	wait_for_status "$ID" running
}

@test "exec early stage: a corrupt config snapshot is one line, exit 1, and no stage is left" {
	start_sleeper
	before=$(stages)
	echo '{"ociVersion": ' >"$ROOT/$ID/config.json"
	run --separate-stderr rt exec "$ID" true
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" "corrupt" "config.json"
	assert_eq "$(stages)" "$before" "C stages running"
}

@test "exec early stage: a bad --user is one line, exit 1, and no stage is left" {
	start_sleeper
	before=$(stages)
	run --separate-stderr rt exec --user abc "$ID" true
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" '--user "abc"'
	assert_eq "$(stages)" "$before" "C stages running"
}

@test "exec early stage: a config without a process section needs --process, and says so" {
	start_sleeper
	jq 'del(.process)' "$ROOT/$ID/config.json" >"$BATS_TEST_TMPDIR/config.json"
	cp "$BATS_TEST_TMPDIR/config.json" "$ROOT/$ID/config.json"
	run --separate-stderr rt exec "$ID" true
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" "/process" "--process"
}

@test "exec early stage: the process gets the config's env and the flags over it" {
	start_sleeper
	run --separate-stderr rt exec -e EXTRA=1 --cwd /tmp "$ID" sh -c 'echo "$RT_BATS_MARKER:$EXTRA:$(pwd)"'
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$MARKER:1:/tmp" "env and cwd"
}
