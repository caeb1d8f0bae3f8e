#!/usr/bin/env bats
# Issue 12, point 3: the C stage carries no policy. Every fallback it may
# take is a flag Go put in the plan (`rt plan` shows it), and every word
# the user reads comes from Go, even those the init prints on the
# container's stderr after `start` (templates in the plan).

load helpers

# hook_under_filter HOOK_SH TIMEOUT — a startContainer hook (sh -c HOOK_SH)
# with TIMEOUT seconds, under a profile that refuses pidfd_open: the hook
# runs under the container's filter, so the init gets no pidfd of it.
hook_under_filter() {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: ["pidfd_open"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", $hook], timeout: ($t | tonumber)}]' \
		--arg hook "$1" --arg t "$2"
}

@test "stage policy: a startContainer hook's timeout holds where the init may get no pidfd (it was silently unenforced)" {
	hook_under_filter 'exec sleep 4' 1
	create_container
	run rt start "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "stopped before its process started"
	grep -q "/hooks/startContainer/0: error running startContainer hook #0: /bin/sh: timed out" "$BATS_TEST_TMPDIR/$ID.err"
}

@test "stage policy: the same with a state of 200000 bytes the hook never reads: killed at its timeout" {
	head -c 100000 /dev/urandom | od -An -tx1 -v | tr -d ' \n' >"$BATS_TEST_TMPDIR/big"
	update_config '.annotations = {"big": $big}' --rawfile big "$BATS_TEST_TMPDIR/big"
	hook_under_filter 'exec sleep 4' 1
	create_container
	run rt start "$ID"
	[ "$status" -eq 1 ]
	grep -q "/hooks/startContainer/0: error running startContainer hook #0: /bin/sh: timed out" "$BATS_TEST_TMPDIR/$ID.err"
}

@test "stage policy: under that filter a hook that ends in time runs, and its exit status is in Go's words" {
	hook_under_filter 'echo hook-ran >/dev/null; exit 0' 5
	set_sh 'echo process-ran'
	create_container
	rt start "$ID"
	retry_until 10 grep -q process-ran "$BATS_TEST_TMPDIR/$ID.out"

	rt delete -f "$ID"
	hook_under_filter 'exit 3' 5
	create_container
	run rt start "$ID"
	[ "$status" -eq 1 ]
	grep -q "^rt: /hooks/startContainer/0: error running startContainer hook #0: /bin/sh: exit status 3$" "$BATS_TEST_TMPDIR/$ID.err"
}

@test "stage policy: an executable gone between create and start: the init prints runc's words, from the plan" {
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/rtx"
	set_cmd /bin/rtx true
	create_container
	rm "$BUNDLE/rootfs/bin/rtx"
	run rt start "$ID"
	[ "$status" -eq 1 ]
	grep -qx "exec /bin/rtx: no such file or directory" "$BATS_TEST_TMPDIR/$ID.err"
}

@test "stage policy: rt plan shows the words the init prints after start and the fallbacks it may take" {
	update_config '.hooks.startContainer = [{path: "/bin/true", timeout: 3}]'
	run rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$output" 'ready "rt: %s: %e"'
	assert_contains "$output" 'exec "exec %s: %e"'
	assert_contains "$output" 'error running startContainer hook #0: /bin/true: exit status %s'
	assert_contains "$output" '(not needed without the syscall)'
}

@test "stage policy: a remount the stage makes says it keeps the mount's locked flags" {
	update_config '.root.readonly = true'
	run rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$output" "remount / adding ro (keeps the mount's locked flags)"
}

# As if this kernel had none of the calls the stage has a fallback for, so
# that the fallbacks themselves run (a test-only switch of rt's probes).
old_kernel() {
	export RT_TEST_ONLY_KERNEL_WITHOUT=close_range,fchmodat2,mount_setattr,pidfd_open
}

@test "stage policy: the fallbacks Go plans for an older kernel work: fds by loop, chmod and remount through /proc" {
	old_kernel
	update_config '.linux.devices = [{path: "/dev/rtnull", type: "c", major: 1, minor: 3, fileMode: 416, uid: 0, gid: 0}]'
	run rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$output" "close-from 3 (fallback: each fd below the open-files limit)"
	assert_contains "$output" '(fallback: chmod through /proc/self/fd)'
	assert_contains "$output" "readonly \"/proc/sys\" (if present) (fallback: remount through the container's /proc) (keeps the mount's locked flags)"

	set_sh 'stat -c "%a %t:%T" /dev/rtnull; awk "\$5 == \"/proc/sys\" { o = \$6 } END { print o }" /proc/self/mountinfo; ls /proc/self/fd'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "640 1:3"
	[[ "${lines[1]}" == ro,* ]]
	# stdio, and the fd ls reads the directory with: none of rt's
	assert_eq "${lines[*]:2}" "0 1 2 3"
}

@test "stage policy: without pidfd_open a startContainer hook's timeout is kept by alarm" {
	old_kernel
	update_config '.hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "exec sleep 4"], timeout: 1}]'
	run rt plan "$BUNDLE"
	assert_contains "$output" '(fallback: timeout by alarm without a pidfd)'
	create_container
	run rt start "$ID"
	[ "$status" -eq 1 ]
	grep -q "/hooks/startContainer/0: error running startContainer hook #0: /bin/sh: timed out" "$BATS_TEST_TMPDIR/$ID.err"
}

@test "stage policy: in a user namespace the read-only remount through /proc keeps the flags the mount has (RT_F_KEEP_LOCKED)" {
	[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces are disabled (user.max_user_namespaces is 0)"
	old_kernel
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| (.mounts[] | select(.destination == "/proc")).options = ["nosuid", "nodev", "noexec"]'
	set_sh 'awk "\$5 == \"/proc/sys\" { o = \$6 } END { print o }" /proc/self/mountinfo'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	echo "options: $output"
	[[ "$output" == ro,* ]]
	assert_option "$output" nosuid
	assert_option "$output" nodev
	assert_option "$output" noexec
}
