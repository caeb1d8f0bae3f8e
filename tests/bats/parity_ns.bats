#!/usr/bin/env bats
# runc parity (issue 11), namespaces and the console: time namespace offsets
# (config-linux.md timeOffsets) with and without a user namespace; joining
# another container's user namespace (config-linux.md namespaces, devices);
# a container without a mount namespace with a terminal and hooks.

load helpers

setup_file() {
	# recvtty receives the pty master of a terminal: true container.
	if command -v go >/dev/null; then
		export RECVTTY=$BATS_FILE_TMPDIR/recvtty
		(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$RECVTTY" ./tests/bats/recvtty)
	fi
}

# ws LINES — squeeze whitespace, for comparing /proc/*/uid_map and offsets.
ws() { awk '{$1=$1; print}'; }

require_timens() {
	[ -e /proc/self/ns/time ] || skip "no time namespaces (Linux 5.6 or newer needed)"
}

userns_config() {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# time_offsets_config — a new time namespace with both offsets; the process
# prints its offsets, then the whole seconds of its boottime (/proc/uptime).
time_offsets_config() {
	set_namespace time
	update_config '.linux.timeOffsets = {monotonic: {secs: 7200, nanosecs: 0}, boottime: {secs: 864000, nanosecs: 0}}'
	set_sh 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
}

check_time_offsets() {
	local host
	host=$(cut -d. -f1 /proc/uptime)
	assert_eq "$(printf '%s\n' "${lines[0]}" | ws)" "monotonic 7200 0" "monotonic offset"
	assert_eq "$(printf '%s\n' "${lines[1]}" | ws)" "boottime 864000 0" "boottime offset"
	[ "${lines[2]}" -ge $((host + 864000 - 5)) ]
	[ "${lines[2]}" -le $((host + 864000 + 5)) ]
}

@test "parity_ns: timeOffsets with a new user namespace read back inside (issue 11 item 9)" {
	require_timens
	userns_config
	time_offsets_config
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	check_time_offsets
}

@test "parity_ns: timeOffsets without a user namespace read back inside (issue 11 item 9)" {
	require_timens
	time_offsets_config
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	check_time_offsets
}

@test "parity_ns: a time namespace without timeOffsets has both offsets 0, with a user namespace (issue 11 item 9)" {
	require_timens
	userns_config
	set_namespace time
	set_sh 'cat /proc/self/timens_offsets'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | ws)" "$(printf 'monotonic 0 0\nboottime 0 0')" "offsets"
}

# rt's words (runc's say "failed to update /proc/PID/timens_offsets").
# bats test_tags=rt-only
@test "parity_ns: timeOffsets the kernel refuses name /linux/timeOffsets (issue 11 item 9)" {
	require_timens
	userns_config
	set_namespace time
	# a monotonic clock cannot be set before the boot
	update_config '.linux.timeOffsets = {monotonic: {secs: -100000000, nanosecs: 0}}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/timeOffsets: write /proc/" "/timens_offsets: "
}

# host_device — prints a character device of the host that no default
# device covers, which a joined user namespace gets bound from the host.
host_device() {
	local d
	for d in /dev/fuse /dev/net/tun /dev/kvm; do
		if [ -c "$d" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

# start_userns_container — container A ($ID) with a user namespace of its
# own, running; sets PID_A.
start_userns_container() {
	userns_config
	set_cmd sleep 1000
	start_container "$ID"
	wait_for_status "$ID" running
	PID_A=$(container_pid "$ID")
}

# joiner_config ORDER... — the config of container B: it joins A's
# namespaces of the types given (as /proc/PID_A/ns paths), listed first in
# that order, then the namespaces it makes; a host device in linux.devices.
joiner_config() {
	local t f paths=()
	for t in "$@"; do
		case $t in
		network) f=net ;;
		*) f=$t ;;
		esac
		paths+=("$(jq -nc --arg t "$t" --arg p "/proc/$PID_A/ns/$f" '{type: $t, path: $p}')")
	done
	update_config 'del(.linux.uidMappings, .linux.gidMappings)
		| .linux.namespaces = ($j + [.linux.namespaces[] | select([.type] | inside($t) | not)])
		| .linux.devices = [{path: $d, type: "c", major: $ma, minor: $mi, fileMode: 438}]' \
		--argjson j "$(printf '%s\n' "${paths[@]}" | jq -sc .)" --argjson t "$(json_array "$@")" \
		--arg d "$DEV" --argjson ma "$((16#$(stat -c %t "$DEV")))" --argjson mi "$((16#$(stat -c %T "$DEV")))"
	set_sh 'cat /proc/self/uid_map; for n in user net ipc; do readlink /proc/self/ns/$n; done; stat -c "%F %t:%T" /dev/null "$0"'
	update_config '.process.args += [$d]' --arg d "$DEV"
}

check_joined() {
	assert_eq "$(echo "${lines[0]}" | ws)" "0 100000 65536" "uid_map in B"
	assert_eq "${lines[1]}" "$(readlink "/proc/$PID_A/ns/user")" "user ns"
	assert_eq "${lines[2]}" "$(readlink "/proc/$PID_A/ns/net")" "net ns"
	assert_eq "${lines[3]}" "$(readlink "/proc/$PID_A/ns/ipc")" "ipc ns"
	assert_eq "${lines[4]}" "character special file 1:3" "/dev/null in B"
	assert_eq "${lines[5]}" "character special file $(stat -c %t:%T "$DEV")" "$DEV in B"
}

@test "parity_ns: joining another container's user, net and ipc namespaces, user listed first, with devices (issue 11 item 10)" {
	DEV=$(host_device) || skip "no /dev/fuse, /dev/net/tun or /dev/kvm on this host"
	start_userns_container
	joiner_config user network ipc
	run rt run --bundle "$BUNDLE" "$(new_id)"
	[ "$status" -eq 0 ]
	check_joined
}

@test "parity_ns: joining another container's user, net and ipc namespaces, user listed last, with devices (issue 11 item 10)" {
	DEV=$(host_device) || skip "no /dev/fuse, /dev/net/tun or /dev/kvm on this host"
	start_userns_container
	joiner_config ipc network user
	run rt run --bundle "$BUNDLE" "$(new_id)"
	[ "$status" -eq 0 ]
	check_joined
}

@test "parity_ns: a joined user namespace with a network namespace of the host's (ip netns add) (issue 11 item 10)" {
	start_userns_container
	ns=$(make_netns)
	update_config 'del(.linux.uidMappings, .linux.gidMappings)
		| .linux.namespaces = [{type: "user", path: $u}]
			+ [.linux.namespaces[] | select(.type != "user" and .type != "network")]
			+ [{type: "network", path: $n}]' \
		--arg u "/proc/$PID_A/ns/user" --arg n "/var/run/netns/$ns"
	# sysfs cannot be mounted from a user namespace that does not own the
	# network namespace: bind the host's /sys, as rootless configs do.
	update_config '.mounts |= map(if .destination == "/sys" then
		{destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]}
		else . end)'
	set_sh 'cat /proc/self/uid_map; readlink /proc/self/ns/net'
	run rt run --bundle "$BUNDLE" "$(new_id)"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "${lines[0]}" | ws)" "0 100000 65536" "uid_map"
	assert_eq "${lines[1]}" "net:[$(stat -L -c %i "/var/run/netns/$ns")]" "net ns"
}

# runc makes the config's mounts in the host's mount namespace and leaves
# them there; rt makes none (README "Where rt differs from runc").
# bats test_tags=rt-only
@test "parity_ns: without a mount namespace the prestart, createRuntime and createContainer hooks run (issue 11 item 16)" {
	remove_namespace mount
	# runc and rt refuse masked and read-only paths without a mount namespace
	update_config 'del(.linux.maskedPaths, .linux.readonlyPaths)'
	log=$BATS_TEST_TMPDIR/hooks.log
	for k in prestart createRuntime createContainer; do
		update_config '.hooks[$k] += [{path: "/bin/sh", args: ["sh", "-c", ("echo " + $k + " >> " + $l)]}]' \
			--arg k "$k" --arg l "$log"
	done
	set_cmd true
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer " "hooks run"
}

# bats test_tags=rt-only
@test "parity_ns: without a mount namespace, terminal: true and hooks work (issue 11 item 16)" {
	[ -x "${RECVTTY:-}" ] || skip "go is needed to build tests/bats/recvtty"
	remove_namespace mount
	# runc and rt refuse masked and read-only paths without a mount namespace
	update_config 'del(.linux.maskedPaths, .linux.readonlyPaths)'
	log=$BATS_TEST_TMPDIR/hooks.log
	update_config '.process.terminal = true
		| .hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", ("echo createContainer >> " + $l)]}]
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "echo startContainer > /start-hook"]}]' \
		--arg l "$log"
	set_sh 'echo hello; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty'
	sock=$BATS_TEST_TMPDIR/console.sock
	"$RECVTTY" -ready "$BATS_TEST_TMPDIR/recv.ready" -timeout 30s "$sock" \
		>"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/recv.err" </dev/null &
	recv=$!
	track_bg "$recv"
	wait_for_file "$BATS_TEST_TMPDIR/recv.ready"
	create_container "$ID" --console-socket "$sock"
	rt start "$ID"
	wait_bg "$recv" 20
	cat "$BATS_TEST_TMPDIR/recv.err" >&2
	[ "$BG_STATUS" = 0 ]
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	assert_contains "$out" hello all-tty
	assert_eq "$(cat "$log")" createContainer "createContainer hook"
	assert_eq "$(cat "$BUNDLE/rootfs/start-hook")" startContainer "startContainer hook"
	# rt makes no mount in the host's mount namespace: no /dev/console bind
	[ ! -e "$BUNDLE/rootfs/dev/console" ]
}
