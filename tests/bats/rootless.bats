#!/usr/bin/env bats
# Rootless: rt run by an ordinary user (issue 14), on `rt spec --rootless`
# bundles the user owns. The user is made by setup_file (with subordinate
# id ranges) and removed by teardown_file; the whole file is skipped, with
# the reason, where that or an unprivileged user namespace is not possible.

load helpers
load rootless_helpers

setup_file() {
	rl_setup_file
}

teardown_file() {
	rl_teardown_file
}

setup() {
	rl_setup
}

teardown() {
	rl_teardown_then rl_undelegate
}

@test "rootless: spec --rootless and run: the user is root in the container, mapped to itself" {
	rl_cmd sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	run --separate-stderr urt_noio run --bundle "$B" rl1
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "${lines[0]}" 0 "uid in the container"
	assert_eq "$(echo "${lines[1]}" | tr -s ' ')" " 0 $RL_UID 1" "uid_map"
	assert_eq "$(echo "${lines[2]}" | tr -s ' ')" " 0 $RL_GID 1" "gid_map"
	assert_eq "${lines[3]}" deny "setgroups"
}

@test "rootless: create, state, start, kill, delete" {
	rl_cmd sleep 1000
	urt_noio create --bundle "$B" rl2
	run urt state rl2
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_contains "$output" '"status": "created"'
	urt start rl2
	run urt state rl2
	assert_contains "$output" '"status": "running"'
	urt kill rl2 KILL
	retry_until 10 rl_status_is rl2 stopped
	urt delete rl2
	run --separate-stderr urt state rl2
	[ "$status" -ne 0 ]
	rl_no_state
}

@test "rootless: exec runs in the container's namespaces as its root" {
	rl_cmd sleep 1000
	urt_noio run --detach --bundle "$B" rl3
	run --separate-stderr urt exec rl3 sh -c 'id -u; readlink /proc/1/ns/user; hostname'
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "${lines[0]}" 0 "uid"
	pid=$(urt state rl3 | jq -r .pid)
	assert_eq "${lines[1]}" "$(readlink "/proc/$pid/ns/user")" "user namespace"
	assert_eq "${lines[2]}" "$(jq -r .hostname "$B/config.json")" "hostname"
}

@test "rootless: exec into a created container says to start it first" {
	rl_cmd sleep 1000
	urt_noio create --bundle "$B" rl18
	run --separate-stderr urt exec rl18 true
	assert_error
	assert_contains "$stderr" "start it first"
}

@test "rootless: list shows the user's containers, owned by it" {
	rl_cmd sleep 1000
	urt_noio run --detach --bundle "$B" rl4
	run urt list
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_contains "${lines[1]}" rl4 running "$RL_USER"
	run urt list -q
	assert_eq "$output" rl4 "list -q"
}

@test "rootless: without a delegated cgroup the container runs without one; kill --all signals the init; pause and ps say why they cannot" {
	rl_cmd sleep 1000
	run --separate-stderr urt_noio --debug run --detach --bundle "$B" rl5
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_contains "$stderr" "running without a cgroup"
	run --separate-stderr urt pause rl5
	assert_error
	assert_contains "$stderr" "no cgroup" "delegated"
	run --separate-stderr urt ps rl5
	assert_error
	assert_contains "$stderr" "no cgroup"
	urt kill --all rl5 KILL
	retry_until 10 rl_status_is rl5 stopped
	urt delete rl5
}

@test "rootless: in a delegated cgroup v2 subtree the container gets a cgroup: ps, pause, resume" {
	rl_delegate
	rl_cmd sleep 1000
	in_delegated urt_noio run --detach --bundle "$B" rl6
	[ -d "$RL_CG/rl6" ]
	pid=$(urt state rl6 | jq -r .pid)
	run grep -qx "$pid" "$RL_CG/rl6/cgroup.procs"
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	run urt ps --format json rl6
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_contains "$output" "$pid"
	in_delegated urt_noio exec --detach rl6 sleep 1000
	assert_eq "$(wc -l <"$RL_CG/rl6/cgroup.procs")" 2 "processes in the container's cgroup"
	# From a cgroup outside the delegated subtree, exec cannot move its
	# process: it runs all the same (runc's rootless exec).
	run --separate-stderr urt exec rl6 true
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	urt pause rl6
	retry_until 10 rl_status_is rl6 paused
	urt resume rl6
	retry_until 10 rl_status_is rl6 running
	urt delete --force rl6
	[ ! -d "$RL_CG/rl6" ]
}

@test "rootless: a multi-range map goes through newuidmap/newgidmap" {
	rl_config '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: 65536}]
		| .process.user = {uid: 1000, gid: 1000}' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson su "$RL_SUBUID" --argjson sg "$RL_SUBGID"
	rl_cmd sh -c 'id -u; id -g; cat /proc/self/uid_map'
	run --separate-stderr urt_noio run --bundle "$B" rl7
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "${lines[0]}" 1000 "uid"
	assert_eq "${lines[1]}" 1000 "gid"
	assert_eq "$(echo "${lines[3]}" | tr -s ' ')" " 1 $RL_SUBUID 65536" "uid_map's second range"
}

@test "rootless: a map outside the user's subuid ranges is a one-line error naming the field and the ranges" {
	outside=$((RL_SUBUID + 65536))
	rl_config '.linux.uidMappings += [{containerID: 1, hostID: $o, size: 10}]' --argjson o "$outside"
	run --separate-stderr urt_noio run --bundle "$B" rl8
	assert_error
	assert_contains "$stderr" "/linux/uidMappings/1" "/etc/subuid" "$RL_SUBUID-$((RL_SUBUID + 65535))"
	rl_no_state
}

@test "rootless: a multi-range map without newuidmap in PATH is a one-line error saying to install uidmap" {
	rl_config '.linux.uidMappings += [{containerID: 1, hostID: $su, size: 10}]' --argjson su "$RL_SUBUID"
	mkdir -p "$BATS_TEST_TMPDIR/nopath"
	RL_PATH=$BATS_TEST_TMPDIR/nopath run --separate-stderr urt_noio run --bundle "$B" rl9
	assert_error
	assert_contains "$stderr" "/linux/uidMappings" newuidmap "uidmap package"
	rl_no_state
}

@test "rootless: resources without a delegated cgroup are a one-line error naming the field and how to delegate" {
	rl_config '.linux.resources = {memory: {limit: 100000000}}'
	run --separate-stderr urt_noio run --bundle "$B" rl10
	assert_error
	assert_contains "$stderr" "/linux/resources/memory/limit" "Delegate=yes"
	rl_no_state
}

@test "rootless: a cgroupsPath without a delegated cgroup is a one-line error naming the field" {
	rl_config '.linux.cgroupsPath = "/rtbats-rootless"'
	run --separate-stderr urt_noio run --bundle "$B" rl16
	assert_error
	assert_contains "$stderr" "/linux/cgroupsPath" "Delegate=yes"
	rl_no_state
}

@test "rootless: a --root the user cannot write is a one-line error naming it, and nothing is made" {
	parent=$RL_HOME/rootowned
	mkdir -m 0755 "$parent"
	run --separate-stderr as_user "$RL_RT" --root "$parent/rt" run --bundle "$B" rl11 </dev/null
	assert_error
	assert_contains "$stderr" "--root $parent/rt"
	[ ! -e "$parent/rt" ]
	rl_no_state
}

@test "rootless: a --root the user owns but cannot write is a one-line error naming it" {
	as_user mkdir -m 0500 "$RL_HOME/rootowned"
	run --separate-stderr as_user "$RL_RT" --root "$RL_HOME/rootowned" run --bundle "$B" rl15 </dev/null
	assert_error
	assert_contains "$stderr" "--root $RL_HOME/rootowned"
	run ls -A "$RL_HOME/rootowned"
	assert_eq "$output" "" "entries in --root"
	rl_no_state
}

@test "rootless: without XDG_RUNTIME_DIR and --root, a one-line error" {
	RL_NOXDG=1
	run --separate-stderr urt_noio run --bundle "$B" rl12
	RL_NOXDG=
	assert_error
	assert_contains "$stderr" XDG_RUNTIME_DIR --root
	[ ! -e /run/rt/rl12 ]
	rl_no_state
}

@test "rootless: root in a user namespace that is not the initial one runs containers too" {
	rl_config '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}] | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}]'
	rl_cmd true
	RL_NOXDG=1
	run --separate-stderr as_user unshare -Ur env XDG_RUNTIME_DIR="$RL_XDG" "$RL_RT" run --bundle "$B" rl13 </dev/null
	RL_NOXDG=
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	[ "$stderr" = "" ]
}

@test "rootless: a config without a user namespace is a one-line error naming /linux/namespaces" {
	rl_config 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
	run --separate-stderr urt_noio run --bundle "$B" rl14
	assert_error
	assert_contains "$stderr" "/linux/namespaces" "user namespace"
	rl_no_state
}

@test "rootless: createContainer hooks join the container's namespaces" {
	rl_config '.hooks = {createContainer: [{path: "/bin/sh", args: ["sh", "-c", "id -u > " + $f]}]}' \
		--arg f "$B/rootfs/hookran"
	rl_cmd cat /hookran
	run --separate-stderr urt_noio run --bundle "$B" rl17
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "$output" 0 "the hook's uid in the container's user namespace"
}

@test "rootless: --rootless false makes the cgroup a root one (refused), a bad value is an error" {
	run --separate-stderr urt_noio --rootless false run --bundle "$B" rl19
	assert_error
	assert_contains "$stderr" "permission denied"
	rl_no_state
	run --separate-stderr urt_noio --rootless maybe run --bundle "$B" rl19
	assert_error
	assert_contains "$stderr" "--rootless" "true, false or auto"
	rl_no_state
}
