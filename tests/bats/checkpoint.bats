#!/usr/bin/env bats
# checkpoint and restore (CRIU): the error paths, on this host. A
# checkpointed container that restores and runs on is tested in the systemd
# VM (tests/systemd, t_checkpoint_counter), where CRIU works: on these
# machines' kernel `criu check` fails.
# Each error is one line, exit status 1, and leaves nothing behind: the
# container still runs, no image dir is made, no state, cgroup or mount.

load helpers

# fake_criu SCRIPT — a `criu` in $FAKE (put first in PATH by the caller)
# that runs SCRIPT; "$1" is criu's subcommand.
fake_criu() {
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	printf '#!/bin/sh\n%s\n' "$1" >"$FAKE/criu"
	chmod 0755 "$FAKE/criu"
}

# rt_path PATH ARGS... — rt with PATH as its PATH (stdin /dev/null).
rt_path() {
	local p=$1
	shift
	timeout --kill-after=5 "$RT_CMD_TIMEOUT" env PATH="$p" "$RT" --root "$ROOT" "$@" </dev/null
}

running_sleeper() {
	set_cmd sleep 1000
	run_detached
	wait_for_status "$ID" running
}

# criu_fails_here — the real criu is installed and its check fails.
criu_fails_here() {
	command -v criu >/dev/null || return 1
	if criu check >/dev/null 2>&1; then
		return 1
	fi
}

@test "checkpoint: a created container cannot be checkpointed" {
	set_cmd sleep 1000
	create_container
	run --separate-stderr rt checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "cannot checkpoint container \"$ID\"" "created, not running"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	assert_eq "$(container_status "$ID")" created "status"
}

@test "checkpoint: a stopped container cannot be checkpointed" {
	set_cmd true
	run_detached
	wait_for_status "$ID" stopped
	run --separate-stderr rt checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "cannot checkpoint container \"$ID\"" "stopped, not running"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
}

@test "checkpoint: a container that does not exist" {
	run --separate-stderr rt checkpoint --image-path "$BATS_TEST_TMPDIR/img" nosuch
	assert_error
	assert_contains "$stderr" "does not exist"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
}

@test "checkpoint and restore without criu in PATH: one line, nothing left" {
	running_sleeper
	mkdir "$BATS_TEST_TMPDIR/empty"
	run --separate-stderr rt_path "$BATS_TEST_TMPDIR/empty" checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "criu not found in PATH"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	assert_eq "$(container_status "$ID")" running "status after the failed checkpoint"
	mkdir "$BATS_TEST_TMPDIR/img"
	echo '["pipe:[1]","pipe:[2]","pipe:[3]"]' >"$BATS_TEST_TMPDIR/img/descriptors.json"
	id2=$(new_id)
	run --separate-stderr rt_path "$BATS_TEST_TMPDIR/empty" restore -d --bundle "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/img" "$id2"
	assert_error
	assert_contains "$stderr" "criu not found in PATH"
	[ ! -e "$ROOT/$id2" ]
}

@test "checkpoint: criu failing is one line naming CRIU's error and its log; the container runs on" {
	running_sleeper
	fake_criu 'echo "(00.001) Error (criu/fake.c:1): fake: the kernel says no" >&2; exit 1'
	run --separate-stderr rt_path "$FAKE:$PATH" checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "checkpoint container \"$ID\"" "Error (criu/fake.c:1): fake: the kernel says no"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	assert_eq "$(container_status "$ID")" running "status after the failed checkpoint"
	# An image dir the user made keeps what it held, and only that.
	mkdir "$BATS_TEST_TMPDIR/img"
	echo mine >"$BATS_TEST_TMPDIR/img/mine"
	run --separate-stderr rt_path "$FAKE:$PATH" checkpoint --leave-running --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_eq "$(ls -A "$BATS_TEST_TMPDIR/img")" mine "image dir after the failed checkpoint"
	assert_eq "$(container_status "$ID")" running "status after the failed checkpoint"
}

@test "checkpoint: the real criu failing on this kernel names the CRIU failure and the log" {
	criu_fails_here || skip "criu is missing, or its check passes here (the VM tests it)"
	running_sleeper
	run --separate-stderr rt checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "criu dump failed: Error (" "(log: $ROOT/$ID/criu/dump.log)"
	[ -s "$ROOT/$ID/criu/dump.log" ]
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	assert_eq "$(container_status "$ID")" running "status after the failed checkpoint"
}

@test "restore: criu failing leaves no container, cgroup or mount" {
	running_sleeper
	mkdir "$BATS_TEST_TMPDIR/img"
	echo '["pipe:[1]","pipe:[2]","pipe:[3]"]' >"$BATS_TEST_TMPDIR/img/descriptors.json"
	fake_criu 'echo "(00.001) Error (criu/fake.c:2): fake: cannot restore" >&2; exit 1'
	id2=$(new_id)
	run --separate-stderr rt_path "$FAKE:$PATH" restore -d --bundle "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/img" "$id2"
	assert_error
	assert_contains "$stderr" "restore container \"$id2\"" "Error (criu/fake.c:2): fake: cannot restore"
	[ ! -e "$ROOT/$id2" ]
	run rt list -q
	assert_eq "$output" "$ID" "containers after the failed restore"
}

@test "restore: an image dir without a checkpoint is one line, nothing left" {
	mkdir "$BATS_TEST_TMPDIR/img"
	run --separate-stderr rt restore -d --bundle "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "descriptors.json"
	[ ! -e "$ROOT/$ID" ]
	run --separate-stderr rt restore -d --bundle "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/missing" "$ID"
	assert_error
	assert_contains "$stderr" "$BATS_TEST_TMPDIR/missing"
	[ ! -e "$BATS_TEST_TMPDIR/missing" ]
	[ ! -e "$ROOT/$ID" ]
}

@test "checkpoint: bad option values are one-line errors" {
	running_sleeper
	run --separate-stderr rt checkpoint --manage-cgroups-mode loose --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "--manage-cgroups-mode"
	run --separate-stderr rt checkpoint --empty-ns pid --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "--empty-ns"
	run --separate-stderr rt checkpoint --parent-path /abs --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "--parent-path"
	run --separate-stderr rt checkpoint --status-fd 1 --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "--status-fd is for --lazy-pages"
	run --separate-stderr rt checkpoint --page-server nope --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	assert_error
	assert_contains "$stderr" "--page-server"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	assert_eq "$(container_status "$ID")" running "status"
}

@test "features: the checkpoint annotation only where criu check passes" {
	fake_criu '[ "$1" = check ] && exit 0; exit 1'
	run --separate-stderr rt_path "$FAKE:$PATH" features
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" true "with a passing check"
	fake_criu 'exit 1'
	run --separate-stderr rt_path "$FAKE:$PATH" features
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"] // "absent"')" absent "with a failing check"
	mkdir "$BATS_TEST_TMPDIR/empty"
	run --separate-stderr rt_path "$BATS_TEST_TMPDIR/empty" features
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"] // "absent"')" absent "without criu"
}
