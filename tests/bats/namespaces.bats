#!/usr/bin/env bats
# namespaces: pid, uts (hostname, domainname), user (uid/gid maps), network
# by path (also with a new user namespace), ipc/uts joined from another
# container.

load helpers

# ws LINES — squeeze whitespace, for comparing /proc/*/uid_map.
ws() { awk '{$1=$1; print}'; }

@test "namespaces: the process is PID 1 in a new pid namespace" {
	set_sh 'echo $$; exec readlink /proc/self'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 1 '$$'
	assert_eq "${lines[1]}" 1 "/proc/self"
}

@test "namespaces: without a pid namespace the process sees its host pid" {
	remove_namespace pid
	set_sh 'echo $$ > /mypid'
	create_container
	pid=$(container_pid "$ID")
	rt start "$ID"
	wait_for_status "$ID" stopped
	assert_eq "$(cat "$BUNDLE/rootfs/mypid")" "$pid" "pid inside vs state pid"
	[ "$pid" != 1 ]
}

@test "namespaces: hostname from the config" {
	h=rt-host-$RANDOM
	update_config '.hostname = $h' --arg h "$h"
	set_sh 'hostname; cat /proc/sys/kernel/hostname'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$h" hostname
	assert_eq "${lines[1]}" "$h" /proc/sys/kernel/hostname
	# the host's is untouched
	[ "$(hostname)" != "$h" ]
}

# runc 1.1 ignores .domainname.
# bats test_tags=rt-only
@test "namespaces: domainname from the config" {
	update_config '.hostname = "h" | .domainname = "rt.example.test"'
	set_sh 'cat /proc/sys/kernel/domainname'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" rt.example.test domainname
	[ "$(cat /proc/sys/kernel/domainname)" != rt.example.test ]
}

userns_config() {
	set_namespace user
	update_config '.linux.uidMappings = [
			{containerID: 0, hostID: 100000, size: 1000},
			{containerID: 1000, hostID: 200000, size: 100},
			{containerID: 65534, hostID: 300000, size: 1}]
		| .linux.gidMappings = [
			{containerID: 0, hostID: 110000, size: 500},
			{containerID: 1000, hostID: 210000, size: 1},
			{containerID: 65534, hostID: 310000, size: 1}]'
}

@test "namespaces: uid_map and gid_map inside a new user namespace match the config" {
	userns_config
	set_sh 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; id -u; id -g'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	got=$(echo "$output" | ws)
	want=$(printf '%s\n' "0 100000 1000" "1000 200000 100" "65534 300000 1" -- \
		"0 110000 500" "1000 210000 1" "65534 310000 1" -- 0 0)
	assert_eq "$got" "$want" "maps"
}

@test "namespaces: the user namespace maps the init to its host ids" {
	userns_config
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	pid=$(container_pid "$ID")
	# /proc/PID/status: real, effective, saved, fs
	assert_eq "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")" "200000 200000 200000 200000" "host uids"
	assert_eq "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")" "210000 210000 210000 210000" "host gids"
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "namespaces: a new network namespace has only lo" {
	set_sh 'ip -o link show | cut -d: -f2'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | ws)" lo interfaces
}

# netns_with_dummy — a named netns holding an interface rtdummy0 (a dummy
# device; a bridge where the kernel has no dummy driver).
netns_with_dummy() {
	NS=$(make_netns)
	ip -n "$NS" link add rtdummy0 type dummy 2>/dev/null ||
		ip -n "$NS" link add rtdummy0 type bridge
}

@test "namespaces: joining a network namespace by path" {
	netns_with_dummy
	set_namespace network "/var/run/netns/$NS"
	set_sh 'ip -o link show | cut -d: -f2'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" rtdummy0
	# really that namespace: the host does not have the interface
	run ip link show rtdummy0
	[ "$status" -ne 0 ]
}

@test "namespaces: joining a network namespace by path with a new user namespace (CNI)" {
	netns_with_dummy
	userns_config
	set_namespace network "/var/run/netns/$NS"
	# sysfs cannot be mounted from a user namespace that does not own the
	# network namespace: bind the host's /sys, as rootless configs do.
	update_config '.mounts |= map(if .destination == "/sys" then
		{destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]}
		else . end)'
	set_sh 'ip -o link show | cut -d: -f2; echo --; cat /proc/self/uid_map'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$(echo "$output" | ws)" rtdummy0 "0 100000 1000"
}

@test "namespaces: the network namespace of the container is the one joined" {
	netns_with_dummy
	set_namespace network "/var/run/netns/$NS"
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	pid=$(container_pid "$ID")
	assert_eq "$(stat -L -c %i "/proc/$pid/ns/net")" "$(stat -L -c %i "/var/run/netns/$NS")" "net ns inode"
}

@test "namespaces: joining the ipc and uts namespaces of another container" {
	h=alpha-$RANDOM
	update_config '.hostname = $h' --arg h "$h"
	set_cmd sleep 1000
	start_container "$ID"
	wait_for_status "$ID" running
	pidA=$(container_pid "$ID")

	# container B joins A's ipc and uts namespaces (and sets no hostname)
	update_config 'del(.hostname)'
	set_namespace uts "/proc/$pidA/ns/uts"
	set_namespace ipc "/proc/$pidA/ns/ipc"
	set_sh 'hostname; readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid'
	idB=$(new_id)
	run rt run --bundle "$BUNDLE" "$idB"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$h" "hostname in B"
	assert_eq "${lines[1]}" "$(readlink "/proc/$pidA/ns/uts")" "uts ns"
	assert_eq "${lines[2]}" "$(readlink "/proc/$pidA/ns/ipc")" "ipc ns"
	# while B's pid namespace is its own
	[ "${lines[3]}" != "$(readlink "/proc/$pidA/ns/pid")" ]
	[ "${lines[2]}" != "$(readlink /proc/self/ns/ipc)" ]
}
