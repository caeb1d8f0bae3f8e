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

# bats test_tags=rt-only
@test "pidfd-socket: a socket nobody listens on fails the create, leaving nothing" {
	run --separate-stderr rt_noio create --bundle "$BUNDLE" --pidfd-socket "$BATS_TEST_TMPDIR/none.sock" "$ID"
	assert_error
	assert_contains "$stderr" "--pidfd-socket" "none.sock"
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "list: a --root given explicitly that does not exist is an error" {
	run --separate-stderr "$RT" --root "$BATS_TEST_TMPDIR/no-such-root" list
	assert_error
	assert_contains "$stderr" "$BATS_TEST_TMPDIR/no-such-root" "no such file or directory"
	run --separate-stderr "$RT" list --root "$BATS_TEST_TMPDIR/no-such-root" -q
	assert_error
	[ ! -e "$BATS_TEST_TMPDIR/no-such-root" ]
}

@test "list: a missing default root lists nothing, status 0" {
	# The default root of a caller in a user namespace is
	# $XDG_RUNTIME_DIR/rt (runc: .../runc); no container made it yet.
	unshare --user --map-root-user true || skip "no unprivileged user namespaces here (unshare --user failed)"
	xdg=$BATS_TEST_TMPDIR/xdg
	mkdir "$xdg"
	run --separate-stderr env XDG_RUNTIME_DIR="$xdg" unshare --user --map-root-user "$RT" list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "" "list -q"
	assert_eq "$stderr" "" "stderr"
	run --separate-stderr env XDG_RUNTIME_DIR="$xdg" unshare --user --map-root-user "$RT" list --format json
	[ "$status" -eq 0 ]
	jq -e 'length == 0' <<<"$output"
}

@test "kill: signal 0 checks that the init is alive, as runc's kill ID 0" {
	set_cmd sleep 1000
	create_container
	run --separate-stderr rt kill "$ID" 0
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "" "stderr"
	rt start "$ID"
	run --separate-stderr rt kill "$ID" 0
	[ "$status" -eq 0 ]
	assert_eq "$(container_status "$ID")" running "status after kill 0"
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	run --separate-stderr rt kill "$ID" 0
	assert_error
	assert_contains "$stderr" "container not running"
}

# spec_ns_types CONFIG — the namespace types, in order, comma-separated.
spec_ns_types() {
	jq -r '[.linux.namespaces[].type] | join(",")' "$1"
}

# host_is_cgroup2 — /sys/fs/cgroup is the unified hierarchy (runc's
# IsCgroup2UnifiedMode).
host_is_cgroup2() {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
}

@test "spec: the namespaces runc 1.5 writes: a cgroup namespace only on a cgroup v2 host" {
	d=$BATS_TEST_TMPDIR/s
	mkdir "$d"
	(cd "$d" && "$RT" spec)
	want=pid,network,ipc,uts,mount
	if host_is_cgroup2; then
		want=$want,cgroup
	fi
	assert_eq "$(spec_ns_types "$d/config.json")" "$want" "namespaces"
	# the rest as runc 1.5.1's example spec has it
	assert_eq "$(jq -c '.mounts[-1]' "$d/config.json")" \
		'{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}' "cgroup mount"
	assert_eq "$(jq -c '.linux.resources' "$d/config.json")" '{"devices":[{"allow":false,"access":"rwm"}]}' resources
	assert_eq "$(jq -c '.process.rlimits' "$d/config.json")" '[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]' rlimits
}

@test "spec --rootless: runc's ToRootless, the read-only /sys/fs/cgroup mount kept" {
	d=$BATS_TEST_TMPDIR/s
	mkdir "$d"
	(cd "$d" && "$RT" spec --rootless)
	cfg=$d/config.json
	assert_eq "$(jq -c '.mounts[] | select(.destination == "/sys/fs/cgroup")' "$cfg")" \
		'{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}' "cgroup mount"
	assert_eq "$(jq -c '.mounts[] | select(.destination == "/sys")' "$cfg")" \
		'{"destination":"/sys","type":"none","source":"/sys","options":["rbind","nosuid","noexec","nodev","ro"]}' "/sys mount"
	# no uid= or gid= mount option is left (devpts had gid=5)
	assert_eq "$(jq -c '[.mounts[].options // [] | .[] | select(startswith("uid=") or startswith("gid="))]' "$cfg")" '[]' "uid=/gid= options"
	want=pid,ipc,uts,mount
	if host_is_cgroup2; then
		want=$want,cgroup
	fi
	assert_eq "$(spec_ns_types "$cfg")" "$want,user" "namespaces (user last)"
	assert_eq "$(jq -c '.linux.resources' "$cfg")" null resources
}

@test "--debug: level=debug lines on stderr: the plan's phases, the cgroup, the hooks" {
	set_cmd sleep 1000
	update_config '.hooks = {createRuntime: [{path: "/bin/true"}], poststop: [{path: "/bin/true"}]}'
	run --separate-stderr rt_noio --debug create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	echo "$stderr"
	# every line is a log line: time, level, msg (runc's text format)
	[ -z "$(grep -v '^time="[^"]*" level=debug msg=' <<<"$stderr")" ]
	grep -q 'level=debug msg="plan: [0-9]* ops: .*namespaces.*mounts' <<<"$stderr"
	grep -q 'level=debug msg="stage: at sync point cgroup"' <<<"$stderr"
	grep -q "level=debug msg=\"cgroup: made .*$ID" <<<"$stderr"
	grep -q 'level=debug msg="hooks: running createRuntime hook #0: /bin/true"' <<<"$stderr"
	run --separate-stderr rt --debug delete --force "$ID"
	[ "$status" -eq 0 ]
	grep -q "level=debug msg=\"cgroup: removing .*$ID" <<<"$stderr"
	grep -q 'level=debug msg="hooks: running poststop hook #0: /bin/true"' <<<"$stderr"
}

@test "--debug with --log: the debug lines go to the log, not stderr (text and json)" {
	set_cmd sleep 1000
	log=$BATS_TEST_TMPDIR/rt.log
	run --separate-stderr rt_noio --debug --log "$log" create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "" "stderr"
	grep -q 'level=debug msg="plan: ' "$log"
	jlog=$BATS_TEST_TMPDIR/rt.json
	run --separate-stderr rt --debug --log "$jlog" --log-format json start "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "" "stderr"
	jq -se 'map(select(.level == "debug" and (.msg | startswith("start ")))) | length > 0' "$jlog"
}

@test "--debug: without it, no debug line anywhere" {
	set_cmd sleep 1000
	log=$BATS_TEST_TMPDIR/rt.log
	run --separate-stderr rt_noio --log "$log" create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "" "stderr"
	run grep -c 'level=debug' "$log"
	assert_eq "$output" 0 "debug lines in the log"
}
