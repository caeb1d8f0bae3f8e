#!/usr/bin/env bats
# runc parity, command line (issue 11, items 17-19, 25, 26): --pidfd-socket,
# --debug, list of a missing --root, kill ID 0, spec.

load helpers

# start_pidfd_receiver NAME — listens on $BATS_TEST_TMPDIR/NAME.sock in the
# background (tests/bats/pidfd_recv.py); what it receives goes to
# $BATS_TEST_TMPDIR/NAME.got. Sets PIDFD_SOCK, PIDFD_GOT, PIDFD_RECV.
start_pidfd_receiver() {
	PIDFD_SOCK=$BATS_TEST_TMPDIR/$1.sock
	PIDFD_GOT=$BATS_TEST_TMPDIR/$1.got
	python3 "$BATS_TEST_DIRNAME/pidfd_recv.py" "$PIDFD_SOCK" "$PIDFD_GOT" &
	PIDFD_RECV=$!
	track_bg "$PIDFD_RECV"
	retry_until 10 test -S "$PIDFD_SOCK"
}

# pidfd_received KIND PID — the receiver got one pidfd of PID, sent with KIND.
pidfd_received() {
	wait_bg "$PIDFD_RECV"
	assert_eq "$BG_STATUS" 0 "pidfd receiver's status"
	assert_eq "$(cat "$PIDFD_GOT")" "$1 $2 anon_inode:[pidfd]" "received"
}

@test "pidfd-socket: create sends a pidfd of the container's init" {
	start_pidfd_receiver init
	create_container "$ID" --pidfd-socket "$PIDFD_SOCK"
	pidfd_received standard "$(container_pid "$ID")"
}

@test "pidfd-socket: run --detach sends a pidfd of the container's init" {
	set_cmd sleep 1000
	start_pidfd_receiver init
	run_detached "$ID" --pidfd-socket "$PIDFD_SOCK"
	pidfd_received standard "$(container_pid "$ID")"
}

@test "pidfd-socket: exec sends a pidfd of the exec'd process" {
	set_cmd sleep 1000
	run_detached
	start_pidfd_receiver exec
	run rt_noio exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" --pidfd-socket "$PIDFD_SOCK" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	pidfd_received setns "$(cat "$BATS_TEST_TMPDIR/exec.pid")"
}

@test "pidfd-socket: a process that exits at once still has its pidfd sent (exec)" {
	set_cmd sleep 1000
	run_detached
	start_pidfd_receiver exec
	run rt_noio exec --detach --pidfd-socket "$PIDFD_SOCK" "$ID" true
	[ "$status" -eq 0 ]
	wait_bg "$PIDFD_RECV"
	assert_eq "$BG_STATUS" 0 "pidfd receiver's status"
	# The process is gone by now: its pidfd says so with Pid -1.
	[[ $(cat "$PIDFD_GOT") =~ ^setns\ (-1|[0-9]+)\ anon_inode:\[pidfd\]$ ]]
}

@test "pidfd-socket: a socket nobody listens on fails the create, leaving nothing" {
	run --separate-stderr rt_noio create --bundle "$BUNDLE" --pidfd-socket "$BATS_TEST_TMPDIR/none.sock" "$ID"
	assert_error
	assert_contains "$stderr" "--pidfd-socket" "none.sock"
	run rt state "$ID"
	[ "$status" -ne 0 ]
}
