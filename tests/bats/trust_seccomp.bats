#!/usr/bin/env bats
# The stage's own work must not depend on what the container's profile and
# limits allow (issue 10, section 2, items 0 and 5):
#  - a seccomp profile loaded while rt is still privileged (noNewPrivileges
#    false and no CAP_SYS_ADMIN: config-linux.md "Seccomp", seccomp(2))
#    runs only the syscalls runc's init makes after it: the working
#    directory and the executable are resolved before the filter;
#  - process.rlimits (config.md "POSIX process") go on after the stage's
#    work, and the stage's stack is small enough for a small RLIMIT_STACK.

load helpers

UNISTD_64=/usr/include/x86_64-linux-gnu/asm/unistd_64.h

# need_syscall_table — syscalls_below reads the x86_64 numbers.
need_syscall_table() {
	[ "$(uname -m)" = x86_64 ] && [ -r "$UNISTD_64" ] || skip "needs x86_64 and $UNISTD_64"
}

# syscalls_below N — a JSON array of the x86_64 syscall names numbered
# below N (from the kernel headers).
syscalls_below() {
	awk -v below="$1" '$1 == "#define" && $2 ~ /^__NR_/ && $3 + 0 < below { sub("^__NR_", "", $2); print $2 }' \
		"$UNISTD_64" | jq -R . | jq -sc .
}

# set_profile_without_openat2 — an allow-list profile refusing the rest
# with EPERM, as Docker's and runtime-tools' defaults are: every syscall
# older than clone3, then clone3, close_range, faccessat2 and epoll_pwait2,
# which are newer than openat2, but not openat2 itself. So openat2 is not
# newer than the profile: it gets the default errno, not ENOSYS.
# noNewPrivileges false and no CAP_SYS_ADMIN: the filter has to go on
# before the credentials change.
set_profile_without_openat2() {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO",
			syscalls: [{names: ($n + ["clone3", "close_range", "faccessat2", "epoll_pwait2"]), action: "SCMP_ACT_ALLOW"}]}
		| .process.noNewPrivileges = false
		| .process.capabilities |= with_entries(.value |= map(select(. != "CAP_SYS_ADMIN")))' \
		--argjson n "$(syscalls_below 435)"
}

@test "trust seccomp: a profile without openat2 but newer syscalls, without noNewPrivileges: run works in a cwd (issue 10 2.0)" {
	need_syscall_table
	set_profile_without_openat2
	update_config '.process.cwd = "/tmp"'
	set_sh 'pwd; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/tmp
NoNewPrivs:	0
Seccomp:	2"
}

@test "trust seccomp: the same profile as a non-root user: the process runs in its cwd (issue 10 2.0)" {
	need_syscall_table
	set_profile_without_openat2
	update_config '.process.cwd = "/tmp" | .process.user = {uid: 1000, gid: 1000}'
	set_sh 'pwd; id -u; grep -E "^(Seccomp|CapEff):" /proc/self/status'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/tmp
1000
CapEff:	0000000000000000
Seccomp:	2"
}

@test "trust seccomp: the same profile: exec of a process without noNewPrivileges works in its cwd (issue 10 2.0)" {
	need_syscall_table
	set_profile_without_openat2
	# The init has no_new_privs (its filter goes on last); the exec'd
	# process, from --process, has not: its filter goes on early.
	update_config '.process.noNewPrivileges = true'
	set_cmd sleep 600
	run_detached
	local cwd
	for cwd in /tmp /etc; do
		jq --arg c "$cwd" '.process | .noNewPrivileges = false | .cwd = $c
			| .args = ["sh", "-c", "pwd; grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status"]' \
			"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/process.json"
		run --separate-stderr rt exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
		echo "$stderr"
		[ "$status" -eq 0 ]
		assert_eq "$output" "$cwd
NoNewPrivs:	0
Seccomp:	2"
	done
}

@test "trust seccomp: the same profile: a missing executable is still a create error naming args (issue 10 2.0)" {
	need_syscall_table
	set_profile_without_openat2
	set_cmd /no/such/binary
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /process/args/0 /no/such/binary
}

# A cwd and an executable rt may not reach but the user may (root-squashed
# NFS, or here a directory whose group the user namespace does not map, so
# the container's root cannot override its mode): rt's attempt is denied,
# and both are redone as the user after the user switch, with the calls
# runc's init makes there (chdir and getcwd, stat and faccessat), which the
# profile allows.
@test "trust seccomp: the same profile: a cwd and a relative argv[0] only the user may reach (issue 10 2.0)" {
	need_syscall_table
	set_profile_without_openat2
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .process.user = {uid: 1000, gid: 1000} | .process.cwd = "/userdir"'
	mkdir "$BUNDLE/rootfs/userdir"
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/userdir/sh"
	chown -R 101000:5 "$BUNDLE/rootfs/userdir"
	chmod 0700 "$BUNDLE/rootfs/userdir" "$BUNDLE/rootfs/userdir/sh"
	set_cmd ./sh -c 'pwd; id -u'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/userdir
1000"
	# the container's root is denied it: so rt was, and the redo is what
	# entered it; denied to the user too, it is a create error
	update_config '.process.user = {uid: 0, gid: 0}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$(new_id)"
	assert_error
	assert_contains "$stderr" /process/cwd /userdir "permission denied"
}

# Without a filter before the credentials change, the executable is looked
# up again as the user, as runc does: one only root may run is a create
# error (rt, which may, finds it first).
@test "trust seccomp: without an early filter, an executable only root may run fails the create of a user's process" {
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/rootonly"
	chmod 0700 "$BUNDLE/rootfs/bin/rootonly"
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_cmd rootonly true
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /process/args/0 rootonly "permission denied"
}

# exec_with_rlimits RLIMITS_JSON SCRIPT — rt exec into $ID a --process made
# from the config's process with these rlimits and sh -c SCRIPT.
exec_with_rlimits() {
	jq --argjson r "$1" --arg s "$2" '.process | .rlimits = $r | .args = ["sh", "-c", $s]' \
		"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/process.json"
	rt exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
}

# A small RLIMIT_STACK: the stage must not need more stack than the
# process is allowed (it kept a 256 KiB array of groups on its stack).
@test "trust rlimits: RLIMIT_STACK of 64 KiB: run and exec work and the process has the limit (issue 10 2.5)" {
	local stack='[{"type": "RLIMIT_STACK", "soft": 65536, "hard": 65536}]'
	update_config '.process.rlimits = $r | .process.user.additionalGids = [10, 20]' --argjson r "$stack"
	set_sh 'ulimit -s; ulimit -Hs; id -G'
	run --separate-stderr rt run --bundle "$BUNDLE" "$(new_id)"
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "64
64
0 10 20"
	update_config 'del(.process.rlimits)'
	set_cmd sleep 600
	run_detached
	run --separate-stderr exec_with_rlimits "$stack" 'ulimit -s; id -G'
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "64
0 10 20"
}

# A small RLIMIT_NOFILE: the stage resolves the cwd (an fd) before the
# limit goes on. 5 is below the fds the stage holds for its own work (the
# sync socket, the exec fifo, the root), so the cwd could not be opened
# under it.
@test "trust rlimits: RLIMIT_NOFILE below the stage's own fds goes on after its work: run and exec (issue 10 2.5)" {
	local nofile='[{"type": "RLIMIT_NOFILE", "soft": 5, "hard": 5}]'
	update_config '.process.rlimits = $r | .process.cwd = "/tmp"' --argjson r "$nofile"
	set_sh 'pwd; ulimit -n; ulimit -Hn'
	run --separate-stderr rt run --bundle "$BUNDLE" "$(new_id)"
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/tmp
5
5"
	update_config 'del(.process.rlimits)'
	set_cmd sleep 600
	run_detached
	run --separate-stderr exec_with_rlimits "$nofile" 'pwd; ulimit -n'
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/tmp
5"
}

# The startContainer hooks run after the limits, as in runc (its parent
# sets them when the init reports ready): a limit of 16 leaves them room.
@test "trust rlimits: RLIMIT_NOFILE of 16 with a startContainer hook (issue 10 2.5)" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 16, hard: 16}]
		| .process.cwd = "/tmp"
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "ulimit -n >/tmp/hook-ran"]}]'
	set_sh 'pwd; cat /tmp/hook-ran; ulimit -n'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	echo "$stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/tmp
16
16"
}
