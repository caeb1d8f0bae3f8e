#!/usr/bin/env bats
# Issue 15 (speed): --debug times each phase; on hosts with cgroup v1
# hierarchies the stage starts inside the container's cgroup instead of being
# moved there, and rt's own threads end where they were.

load helpers

# v1_lines FILE — the v1 lines of a /proc/PID/cgroup file (unified "0::" out).
v1_lines() {
	grep -v '^0::' "$1" | sort
}

require_v1_hierarchies() {
	[ -n "$(v1_lines /proc/self/cgroup | grep -v ':name=')" ] || skip "no cgroup v1 hierarchy with controllers (pure v2 host)"
}

# threads_cgroups PID — the v1 lines of each thread of PID, without
# duplicates: one thread left in a container's cgroup adds lines.
threads_cgroups() {
	local t
	for t in /proc/"$1"/task/*; do
		v1_lines "$t/cgroup"
	done | sort -u
}

@test "--debug: every line says the time since rt started and since the line before" {
	set_cmd true
	run --separate-stderr rt --debug run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	echo "$stderr"
	local lines
	lines=$(grep 'level=debug' <<<"$stderr")
	[ -z "$(grep -vE ' elapsed=[0-9]+\.[0-9]{3}ms step=[0-9]+\.[0-9]{3}ms$' <<<"$lines")" ]
	grep -q 'msg="rt run: command line parsed"' <<<"$lines"
	grep -q 'msg="seal: ' <<<"$lines"
	grep -q 'msg="stage: started, pid [0-9]*"' <<<"$lines"
	grep -q "msg=\"run $ID: the process exited (status 0)\"" <<<"$lines"
	grep -q "msg=\"delete $ID: done\"" <<<"$lines"
	# elapsed never goes back
	sed -E 's/.* elapsed=([0-9.]+)ms .*/\1/' <<<"$lines" | sort -c -g
}

@test "--debug --log-format json: elapsed and step are fields of each debug line" {
	log=$BATS_TEST_TMPDIR/log.json
	set_cmd true
	run --separate-stderr rt --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	jq -se 'map(select(.level == "debug")) | length > 3' "$log"
	jq -se 'map(select(.level == "debug" and ((.elapsed | test("^[0-9.]+ms$")) | not))) | length == 0' "$log"
	jq -se 'map(select(.level == "debug" and ((.step | test("^[0-9.]+ms$")) | not))) | length == 0' "$log"
}

@test "cgroup v1: the stage starts inside the container's cgroup, and rt's threads stay in rt's" {
	require_v1_hierarchies
	set_cmd sleep 1000
	local out=$BATS_TEST_TMPDIR/run.err
	rt --debug run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$out" &
	local rtpid=$!
	track_bg "$rtpid"
	wait_for_status "$ID" running
	grep 'msg="cgroup: the stage is in it"' "$out"
	# the init is in the container's cgroup of every hierarchy
	local pid dir
	pid=$(container_pid "$ID")
	for dir in $(jq -r '.cgroupPaths | to_entries[] | .value' "$ROOT/$ID/state.json" | sort -u); do
		grep -qx "$pid" "$dir/cgroup.procs"
	done
	# every thread of the foreground rt is where the test shell is
	assert_eq "$(threads_cgroups "$rtpid")" "$(v1_lines /proc/$$/cgroup)" "rt's threads' v1 cgroups"
	rt kill "$ID" KILL
	wait_bg "$rtpid"
}

@test "cgroup v1: exec without a pids limit starts inside the cgroup; the process lands there" {
	require_v1_hierarchies
	set_cmd sleep 1000
	run_detached "$ID"
	wait_for_status "$ID" running
	local pidf=$BATS_TEST_TMPDIR/exec.pid
	run --separate-stderr rt_noio --debug exec -d --pid-file "$pidf" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	grep -q 'msg="cgroup: the stage is in it"' <<<"$stderr"
	# the process is in the same cgroups as the init
	wait_for_file "$pidf"
	assert_eq "$(v1_lines /proc/"$(cat "$pidf")"/cgroup)" "$(v1_lines /proc/"$(container_pid "$ID")"/cgroup)" "exec'd process's v1 cgroups"
}

@test "cgroup v1: exec with a pids limit still moves the forked process (the stage stays out)" {
	require_v1_hierarchies
	set_cmd sleep 1000
	update_config '.linux.resources.pids = {limit: 10}'
	run_detached "$ID"
	wait_for_status "$ID" running
	run --separate-stderr rt --debug exec "$ID" true
	[ "$status" -eq 0 ]
	grep -q 'msg="cgroup: pid [0-9]* is in it"' <<<"$stderr"
}
