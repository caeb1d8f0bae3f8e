#!/usr/bin/env bats
# mountattr: recursive mount attributes (config.md "Linux mount options":
# rro, rrw, rnosuid... through mount_setattr with AT_RECURSIVE) and
# idmapped mounts (config.md "mounts": uidMappings, gidMappings, idmap,
# ridmap, through mount_setattr with MOUNT_ATTR_IDMAP).

load helpers

# next_mount — the index the next add_mount gets in .mounts.
next_mount() {
	jq '.mounts | length' "$BUNDLE/config.json"
}

# host_tree [TMPFS OPTIONS] — SRC: a host directory holding a file and a
# symlink to it, with a tmpfs mounted on SRC/sub (a submount) holding the
# same; unmounted in teardown.
host_tree() {
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC/sub"
	echo top >"$SRC/file"
	ln -s file "$SRC/link"
	mount -t tmpfs -o "size=1m${1:+,$1}" tmpfs "$SRC/sub"
	defer umount -l "$SRC/sub"
	echo sub >"$SRC/sub/file"
	ln -s file "$SRC/sub/link"
}

# writable_report DIR... — the container's script that says, for each DIR,
# "DIR writable" or "DIR read-only".
writable_report() {
	local d
	for d in "$@"; do
		echo "if touch $d/new 2>/dev/null; then echo '$d writable'; else echo '$d read-only'; fi"
	done
}

# mount_options MOUNTPOINT — from the container's /proc/self/mounts in
# $output, the options of MOUNTPOINT (its last line).
mount_options() {
	echo "$output" | awk -v m="$1" '$2 == m { o = $4 } END { print o }'
}

# has_option OPTIONS NAME — OPTIONS (comma-separated) holds NAME.
has_option() {
	[[ ,$1, == *",$2,"* ]]
}

# assert_option OPTIONS NAME / refute_option OPTIONS NAME — fail, saying
# so, unless OPTIONS holds (does not hold) NAME.
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

@test "mountattr: rbind,rro makes every submount read-only; rbind,ro only the top" {
	host_tree
	add_mount /rro bind "$SRC" rbind rro
	add_mount /ro bind "$SRC" rbind ro
	set_sh "$(writable_report /rro /rro/sub /ro /ro/sub)"
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/rro read-only' '/rro/sub read-only' '/ro read-only' '/ro/sub writable')"
	[ ! -e "$SRC/new" ]
}

@test "mountattr: rrw makes every submount writable again" {
	host_tree
	mount -o remount,bind,ro "$SRC/sub"
	add_mount /rrw bind "$SRC" rbind rrw
	add_mount /plain bind "$SRC" rbind
	set_sh "$(writable_report /rrw/sub /plain/sub)"
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/rrw/sub writable' '/plain/sub read-only')"
}

@test "mountattr: rnosuid, rnodev, rnoexec reach the submounts; rsuid, rdev, rexec clear them" {
	host_tree
	add_mount /set bind "$SRC" rbind rnosuid rnodev rnoexec
	set_sh 'cat /proc/self/mounts; printf "#!/bin/sh\necho ran\n" >/set/sub/x; chmod +x /set/sub/x; /set/sub/x; echo "exec-rc=$?"'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	for m in /set /set/sub; do
		o=$(mount_options $m)
		for f in nosuid nodev noexec; do
			has_option "$o" $f || {
				echo "$m: no $f in $o" >&2
				false
			}
		done
	done
	assert_contains "$output" "exec-rc=126"

	umount -l "$SRC/sub"
	mount -t tmpfs -o size=1m,nosuid,nodev,noexec tmpfs "$SRC/sub"
	update_config '.mounts |= map(select(.destination != "/set"))'
	add_mount /clear bind "$SRC" rbind rsuid rdev rexec
	set_sh 'cat /proc/self/mounts; printf "#!/bin/sh\necho ran\n" >/clear/sub/x; chmod +x /clear/sub/x; /clear/sub/x; echo "exec-rc=$?"'
	run rt run --bundle "$BUNDLE" "$(new_id)"
	[ "$status" -eq 0 ]
	o=$(mount_options /clear/sub)
	for f in nosuid nodev noexec; do
		refute_option "$o" $f
	done
	assert_contains "$output" ran "exec-rc=0"
}

# mount_setattr(2): the atime options set or clear bits of one value, as
# in runc 1.5; ratime and rnostrictatime leave the kernel's default, relatime,
# while rrelatime and rnorelatime (MOUNT_ATTR_RELATIME is 0) keep an earlier
# rstrictatime or rnoatime.
@test "mountattr: the ratime family sets one atime value on every submount" {
	host_tree noatime,nodiratime
	add_mount /ratime bind "$SRC" rbind ratime rdiratime
	add_mount /rnoatime bind "$SRC" rbind rnoatime rnodiratime
	add_mount /rstrict bind "$SRC" rbind rstrictatime
	add_mount /rrel bind "$SRC" rbind rstrictatime rrelatime
	add_mount /rnorel bind "$SRC" rbind rnoatime rnorelatime
	add_mount /rnostrict bind "$SRC" rbind rstrictatime rnostrictatime
	set_sh 'cat /proc/self/mounts'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	o=$(mount_options /ratime/sub)
	assert_option "$o" relatime
	refute_option "$o" noatime
	refute_option "$o" nodiratime
	o=$(mount_options /rnoatime/sub)
	assert_option "$o" noatime
	assert_option "$o" nodiratime
	o=$(mount_options /rnoatime)
	assert_option "$o" noatime
	assert_option "$o" nodiratime
	for m in /rstrict/sub /rrel/sub; do
		o=$(mount_options $m)
		refute_option "$o" relatime
		refute_option "$o" noatime
	done
	o=$(mount_options /rnorel/sub)
	assert_option "$o" noatime
	o=$(mount_options /rnostrict/sub)
	assert_option "$o" relatime
}

@test "mountattr: rnosymfollow reaches the submounts; nosymfollow only the top" {
	host_tree
	add_mount /rnosym bind "$SRC" rbind rnosymfollow
	add_mount /nosym bind "$SRC" rbind nosymfollow
	set_sh 'for l in /rnosym/link /rnosym/sub/link /nosym/link /nosym/sub/link; do
		cat $l >/dev/null 2>&1 && echo "$l follows" || echo "$l refused"; done'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/rnosym/link refused' '/rnosym/sub/link refused' '/nosym/link refused' '/nosym/sub/link follows')"
}

@test "mountattr: recursive options apply to a mount that is not a bind" {
	add_mount /t tmpfs tmpfs size=1m rro rnoexec
	set_sh "$(writable_report /t)
		grep ' /t ' /proc/self/mounts"
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "/t read-only"
	has_option "$(mount_options /t)" noexec
}

@test "mountattr: rbind,rro in a user namespace makes the submounts read-only" {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	host_tree
	chmod 0777 "$SRC/sub"
	mkdir "$BUNDLE/rootfs/rro" "$BUNDLE/rootfs/plain" # the container's root cannot make them
	add_mount /rro bind "$SRC" rbind rro
	add_mount /plain bind "$SRC" rbind
	set_sh "$(writable_report /rro/sub /plain/sub)"
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/rro/sub read-only' '/plain/sub writable')"
}

# ---------------------------------------------------------------------------
# idmapped mounts

# id_tree — IDSRC: a host directory with f0 owned by 0:0 and f1000 by
# 1000:1000. Mode 0777: the container's root has no CAP_DAC_OVERRIDE.
id_tree() {
	IDSRC=$BATS_TEST_TMPDIR/ids
	mkdir -p -m 0777 "$IDSRC"
	touch "$IDSRC/f0" "$IDSRC/f1000"
	chown 1000:1000 "$IDSRC/f1000"
}

# add_idmapped DEST SOURCE UIDMAPS GIDMAPS OPTION... — a bind mount with
# mappings (JSON arrays; "null" for none).
add_idmapped() {
	local dest=$1 src=$2 uids=$3 gids=$4
	shift 4
	update_config '.mounts += [{destination: $d, type: "bind", source: $s, options: $o}
		+ (if $u == null then {} else {uidMappings: $u} end)
		+ (if $g == null then {} else {gidMappings: $g} end)]' \
		--arg d "$dest" --arg s "$src" --argjson o "$(json_array "$@")" --argjson u "$uids" --argjson g "$gids"
}

# no_idmap_helpers — no process made to hold an idmap user namespace is left.
no_idmap_helpers() {
	local left
	left=$(grep -lsa 'rt-idmap-user[n]s' /proc/[0-9]*/cmdline || true)
	[ -z "$left" ] || {
		echo "idmap helper processes left: $left" >&2
		return 1
	}
}

# As in a user namespace's uid_map (runc and crun read the spec so): an id
# on disk is found in the containerID column and seen as the hostID one.
# bats test_tags=rt-only
@test "idmap: ids on disk show through the mount's mapping (containerID on disk, hostID seen)" {
	id_tree
	add_idmapped /one "$IDSRC" '[{"containerID": 0, "hostID": 1000, "size": 1}]' '[{"containerID": 0, "hostID": 1000, "size": 1}]' bind idmap
	add_idmapped /swap "$IDSRC" '[{"containerID": 0, "hostID": 1000, "size": 1}, {"containerID": 1000, "hostID": 0, "size": 1}]' \
		'[{"containerID": 0, "hostID": 1000, "size": 1}, {"containerID": 1000, "hostID": 0, "size": 1}]' rbind idmap
	set_sh 'stat -c "%n %u:%g" /one/f0 /one/f1000 /swap/f0 /swap/f1000; touch /swap/new'
	create_container
	no_idmap_helpers
	rt start "$ID"
	wait_for_status "$ID" stopped
	output=$(cat "$BATS_TEST_TMPDIR/$ID.out")
	assert_eq "$output" "$(printf '%s\n' '/one/f0 1000:1000' '/one/f1000 65534:65534' '/swap/f0 1000:1000' '/swap/f1000 0:0')"
	# written through the mount: uid 0 of the process is 1000 on disk
	assert_eq "$(stat -c %u:%g "$IDSRC/new")" 1000:1000 "owner on disk"
}

# config.md: without mappings of its own, an idmap mount MAY take the
# container's user namespace mapping (runc does).
# bats test_tags=rt-only
@test "idmap: with a user namespace, idmap takes the container's mapping" {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	id_tree
	mkdir "$BUNDLE/rootfs/i" "$BUNDLE/rootfs/plain"
	add_mount /i bind "$IDSRC" rbind idmap
	add_mount /plain bind "$IDSRC" rbind
	set_sh 'stat -c "%n %u:%g" /i/f0 /i/f1000 /plain/f0; touch /i/new && echo written'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/i/f0 0:0' '/i/f1000 1000:1000' '/plain/f0 65534:65534' written)"
	assert_eq "$(stat -c %u:%g "$IDSRC/new")" 0:0 "owner on disk of a file the container's root made"
	no_idmap_helpers
}

# bats test_tags=rt-only
@test "idmap: with a user namespace, the mount's own mappings" {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	id_tree
	mkdir "$BUNDLE/rootfs/i"
	add_idmapped /i "$IDSRC" '[{"containerID": 1000, "hostID": 100000, "size": 1}]' '[{"containerID": 1000, "hostID": 100000, "size": 1}]' rbind idmap
	set_sh 'stat -c "%n %u:%g" /i/f1000 /i/f0'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/i/f1000 0:0' '/i/f0 65534:65534')"
}

# bats test_tags=rt-only
@test "idmap: ridmap maps every mount of an rbind, idmap only the top one" {
	id_tree
	mkdir -p "$IDSRC/sub"
	mount -t tmpfs -o size=1m tmpfs "$IDSRC/sub"
	defer umount -l "$IDSRC/sub"
	touch "$IDSRC/sub/f1000"
	chown 1000:1000 "$IDSRC/sub/f1000"
	maps='[{"containerID": 1000, "hostID": 2000, "size": 1}]'
	add_idmapped /r "$IDSRC" "$maps" "$maps" rbind ridmap
	add_idmapped /t "$IDSRC" "$maps" "$maps" rbind idmap
	set_sh 'stat -c "%n %u" /r/f1000 /r/sub/f1000 /t/f1000 /t/sub/f1000'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' '/r/f1000 2000' '/r/sub/f1000 2000' '/t/f1000 2000' '/t/sub/f1000 1000')"
}

# bats test_tags=rt-only
@test "idmap: uidMappings without an idmap option map the mount (as runc)" {
	id_tree
	update_config '.mounts += [{destination: "/i", type: "bind", source: $s, options: ["bind"],
		uidMappings: [{containerID: 1000, hostID: 3000, size: 1}], gidMappings: [{containerID: 1000, hostID: 3000, size: 1}]}]' \
		--arg s "$IDSRC"
	set_sh 'stat -c %u:%g /i/f1000'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 3000:3000
}

# config.md: no mappings and no user namespace is an error.
@test "idmap: without mappings or a user namespace, create fails naming the options" {
	id_tree
	n=$(next_mount)
	add_mount /i bind "$IDSRC" rbind idmap
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/mounts/$n/options" idmap
	no_idmap_helpers
}

# A filesystem without idmapped mounts (procfs): the op fails, the error
# names the field and the errno, and the user namespace's process is gone.
# bats test_tags=rt-only
@test "idmap: a source whose filesystem has no idmapped mounts fails with the field and errno" {
	n=$(next_mount)
	add_idmapped /i /proc/sys '[{"containerID": 0, "hostID": 1000, "size": 1}]' '[{"containerID": 0, "hostID": 1000, "size": 1}]' rbind idmap
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/mounts/$n/options" /proc/sys "invalid argument"
	no_idmap_helpers
	[ ! -d "$ROOT/$ID" ]
}
