#!/usr/bin/env bats
# parity_mounts: /dev, tmpfs and recursive atime mounts behave as in runc 1.5
# (issue 11, items 11, 12 and 14). Each test also passes with
# RT=<runc 1.5 binary> unless tagged rt-only.

load helpers

# container_mountinfo MOUNTPOINT — from the container's /proc/self/mountinfo
# in $output, the per-mount options (field 6) of MOUNTPOINT.
container_mountinfo() {
	echo "$output" | awk -v m="$1" '$5 == m { o = $6 } END { print o }'
}

# has_option OPTIONS NAME — OPTIONS (comma-separated) holds NAME.
has_option() {
	[[ ,$1, == *",$2,"* ]]
}

# assert_option OPTIONS NAME / refute_option OPTIONS NAME
assert_option() {
	if ! has_option "$1" "$2"; then
		echo "no $2 in <<$1>>" >&2
		return 1
	fi
}
refute_option() {
	if has_option "$1" "$2"; then
		echo "$2 in <<$1>>" >&2
		return 1
	fi
}

# host_tree — SRC: a host directory with a tmpfs mounted on SRC/sub
# (noatime, nodiratime), unmounted in teardown.
host_tree() {
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC/sub"
	mount -t tmpfs -o size=1m,noatime,nodiratime tmpfs "$SRC/sub"
	defer umount -l "$SRC/sub"
}

# make_dev_readonly — add "ro" to the config's /dev mount.
make_dev_readonly() {
	update_config '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
}

# Item 11. Some engines list /dev/ptmx (c 5:2) in linux.devices; runc makes
# /dev/ptmx the link to pts/ptmx and leaves that node out.
@test "parity: a /dev/ptmx in linux.devices leaves /dev/ptmx the link to pts/ptmx" {
	update_config '.linux.devices = [{path: "/dev/ptmx", type: "c", major: 5, minor: 2, fileMode: 438, uid: 0, gid: 0}]'
	set_sh 'readlink /dev/ptmx'
	run rt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "$output" "pts/ptmx"
}

# Item 11. A read-only /dev gets its nodes, links and /dev/pts first, then
# is read-only itself; the mounts on it keep their own flags (runc's
# finalizeRootfs).
@test "parity: a read-only /dev mount gets /dev/pts and its nodes, then is read-only" {
	make_dev_readonly
	set_sh '[ -c /dev/null ] && echo null-ok
		readlink /dev/ptmx
		if touch /dev/new 2>/dev/null; then echo dev-writable; else echo dev-read-only; fi
		cat /proc/self/mountinfo'
	run rt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "null-ok"
	assert_eq "${lines[1]}" "pts/ptmx"
	assert_eq "${lines[2]}" "dev-read-only"
	assert_option "$(container_mountinfo /dev)" ro
	assert_option "$(container_mountinfo /dev/pts)" rw
	assert_option "$(container_mountinfo /dev/shm)" rw
}

# Item 11, with a terminal: /dev/console is made in the read-only /dev too.
@test "parity: a read-only /dev mount with a terminal" {
	command -v script >/dev/null || skip "script(1) needed"
	make_dev_readonly
	update_config '.process.terminal = true'
	set_sh '[ -c /dev/console ] && echo console-ok'
	local cmd
	cmd=$(printf '%q ' "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID")
	run timeout 30 script -qec "$cmd" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" console-ok
}

# Item 12. A tmpfs takes its mode from mode=, else from the directory it
# covers; a directory rt makes for it leaves the tmpfs default, 1777.
@test "parity: a tmpfs gets the mode of the directory it covers, or of mode=" {
	mkdir "$BUNDLE/rootfs/m750" "$BUNDLE/rootfs/given"
	chmod 0750 "$BUNDLE/rootfs/m750"
	chmod 1770 "$BUNDLE/rootfs/given"
	add_mount /m750 tmpfs tmpfs size=1m
	add_mount /given tmpfs tmpfs mode=0755
	add_mount /missing/dir tmpfs tmpfs
	set_sh 'stat -c "%n %a" /m750 /given /missing/dir'
	run rt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "/m750 750"
	assert_eq "${lines[1]}" "/given 755"
	assert_eq "${lines[2]}" "/missing/dir 1777"
}

# Item 12. tmpcopyup: the copies keep their modes and owners; the tmpfs
# itself takes the mode of the directory it covers (its owner stays root,
# as in runc).
@test "parity: tmpcopyup keeps modes and owners" {
	local d=$BUNDLE/rootfs/cu
	mkdir -p "$d/sub"
	echo data >"$d/file"
	chown 5:6 "$d/file" "$d/sub"
	chmod 0604 "$d/file"
	chmod 2711 "$d/sub"
	chmod 0700 "$d"
	add_mount /cu tmpfs tmpfs tmpcopyup
	set_sh 'stat -c "%n %a %u:%g" /cu /cu/file /cu/sub; cat /cu/file'
	run rt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "/cu 700 0:0"
	assert_eq "${lines[1]}" "/cu/file 604 5:6"
	assert_eq "${lines[2]}" "/cu/sub 2711 5:6"
	assert_eq "${lines[3]}" "data"
}

# Items 11 and 12. A read-only tmpfs with tmpcopyup is filled first, then
# made read-only.
@test "parity: a read-only tmpfs with tmpcopyup is copied up, then read-only" {
	mkdir "$BUNDLE/rootfs/ro"
	echo data >"$BUNDLE/rootfs/ro/file"
	add_mount /ro tmpfs tmpfs tmpcopyup ro
	set_sh 'cat /ro/file
		if touch /ro/new 2>/dev/null; then echo writable; else echo read-only; fi'
	run rt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "data"
	assert_eq "${lines[1]}" "read-only"
}

# Item 14. The recursive atime options reach every mount of an rbind and
# combine as in runc 1.5: MOUNT_ATTR_RELATIME is 0, so rrelatime and
# rnorelatime keep an earlier rstrictatime or rnoatime; ratime and
# rnostrictatime clear theirs.
@test "parity: recursive atime options show in mountinfo as runc's do" {
	host_tree
	add_mount /rrel bind "$SRC" rbind rrelatime
	add_mount /rnoatime bind "$SRC" rbind rnoatime
	add_mount /rstrict bind "$SRC" rbind rstrictatime
	add_mount /strict-rel bind "$SRC" rbind rstrictatime rrelatime
	add_mount /noatime-norel bind "$SRC" rbind rnoatime rnorelatime
	add_mount /noatime-atime bind "$SRC" rbind rnoatime ratime
	add_mount /strict-nostrict bind "$SRC" rbind rstrictatime rnostrictatime
	set_sh 'cat /proc/self/mountinfo'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	local m o
	for m in /rrel /rrel/sub /noatime-atime/sub /strict-nostrict/sub; do
		o=$(container_mountinfo $m)
		assert_option "$o" relatime
		refute_option "$o" noatime
	done
	for m in /rnoatime /rnoatime/sub /noatime-norel /noatime-norel/sub; do
		o=$(container_mountinfo $m)
		assert_option "$o" noatime
	done
	# strictatime shows as neither relatime nor noatime.
	for m in /rstrict /rstrict/sub /strict-rel /strict-rel/sub; do
		o=$(container_mountinfo $m)
		[ -n "$o" ]
		refute_option "$o" relatime
		refute_option "$o" noatime
	done
	# The atime options leave nodiratime of the submount as it was.
	assert_option "$(container_mountinfo /rrel/sub)" nodiratime
}

# Item 14. mount_setattr takes one atime setting: runc fails rnoatime with
# rstrictatime with EINVAL when it mounts; rt refuses the config first.
# bats test_tags=rt-only
@test "parity: rnoatime with rstrictatime is refused with the options' pointer" {
	host_tree
	local n
	n=$(jq '.mounts | length' "$BUNDLE/config.json")
	add_mount /both bind "$SRC" rbind rnoatime rstrictatime
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/mounts/$n/options" "rnoatime and rstrictatime"
}
