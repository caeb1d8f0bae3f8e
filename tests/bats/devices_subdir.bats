#!/usr/bin/env bats
# Issue 16, items 1 and 2: what Docker and podman ask of rt for
# `--device /dev/net/tun`, `/dev/dri/*`, `/dev/snd/*` and `--privileged`:
# device nodes in subdirectories of /dev (made, or bound from the host in a
# user namespace), a privileged config (every host device, every
# capability: those rt cannot grant are left out with a warning that goes to
# --log, never into the container's stderr, which containerd's shim gives
# rt), and `docker update`'s resources through containerd's shim (every
# field, zeroes for "unchanged").
#
# The host nodes the tests bind live in /dev/rt-test-sub-PID-N, made with
# mknod and removed in teardown (defer).

load helpers

# host_nodes — make $HOSTSUB/dri/card0 (c 1:3, a null device) and
# $HOSTSUB/blk (b 7:0) on the host; removed in teardown.
host_nodes() {
	HOSTSUB=/dev/rt-test-sub-$$-$BATS_SUITE_TEST_NUMBER
	defer rm -rf "$HOSTSUB"
	mkdir -p "$HOSTSUB/dri"
	mknod -m 0660 "$HOSTSUB/dri/card0" c 1 3
	chown 0:44 "$HOSTSUB/dri/card0"
	mknod -m 0640 "$HOSTSUB/blk" b 7 0
}

userns_config() {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# add_device PATH TYPE MAJOR MINOR MODE UID GID — append to linux.devices
# (MODE in octal).
add_device() {
	update_config '.linux.devices += [{path: $p, type: $t, major: ($ma | tonumber), minor: ($mi | tonumber),
		fileMode: ($m | tonumber), uid: ($u | tonumber), gid: ($g | tonumber)}]' \
		--arg p "$1" --arg t "$2" --arg ma "$3" --arg mi "$4" --arg m "$((8#$5))" --arg u "$6" --arg g "$7"
}

# host_devices — every device node of the host's /dev as Docker's and
# podman's --privileged list them (not /dev/pts, /dev/shm, /dev/mqueue):
# "PATH TYPE MAJOR MINOR MODE UID GID" lines, numbers and mode in decimal.
host_devices() {
	local p t f
	find /dev \( -path /dev/pts -o -path /dev/shm -o -path /dev/mqueue \) -prune -o \
		\( -type c -o -type b \) -print | sort | while read -r p; do
		t=c
		[ -b "$p" ] && t=b
		read -r -a f < <(stat -c '%t %T %a %u %g' "$p")
		echo "$p $t $((16#${f[0]})) $((16#${f[1]})) $((8#${f[2]})) ${f[3]} ${f[4]}"
	done
}

# privileged_config — linux.devices = every host device, an allow-all
# device rule, and every capability rt knows in the bounding, effective and
# permitted sets: what `docker run --privileged` sends.
privileged_config() {
	local devs caps
	devs=$(host_devices | jq -R -s '[split("\n")[] | select(length > 0) | split(" ")
		| {path: .[0], type: .[1], major: (.[2] | tonumber), minor: (.[3] | tonumber),
		   fileMode: (.[4] | tonumber), uid: (.[5] | tonumber), gid: (.[6] | tonumber)}]')
	caps=$("$RT" features | jq -c .linux.capabilities)
	update_config '.linux.devices = $d | .linux.resources.devices = [{allow: true, access: "rwm"}]
		| .process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
		--argjson d "$devs" --argjson c "$caps"
}

# subdir_nodes — the host's device nodes in subdirectories of /dev (those
# the privileged list carries), one path a line.
subdir_nodes() {
	host_devices | awk '{ print $1 }' | awk -F/ 'NF > 3'
}

@test "devices_subdir: nodes in subdirectories of /dev are made with their type, numbers, mode and owner; the parents are 0755" {
	add_device /dev/dri/card0 c 1 3 0660 0 44
	add_device /dev/snd/by-x/pcmC0D0p c 1 3 0600 5 6
	add_device /dev/rt-sub/blk b 7 0 0640 0 0
	set_sh 'for p in /dev/dri/card0 /dev/snd/by-x/pcmC0D0p /dev/rt-sub/blk; do stat -c "%n %F %t:%T %a %u:%g" $p; done
		for d in /dev/dri /dev/snd /dev/snd/by-x /dev/rt-sub; do stat -c "%n %a" $d; done
		echo written >/dev/dri/card0 && echo write-ok'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID" </dev/null
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "/dev/dri/card0 character special file 1:3 660 0:44
/dev/snd/by-x/pcmC0D0p character special file 1:3 600 5:6
/dev/rt-sub/blk block special file 7:0 640 0:0
/dev/dri 755
/dev/snd 755
/dev/snd/by-x 755
/dev/rt-sub 755
write-ok" "the nodes and their directories"
}

@test "devices_subdir: /dev/net/tun opens, as docker run --device /dev/net/tun asks (its rule is a default one, as runc's)" {
	[ -c /dev/net/tun ] || skip "the host has no /dev/net/tun"
	add_device /dev/net/tun c 10 200 0666 0 0
	# an open tun fd reads EBADFD until TUNSETIFF: the open itself worked
	set_sh 'cat /dev/net/tun 2>&1; stat -c "%t:%T %a" /dev/net/tun'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID" </dev/null
	echo "status $status stdout $output stderr $stderr"
	assert_contains "$output" "File descriptor in bad state" "a:c8 666"
}

@test "devices_subdir: a node in a subdirectory opens with its cgroup rule and not without it" {
	add_device /dev/rt-sub/loop0 b 7 0 0600 0 0
	set_sh ': </dev/rt-sub/loop0 && echo open-ok'
	update_config '.linux.resources.devices += [{allow: true, type: "b", major: 7, minor: 0, access: "rw"}]'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID" </dev/null
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" open-ok "with the rule"
	update_config '.linux.resources.devices |= map(select(.major != 7))'
	run --separate-stderr rt run --bundle "$BUNDLE" "$(new_id)" </dev/null
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -ne 0 ]
	assert_eq "$output" "" "without the rule"
	assert_contains "$stderr" "Operation not permitted"
}

@test "devices_subdir: in a new user namespace the host's nodes in subdirectories are bound (mknod is not allowed there)" {
	host_nodes
	userns_config
	add_device "$HOSTSUB/dri/card0" c 1 3 0660 0 44
	add_device "$HOSTSUB/blk" b 7 0 0640 0 0
	set_sh "stat -c '%n %F %t:%T' $HOSTSUB/dri/card0 $HOSTSUB/blk; stat -c '%a' $HOSTSUB/dri
		grep -c ' $HOSTSUB/' /proc/self/mountinfo"
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID" </dev/null
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$HOSTSUB/dri/card0 character special file 1:3
$HOSTSUB/blk block special file 7:0
755
2" "the bound nodes"
}

# runc 1.5 refuses a capability it does not hold (CAP_SYS_RESOURCE here):
# `docker run --privileged` fails with it ("unable to apply caps").
# bats test_tags=rt-only
@test "devices_subdir: a privileged config runs: every host device, subdirectories included; the capabilities rt holds; the others warned about in --log only" {
	host_nodes
	privileged_config
	local want missing
	want=$(subdir_nodes)
	assert_contains "$want" "$HOSTSUB/dri/card0" "$HOSTSUB/blk"
	set_sh "for p in $(echo "$want" | tr '\n' ' '); do [ -c \$p ] || [ -b \$p ] || echo missing \$p; done
		grep CapEff /proc/self/status | cut -f2"
	log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr rt --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	echo "status $status stdout $output stderr $stderr"
	cat "$log"
	[ "$status" -eq 0 ]
	# the container's stderr is rt's: no warning there
	assert_eq "$stderr" "" "stderr"
	missing=$(grep '^missing' <<<"$output" || true)
	assert_eq "$missing" "" "host nodes missing in the container"
	# every capability the caller holds (rt knows them all: one per
	# capability up to cap_last_cap)
	if [ "$("$RT" features | jq '.linux.capabilities | length')" -eq "$(($(cat /proc/sys/kernel/cap_last_cap) + 1))" ]; then
		assert_eq "$(tail -n 1 <<<"$output")" "$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)" "CapEff"
	fi
	if ! has_cap CAP_SYS_RESOURCE; then
		jq -e 'select(.level == "warning" and (.msg | contains("CAP_SYS_RESOURCE cannot be granted")))' "$log" >/dev/null
	fi
}

@test "devices_subdir: a privileged config in a new user namespace (podman --privileged --uidmap): the host's nodes in subdirectories are bound" {
	host_nodes
	privileged_config
	userns_config
	local want
	want=$(subdir_nodes)
	set_sh "for p in $(echo "$want" | tr '\n' ' '); do [ -c \$p ] || [ -b \$p ] || echo missing \$p; done; echo done"
	log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr rt --log "$log" run --bundle "$BUNDLE" "$ID" </dev/null
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$output" "done" "host nodes missing in the container"
}

# Docker's `docker update --memory 64m` reaches the runtime through
# containerd's shim as `update --resources -` with every field, zeroes for
# those it does not change; runc takes a zero as "unchanged".
@test "devices_subdir: update --resources with docker update's zeroes (cpu period, quota, shares 0) changes the memory limit only" {
	set_cmd sleep 1000
	run_detached
	local pid mem cpu period_before shares_before
	pid=$(container_pid "$ID")
	mem=$(cgroup_path "$pid" memory)
	cpu=$(cgroup_path "$pid" cpu)
	[ -n "$mem" ] || skip "no memory controller"
	period_before=$(cat "$cpu/cpu.cfs_period_us" 2>/dev/null || cat "$cpu/cpu.max")
	shares_before=$(cat "$cpu/cpu.shares" 2>/dev/null || cat "$cpu/cpu.weight")
	run --separate-stderr rt update --resources - "$ID" <<<'{"memory":{"limit":67108864,"reservation":0,"swap":134217728,"kernel":0},"cpu":{"shares":0,"quota":0,"period":0},"blockIO":{"weight":0}}'
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$mem/memory.limit_in_bytes" 2>/dev/null || cat "$mem/memory.max")" 67108864 "memory limit"
	assert_eq "$(cat "$cpu/cpu.cfs_period_us" 2>/dev/null || cat "$cpu/cpu.max")" "$period_before" "cpu period"
	assert_eq "$(cat "$cpu/cpu.shares" 2>/dev/null || cat "$cpu/cpu.weight")" "$shares_before" "cpu shares"
	# the flag form too, as runc's
	run --separate-stderr rt update --cpu-period 0 --memory 96m "$ID"
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$mem/memory.limit_in_bytes" 2>/dev/null || cat "$mem/memory.max")" 100663296 "memory limit"
}
