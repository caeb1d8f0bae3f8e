#!/usr/bin/env bats
# runc parity, process (issue 11 §4, §5, §7): a cwd the user cannot reach,
# the caller's fds and the waiting init, the status and words of a process
# that cannot start.

load helpers

# unreachable_cwd — /root/sub in the rootfs, under a /root of mode 0700
# owned by root: uid 1000 cannot search /root, but may use /root/sub.
unreachable_cwd() {
	mkdir -p "$BUNDLE/rootfs/root/sub"
	chown 0:0 "$BUNDLE/rootfs/root"
	chmod 0700 "$BUNDLE/rootfs/root"
	chmod 0755 "$BUNDLE/rootfs/root/sub"
	printf '#!/bin/sh\necho prog-ran\n' >"$BUNDLE/rootfs/root/sub/prog"
	chmod 0755 "$BUNDLE/rootfs/root/sub/prog"
}

# start_sleeper — run $ID detached with `sleep 1000`; sets PID.
start_sleeper() {
	set_cmd sleep 1000
	run_detached
	wait_for_status "$ID" running
	PID=$(container_pid "$ID")
}

# ---------------------------------------------------------------------------
# §4 cwd the user cannot reach: entered while still privileged

@test "parity: run as uid 1000 starts in a cwd under a 0700 directory it cannot search (issue 11 §4)" {
	unreachable_cwd
	update_config '.process.user = {uid: 1000, gid: 1000} | .process.cwd = "/root/sub"'
	set_sh 'pwd; id -u; ls /root >/dev/null 2>&1 && echo parent-searchable || echo parent-denied'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'/root/sub\n1000\nparent-denied'
}

@test "parity: exec --user 1000 starts in the container's cwd or --cwd under a 0700 directory (issue 11 §4)" {
	unreachable_cwd
	update_config '.process.cwd = "/root/sub"'
	start_sleeper
	# the container's process.cwd
	run --separate-stderr rt exec --user 1000 "$ID" sh -c 'pwd; id -u'
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'/root/sub\n1000'
	# --cwd, with a group
	run --separate-stderr rt exec --user 1000:1000 --cwd /root/sub "$ID" sh -c 'pwd; id -u; id -g'
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'/root/sub\n1000\n1000'
	# a relative argv[0] resolves in that cwd
	run --separate-stderr rt exec --user 1000 --cwd /root/sub "$ID" ./prog
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" prog-ran
}

@test "parity: a cwd that does not exist is still an error for exec --user 1000 (issue 11 §4)" {
	unreachable_cwd
	start_sleeper
	run --separate-stderr rt exec --user 1000 --cwd /root/sub/missing "$ID" pwd
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -ne 0 ]
	one_line "$stderr"
	assert_contains "$stderr" /root/sub/missing "no such file or directory"
	assert_eq "$output" ""
}

# The other way round: in a user namespace the container's root may not
# search a directory whose owner is not mapped, while the user may, by its
# group: the cwd is then entered as the user.
@test "parity: a cwd that only the user may search (user namespace, by group) works for run and exec (issue 11 §4)" {
	[ -e /proc/self/ns/user ] || skip "no user namespaces in this kernel"
	mkdir -p "$BUNDLE/rootfs/srv/grp"
	chown 0:101234 "$BUNDLE/rootfs/srv/grp"
	chmod 0770 "$BUNDLE/rootfs/srv/grp"
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .process.user = {uid: 1000, gid: 1000, additionalGids: [1234]}
		| .process.cwd = "/srv/grp"'
	set_sh 'pwd; id -u'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'/srv/grp\n1000'
	update_config '.process.cwd = "/"'
	start_sleeper
	run --separate-stderr rt exec --user 1000:1000 --additional-gids 1234 --cwd /srv/grp "$ID" sh -c 'pwd; id -u'
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'/srv/grp\n1000'
}

# ---------------------------------------------------------------------------
# §5 the caller's fds do not reach the waiting init

# The init may hold stdio, the sync socket, the exec fifo and its own O_PATH
# handle on the container's root ("/", close-on-exec); nothing of the caller.
# bats test_tags=rt-only
@test "parity: a created container's init holds none of the caller's fds: a flock is free, a pipe ends (issue 11 §5)" {
	set_cmd sleep 1000
	local lock=$BATS_TEST_TMPDIR/lockfile eof=$BATS_TEST_TMPDIR/pipe-eof
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# The caller: a lock it holds, /dev/null, a FIFO, and the write end of a
	# pipe whose reader records its EOF; gone when the subshell ends.
	(
		exec 9> >(
			exec 3>&-
			cat >/dev/null
			echo eof >"$eof"
		)
		exec 7>"$lock" 8</dev/null 6<>"$BATS_TEST_TMPDIR/fifo"
		flock 7
		create_container
	)
	[ "$(container_status "$ID")" = created ]
	local pid fd target bad=()
	pid=$(container_pid "$ID")
	for fd in /proc/"$pid"/fd/*; do
		target=$(readlink "$fd")
		echo "${fd##*/} -> $target"
		[ "${fd##*/}" -le 2 ] && continue
		case $target in
		socket:* | "$ROOT/$ID/exec.fifo" | /) ;;
		*) bad+=("${fd##*/} -> $target") ;;
		esac
	done
	[ ${#bad[@]} -eq 0 ] || {
		echo "the init holds: ${bad[*]}" >&2
		false
	}
	# the caller's lock is free once the caller let it go
	flock -n "$lock" true
	# and the pipe's reader saw its end
	wait_for_file "$eof" 5
	[ "$(container_status "$ID")" = created ]
}

# bats test_tags=rt-only
@test "parity: create --preserve-fds 1 keeps fd 3 in the init and drops the caller's other fds (issue 11 §5)" {
	set_cmd sh -c 'cat <&3; sleep 1000'
	echo preserved-data >"$BATS_TEST_TMPDIR/preserved"
	(
		exec 3<"$BATS_TEST_TMPDIR/preserved" 7>"$BATS_TEST_TMPDIR/lockfile"
		flock 7
		create_container "$ID" --preserve-fds 1
	)
	local pid
	pid=$(container_pid "$ID")
	ls -l "/proc/$pid/fd"
	assert_eq "$(readlink "/proc/$pid/fd/3")" "$BATS_TEST_TMPDIR/preserved" "the init's fd 3"
	[ ! -e "/proc/$pid/fd/7" ]
	flock -n "$BATS_TEST_TMPDIR/lockfile" true
	rt start "$ID"
	wait_for_file "$BATS_TEST_TMPDIR/$ID.out"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/$ID.out")" preserved-data
}

@test "parity: the processes of run -d and exec -d hold only stdio of the caller's fds (issue 11 §5)" {
	set_cmd sleep 1000
	(
		exec 7>"$BATS_TEST_TMPDIR/lockfile" 8</dev/null
		flock 7
		run_detached
		rt exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null
	)
	PID=$(container_pid "$ID")
	wait_for_file "$BATS_TEST_TMPDIR/exec.pid"
	local epid
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	assert_eq "$(ls "/proc/$PID/fd" | sort -n | tr '\n' ' ')" "0 1 2 " "fds of run -d's process"
	assert_eq "$(ls "/proc/$epid/fd" | sort -n | tr '\n' ' ')" "0 1 2 " "fds of exec -d's process"
	flock -n "$BATS_TEST_TMPDIR/lockfile" true
}

# ---------------------------------------------------------------------------
# §7 a process that cannot start: status 255, one line in runc's words

# bad_interpreter — /badinterp: a script whose interpreter does not exist, so
# that only execve fails, after the process was set up.
bad_interpreter() {
	printf '#!/no/such/interpreter\necho should-not-run\n' >"$BUNDLE/rootfs/badinterp"
	chmod 0755 "$BUNDLE/rootfs/badinterp"
}

@test "parity: exec of a file whose exec fails exits 255 with one line 'exec PATH: no such file or directory' (issue 11 §7)" {
	bad_interpreter
	start_sleeper
	run --separate-stderr rt exec "$ID" /badinterp
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	assert_eq "$stderr" "exec /badinterp: no such file or directory"
	assert_eq "$output" ""
	wait_for_status "$ID" running
}

@test "parity: an exec that fails after the process was set up says the error in Go's words, not the C library's" {
	# The stage prints this line itself (no Go process words it by then);
	# musl's strerror says "symbolic link loop" for ELOOP, Go and runc say
	# "too many levels of symbolic links".
	ln -s loop "$BUNDLE/rootfs/loop"
	printf '#!/loop\necho should-not-run\n' >"$BUNDLE/rootfs/loopinterp"
	chmod 0755 "$BUNDLE/rootfs/loopinterp"
	start_sleeper
	run --separate-stderr rt exec "$ID" /loopinterp
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	assert_eq "$stderr" "exec /loopinterp: too many levels of symbolic links"
	wait_for_status "$ID" running
}

@test "parity: exec of a missing executable exits 255 with one line in runc's words (issue 11 §7)" {
	start_sleeper
	run --separate-stderr rt exec "$ID" /no/such/binary
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	one_line "$stderr"
	assert_contains "$stderr" /no/such/binary 'stat /no/such/binary: no such file or directory'
	run --separate-stderr rt exec "$ID" no-such-command
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	one_line "$stderr"
	assert_contains "$stderr" no-such-command 'executable file not found in $PATH'
	# detached: the same
	run --separate-stderr rt exec --detach "$ID" /no/such/binary
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	one_line "$stderr"
	wait_for_status "$ID" running
}

@test "parity: exec --user 1000 of a file it may not run exits 255, one line (issue 11 §7)" {
	unreachable_cwd
	start_sleeper
	run --separate-stderr rt exec --user 1000 "$ID" /root/sub/prog
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	one_line "$stderr"
	assert_contains "$stderr" /root/sub/prog "permission denied"
}

@test "parity: run of a file whose exec fails exits 255 with the one line of the init (issue 11 §7)" {
	bad_interpreter
	set_cmd /badinterp
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 255 ]
	assert_eq "$stderr" "exec /badinterp: no such file or directory"
	assert_not_contains "$stderr" "stopped before"
	# run cleaned up after its container
	run rt list -q
	assert_eq "$output" ""
}

@test "parity: run of a missing executable exits 1 with one line in runc's words (issue 11 §7)" {
	set_cmd /no/such/binary
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "stderr: $stderr"
	assert_error
	assert_contains "$stderr" /no/such/binary 'stat /no/such/binary: no such file or directory'
	set_cmd no-such-command
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "stderr: $stderr"
	assert_error
	assert_contains "$stderr" no-such-command 'executable file not found in $PATH'
	run rt list -q
	assert_eq "$output" ""
}
