#!/usr/bin/env bats
# terminal: true with --console-socket (the pty master is sent over a unix
# socket), consoleSize, input through the pty.

load helpers

setup_file() {
	command -v go >/dev/null || skip "go is needed to build tests/bats/recvtty"
	export RECVTTY=$BATS_FILE_TMPDIR/recvtty
	(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$RECVTTY" ./tests/bats/recvtty)
}

setup() {
	[ -x "${RECVTTY:-}" ] || skip "recvtty not built"
	setup_bundle
	update_config '.process.terminal = true'
	SOCK=$BATS_TEST_TMPDIR/console.sock
}

# start_recvtty [recvtty flags...] — listen on $SOCK; pty output goes to
# $BATS_TEST_TMPDIR/tty.out. Sets RECV_PID.
start_recvtty() {
	rm -f "$BATS_TEST_TMPDIR/recv.ready"
	"$RECVTTY" -ready "$BATS_TEST_TMPDIR/recv.ready" -timeout 30s "$@" "$SOCK" \
		>"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/recv.err" </dev/null &
	RECV_PID=$!
	track_bg "$RECV_PID"
	wait_for_file "$BATS_TEST_TMPDIR/recv.ready"
}

# tty_output — waits for recvtty to finish; sets out to the pty output
# without \r. (Not in a subshell: it waits for a child of the test shell.)
tty_output() {
	wait_bg "$RECV_PID" 20 || true
	cat "$BATS_TEST_TMPDIR/recv.err" >&2
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	echo "pty output: $out"
	[ "$BG_STATUS" = 0 ] || {
		echo "recvtty exit status $BG_STATUS" >&2
		return 1
	}
}

@test "tty: output arrives through the console socket's pty" {
	set_sh 'echo hello; tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty'
	start_recvtty
	create_container "$ID" --console-socket "$SOCK"
	rt start "$ID"
	tty_output
	echo "$out"
	assert_contains "$out" hello /dev/pts/ all-tty
	wait_for_status "$ID" stopped
}

@test "tty: consoleSize is applied" {
	update_config '.process.consoleSize = {height: 37, width: 121}'
	set_sh 'stty size'
	start_recvtty
	create_container "$ID" --console-socket "$SOCK"
	rt start "$ID"
	tty_output
	assert_eq "$(echo "$out" | grep -E '^[0-9]+ [0-9]+$')" "37 121" "stty size"
}

@test "tty: input written to the master is read by the process" {
	# the runtime may flush pending input when it sets the terminal up:
	# type only once the process asks
	set_sh 'echo prompt-ready; read x; echo "got:$x"'
	start_recvtty -input $'typed-text\n' -after prompt-ready
	create_container "$ID" --console-socket "$SOCK"
	rt start "$ID"
	tty_output
	assert_contains "$out" "got:typed-text"
}

@test "tty: run --detach with --console-socket" {
	set_sh 'echo detached-tty; tty'
	start_recvtty
	run_detached "$ID" --console-socket "$SOCK"
	tty_output
	assert_contains "$out" detached-tty /dev/pts/
}

@test "tty: the pty is the controlling terminal and /dev/console" {
	set_sh 'ls -l /proc/self/fd/0; readlink /proc/self/fd/0; [ -c /dev/console ] && echo console-ok; echo hi > /dev/tty && echo devtty-ok'
	start_recvtty
	create_container "$ID" --console-socket "$SOCK"
	rt start "$ID"
	tty_output
	assert_contains "$out" console-ok devtty-ok
}

@test "tty: terminal true without --console-socket on create is an error" {
	set_cmd true
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
}

@test "tty: --console-socket with terminal false is an error" {
	update_config '.process.terminal = false'
	set_cmd true
	start_recvtty
	run --separate-stderr rt_noio create --bundle "$BUNDLE" --console-socket "$SOCK" "$ID"
	assert_error
}
