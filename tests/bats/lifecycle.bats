#!/usr/bin/env bats
# create / start / state / kill / delete: every transition and its errors.

load helpers

# rootfs_inode — dev:inode of the bundle's rootfs, to recognise the container's
# processes by their root directory (/proc/PID/root).
rootfs_inode() { stat -c '%d:%i' "$BUNDLE/rootfs"; }
root_of() { stat -L -c '%d:%i' "/proc/$1/root"; }

@test "lifecycle: create gives a created container with the state fields" {
	update_config '.annotations = {"org.rt.test.one": "1", "org.rt.test.two": "two words"}'
	set_cmd sleep 1000
	create_container

	run rt state "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e . >/dev/null
	assert_eq "$(echo "$output" | jq -r .id)" "$ID" id
	assert_eq "$(echo "$output" | jq -r .status)" created status
	assert_eq "$(echo "$output" | jq -r .bundle)" "$BUNDLE" bundle
	[[ $(echo "$output" | jq -r .ociVersion) =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
	assert_eq "$(echo "$output" | jq -cS .annotations)" \
		'{"org.rt.test.one":"1","org.rt.test.two":"two words"}' annotations

	# pid is the container's init: a live host process whose root is the rootfs.
	pid=$(echo "$output" | jq -r .pid)
	[[ $pid =~ ^[1-9][0-9]*$ ]]
	[ -d "/proc/$pid" ]
	assert_eq "$(root_of "$pid")" "$(rootfs_inode)" "root of the init"
	# and the user's process has not run yet
	assert_not_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 1000"
}

@test "lifecycle: start runs the process; created -> running" {
	set_cmd sleep 1000
	create_container
	pid=$(container_pid "$ID")

	run rt start "$ID"
	[ "$status" -eq 0 ]
	wait_for_status "$ID" running
	# same init, now the user's process with the config's environment
	assert_eq "$(container_pid "$ID")" "$pid" pid
	assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 1000 " cmdline
	grep -qaF "RT_BATS_MARKER=$MARKER" "/proc/$pid/environ"
}

@test "lifecycle: running -> stopped when the process exits, then delete" {
	set_sh 'echo started > /started'
	create_container
	assert_eq "$(container_status "$ID")" created
	[ ! -e "$BUNDLE/rootfs/started" ]
	rt start "$ID"
	wait_for_status "$ID" stopped
	assert_eq "$(cat "$BUNDLE/rootfs/started")" started

	run rt list -q
	assert_eq "$output" "$ID" "list -q"

	run rt delete "$ID"
	[ "$status" -eq 0 ]
	run rt list -q
	assert_eq "$output" "" "list -q after delete"
	run --separate-stderr rt state "$ID"
	[ "$status" -eq 1 ]
}

@test "lifecycle: kill moves a running container to stopped" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	pid=$(container_pid "$ID")
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
	wait_for_exit "$pid"
}

# runtime.md, lifecycle: "creating" is step 2; createRuntime is step 4, after it.
@test "lifecycle: a createRuntime hook gets the state with status created" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "cat > \($f)"]}]' \
		--arg f "$BATS_TEST_TMPDIR/hookstate.json"
	set_cmd sleep 1000
	create_container
	[ -s "$BATS_TEST_TMPDIR/hookstate.json" ] || {
		echo "the createRuntime hook did not run" >&2
		false
	}
	run jq -r '.status + " " + .id + " " + .bundle' "$BATS_TEST_TMPDIR/hookstate.json"
	[ "$status" -eq 0 ]
	assert_eq "$output" "created $ID $BUNDLE" "hook state"
	assert_eq "$(container_status "$ID")" created
}

# bats test_tags=rt-only
# runtime.md: the container is "created" once its environment exists (after
# step 2), which is when the create hooks run: `state` says so, with the pid.
@test "lifecycle: state reports created, with the pid, while a create hook runs" {
	# A createRuntime hook blocks create until the test has seen the status.
	rel=$BATS_TEST_TMPDIR/release
	update_config '.hooks.createRuntime = [{path: "/bin/sh", timeout: 30,
		args: ["sh", "-c", "i=0; while [ ! -e \($r) ] && [ $i -lt 1500 ]; do sleep 0.02; i=$((i+1)); done"]}]' \
		--arg r "$rel"
	set_cmd sleep 1000
	create_container &
	cpid=$!
	track_bg "$cpid"
	wait_for_status "$ID" created
	run rt list --format json
	assert_eq "$(echo "$output" | jq -r '.[0].status')" created "list status"
	[ "$(echo "$output" | jq -r '.[0].pid')" -gt 0 ]
	touch "$rel"
	wait_bg "$cpid"
	assert_eq "$BG_STATUS" 0 "create exit status"
	assert_eq "$(container_status "$ID")" created
}

@test "lifecycle: start of a running container fails" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	run --separate-stderr rt start "$ID"
	assert_error
	assert_eq "$(container_status "$ID")" running
}

@test "lifecycle: start of a stopped container fails" {
	set_cmd true
	start_container
	wait_for_status "$ID" stopped
	run --separate-stderr rt start "$ID"
	assert_error
	assert_eq "$(container_status "$ID")" stopped
}

@test "lifecycle: delete of a running container without --force fails" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	pid=$(container_pid "$ID")
	run --separate-stderr rt delete "$ID"
	assert_error
	assert_eq "$(container_status "$ID")" running
	kill -0 "$pid"
}

@test "lifecycle: delete --force of a running container kills and deletes it" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	pid=$(container_pid "$ID")
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	wait_for_exit "$pid"
	run rt list -q
	assert_eq "$output" "" "list -q"
	run --separate-stderr rt state "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "does not exist"
}

@test "lifecycle: delete -f of a created container" {
	set_cmd sleep 1000
	create_container
	pid=$(container_pid "$ID")
	run rt delete -f "$ID"
	[ "$status" -eq 0 ]
	wait_for_exit "$pid"
	run rt list -q
	assert_eq "$output" ""
}

@test "lifecycle: kill of a stopped container fails with 'container not running'" {
	set_cmd true
	start_container
	wait_for_status "$ID" stopped
	for sig in KILL TERM; do
		run --separate-stderr rt kill "$ID" "$sig"
		assert_error
		assert_contains "$stderr" "container not running"
	done
	run --separate-stderr rt kill "$ID"
	assert_error
	assert_contains "$stderr" "container not running"
}

@test "lifecycle: unknown container id errors say 'does not exist'" {
	local nope=nosuchctr$RANDOM
	for cmd in "state $nope" "start $nope" "kill $nope KILL" "kill $nope" "delete $nope"; do
		# shellcheck disable=SC2086
		run --separate-stderr rt $cmd
		echo "rt $cmd: status $status: $stderr"
		assert_error
		assert_contains "$stderr" "does not exist"
	done
}

@test "lifecycle: unknown container id with pause, resume, ps says 'does not exist'" {
	local nope=nosuchctr$RANDOM
	for cmd in "pause $nope" "resume $nope" "ps $nope"; do
		# shellcheck disable=SC2086
		run --separate-stderr rt $cmd
		echo "rt $cmd: status $status: $stderr"
		assert_error
		assert_contains "$stderr" "does not exist"
	done
}

@test "lifecycle: two containers from one bundle are independent" {
	set_cmd sleep 1000
	id2=$(new_id)
	start_container "$ID"
	start_container "$id2"
	wait_for_status "$ID" running
	wait_for_status "$id2" running
	[ "$(container_pid "$ID")" != "$(container_pid "$id2")" ]
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	assert_eq "$(container_status "$id2")" running
	rt delete "$ID"
	assert_eq "$(rt list -q)" "$id2" "list -q"
}

# runc exits 255 when exec itself fails.
# bats test_tags=rt-only
@test "lifecycle: exec in an unknown container fails with status 1" {
	run --separate-stderr rt exec nosuchctr$RANDOM true
	assert_error
	assert_contains "$stderr" "does not exist"
}
