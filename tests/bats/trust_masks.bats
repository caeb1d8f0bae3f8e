#!/usr/bin/env bats
# linux.maskedPaths and linux.readonlyPaths (config-linux.md "Masked Paths",
# "Readonly Paths": the runtime MUST mask / make read-only these paths), and
# --no-pivot (issue 10, section 2, items 3 and 4).
#
# Masks and read-only paths are made after pivot_root. A runtime that names
# its targets through the container's /proc (/proc/self/fd/N) finds them
# "missing" when the config mounts no procfs, or when /proc is whatever the
# image made of it, and skips them: the container runs with the paths
# readable and writable. Only a path that is not in the container may be
# skipped (runc skips ENOENT); one that is there and cannot be masked is an
# error naming the field.
#
# With --no-pivot the host's mounts stay in the container's mount namespace
# under the moved root. A full procfs or sysfs among them lets the container
# mount a fresh one (without masked paths) from a new user namespace: the
# kernel allows it when such a mount is visible in the namespace. runc
# detaches them (libcontainer/rootfs_linux.go msMoveRoot) and checks it by
# that very mount (tests/integration/no_pivot.bats).

load helpers

setup_file() {
	# a seccomp filter that makes mount_setattr(2) fail with ENOSYS, as on
	# Linux before 5.12
	export NO_MOUNT_SETATTR=$BATS_FILE_TMPDIR/no_mount_setattr
	cc -O2 -o "$NO_MOUNT_SETATTR" "$BATS_TEST_DIRNAME/trust_masks/no_mount_setattr.c" || unset NO_MOUNT_SETATTR
}

setup() {
	setup_bundle
	ROOTFS=$BUNDLE/rootfs
	update_config '.root.readonly = false'
}

teardown() {
	teardown_bundle
}

# run_ctr [rt run flags...] — `run` the bundle in the foreground; status,
# output (the container's stdout) and stderr as `run --separate-stderr`
# sets them.
run_ctr() {
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$@" "$ID"
	echo "exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
}

# image_paths — a file and a directory of the image added to maskedPaths,
# another pair to readonlyPaths, and /decoy, which nothing may touch; sets
# probe, a script that prints what the container sees of them.
image_paths() {
	mkdir -p "$ROOTFS/etc/secretdir" "$ROOTFS/etc/rodir" "$ROOTFS/decoy"
	echo image-secret >"$ROOTFS/etc/secret"
	echo image-dir-secret >"$ROOTFS/etc/secretdir/f"
	echo image-rofile >"$ROOTFS/etc/rofile"
	update_config '.linux.maskedPaths += ["/etc/secret", "/etc/secretdir"]
		| .linux.readonlyPaths += ["/etc/rodir", "/etc/rofile"]'
	probe='echo "file:[$(cat /etc/secret)]"; echo "filedev:$(stat -c %t:%T /etc/secret)"
		echo "dir:[$(ls -A /etc/secretdir)]"; echo "dirfs:$(stat -f -c %T /etc/secretdir)"
		touch /etc/secretdir/new 2>/dev/null && echo MASKDIR-WRITABLE
		touch /etc/rodir/new 2>/dev/null && echo RODIR-WRITABLE
		echo x 2>/dev/null >>/etc/rofile && echo ROFILE-WRITABLE
		touch /decoy/new && echo decoy-writable; echo done'
}

# assert_paths_applied — after run_ctr with $probe: every path masked or
# read-only, and the image untouched.
assert_paths_applied() {
	[ "$status" -eq 0 ]
	assert_contains "$output" "file:[]"
	assert_contains "$output" "filedev:1:3"
	assert_contains "$output" "dir:[]"
	assert_contains "$output" "dirfs:tmpfs"
	assert_not_contains "$output" MASKDIR-WRITABLE
	assert_not_contains "$output" RODIR-WRITABLE
	assert_not_contains "$output" ROFILE-WRITABLE
	assert_contains "$output" decoy-writable
	assert_contains "$output" done
	[ ! -e "$ROOTFS/etc/rodir/new" ]
	[ ! -e "$ROOTFS/etc/secretdir/new" ]
	assert_eq "$(cat "$ROOTFS/etc/rofile")" image-rofile "the image's rofile"
}

# require_mount_setattr — without a procfs, a read-only bind is made
# read-only with mount_setattr(2) (Linux 5.12).
require_mount_setattr() {
	if [ "$(printf '%s\n' 5.12 "$(uname -r)" | sort -V | head -n 1)" != 5.12 ]; then
		skip "Linux $(uname -r) has no mount_setattr: readonlyPaths need a procfs at /proc"
	fi
}

# no_proc_mount — the config mounts no procfs.
no_proc_mount() {
	update_config '.mounts |= map(select(.destination != "/proc"))'
}

# assert_nothing_left — after a failed run: no state, no container.
assert_nothing_left() {
	[ -z "$(rt list -q)" ]
	[ ! -e "$ROOT/$ID" ]
}

@test "masks: maskedPaths and readonlyPaths are applied when the config mounts no /proc" {
	require_mount_setattr
	no_proc_mount
	image_paths
	set_sh "[ -e /proc/self ] && echo HAS-PROC; $probe"
	run_ctr
	assert_paths_applied
	assert_not_contains "$output" HAS-PROC
}

@test "masks: maskedPaths and readonlyPaths are applied when /proc is a tmpfs" {
	require_mount_setattr
	update_config '.mounts |= map(if .destination == "/proc"
		then {destination: "/proc", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]} else . end)'
	image_paths
	set_sh "echo \"procfs:\$(stat -f -c %T /proc)\"; $probe"
	run_ctr
	assert_paths_applied
	assert_contains "$output" "procfs:tmpfs"
}

@test "masks: maskedPaths and readonlyPaths are applied when /proc is a bind of an image directory" {
	require_mount_setattr
	# The image's /proc has self/fd/N symlinks to /decoy: a runtime that
	# mounts on "/proc/self/fd/N" masks /decoy and leaves the paths open.
	local fake=$ROOTFS/fakeproc n
	mkdir -p "$fake/self/fd" "$fake/sys"
	for n in $(seq 0 99); do
		ln -s /decoy "$fake/self/fd/$n"
	done
	echo image-kcore >"$fake/kcore"
	update_config '.mounts |= map(if .destination == "/proc"
		then {destination: "/proc", type: "bind", source: $s, options: ["rbind"]} else . end)' \
		--arg s "$fake"
	image_paths
	set_sh "echo \"kcore:[\$(cat /proc/kcore)]\"; touch /proc/sys/new 2>/dev/null && echo PROCSYS-WRITABLE
		echo \"decoyfs:\$(stat -f -c %T /decoy)\"; $probe"
	run_ctr
	assert_paths_applied
	# the default maskedPaths and readonlyPaths, on the image's files
	assert_contains "$output" "kcore:[]"
	assert_not_contains "$output" PROCSYS-WRITABLE
	assert_not_contains "$output" "decoyfs:tmpfs"
	[ ! -e "$fake/sys/new" ]
	assert_eq "$(cat "$fake/kcore")" image-kcore "the image's kcore"
}

@test "masks: maskedPaths and readonlyPaths missing from the container are skipped" {
	no_proc_mount
	update_config '.linux.maskedPaths += ["/etc/no-such-file", "/no/such/dir"]
		| .linux.readonlyPaths += ["/etc/no-such-dir"]'
	set_sh 'echo ran'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "$output" ran
	[ ! -e "$ROOTFS/etc/no-such-file" ]
	[ ! -e "$ROOTFS/etc/no-such-dir" ]
}

@test "masks: a readonlyPaths entry that cannot be made read-only is an error naming it" {
	# An unbindable mount cannot be bound onto itself (EINVAL), so it
	# cannot be made read-only the way runc does it: create fails. Without a
	# /proc a runtime that works through /proc/self/fd skips it instead.
	no_proc_mount
	add_mount /mnt/ub tmpfs tmpfs unbindable
	local field
	field=/linux/readonlyPaths/$(jq '.linux.readonlyPaths | length' "$BUNDLE/config.json")
	update_config '.linux.readonlyPaths += ["/mnt/ub"]'
	set_sh 'touch /mnt/ub/new && echo UB-WRITABLE; echo ran'
	run_ctr
	assert_error
	assert_contains "$stderr" "$field: " /mnt/ub "invalid argument"
	assert_not_contains "$output" ran
	assert_nothing_left
}

@test "masks: a maskedPaths entry that cannot be masked is an error naming it" {
	# The container's /dev is unbindable: its /dev/null cannot be bound
	# over the file (EINVAL).
	no_proc_mount
	update_config '.mounts |= map(if .destination == "/dev" then .options += ["unbindable"] else . end)'
	echo image-secret >"$ROOTFS/etc/secret"
	local field
	field=/linux/maskedPaths/$(jq '.linux.maskedPaths | length' "$BUNDLE/config.json")
	update_config '.linux.maskedPaths += ["/etc/secret"]'
	set_sh 'cat /etc/secret; echo ran'
	run_ctr
	assert_error
	assert_contains "$stderr" "$field: " /etc/secret "invalid argument"
	assert_not_contains "$output" image-secret
	assert_nothing_left
}

@test "masks: readonlyPaths are made read-only through the container's procfs where mount_setattr is missing" {
	[ -n "${NO_MOUNT_SETATTR:-}" ] || skip "no C compiler for the seccomp helper"
	image_paths
	set_sh "touch /proc/sys/new 2>/dev/null && echo PROCSYS-WRITABLE; $probe"
	run --separate-stderr "$NO_MOUNT_SETATTR" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	echo "exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
	assert_paths_applied
	assert_not_contains "$output" PROCSYS-WRITABLE
}

@test "masks: readonlyPaths where mount_setattr is missing and the container has no procfs are an error naming them" {
	# Linux before 5.12 can only remount by path, and no procfs means no
	# path: create fails, naming the first one.
	[ -n "${NO_MOUNT_SETATTR:-}" ] || skip "no C compiler for the seccomp helper"
	no_proc_mount
	image_paths
	local field
	field=/linux/readonlyPaths/$(jq '.linux.readonlyPaths | index("/etc/rodir")' "$BUNDLE/config.json")
	set_sh "$probe"
	run --separate-stderr "$NO_MOUNT_SETATTR" "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	echo "exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
	assert_error
	assert_contains "$stderr" "$field: " /etc/rodir "function not implemented"
	[ -z "$output" ]
	[ ! -e "$ROOTFS/etc/rodir/new" ]
	assert_nothing_left
}

# ---------------------------------------------------------------------------
# --no-pivot

# nested_mounts_probe — as the container's root: a new user, mount and pid
# (or network) namespace, where a tmpfs can be mounted (the check works)
# and a fresh procfs or sysfs only if a full one is visible in the mount
# namespace.
nested_mounts_probe() {
	[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces are disabled (user.max_user_namespaces is 0)"
	if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)" = 1 ]; then
		skip "AppArmor restricts user namespaces to processes with CAP_SYS_ADMIN"
	fi
	busybox unshare --help >/dev/null 2>&1 || skip "busybox has no unshare applet"
	# unshare -r maps root: that needs CAP_SETFCAP (Linux 5.12)
	update_config '.process.capabilities.bounding += ["CAP_SETFCAP"]
		| .process.capabilities.permitted += ["CAP_SETFCAP"]
		| .process.capabilities.effective += ["CAP_SETFCAP"]'
	set_sh 'busybox unshare -mrpf sh -c "mount -t tmpfs none /mnt && echo nested-tmpfs-ok; mount -t proc none /proc && echo PROC-MOUNTED"
		busybox unshare -mrnf sh -c "mount -t tmpfs none /mnt && echo nested-tmpfs-ok; mount -t sysfs none /sys && echo SYSFS-MOUNTED"
		echo done'
}

assert_no_fresh_proc_sys() {
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | grep -c nested-tmpfs-ok)" 2 "nested tmpfs mounts"
	assert_not_contains "$output" PROC-MOUNTED
	assert_not_contains "$output" SYSFS-MOUNTED
	assert_contains "$output" done
	assert_eq "$(echo "$stderr" | grep -c 'mount: permission denied')" 2 "denied mounts"
}

@test "no-pivot: the host's /proc and /sys are not left in the container's mount namespace" {
	nested_mounts_probe
	run_ctr --no-pivot
	assert_no_fresh_proc_sys
}

@test "no-pivot: in a user namespace the host's /proc and /sys are covered" {
	nested_mounts_probe
	# The host's mounts are locked in the container's mount namespace: they
	# cannot be unmounted there, only covered.
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run_ctr --no-pivot
	assert_no_fresh_proc_sys
}

@test "no-pivot: maskedPaths and readonlyPaths are applied" {
	image_paths
	set_sh "$probe"
	run_ctr --no-pivot
	assert_paths_applied
}
