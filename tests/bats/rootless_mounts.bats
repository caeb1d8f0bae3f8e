#!/usr/bin/env bats
# Rootless mounts and devices (issue 14, item 4): rt run by an ordinary user
# (made by setup_file, see rootless_helpers.bash) binds host devices instead
# of mknod, binds sysfs from the host when a new one is not allowed, carries
# a bind source's locked flags over, binds sources from inside the user
# namespace (never open_tree as a privilege the user lacks), seals its
# binary on an overlayfs without privilege, and turns each refusal into a
# one-line error naming the config field. The last tests are root's: in a
# nested user namespace, and with a user namespace in the config.

load helpers
load rootless_helpers

setup_file() {
	rl_setup_file
}

teardown_file() {
	rl_teardown_file
}

setup() {
	rl_setup
}

teardown() {
	rl_teardown_then rlm_untmpfs teardown_bundle
}

# rlm_untmpfs — unmount and remove rlm_tmpfs's mount, if any.
rlm_untmpfs() {
	[ -n "${RLM_TMPFS:-}" ] || return 0
	if mountpoint -q "$RLM_TMPFS"; then
		umount "$RLM_TMPFS" || return 1
	fi
	rmdir "$RLM_TMPFS" 2>/dev/null || true
}

# rlm_tmpfs DIR — a tmpfs at DIR that the user may write, mounted by root
# with nosuid,nodev,noexec: flags a user namespace locks on its copy.
rlm_tmpfs() {
	RLM_TMPFS=$1
	mkdir -p "$RLM_TMPFS"
	mount -t tmpfs -o nosuid,nodev,noexec,mode=0777,size=1m rlmtmpfs "$RLM_TMPFS"
}

# rlm_add_mount DEST SOURCE OPTION... — append a bind to the user's bundle;
# RLM_N is its index in .mounts.
rlm_add_mount() {
	local dest=$1 src=$2
	shift 2
	RLM_N=$(jq '.mounts | length' "$B/config.json")
	rl_config '.mounts += [{destination: $d, type: "bind", source: $s, options: $o}]' \
		--arg d "$dest" --arg s "$src" --argjson o "$(json_array "$@")"
}

# rlm_sysfs — the bundle's /sys becomes a fresh sysfs mount, as `rt spec`
# writes it for root (--rootless binds /sys itself).
rlm_sysfs() {
	rl_config '.mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "sysfs", source: "sysfs",
		options: ["nosuid", "noexec", "nodev", "ro"]} else . end)
		| .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
}

@test "rootless mounts: a device of linux.devices is the host's node bound onto an empty file" {
	[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
	rl_config '.linux.devices = [{path: "/dev/net/tun", type: "c", major: 10, minor: 200}]'
	rl_cmd sh -c 'stat -c "%F %t:%T" /dev/net/tun; grep " /dev/net/tun " /proc/self/mountinfo'
	run --separate-stderr urt_noio run --bundle "$B" rlm1
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "${lines[0]}" "character special file a:c8" "/dev/net/tun in the container"
	assert_contains "${lines[1]}" " /dev/net/tun "
}

@test "rootless mounts: a device the host lacks is a one-line error naming /linux/devices/N, and nothing is left" {
	[ ! -e /dev/rtbats-none ] || skip "the host has /dev/rtbats-none"
	rl_config '.linux.devices = [{path: "/dev/null", type: "c", major: 1, minor: 3}, {path: "/dev/rtbats-none", type: "c", major: 1, minor: 3}]'
	run --separate-stderr urt_noio run --bundle "$B" rlm11
	assert_error
	assert_contains "$stderr" "/linux/devices/1" "/dev/rtbats-none" "cannot create device nodes"
	rl_no_state
}

@test "rootless mounts: the default devices work (bound from the host)" {
	rl_cmd sh -c 'stat -c "%t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; echo x >/dev/null; head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c'
	run --separate-stderr urt_noio run --bundle "$B" rlm2
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "$(printf '%s ' "${lines[@]}")" "1:3 1:5 1:7 1:8 1:9 5:0 4 4 " "device numbers, then bytes read"
}

@test "rootless mounts: a sysfs mount without a network namespace is the host's /sys bound read-only" {
	rlm_sysfs
	rl_cmd sh -c 'awk "\$5 == \"/sys\"" /proc/self/mountinfo; ls /sys/kernel >/dev/null && echo kernel-ok'
	run --separate-stderr urt_noio run --bundle "$B" rlm3
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_contains "${lines[0]}" " /sys ro," "- sysfs "
	assert_eq "${lines[1]}" kernel-ok
}

@test "rootless mounts: with a network namespace of its own, the container gets a fresh sysfs" {
	rlm_sysfs
	rl_config '.linux.namespaces += [{type: "network"}]'
	rl_cmd sh -c 'ls /sys/class/net'
	run --separate-stderr urt_noio run --bundle "$B" rlm4
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "$output" lo "the network devices its sysfs shows"
}

@test "rootless mounts: a bind of a nosuid,nodev,noexec host mount with plain options keeps the locked flags" {
	rlm_tmpfs "$RL_HOME/tfs"
	rlm_add_mount /mnt "$RL_HOME/tfs" bind ro
	rl_cmd sh -c 'grep " /mnt " /proc/self/mountinfo'
	run --separate-stderr urt_noio run --bundle "$B" rlm5
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	opts=$(echo "$output" | cut -d' ' -f6)
	assert_option "$opts" ro
	assert_option "$opts" nosuid
	assert_option "$opts" nodev
	assert_option "$opts" noexec
}

@test "rootless mounts: options that clear a locked flag are a one-line error naming /mounts/N/options" {
	rlm_tmpfs "$RL_HOME/tfs"
	rlm_add_mount /mnt "$RL_HOME/tfs" bind dev ro
	run --separate-stderr urt_noio run --bundle "$B" rlm6
	assert_error
	assert_contains "$stderr" "/mounts/$RLM_N/options" "nodev" "locks"
	rl_no_state
}

@test "rootless mounts: a bind source the user cannot reach is a one-line error naming /mounts/N, and nothing is left" {
	mkdir -m 0700 "$RL_HOME/rootowned"
	mkdir "$RL_HOME/rootowned/data"
	rlm_add_mount /mnt "$RL_HOME/rootowned/data" rbind
	run --separate-stderr urt_noio run --bundle "$B" rlm7
	assert_error
	assert_contains "$stderr" "/mounts/$RLM_N" "$RL_HOME/rootowned/data" "permission denied"
	rl_no_state
}

@test "rootless mounts: an idmapped bind is a one-line error naming /mounts/N/options, and nothing is left" {
	as_user mkdir "$RL_HOME/idm"
	RLM_N=$(jq '.mounts | length' "$B/config.json")
	rl_config '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "idmap"],
		uidMappings: [{containerID: 0, hostID: $u, size: 1}], gidMappings: [{containerID: 0, hostID: $g, size: 1}]}]' \
		--arg s "$RL_HOME/idm" --argjson u "$RL_UID" --argjson g "$RL_GID"
	run --separate-stderr urt_noio run --bundle "$B" rlm10
	assert_error
	assert_contains "$stderr" "/mounts/$RLM_N/options" "idmapped" "unprivileged"
	rl_no_state
}

# rlm_userns_overlay — the user may mount an overlayfs in a user namespace
# of its own (Linux 5.11 and later); what the seal needs.
rlm_userns_overlay() {
	local d=$RL_HOME/ovl rc=0
	as_user mkdir -p "$d/a" "$d/b" "$d/m"
	as_user unshare -Urm mount -t overlay -o "lowerdir=$d/a:$d/b" none "$d/m" 2>/dev/null || rc=$?
	rm -rf "$d"
	return "$rc"
}

@test "rootless mounts: the stage runs from the user's rt binary sealed on a read-only overlayfs, not a memfd copy (CVE-2019-5736)" {
	rlm_userns_overlay || skip "an ordinary user cannot mount an overlayfs in a user namespace here (Linux < 5.11)"
	rl_cmd sleep 1000
	run --separate-stderr urt_noio --debug create --bundle "$B" rlm8
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_contains "$stderr" "seal: the stage runs from a read-only overlayfs made in a user namespace"
	assert_not_contains "$stderr" "memfd copy"
	pid=$(urt state rlm8 | jq -r .pid)
	exe=$(readlink "/proc/$pid/exe")
	assert_not_contains "$exe" memfd
	assert_eq "$(stat -L -f -c %T "/proc/$pid/exe")" overlayfs "filesystem of the init's exe ($exe)"
	# the binary belongs to the user, the container's root: without the
	# seal the container could rewrite it; through the overlay not even
	# root can
	run sh -c "echo x >>/proc/$pid/exe"
	[ "$status" -ne 0 ]
	cmp "$RT" "$RL_RT"
}

@test "rootless mounts: root in a nested user namespace binds devices and sysfs (no user namespace in the config)" {
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	rl_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)
		| .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229}]'
	rlm_sysfs
	rl_cmd sh -c 'stat -c "%t:%T" /dev/fuse /dev/null; grep -c -e " /dev/fuse " -e " /sys ro,.* - sysfs " /proc/self/mountinfo'
	RL_NOXDG=1
	run --separate-stderr as_user unshare -Ur env XDG_RUNTIME_DIR="$RL_XDG" "$RL_RT" run --bundle "$B" rlm9 </dev/null
	RL_NOXDG=
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "$(printf '%s ' "${lines[@]}")" "a:e5 1:3 2 " "device numbers, then the binds of /dev/fuse and /sys"
}

@test "rootless mounts: root with a user namespace binds devices, and a bind's options may clear a flag of the source" {
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	setup_bundle
	chown -R "$RL_SUBUID:$RL_SUBGID" "$BUNDLE/rootfs"
	rlm_tmpfs "$BATS_TEST_TMPDIR/tfs"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: $u, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 65536}]
		| .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229}]
		| .mounts += [{destination: "/mnt", type: "bind", source: $t, options: ["bind", "dev", "ro"]}]' \
		--argjson u "$RL_SUBUID" --argjson g "$RL_SUBGID" --arg t "$RLM_TMPFS"
	set_sh 'stat -c "%t:%T" /dev/fuse; grep -c " /dev/fuse " /proc/self/mountinfo; grep " /mnt " /proc/self/mountinfo'
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	assert_eq "${lines[0]}" a:e5 "/dev/fuse"
	assert_eq "${lines[1]}" 1 "binds of /dev/fuse"
	opts=$(echo "${lines[2]}" | cut -d' ' -f6)
	assert_option "$opts" ro
	assert_option "$opts" nosuid
	refute_option "$opts" nodev
}
