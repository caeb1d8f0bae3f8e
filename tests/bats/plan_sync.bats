#!/usr/bin/env bats
# Issue 12: `rt plan` prints the plan `create` runs. What rt's caller passes
# through rt's environment (NOTIFY_SOCKET, LISTEN_FDS) is part of both, and
# its ops name the variable they come from, not a /mounts entry that
# config.json does not have.

load helpers

# bats file_tags=rt-only

# make_notify_socket PATH — leave a unix datagram socket at PATH.
make_notify_socket() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])' "$1"
}

@test "plan_sync: with NOTIFY_SOCKET set, plan shows its bind and variable, naming \$NOTIFY_SOCKET" {
	sock=$BATS_TEST_TMPDIR/notify.sock
	make_notify_socket "$sock"
	nmounts=$(jq '.mounts | length' "$BUNDLE/config.json")
	run --separate-stderr env NOTIFY_SOCKET="$sock" "$RT" --root "$ROOT" plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "mount \"$sock\" on $sock .*# \\\$NOTIFY_SOCKET\$"
	echo "$output" | grep -E "env \"NOTIFY_SOCKET=$sock\" +# \\\$NOTIFY_SOCKET\$"
	# No op names a mount config.json does not list.
	run ! grep -E "# /mounts/$nmounts(/|\$)" <<<"$output"
}

@test "plan_sync: without NOTIFY_SOCKET, plan has no notify bind" {
	run --separate-stderr env -u NOTIFY_SOCKET "$RT" --root "$ROOT" plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	run ! grep -F 'NOTIFY_SOCKET' <<<"$output"
}

@test "plan_sync: a failed NOTIFY_SOCKET bind names \$NOTIFY_SOCKET, not a /mounts entry" {
	dir=$BATS_TEST_TMPDIR/notify
	mkdir "$dir"
	sock=$dir/notify.sock
	make_notify_socket "$sock"
	# In the rootfs the socket's directory is a file: the bind's target
	# cannot be made.
	mkdir -p "$BUNDLE/rootfs$(dirname "$dir")"
	: >"$BUNDLE/rootfs$dir"
	run --separate-stderr env NOTIFY_SOCKET="$sock" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$stderr" '$NOTIFY_SOCKET' "$dir"
	run ! grep -F '/mounts/' <<<"$stderr"
	[ ! -e "$ROOT/$ID" ]
}

@test "plan_sync: LISTEN_FDS for rt's pid: plan passes them and closes from the fd after them" {
	run --separate-stderr sh -c 'export LISTEN_PID=$$ LISTEN_FDS=2; exec "$RT" --root "$1" plan -b "$2" 3</dev/null 4</dev/null' sh "$ROOT" "$BUNDLE"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E 'env "LISTEN_FDS=2" +# \$LISTEN_FDS$'
	echo "$output" | grep -E 'env "LISTEN_PID=1" +# \$LISTEN_FDS$'
	echo "$output" | grep -E 'close-from 5 '
}
