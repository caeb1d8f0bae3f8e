#!/usr/bin/env bats
# What rt trusts after create (issue 10, items 2 and 7): exec, state and
# delete use the config as it was at create (a snapshot in the root-only
# state dir, as runc and crun keep), never the bundle as it is now; and a
# --root that another user could write is refused, so that a planted
# state.json never has root run its hooks.

load helpers

# marker_hook FILE — a hook that creates FILE.
marker_hook() {
	jq -nc --arg f "$1" '{path: "/bin/sh", args: ["sh", "-c", "touch \"$0\"", $f]}'
}

@test "trust: exec runs in the container as created, whatever the bundle's config.json says now; delete runs the poststop hooks of create" {
	update_config '.hostname = "trust-ctr"'
	update_config '.hooks.poststop = [$h]' --argjson h "$(marker_hook "$BATS_TEST_TMPDIR/poststop-create")"
	touch "$BUNDLE/rootfs/only-in-the-container"
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running

	# Whoever can write the bundle drops the namespaces and swaps the hooks.
	update_config '.linux.namespaces |= map(select(.type != "mount" and .type != "pid" and .type != "uts"))'
	update_config '.hostname = "trust-rewritten"'
	update_config '.hooks.poststop = [$h]' --argjson h "$(marker_hook "$BATS_TEST_TMPDIR/poststop-rewritten")"

	run --separate-stderr rt exec "$ID" hostname
	[ "$status" -eq 0 ]
	[ "$output" = trust-ctr ]
	run --separate-stderr rt exec "$ID" test -e /only-in-the-container
	[ "$status" -eq 0 ]
	run --separate-stderr rt exec "$ID" cat /proc/1/comm
	[ "$status" -eq 0 ]
	[ "$output" = sleep ]

	rt delete --force "$ID"
	[ -e "$BATS_TEST_TMPDIR/poststop-create" ]
	[ ! -e "$BATS_TEST_TMPDIR/poststop-rewritten" ]
}

@test "trust: exec and delete work after the bundle is gone" {
	update_config '.hostname = "trust-ctr"'
	update_config '.hooks.poststop = [$h]' --argjson h "$(marker_hook "$BATS_TEST_TMPDIR/poststop-ran")"
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	mv "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.json.away"
	defer mv "$BATS_TEST_TMPDIR/config.json.away" "$BUNDLE/config.json"

	run --separate-stderr rt exec "$ID" hostname
	[ "$status" -eq 0 ]
	[ "$output" = trust-ctr ]
	rt delete --force "$ID"
	[ -e "$BATS_TEST_TMPDIR/poststop-ran" ]
	run rt state "$ID"
	[ "$status" -eq 1 ]
}

# bats test_tags=rt-only
@test "trust: the config snapshot is in the state dir, mode 0600, as create read it" {
	update_config '.hostname = "trust-ctr"'
	set_cmd sleep 1000
	create_container
	update_config '.hostname = "trust-rewritten"'
	[ "$(stat -c %a "$ROOT/$ID/config.json")" = 600 ]
	[ "$(stat -c %a "$ROOT/$ID")" = 700 ]
	[ "$(jq -r .hostname "$ROOT/$ID/config.json")" = trust-ctr ]
}

# The snapshot removes the cause of the panic (a bundle rewritten without
# `process`); a snapshot without one is still a one-line error, not a
# goroutine dump.
# bats test_tags=rt-only
@test "trust: exec on a container whose config has no process is a one-line error" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	update_config 'del(.process)'
	# (rt before the snapshot read the bundle: there, the first edit is the one)
	if [ -e "$ROOT/$ID/config.json" ]; then
		CONFIG=$ROOT/$ID/config.json update_config 'del(.process)'
	fi
	run --separate-stderr rt exec "$ID" true
	assert_error
	assert_contains "$stderr" /process
}

@test "trust: exec --process with a file that misses args or cwd is a one-line error naming the field" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	echo '{}' >"$BATS_TEST_TMPDIR/empty.json"
	run --separate-stderr rt exec --process "$BATS_TEST_TMPDIR/empty.json" "$ID"
	assert_error
	assert_contains "$stderr" /args
	echo 'null' >"$BATS_TEST_TMPDIR/null.json"
	run --separate-stderr rt exec --process "$BATS_TEST_TMPDIR/null.json" "$ID"
	assert_error
	assert_contains "$stderr" /args
	echo '{"args": ["true"]}' >"$BATS_TEST_TMPDIR/nocwd.json"
	run --separate-stderr rt exec --process "$BATS_TEST_TMPDIR/nocwd.json" "$ID"
	assert_error
	assert_contains "$stderr" /cwd
}

# --- item 7: the state root ---

# bats test_tags=rt-only
@test "trust: a --root writable by group or others is refused, naming the path and why" {
	mkdir -p -m 0700 "$ROOT"
	defer chmod 0700 "$ROOT"
	chmod 0777 "$ROOT"
	run --separate-stderr rt list
	assert_error
	assert_contains "$stderr" "$ROOT" "writable by group or others"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "$ROOT" "writable by group or others"
	[ ! -e "$ROOT/$ID" ]
	chmod 0720 "$ROOT"
	run --separate-stderr rt state "$ID"
	assert_error
	assert_contains "$stderr" "$ROOT" "writable by group or others"
	chmod 0700 "$ROOT"
	run rt list
	[ "$status" -eq 0 ]
}

# bats test_tags=rt-only
@test "trust: a --root owned by another user is refused, naming the path and why" {
	mkdir -p -m 0700 "$ROOT"
	defer chown 0:0 "$ROOT"
	chown 65534:65534 "$ROOT"
	run --separate-stderr rt list
	assert_error
	assert_contains "$stderr" "$ROOT" "owned by uid 65534"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "$ROOT" "owned by uid 65534"
	run --separate-stderr rt delete --force "$ID"
	assert_error
	chown 0:0 "$ROOT"
	create_container
	[ "$(container_status "$ID")" = created ]
}

# bats test_tags=rt-only
@test "trust: a state.json planted in a root others can write runs no hook" {
	local id=planted-$RANDOM dir
	mkdir -p -m 0700 "$ROOT"
	dir=$ROOT/$id
	mkdir "$dir"
	defer rm -rf "$dir"
	defer chmod 0700 "$ROOT"
	touch "$dir/lock"
	jq -n --arg id "$id" --argjson h "$(marker_hook "$BATS_TEST_TMPDIR/planted-hook-ran")" \
		'{ociVersion: "1.0.2", id: $id, pid: 0, bundle: "/", created: "2024-01-01T00:00:00Z",
		  hooks: {poststart: [$h], poststop: [$h]}}' >"$dir/state.json"
	chmod 0777 "$ROOT"
	run --separate-stderr rt delete --force "$id"
	assert_error
	assert_contains "$stderr" "$ROOT" "writable by group or others"
	run --separate-stderr rt start "$id"
	assert_error
	[ ! -e "$BATS_TEST_TMPDIR/planted-hook-ran" ]
	[ -e "$dir/state.json" ]
	rm -rf "$dir"
	chmod 0700 "$ROOT"
}

@test "trust: --root / is refused" {
	run --separate-stderr "$RT" --root / list
	assert_error
	assert_contains "$stderr" "must not be /"
}

# bats test_tags=rt-only
@test "trust: rt makes a missing --root with mode 0700" {
	rmdir "$ROOT" # setup made it
	create_container
	[ "$(stat -c '%a %u' "$ROOT")" = "700 0" ]
}
