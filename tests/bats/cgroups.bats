#!/usr/bin/env bats
# cgroups: resources visible in the container's cgroup files on the host,
# cgroup removed on delete, linux.cgroupsPath.

load helpers

# cg_file PID CONTROLLER V1FILE V2FILE — path of the file for PID's cgroup:
# the v1 file if CONTROLLER is a v1 hierarchy here, else the v2 one.
cg_file() {
	local dir
	dir=$(cgroup_path "$1" "$2")
	if [ -d "$CGROUP_ROOT/$2" ] && grep -qE "^[0-9]+:([^:]*,)?$2(,[^:]*)?:" "/proc/$1/cgroup"; then
		echo "$dir/$3"
	else
		echo "$dir/$4"
	fi
}

# cg_read PID CONTROLLER V1FILE V2FILE
cg_read() {
	local f
	f=$(cg_file "$@")
	cat "$f"
}

# v1 CONTROLLER PID — true if PID's CONTROLLER is a v1 hierarchy.
v1() { [[ $(cg_file "$2" "$1" v1 v2) == */v1 ]]; }

start_sleeper() {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	PID=$(container_pid "$ID")
}

@test "cgroups: memory limit" {
	update_config '.linux.resources.memory = {limit: 67108864}'
	start_sleeper
	assert_eq "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" 67108864 "memory limit"
}

@test "cgroups: pids limit" {
	update_config '.linux.resources.pids = {limit: 42}'
	start_sleeper
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 42 "pids.max"
}

@test "cgroups: the pids limit is enforced" {
	update_config '.linux.resources.pids = {limit: 8}'
	# busybox sh gives up with "can't fork" once the limit is reached
	set_sh 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 100 & done; echo all-forked'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" "can't fork"
	assert_not_contains "$output" all-forked

	# and with room for them, they all start
	update_config '.linux.resources.pids = {limit: 30}'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" all-forked
}

@test "cgroups: cpu shares" {
	update_config '.linux.resources.cpu = {shares: 512}'
	start_sleeper
	if v1 cpu "$PID"; then
		assert_eq "$(cg_read "$PID" cpu cpu.shares cpu.weight)" 512 cpu.shares
	else
		# runc's conversion: 1 + ((shares - 2) * 9999) / 262142
		assert_eq "$(cg_read "$PID" cpu cpu.shares cpu.weight)" 20 cpu.weight
	fi
}

@test "cgroups: cpu quota and period" {
	update_config '.linux.resources.cpu = {quota: 50000, period: 100000}'
	start_sleeper
	if v1 cpu "$PID"; then
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_quota_us cpu.max)" 50000 cfs_quota_us
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_period_us cpu.max)" 100000 cfs_period_us
	else
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_quota_us cpu.max)" "50000 100000" cpu.max
	fi
}

@test "cgroups: all limits at once, and the init is in the cgroup" {
	update_config '.linux.resources.memory = {limit: 33554432}
		| .linux.resources.pids = {limit: 100}
		| .linux.resources.cpu = {shares: 256, quota: 20000, period: 100000}'
	start_sleeper
	assert_eq "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" 33554432 memory
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 100 pids
	for c in memory pids cpu; do
		grep -qx "$PID" "$(cg_file "$PID" "$c" cgroup.procs cgroup.procs)" || {
			echo "init $PID not in its $c cgroup" >&2
			false
		}
		# and not in the test's own cgroup
		[ "$(cgroup_path "$PID" "$c")" != "$(cgroup_path $$ "$c")" ]
	done
}

@test "cgroups: the cgroup is removed on delete" {
	update_config '.linux.resources.pids = {limit: 42}'
	start_sleeper
	dirs=()
	for c in memory pids cpu; do
		d=$(cgroup_path "$PID" "$c")
		[ -d "$d" ]
		dirs+=("$d")
	done
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	for d in "${dirs[@]}"; do
		retry_until 5 test ! -d "$d"
	done
}

@test "cgroups: the cgroup of a stopped container is removed by delete --force" {
	update_config '.linux.resources.pids = {limit: 42}'
	start_sleeper
	d=$(cgroup_path "$PID" pids)
	run rt delete -f "$ID"
	[ "$status" -eq 0 ]
	retry_until 5 test ! -d "$d"
}

@test "cgroups: an absolute linux.cgroupsPath is honoured" {
	cgpath=/rtbats-cg-$ID
	update_config '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 33}' --arg p "$cgpath"
	start_sleeper
	for c in memory pids; do
		if v1 "$c" "$PID"; then
			assert_eq "$(awk -F: -v c="$c" '$2 == c {print $3}' "/proc/$PID/cgroup")" "$cgpath" "$c cgroup"
			[ -d "$CGROUP_ROOT/$c$cgpath" ]
		else
			assert_eq "$(awk -F: '$1 == "0" {print $3}' "/proc/$PID/cgroup")" "$cgpath" "unified cgroup"
		fi
	done
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 33 pids.max
	rt delete -f "$ID"
	for c in memory pids; do
		retry_until 5 test ! -d "$CGROUP_ROOT/$c$cgpath"
	done
}
