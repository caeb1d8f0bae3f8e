#!/usr/bin/env bats
# runc parity (issue 11 §13): `exec` into a container whose pids limit is
# already reached. runc's exec joins the container's cgroup after its own
# forks (the pids controller refuses forks, not moves), so its process
# starts; rt's stage forked inside the cgroup and failed with EAGAIN.

load helpers

# start_limited LIMIT — run $ID detached with `sleep 1000` under
# pids.limit LIMIT.
start_limited() {
	update_config ".linux.resources.pids = {limit: $1}"
	set_cmd sleep 1000
	run_detached
	wait_for_status "$ID" running
	local max
	max=$(cat "$(cgroup_path "$(container_pid "$ID")" pids)/pids.max")
	assert_eq "$max" 1 pids.max
}

# exec_joins_cgroup — `rt exec ID true` succeeds, and an exec'd process
# sees itself in the init's cgroup (both read from inside the container,
# so a cgroup namespace shows them alike).
exec_joins_cgroup() {
	run --separate-stderr rt exec "$ID" true
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	run --separate-stderr rt exec "$ID" cat /proc/self/cgroup
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	local mine=$output
	run --separate-stderr rt exec "$ID" cat /proc/1/cgroup
	[ "$status" -eq 0 ]
	[ -n "$mine" ]
	assert_eq "$mine" "$output" "exec'd process's cgroups"
}

@test "parity: exec starts in a container at its pids limit (pids.limit 1, the init running) and joins its cgroup (issue 11 §13)" {
	start_limited 1
	exec_joins_cgroup
}

@test "parity: exec starts in a container with pids.limit 0 (pids.max 1) and joins its cgroup (issue 11 §13)" {
	start_limited 0
	exec_joins_cgroup
}
