#!/usr/bin/env bats
# rootfs: readonly root, root.path, bind mounts, mount options, propagation,
# --no-pivot, /dev.

load helpers

# mount_line MOUNTPOINT — from the container's /proc/self/mounts output in
# $output, the last line for MOUNTPOINT.
mount_line() {
	echo "$output" | awk -v m="$1" '$2 == m' | tail -n1
}

@test "rootfs: root.readonly makes / read-only, a tmpfs on /tmp stays writable" {
	update_config '.root.readonly = true'
	add_mount /tmp tmpfs tmpfs nosuid nodev mode=1777
	set_sh 'touch /newfile 2>&1; echo "root-rc=$?"; touch /tmp/x && echo tmp-ok; grep " / " /proc/self/mounts'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "Read-only file system" "root-rc=1" tmp-ok
	[ ! -e "$BUNDLE/rootfs/newfile" ]
	echo "$output" | grep ' / ' | grep -qw ro
}

@test "rootfs: root.readonly false lets the process write to /" {
	update_config '.root.readonly = false'
	set_sh 'echo written > /newfile'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$BUNDLE/rootfs/newfile")" written
}

@test "rootfs: root.path relative to the bundle" {
	mv "$BUNDLE/rootfs" "$BUNDLE/myroot"
	echo relative-root >"$BUNDLE/myroot/which"
	update_config '.root.path = "myroot"'
	set_sh 'cat /which'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" relative-root
}

@test "rootfs: root.path absolute, outside the bundle" {
	other=$BATS_TEST_TMPDIR/elsewhere
	mkdir -p "$other"
	mv "$BUNDLE/rootfs" "$other/root"
	echo absolute-root >"$other/root/which"
	update_config '.root.path = $p' --arg p "$other/root"
	set_sh 'cat /which'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" absolute-root
}

@test "rootfs: bind mount of a host directory, read-write" {
	src=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$src"
	echo "from-host-$RANDOM" >"$src/file"
	add_mount /mnt/host bind "$src" rbind rw
	set_sh 'cat /mnt/host/file; echo from-container > /mnt/host/back'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(cat "$src/file")" "content"
	assert_eq "$(cat "$src/back")" from-container "written back"
	# the mount point was created in the rootfs, the host dir was not copied
	[ -d "$BUNDLE/rootfs/mnt/host" ]
	[ ! -e "$BUNDLE/rootfs/mnt/host/file" ]
}

@test "rootfs: bind mount of a single host file" {
	src=$BATS_TEST_TMPDIR/hostfile
	echo "file-content-$RANDOM" >"$src"
	add_mount /etc/rt-test-file bind "$src" bind
	set_sh 'cat /etc/rt-test-file'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(cat "$src")" content
	[ -f "$BUNDLE/rootfs/etc/rt-test-file" ]
}

@test "rootfs: a ro bind mount cannot be written" {
	src=$BATS_TEST_TMPDIR/rodir
	mkdir -p "$src"
	echo data >"$src/file"
	add_mount /mnt/ro bind "$src" rbind ro
	set_sh 'cat /mnt/ro/file; echo x > /mnt/ro/new 2>&1; echo "rc=$?"; grep " /mnt/ro " /proc/self/mounts'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" data content
	assert_contains "$output" "Read-only file system" "rc=1"
	[ ! -e "$src/new" ]
	mount_line /mnt/ro | grep -qw ro
}

@test "rootfs: mount options nosuid, noexec, nodev are applied" {
	add_mount /mnt/opts tmpfs tmpfs nosuid noexec nodev size=8m
	add_mount /mnt/plain tmpfs tmpfs size=8m
	set_sh 'cat /proc/self/mounts; cp /bin/busybox /mnt/opts/true; cp /bin/busybox /mnt/plain/true;
		/mnt/opts/true 2>/dev/null; echo "noexec-rc=$?"; /mnt/plain/true; echo "plain-rc=$?"'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	line=$(mount_line /mnt/opts)
	for o in nosuid noexec nodev; do
		echo "$line" | grep -qw "$o" || {
			echo "$o missing in: $line" >&2
			false
		}
	done
	mount_line /mnt/plain | grep -vqw noexec
	assert_contains "$output" "noexec-rc=126" "plain-rc=0"
}

@test "rootfs: tmpfs options (size, mode) are passed to the filesystem" {
	add_mount /mnt/t tmpfs tmpfs size=2m mode=700
	set_sh 'stat -c %a /mnt/t; df -k /mnt/t | tail -n1'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 700 mode
	assert_eq "$(echo "${lines[1]}" | awk '{print $2}')" 2048 "size in KiB"
}

# make_shared_dir DIR — DIR becomes a mount point in its own shared peer group.
make_shared_dir() {
	mkdir -p "$1"
	mount --bind "$1" "$1"
	defer umount -R -l "$1"
	mount --make-private "$1"
	mount --make-shared "$1"
}

# propagation_setup OPTION — a shared host dir bound at /shared with OPTION;
# the container runs; then the host mounts a tmpfs under the source with a
# marker file in it.
propagation_setup() {
	SRC=$BATS_TEST_TMPDIR/shared
	make_shared_dir "$SRC"
	mkdir -p "$SRC/sub"
	add_mount /shared bind "$SRC" rbind "$1"
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	mount -t tmpfs -o size=1m tmpfs "$SRC/sub"
	echo "propagated-$RANDOM" >"$SRC/sub/marker"
}

_sees_marker() {
	[ "$(rt exec "$ID" cat /shared/sub/marker 2>/dev/null)" = "$(cat "$SRC/sub/marker")" ]
}

@test "rootfs: an rslave bind mount receives mounts made on the host later" {
	propagation_setup rslave
	retry_until 5 _sees_marker
}

@test "rootfs: an rshared bind mount receives mounts made on the host later" {
	propagation_setup rshared
	retry_until 5 _sees_marker
}

@test "rootfs: an rprivate bind mount does not receive host mounts" {
	propagation_setup rprivate
	# mount propagation happens during mount(2): no need to wait
	run rt exec "$ID" cat /shared/sub/marker
	[ "$status" -ne 0 ]
	run rt exec "$ID" ls /shared/sub
	assert_eq "$output" "" "/shared/sub in the container"
}

# mount_inside_setup PROPAGATION — a shared host dir bound at /shared
# (rshared); the container, with rootfsPropagation PROPAGATION and
# CAP_SYS_ADMIN, mounts a tmpfs on /shared/in.
mount_inside_setup() {
	if [ -n "$1" ]; then
		update_config '.linux.rootfsPropagation = $p' --arg p "$1"
	else
		update_config 'del(.linux.rootfsPropagation)'
	fi
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	SRC=$BATS_TEST_TMPDIR/shared
	make_shared_dir "$SRC"
	mkdir "$SRC/in"
	add_mount /shared bind "$SRC" rbind rshared
	set_sh 'mount -t tmpfs -o size=1m tmpfs /shared/in && echo inside > /shared/in/f && echo mounted'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" mounted
}

@test "rootfs: rootfsPropagation rshared lets container mounts reach the host" {
	mount_inside_setup rshared
	# the container is gone, its mount stays in the host's peer group
	grep -qF " $SRC/in " /proc/self/mountinfo
	assert_eq "$(cat "$SRC/in/f")" inside
}

@test "rootfs: rootfsPropagation rprivate keeps container mounts off the host" {
	mount_inside_setup rprivate
	run grep -qF " $SRC/in " /proc/self/mountinfo
	[ "$status" -eq 1 ] # not found (2 would be an error)
	[ ! -e "$SRC/in/f" ]
}

@test "rootfs: the default rootfs propagation keeps container mounts off the host" {
	mount_inside_setup ""
	run grep -qF " $SRC/in " /proc/self/mountinfo
	[ "$status" -eq 1 ] # not found (2 would be an error)
}

@test "rootfs: --no-pivot runs the container" {
	set_sh 'cat /which; ls /bin/busybox; echo $$'
	echo no-pivot-root >"$BUNDLE/rootfs/which"
	run rt run --no-pivot --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" no-pivot-root
	assert_eq "${lines[1]}" /bin/busybox
	assert_eq "${lines[2]}" 1 pid
}

@test "rootfs: /dev has the standard devices with the right numbers" {
	# stat %t:%T is major:minor in hex
	set_sh 'for d in null zero full random urandom tty; do
			[ -c /dev/$d ] && echo "$d $(stat -c %t:%T /dev/$d)"
		done'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	want=$(printf '%s\n' "null 1:3" "zero 1:5" "full 1:7" "random 1:8" "urandom 1:9" "tty 5:0")
	assert_eq "$output" "$want" devices
}

@test "rootfs: /dev devices work" {
	set_sh 'head -c 4 /dev/zero | od -An -tx1; echo x > /dev/null && echo null-ok;
		{ echo x > /dev/full; } 2>&1; echo "full-rc=$?"; head -c 16 /dev/urandom | wc -c'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "${lines[0]}" | awk '{$1=$1; print}')" "00 00 00 00" /dev/zero
	assert_contains "$output" null-ok "No space left on device" "full-rc=1"
	assert_eq "${lines[-1]}" 16 /dev/urandom
}

@test "rootfs: /dev/pts, /dev/ptmx, /dev/shm and the fd links" {
	set_sh 'grep -E " /dev/pts | /dev/shm " /proc/self/mounts | cut -d" " -f2,3;
		for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done;
		echo shm > /dev/shm/x && cat /dev/shm/x'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/dev/pts devpts" "/dev/shm tmpfs" \
		"ptmx -> pts/ptmx" "fd -> /proc/self/fd" \
		"stdin -> /proc/self/fd/0" "stdout -> /proc/self/fd/1" "stderr -> /proc/self/fd/2"
	assert_eq "${lines[-1]}" shm "/dev/shm writable"
}

@test "rootfs: /dev is a fresh tmpfs, not the host's /dev" {
	set_sh 'grep " /dev " /proc/self/mounts | cut -d" " -f3; ls /dev'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" tmpfs "/dev fs type"
	# a host-only device node is absent
	[ -e /dev/vda ] || skip "host has no /dev/vda"
	assert_not_contains "$output" vda
}

@test "rootfs: devices from linux.devices are created" {
	update_config '.linux.devices = [{path: "/dev/rtnull", type: "c", major: 1, minor: 3, fileMode: 438, uid: 0, gid: 0}]
		| .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
	set_sh 'stat -c "%t:%T %a" /dev/rtnull; echo x > /dev/rtnull && echo ok'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "1:3 666" "device"
	assert_eq "${lines[1]}" ok
}

# DESIGN.md: bind sources behind 0700 parents must be opened before the
# process becomes root of a user namespace. (runc 1.1 fails this.)
# bats test_tags=rt-only
@test "rootfs: with a user namespace, a bind source behind a 0700 directory" {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	mkdir -p "$BATS_TEST_TMPDIR/private/src"
	chmod 0700 "$BATS_TEST_TMPDIR/private"
	echo "behind-0700" >"$BATS_TEST_TMPDIR/private/src/file"
	add_mount /mnt bind "$BATS_TEST_TMPDIR/private/src" rbind ro
	set_sh 'cat /mnt/file'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" behind-0700
}
