#!/usr/bin/env bats
# runc parity (issue 11, "Process and terminal"): what a process finds when
# it starts, as runc 1.5 sets it up: the terminal's output processing and
# owner, the default HOME, the CPU affinity.

load helpers

# in_pty OUT CMD... — runs CMD on a new pty (script(1)) whose own output
# processing and echo are off, so OUT holds the bytes the runtime wrote.
# script's stdin is a FIFO the test holds open: at EOF script would type a
# character into the pty, which the container's pty would echo.
in_pty() {
	local out=$1 f=$BATS_TEST_TMPDIR/in_pty.sh fifo=$BATS_TEST_TMPDIR/in_pty.fifo fd
	shift
	command -v script >/dev/null || skip "script (util-linux) needed"
	{
		echo 'stty -onlcr -echo'
		printf 'exec'
		printf ' %q' "$@"
		echo
	} >"$f"
	rm -f "$fifo"
	mkfifo "$fifo"
	exec {fd}<>"$fifo"
	timeout --kill-after=5 60 script -qec "bash $f" /dev/null <"$fifo" >"$out"
	exec {fd}>&-
}

# hex FILE — the bytes of FILE in hex, no spaces.
hex() {
	od -An -tx1 <"$1" | tr -d ' \n'
}

@test "parity_process: rt run with a terminal passes output on as written (no \\r before \\n)" {
	update_config '.process.terminal = true'
	set_cmd echo x
	in_pty "$BATS_TEST_TMPDIR/out" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_eq "$(hex "$BATS_TEST_TMPDIR/out")" 780a "bytes of 'x\\n'"
}

@test "parity_process: rt exec -t passes output on as written (no \\r before \\n)" {
	set_cmd sleep 100
	run_detached
	in_pty "$BATS_TEST_TMPDIR/out" "$RT" --root "$ROOT" exec -t "$ID" echo x
	assert_eq "$(hex "$BATS_TEST_TMPDIR/out")" 780a "bytes of 'x\\n'"
}

@test "parity_process: the pty belongs to the process user (run)" {
	update_config '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}'
	set_sh 'echo "$(stat -c %u "$(tty)") $(stat -c %u /dev/console)"'
	in_pty "$BATS_TEST_TMPDIR/out" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_eq "$(tr -d '\r' <"$BATS_TEST_TMPDIR/out")" "1000 1000" "owners of the tty and /dev/console"
}

@test "parity_process: the pty belongs to the process user (exec -t --user)" {
	set_cmd sleep 100
	run_detached
	in_pty "$BATS_TEST_TMPDIR/out" "$RT" --root "$ROOT" exec -t --user 1000:1000 "$ID" sh -c 'stat -c %u "$(tty)"'
	assert_eq "$(tr -d '\r' <"$BATS_TEST_TMPDIR/out")" 1000 "owner of the tty"
}

@test "parity_process: a root pty stays root's" {
	update_config '.process.terminal = true'
	set_sh 'stat -c %u "$(tty)"'
	in_pty "$BATS_TEST_TMPDIR/out" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_eq "$(tr -d '\r' <"$BATS_TEST_TMPDIR/out")" 0 "owner of the tty"
}

# run_home — runs the container; output: HOME, and how many HOME entries.
run_home() {
	set_sh 'echo "[$HOME] $(env | grep -c ^HOME=)"'
	run rt run --bundle "$BUNDLE" "$ID"
}

@test "parity_process: HOME defaults to the user's home in the container's /etc/passwd" {
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/root] 1" "root"
	update_config '.process.user = {uid: 1000, gid: 1000}'
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/home/tester] 1" "uid 1000"
	update_config '.process.user = {uid: 4242, gid: 4242}'
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/] 1" "a uid not in /etc/passwd"
}

@test "parity_process: the last HOME of process.env wins; an empty one counts as none" {
	update_config '.process.env += ["HOME=/a", "HOME=/b"]'
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/b] 1" "HOME=/a then HOME=/b"
	update_config '.process.env += ["HOME="] | .process.user = {uid: 1000, gid: 1000}'
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/home/tester] 1" "HOME=/a, HOME=/b, then HOME="
}

@test "parity_process: HOME comes from the /etc/passwd the container sees (a mount over it)" {
	echo 'root:x:0:0:root:/from-mount:/bin/sh' >"$BATS_TEST_TMPDIR/passwd"
	add_mount /etc/passwd bind "$BATS_TEST_TMPDIR/passwd" bind ro
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/from-mount] 1"
}

# runc 1.5.1 hangs in its init on the FIFO (it opens the file blocking).
# bats test_tags=rt-only
@test "parity_process: a hostile /etc/passwd gives HOME=/ (symlink out of the root, FIFO)" {
	echo 'root:x:0:0:root:/host-file:/bin/sh' >"$BATS_TEST_TMPDIR/passwd"
	ln -sf "../../../../../../../../..$BATS_TEST_TMPDIR/passwd" "$BUNDLE/rootfs/etc/passwd"
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/] 1" "a symlink resolves inside the root"
	rm "$BUNDLE/rootfs/etc/passwd"
	mkfifo "$BUNDLE/rootfs/etc/passwd"
	run_home
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/] 1" "a FIFO is not read"
}

@test "parity_process: exec gets HOME from /etc/passwd too (--user, --env HOME=)" {
	set_cmd sleep 100
	run_detached
	run rt exec "$ID" sh -c 'echo "[$HOME]"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/root]" "exec"
	run rt exec --user 1000 "$ID" sh -c 'echo "[$HOME]"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/home/tester]" "exec --user 1000"
	run rt exec --user 4242 "$ID" sh -c 'echo "[$HOME]"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/]" "exec --user 4242"
	run rt exec --env HOME= "$ID" sh -c 'echo "[$HOME]"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/root]" "exec --env HOME="
	run rt exec --env HOME=/x "$ID" sh -c 'echo "[$HOME]"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "[/x]" "exec --env HOME=/x"
}

# all_cpus — the affinity the test shell's cpus allow; skips on one cpu.
all_cpus() {
	command -v taskset >/dev/null || skip "taskset (util-linux) needed"
	[ "$(nproc --all)" -ge 2 ] || skip "needs two cpus"
	want=$(grep Cpus_allowed_list /proc/self/status)
	[ "$want" != "$(taskset -c 0 grep Cpus_allowed_list /proc/self/status)" ] || skip "the test runs on cpu 0 only"
}

@test "parity_process: the container does not inherit its creator's CPU affinity (run)" {
	all_cpus
	set_cmd grep Cpus_allowed_list /proc/self/status
	run taskset -c 0 "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$want"
}

@test "parity_process: exec does not inherit its caller's CPU affinity" {
	all_cpus
	set_cmd sleep 100
	run_detached
	run taskset -c 0 "$RT" --root "$ROOT" exec "$ID" grep Cpus_allowed_list /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$output" "$want"
}

@test "parity_process: execCPUAffinity initial is kept (no reset)" {
	all_cpus
	update_config '.process.execCPUAffinity = {initial: "1"}'
	set_cmd sleep 100
	run_detached
	run taskset -c 0 "$RT" --root "$ROOT" exec "$ID" grep Cpus_allowed_list /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'Cpus_allowed_list:\t1')"
}
