#!/usr/bin/env bats
# config.md "process" and config-linux.md settings applied by the C stage:
# scheduler, ioPriority, execCPUAffinity, personality, timeOffsets, the
# session keyring, sysctl ownership, LSM refusal, LISTEN_FDS, NOTIFY_SOCKET.

load helpers

@test "procattrs: scheduler policy and nice (config.md scheduler)" {
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
	set_sh 'grep -E "^policy" /proc/self/sched | tr -d " "; cut -d" " -f19 /proc/self/stat'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "policy:3 7" "SCHED_BATCH is policy 3; nice 7"
}

@test "procattrs: ioPriority (config.md ioPriority)" {
	command -v ionice >/dev/null || skip "ionice (util-linux) needed"
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
	set_sh 'sleep 100'
	run_detached
	pid=$(container_pid "$ID")
	# ionice is not in busybox: read the class the kernel reports for the init.
	run ionice -p "$pid"
	[ "$status" -eq 0 ]
	assert_contains "$output" "idle"
}

@test "procattrs: execCPUAffinity final (config.md execCPUAffinity)" {
	[ "$(nproc)" -ge 2 ] || skip "needs two cpus"
	update_config '.process.execCPUAffinity = {final: "1"}'
	set_sh 'grep Cpus_allowed_list /proc/self/status | cut -f2'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 1 "cpus allowed"
}

@test "procattrs: personality LINUX32 (config-linux.md personality)" {
	[ "$(uname -m)" = x86_64 ] || skip "uname -m under LINUX32 is i686 on x86_64 only"
	update_config '.linux.personality = {domain: "LINUX32"}'
	set_cmd uname -m
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" i686 "uname -m under LINUX32"
}

@test "procattrs: timeOffsets with a new time namespace (config-linux.md timeOffsets)" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces (Linux 5.6 or newer needed)"
	update_config '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {boottime: {secs: 864000, nanosecs: 0}}'
	set_sh 'cut -d. -f1 /proc/uptime'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	host=$(cut -d. -f1 /proc/uptime)
	[ "$output" -ge $((host + 864000 - 5)) ]
}

@test "procattrs: timeOffsets without a new time namespace is an error" {
	update_config '.linux.timeOffsets = {boottime: {secs: 10, nanosecs: 0}}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/timeOffsets" "time namespace"
}

@test "procattrs: a session keyring of its own, unless --no-new-keyring" {
	update_config '.linux.maskedPaths = [.linux.maskedPaths[] | select(. != "/proc/keys")]'
	set_sh 'cat /proc/keys'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "_ses.$ID"
	id2=$(new_id)
	run rt run --no-new-keyring --bundle "$BUNDLE" "$id2"
	[ "$status" -eq 0 ]
	[[ $output != *"_ses.$id2"* ]]
}

@test "procattrs: a sysctl of the container's own network namespace is applied" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_cmd cat /proc/sys/net/ipv4/ip_forward
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 1 ip_forward
}

@test "procattrs: a sysctl no namespace owns is refused (it would change the host)" {
	update_config '.linux.sysctl = {"kernel.core_pattern": "|/evil"}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/sysctl/kernel.core_pattern" "not namespaced"
}

@test "procattrs: a net sysctl without a network namespace of its own is refused" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/sysctl/net.ipv4.ip_forward" "network namespace"
}

@test "procattrs: an AppArmor profile on a kernel without AppArmor is an error" {
	[ ! -e /sys/module/apparmor/parameters/enabled ] || skip "AppArmor is enabled here"
	update_config '.process.apparmorProfile = "some-profile"'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/process/apparmorProfile" "AppArmor is not enabled"
}

@test "procattrs: an SELinux mount label on a kernel without SELinux is an error" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/mountLabel" "SELinux is not enabled"
}

@test "procattrs: LISTEN_FDS passes the socket-activation fds on (LISTEN_PID=1)" {
	set_sh 'echo "$LISTEN_FDS $LISTEN_PID"; ls /proc/self/fd/3 >/dev/null && echo fd3; echo via-fd3 >&3'
	out=$BATS_TEST_TMPDIR/fd3.out
	run env LISTEN_FDS=1 bash -c 'export LISTEN_PID=$$; exec "$@" 3>"'"$out"'"' _ \
		"$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "1 1" fd3
	assert_eq "$(cat "$out")" via-fd3 "written through fd 3"
}

@test "procattrs: NOTIFY_SOCKET is bound into the container at the same path" {
	sock=$BATS_TEST_TMPDIR/notify.sock
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])' "$sock"
	set_sh 'echo "$NOTIFY_SOCKET"; [ -S "$NOTIFY_SOCKET" ] && echo is-socket'
	run env NOTIFY_SOCKET="$sock" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "$sock" is-socket
}
