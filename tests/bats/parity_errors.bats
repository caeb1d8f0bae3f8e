#!/usr/bin/env bats
# runc parity (issue 11, items 20-24 and 27): the words runc's users and
# their tools match, said by rt in the same line as its JSON pointer; exec
# --cap and the ambient set; what `features` claims.

load helpers

# line_has TEXT NEEDLE... — some line of TEXT holds every NEEDLE.
line_has() {
	local text=$1 line n ok
	shift
	while IFS= read -r line; do
		ok=1
		for n in "$@"; do
			[[ $line == *"$n"* ]] || ok=0
		done
		[ "$ok" -eq 1 ] && return 0
	done <<<"$text"
	echo "no line of <<$text>> holds all of: $*" >&2
	return 1
}

# failing_hooks KIND — a hook that succeeds, then one that fails (exit 3,
# saying "oops" on stderr), as KIND.
failing_hooks() {
	update_config '.hooks[$k] = [{path: "/bin/true"}, {path: "/bin/sh", args: ["sh", "-c", "echo oops >&2; exit 3"]}]' --arg k "$1"
}

# --- 20. hooks -------------------------------------------------------------

@test "parity: a failing prestart, createRuntime or createContainer hook says 'error running <kind> hook #<n>:' with /hooks/<kind>/<n>" {
	local k id
	set_cmd true
	for k in prestart createRuntime createContainer; do
		update_config 'del(.hooks)'
		failing_hooks "$k"
		id=$(new_id)
		run --separate-stderr rt_noio create --bundle "$BUNDLE" "$id"
		echo "$k: status $status stderr $stderr"
		[ "$status" -eq 1 ]
		line_has "$stderr" "error running $k hook #1: " "/hooks/$k/1"
		run rt state "$id"
		[ "$status" -ne 0 ]
	done
}

@test "parity: a failing startContainer hook says 'error running startContainer hook #1:' with /hooks/startContainer/1" {
	failing_hooks startContainer
	# the hook runs in the container: its /bin/sh and /bin/true are busybox's
	set_cmd true
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "status $status stderr $stderr"
	[ "$status" -ne 0 ]
	line_has "$stderr" "error running startContainer hook #1: " "/hooks/startContainer/1"
}

@test "parity: a failing poststart or poststop hook is a warning saying 'error running <kind> hook #<n>:' with /hooks/<kind>/<n>" {
	local k id
	set_cmd true
	for k in poststart poststop; do
		update_config 'del(.hooks)'
		failing_hooks "$k"
		id=$(new_id)
		run --separate-stderr rt_noio run --bundle "$BUNDLE" "$id"
		echo "$k: status $status stderr $stderr"
		[ "$status" -eq 0 ]
		line_has "$stderr" warning "error running $k hook #1: " "/hooks/$k/1"
	done
}

# --- 21. ambient capabilities the kernel refuses ---------------------------

# with_no_ambient_raise CMD... — CMD with SECBIT_NO_CAP_AMBIENT_RAISE set
# (securebits outlive exec): the kernel then refuses every ambient raise.
with_no_ambient_raise() {
	capsh --secbits=0x40 -- -c 'exec "$@"' with_no_ambient_raise "$@"
}

require_capsh() {
	if ! command -v capsh >/dev/null; then
		skip "needs capsh (libcap2-bin) to set SECBIT_NO_CAP_AMBIENT_RAISE"
	fi
}

@test "parity: an ambient capability the kernel refuses is a warning 'can't raise ambient capability CAP_X: ...' with /process/capabilities/ambient; the process runs" {
	require_capsh
	update_config '.process.capabilities.inheritable = ["CAP_KILL"]
		| .process.capabilities.ambient = ["CAP_KILL"]'
	set_cmd grep CapAmb /proc/self/status
	local log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr with_no_ambient_raise "$RT" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	line_has "$output" "CapAmb:	0000000000000000"
	# with --log the warning goes there only, as runc's
	assert_eq "$stderr" "" "stderr"
	jq -e 'select(.level == "warning" and (.msg | contains("/process/capabilities/ambient: can'"'"'t raise ambient capability CAP_KILL")))' "$log" >/dev/null
}

@test "parity: exec --cap: an ambient capability the kernel refuses is a warning 'can't raise ambient capability CAP_X: ...'" {
	require_capsh
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_NET_RAW"], effective: ["CAP_KILL"],
		permitted: ["CAP_KILL"], inheritable: ["CAP_KILL", "CAP_NET_RAW"]}'
	set_cmd sleep 1000
	run_detached
	run --separate-stderr with_no_ambient_raise "$RT" --root "$ROOT" exec --cap CAP_NET_RAW "$ID" true
	echo "status $status stderr $stderr"
	[ "$status" -eq 0 ]
	line_has "$stderr" warning "can't raise ambient capability CAP_NET_RAW: " /process/capabilities/ambient
}

# --- 22. exec --cap and the ambient set -------------------------------------

@test "parity: exec --cap adds to the ambient set when the config has an inheritable set that holds the capability, as runc" {
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_NET_RAW"], effective: ["CAP_KILL"],
		permitted: ["CAP_KILL"], inheritable: ["CAP_KILL", "CAP_NET_RAW"], ambient: ["CAP_KILL"]}'
	set_cmd sleep 1000
	run_detached
	run --separate-stderr rt exec --cap CAP_NET_RAW "$ID" grep -E '^Cap(Prm|Eff|Bnd|Amb)' /proc/self/status
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	# CAP_KILL (5) and CAP_NET_RAW (13)
	line_has "$output" "CapAmb:	0000000000002020"
	line_has "$output" "CapPrm:	0000000000002020"
	line_has "$output" "CapBnd:	0000000000002020"
}

@test "parity: exec --cap leaves the ambient set alone when the config has no inheritable set, as runc" {
	update_config '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	set_cmd sleep 1000
	run_detached
	run --separate-stderr rt exec --cap CAP_NET_RAW "$ID" grep -E '^Cap(Prm|Amb)' /proc/self/status
	echo "status $status stdout $output stderr $stderr"
	[ "$status" -eq 0 ]
	line_has "$output" "CapAmb:	0000000000000000"
	line_has "$output" "CapPrm:	0000000000002020"
	assert_not_contains "$stderr" ambient
}

# --- 23. errors tools match -------------------------------------------------

@test "parity: unified resources for a controller on cgroup v1 are an 'invalid configuration' naming /linux/resources/unified/<key>" {
	if [ ! -d "$CGROUP_ROOT/memory" ] || [ -e "$CGROUP_ROOT/cgroup.controllers" ]; then
		skip "needs the memory controller on a cgroup v1 hierarchy (v1 or hybrid host)"
	fi
	update_config '.linux.resources.unified = {"memory.max": "100000000"}'
	set_cmd true
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "status $status stderr $stderr"
	assert_error
	line_has "$stderr" "invalid configuration" /linux/resources/unified
}

@test "parity: exec --cgroup outside the container's cgroup is a 'bad sub cgroup path' naming --cgroup" {
	local v
	set_cmd sleep 1000
	run_detached
	for v in ../.. ../../x /../x memory:../..; do
		run --separate-stderr rt exec --cgroup "$v" "$ID" true
		echo "$v: status $status stderr $stderr"
		assert_error
		line_has "$stderr" "bad sub cgroup path" "--cgroup \"$v\""
	done
}

@test "parity: proc or sysfs on a symlink (or a file) fails 'must be mounted on ordinary directory' naming /mounts/<i>/destination" {
	local d kind mi id
	set_cmd true
	for d in proc sys; do
		for kind in symlink dangling file; do
			rm -rf "${BUNDLE:?}/rootfs/$d" "$BUNDLE/rootfs/elsewhere"
			case $kind in
			symlink)
				mkdir "$BUNDLE/rootfs/elsewhere"
				ln -s elsewhere "$BUNDLE/rootfs/$d"
				;;
			dangling) ln -s /elsewhere "$BUNDLE/rootfs/$d" ;;
			file) : >"$BUNDLE/rootfs/$d" ;;
			esac
			mi=$(jq --arg d "/$d" '[.mounts[].destination] | to_entries[] | select(.value == $d) | .key' "$BUNDLE/config.json")
			id=$(new_id)
			run --separate-stderr rt_noio run --bundle "$BUNDLE" "$id"
			echo "/$d $kind: status $status stderr $stderr"
			assert_error
			line_has "$stderr" "must be mounted on ordinary directory" "/mounts/$mi/destination"
			[ ! -d "$BUNDLE/rootfs/elsewhere" ] || [ -z "$(ls -A "$BUNDLE/rootfs/elsewhere")" ]
		done
		rm -rf "${BUNDLE:?}/rootfs/$d" "$BUNDLE/rootfs/elsewhere"
		mkdir "$BUNDLE/rootfs/$d"
	done
}

@test "parity: a scheduler the kernel refuses for a container with a cpuset says 'process scheduler can't be used together with AllowedCPUs' with /process/scheduler" {
	if [ "$(nproc)" -lt 2 ]; then
		skip "needs 2 CPUs: SCHED_DEADLINE is refused only for a cpuset smaller than the machine"
	fi
	update_config '.linux.resources.cpu.cpus = "0"
		| .process.scheduler = {policy: "SCHED_DEADLINE", runtime: 10000000, deadline: 20000000, period: 20000000}'
	set_cmd true
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "status $status stderr $stderr"
	assert_error
	line_has "$stderr" "process scheduler can't be used together with AllowedCPUs" /process/scheduler
}

@test "parity: exec joins the container's cgroup in every hierarchy, the unified one too" {
	set_cmd sleep 1000
	run_detached
	local pidfile=$BATS_TEST_TMPDIR/exec.pid init
	rt exec -d --pid-file "$pidfile" "$ID" sleep 1000
	init=$(container_pid "$ID")
	assert_eq "$(cat "/proc/$(cat "$pidfile")/cgroup")" "$(cat "/proc/$init/cgroup")" "the exec'd process's cgroups"
	grep -q '^0::/.' "/proc/$init/cgroup"
}

# --- 24. state errors -------------------------------------------------------

@test "parity: pause of a paused container says 'container not running', resume of a running one 'container not paused'" {
	set_cmd sleep 1000
	run_detached
	rt pause "$ID"
	run --separate-stderr rt pause "$ID"
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" "container not running"
	rt resume "$ID"
	run --separate-stderr rt resume "$ID"
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" "container not paused"
}

@test "parity: start of a running container says 'cannot start an already running container'" {
	set_cmd sleep 1000
	run_detached
	run --separate-stderr rt start "$ID"
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" "cannot start an already running container"
}

@test "parity: create or run of an id in use says 'container with given ID already exists'" {
	local cmd
	set_cmd sleep 1000
	run_detached
	for cmd in create run; do
		run --separate-stderr rt_noio "$cmd" --bundle "$BUNDLE" "$ID"
		echo "$cmd: status $status stderr $stderr"
		assert_error
		assert_contains "$stderr" "container with given ID already exists"
	done
	[ "$(container_status "$ID")" = running ]
}

# --- 27. features -----------------------------------------------------------

@test "parity: features lists the idmap and ridmap mount options, the LSMs, and no netDevices" {
	local f=$BATS_TEST_TMPDIR/features.json
	"$RT" features >"$f"
	jq -e '.mountOptions | index("idmap") and index("ridmap")' "$f" >/dev/null
	jq -e '.linux.mountExtensions.idmap.enabled == true' "$f" >/dev/null
	jq -e '.linux.apparmor.enabled == true' "$f" >/dev/null
	jq -e '.linux.selinux.enabled == true' "$f" >/dev/null
	jq -e '.linux.netDevices.enabled == false' "$f" >/dev/null
}
