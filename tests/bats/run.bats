#!/usr/bin/env bats
# run: exit status, signals, --detach, --keep, --pid-file, stdio.

load helpers

@test "run: the exit status of the process is rt's exit status" {
	for code in 0 3 42 255; do
		set_sh "exit $code"
		run rt run --bundle "$BUNDLE" "$ID"
		assert_eq "$status" "$code" "exit status of 'exit $code'"
	done
	# and the container is gone afterwards
	run rt list -q
	assert_eq "$output" "" "list -q"
}

@test "run: a process killed by a signal gives 128+N" {
	# Without a pid namespace the shell is not an init and can kill itself.
	remove_namespace pid
	set_sh 'kill -TERM $$'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_eq "$status" 143 "killed by SIGTERM"

	set_sh 'kill -KILL $$'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_eq "$status" 137 "killed by SIGKILL"
}

# run_sleeper_in_foreground — `rt run` (in the foreground, as a background
# job of the test: $pid) of a container whose process sleeps; returns once
# it runs.
run_sleeper_in_foreground() {
	set_sh 'echo ready > /ready; exec sleep 1000'
	"$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	pid=$!
	track_bg "$pid"
	wait_for_file "$BUNDLE/rootfs/ready"
	wait_for_status "$ID" running
}

@test "run: an init killed from outside gives 128+9" {
	run_sleeper_in_foreground
	rt kill "$ID" KILL
	wait_bg "$pid"
	assert_eq "$BG_STATUS" 137 "run exit status"
}

@test "run: delete --force of a container run in the foreground kills it, and run exits 137" {
	run_sleeper_in_foreground
	# rt run used to hold the container's lock until the exit: this waited forever
	run timeout 20 "$RT" --root "$ROOT" delete --force "$ID"
	assert_eq "$status" 0 "delete --force status ($output)"
	wait_bg "$pid"
	assert_eq "$BG_STATUS" 137 "run exit status"
	run rt state "$ID"
	assert_eq "$status" 1 "state after delete"
	[ ! -e "$ROOT/$ID" ]
}

forward_script='
trap "exit 42" TERM
trap "exit 43" USR1
trap "exit 44" HUP
trap "exit 45" 36
echo ready > /ready
while :; do sleep 1000 & wait $!; done'

# forward SIGNAL WANT — send SIGNAL to the `rt run` process; the container's
# shell traps it and exits with WANT, which rt run must exit with.
forward() {
	set_sh "$forward_script"
	rm -f "$BUNDLE/rootfs/ready"
	"$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/run.out" 2>&1 &
	pid=$!
	track_bg "$pid"
	wait_for_file "$BUNDLE/rootfs/ready"
	kill -"$1" "$pid"
	wait_bg "$pid"
	cat "$BATS_TEST_TMPDIR/run.out"
	assert_eq "$BG_STATUS" "$2" "exit status after SIG$1"
}

@test "run: SIGTERM sent to rt run is forwarded to the container" {
	forward TERM 42
}

@test "run: SIGUSR1 sent to rt run is forwarded to the container" {
	forward USR1 43
}

@test "run: SIGHUP sent to rt run is forwarded to the container" {
	forward HUP 44
}

@test "run: a real-time signal (SIGRTMIN+2) sent to rt run is forwarded to the container" {
	forward 36 45
}

@test "run: stdout and stderr of the process reach the caller" {
	set_sh 'echo to-stdout; echo to-stderr >&2'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" to-stdout stdout
	assert_eq "$stderr" to-stderr stderr
}

@test "run: stdin piped in is read by the process" {
	set_sh 'read a; read b; echo "got:$a:$b"; cat'
	run rt run --bundle "$BUNDLE" "$ID" <<<"$(printf 'line one\nline two\nrest of it')"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'got:line one:line two\nrest of it')"
}

@test "run: large output is not lost" {
	set_sh 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done'
	rt run --bundle "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/big"
	assert_eq "$(wc -l <"$BATS_TEST_TMPDIR/big")" 20000 lines
	assert_eq "$(tail -n1 "$BATS_TEST_TMPDIR/big")" "line 19999" "last line"
}

@test "run: --detach returns while the container runs" {
	set_sh 'echo hello-detached; exec sleep 1000'
	run_detached "$ID"
	assert_eq "$(container_status "$ID")" running
	wait_for_file "$BATS_TEST_TMPDIR/$ID.out"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/$ID.out")" hello-detached "container output"
}

@test "run: -d with a process that fails later still exits 0" {
	set_sh 'exit 7'
	run rt_noio run -d --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "run: without --keep the container is deleted after it exits" {
	set_sh 'exit 0'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	run --separate-stderr rt state "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "does not exist"
	run rt list -q
	assert_eq "$output" ""
}

@test "run: --keep leaves the container in the stopped state" {
	set_sh 'exit 5'
	run rt run --keep --bundle "$BUNDLE" "$ID"
	assert_eq "$status" 5 "exit status"
	assert_eq "$(container_status "$ID")" stopped
	run rt list -q
	assert_eq "$output" "$ID"
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	run rt list -q
	assert_eq "$output" ""
}

@test "run: --pid-file of create is written before create returns" {
	set_cmd sleep 1000
	create_container "$ID" --pid-file "$BATS_TEST_TMPDIR/pidfile"
	# no waiting: the file must be there now
	[ -s "$BATS_TEST_TMPDIR/pidfile" ]
	pid=$(cat "$BATS_TEST_TMPDIR/pidfile")
	[[ $pid =~ ^[1-9][0-9]*$ ]]
	assert_eq "$pid" "$(container_pid "$ID")" "pid file vs state"
	# the init's host pid: its root directory is the container's rootfs
	assert_eq "$(stat -L -c %d:%i "/proc/$pid/root")" "$(stat -c %d:%i "$BUNDLE/rootfs")" "root of pid"
	rt start "$ID"
	wait_for_status "$ID" running
	grep -qaF "RT_BATS_MARKER=$MARKER" "/proc/$pid/environ"
}

@test "run: --pid-file with run --detach and a relative path" {
	set_cmd sleep 1000
	cd "$BATS_TEST_TMPDIR"
	run_detached "$ID" --pid-file rel.pid
	[ -s "$BATS_TEST_TMPDIR/rel.pid" ]
	assert_eq "$(cat "$BATS_TEST_TMPDIR/rel.pid")" "$(container_pid "$ID")" "pid file vs state"
}

@test "run: --bundle defaults to the current directory" {
	set_sh 'echo from-cwd-bundle'
	cd "$BUNDLE"
	run rt run "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" from-cwd-bundle
}
