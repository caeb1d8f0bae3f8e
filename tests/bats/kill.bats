#!/usr/bin/env bats
# kill: signals by name (with and without SIG), by number, the default, --all.

load helpers

# The container's init is a shell that records the first trapped signal in
# /sig and exits; /ready appears once the traps are set. (An init without a
# handler would ignore TERM/USR1: the kernel protects a pid namespace's init.)
trap_script='
for s in TERM USR1 HUP INT; do trap "echo $s > /sig; exit 0" $s; done
echo ready > /ready
while :; do sleep 1000 & wait $!; done'

start_trapper() {
	set_sh "$trap_script"
	start_container
	wait_for_file "$BUNDLE/rootfs/ready"
}

# kill_and_expect SIGNAL-ARG... EXPECTED — send, then expect /sig == EXPECTED.
kill_and_expect() {
	local want=${*: -1}
	local args=("${@:1:$#-1}")
	run rt kill "$ID" "${args[@]}"
	[ "$status" -eq 0 ]
	wait_for_file "$BUNDLE/rootfs/sig"
	assert_eq "$(cat "$BUNDLE/rootfs/sig")" "$want" "signal received"
	wait_for_status "$ID" stopped
}

@test "kill: KILL by name" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "kill: SIGKILL with the SIG prefix" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	run rt kill "$ID" SIGKILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "kill: 9 by number" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	run rt kill "$ID" 9
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "kill: TERM by name reaches the process" {
	start_trapper
	kill_and_expect TERM TERM
}

@test "kill: SIGTERM with the prefix" {
	start_trapper
	kill_and_expect SIGTERM TERM
}

@test "kill: 15 by number" {
	start_trapper
	kill_and_expect 15 TERM
}

@test "kill: the default signal is SIGTERM" {
	start_trapper
	kill_and_expect TERM
}

@test "kill: USR1, SIGUSR1 and HUP are the signals named" {
	start_trapper
	kill_and_expect USR1 USR1

	rm -f "$BUNDLE/rootfs/sig" "$BUNDLE/rootfs/ready"
	rt delete "$ID"
	start_trapper
	kill_and_expect SIGUSR1 USR1

	rm -f "$BUNDLE/rootfs/sig" "$BUNDLE/rootfs/ready"
	rt delete "$ID"
	start_trapper
	kill_and_expect SIGHUP HUP
}

@test "kill: KILL stops a created container" {
	set_cmd sleep 1000
	create_container
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "kill: an unknown signal name is an error" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	run --separate-stderr rt kill "$ID" NOSUCHSIG
	assert_error
	run --separate-stderr rt kill "$ID" 12345
	[ "$status" -eq 1 ]
	assert_eq "$(container_status "$ID")" running
}

# A container whose init handles TERM (logs it) and has a child that does not:
# kill without --all signals only the init; with --all every process.
all_script='
trap "echo init-got-term >> /log" TERM
sleep 1000 &
c=$!
echo ready > /ready
while kill -0 $c 2>/dev/null; do wait $c; done
echo child-gone > /child
while :; do sleep 1000 & wait $!; done'

# child_of PID — the host pid of PID's only child.
child_of() { pgrep -P "$1"; }

@test "kill: without --all only the init gets the signal" {
	set_sh "$all_script"
	start_container
	wait_for_file "$BUNDLE/rootfs/ready"
	child=$(child_of "$(container_pid "$ID")")
	[ -n "$child" ]
	rt kill "$ID" TERM
	wait_for_file "$BUNDLE/rootfs/log"
	grep -q init-got-term "$BUNDLE/rootfs/log"
	# the child did not get it
	kill -0 "$child"
	[ ! -e "$BUNDLE/rootfs/child" ]
	assert_eq "$(container_status "$ID")" running
}

@test "kill: --all signals every process of the container" {
	set_sh "$all_script"
	start_container
	wait_for_file "$BUNDLE/rootfs/ready"
	child=$(child_of "$(container_pid "$ID")")
	[ -n "$child" ]
	run rt kill --all "$ID" TERM
	[ "$status" -eq 0 ]
	wait_for_exit "$child"
	wait_for_file "$BUNDLE/rootfs/child"
	wait_for_file "$BUNDLE/rootfs/log"
	grep -q init-got-term "$BUNDLE/rootfs/log"
	assert_eq "$(container_status "$ID")" running
}

@test "kill: --all KILL stops the container" {
	set_sh "$all_script"
	start_container
	wait_for_file "$BUNDLE/rootfs/ready"
	run rt kill -a "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}
