#!/usr/bin/env bats
# runc parity, config fields (issue 11): linux.memoryPolicy (item 8),
# pids.limit's special values and `update --pids-limit` (item 13), seccomp:
# SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SCMP_ACT_NOTIFY on write, an
# unreachable agent, startContainer hooks under the profile (item 15).
#
# rt-only: Debian's runc 1.1.5 has no memoryPolicy and treats pids.limit 0
# as no limit; the wording checked is rt's (runc's words plus the pointer).

load helpers

setup_file() {
	export LISTENER=$BATS_FILE_TMPDIR/listener
	if command -v go >/dev/null; then
		(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$LISTENER" ./tests/bats/seccomp/listener) ||
			rm -f "$LISTENER"
	fi
}

# ---------------------------------------------------------------------------
# linux.memoryPolicy (config-linux.md "Memory policy")

# need_numa — set_mempolicy and /proc/PID/numa_maps need CONFIG_NUMA, and
# the tests bind to node 0.
need_numa() {
	[ -r /proc/self/numa_maps ] || skip "no /proc/self/numa_maps (kernel without CONFIG_NUMA)"
	[ -d /sys/devices/system/node/node0 ] || skip "no NUMA node 0"
}

# set_mempolicy JSON — set .linux.memoryPolicy.
set_mempolicy() {
	update_config '.linux.memoryPolicy = $m' --argjson m "$1"
}

# bats test_tags=rt-only
@test "memoryPolicy: MPOL_INTERLEAVE on node 0 is the process's policy, for run and for exec (config-linux.md Memory policy)" {
	need_numa
	set_mempolicy '{"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
	set_sh 'head -n 1 /proc/self/numa_maps'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" " interleave:0 "
	# runc sets it for exec'd processes too
	set_cmd sleep 1000
	run_detached
	run rt exec "$ID" head -n 1 /proc/self/numa_maps
	[ "$status" -eq 0 ]
	assert_contains "$output" " interleave:0 "
}

# bats test_tags=rt-only
@test "memoryPolicy: MPOL_BIND with flags, MPOL_LOCAL, MPOL_PREFERRED without nodes (set_mempolicy(2))" {
	need_numa
	set_sh 'head -n 1 /proc/self/numa_maps'
	set_mempolicy '{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" " bind=static:0 "
	set_mempolicy '{"mode": "MPOL_LOCAL"}'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" " local "
	# PREFERRED with no node is local allocation
	set_mempolicy '{"mode": "MPOL_PREFERRED"}'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" " local "
}

# mempolicy_error JSON NEEDLE... — the create fails with one line holding
# every NEEDLE (the field's pointer, the words), and leaves nothing.
mempolicy_error() {
	set_mempolicy "$1"
	shift
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "$@"
	run rt list -q
	assert_eq "$output" "" "containers left"
}

# bats test_tags=rt-only
@test "memoryPolicy: a missing mode, an unknown mode or flag are errors naming the field (config-linux.md: mode REQUIRED)" {
	set_cmd true
	mempolicy_error '{"nodes": "0"}' /linux/memoryPolicy/mode missing
	mempolicy_error '{"mode": "MPOL_BOGUS", "nodes": "0"}' /linux/memoryPolicy/mode 'invalid memory policy mode "MPOL_BOGUS"'
	mempolicy_error '{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_BOGUS"]}' \
		/linux/memoryPolicy/flags/1 'invalid memory policy flag "MPOL_F_BOGUS"'
}

# bats test_tags=rt-only
@test "memoryPolicy: the nodes a mode needs, and the node list, are checked as runc checks them" {
	set_cmd true
	mempolicy_error '{"mode": "MPOL_BIND"}' /linux/memoryPolicy/nodes "requires at least one node"
	mempolicy_error '{"mode": "MPOL_INTERLEAVE", "nodes": ""}' /linux/memoryPolicy/nodes "requires at least one node"
	mempolicy_error '{"mode": "MPOL_DEFAULT", "nodes": "0"}' /linux/memoryPolicy/nodes "requires 0 nodes but got 1"
	mempolicy_error '{"mode": "MPOL_BIND", "nodes": "x"}' /linux/memoryPolicy/nodes 'invalid memory policy nodes "x"'
	mempolicy_error '{"mode": "MPOL_BIND", "nodes": "3-1"}' /linux/memoryPolicy/nodes 'invalid memory policy nodes "3-1"'
	mempolicy_error '{"mode": "MPOL_BIND", "nodes": "0-2000"}' /linux/memoryPolicy/nodes "above 1023"
}

# bats test_tags=rt-only
@test "memoryPolicy: what the kernel refuses (EINVAL) names /linux/memoryPolicy" {
	[ ! -d /sys/devices/system/node/node1000 ] || skip "node 1000 exists here"
	set_cmd true
	# no such node (ENOSYS on a kernel without NUMA)
	mempolicy_error '{"mode": "MPOL_BIND", "nodes": "1000"}' "/linux/memoryPolicy: set_mempolicy MPOL_BIND nodes 1000: "
	if [ -r /proc/self/numa_maps ]; then
		mempolicy_error '{"mode": "MPOL_BIND", "nodes": "1000"}' "invalid argument"
		# both node flags at once
		mempolicy_error '{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}' \
			"/linux/memoryPolicy: set_mempolicy MPOL_BIND nodes 0 MPOL_F_STATIC_NODES MPOL_F_RELATIVE_NODES" "invalid argument"
	fi
}

# bats test_tags=rt-only
@test "memoryPolicy: features lists the spec's modes and flags (features-linux.md MemoryPolicy)" {
	run "$RT" features
	[ "$status" -eq 0 ]
	assert_eq "$(jq -c .linux.memoryPolicy.modes <<<"$output")" \
		'["MPOL_BIND","MPOL_DEFAULT","MPOL_INTERLEAVE","MPOL_LOCAL","MPOL_PREFERRED","MPOL_PREFERRED_MANY","MPOL_WEIGHTED_INTERLEAVE"]' modes
	assert_eq "$(jq -c .linux.memoryPolicy.flags <<<"$output")" \
		'["MPOL_F_NUMA_BALANCING","MPOL_F_RELATIVE_NODES","MPOL_F_STATIC_NODES"]' flags
}

# ---------------------------------------------------------------------------
# linux.resources.pids.limit (config-linux.md "PIDs"; runc ≥ 1.4: 0 is a
# limit, written as 1; negative is max)

# pids_max — pids.max of the running container $ID.
pids_max() {
	cat "$(cgroup_path "$(container_pid "$ID")" pids)/pids.max"
}

@test "pids.limit 0 is a limit (config-linux.md): pids.max 1 as runc writes it, the process runs and cannot fork" {
	update_config '.linux.resources.pids = {limit: 0}'
	set_sh '/bin/true; echo forked=$?'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" "can't fork"
	assert_not_contains "$output" "forked=0"
	set_cmd sleep 1000
	run_detached
	assert_eq "$(pids_max)" 1 pids.max
}

@test "pids.limit 1 does not stop the create: the limit goes on once the init exists, as runc's" {
	update_config '.linux.resources.pids = {limit: 1}'
	set_cmd sleep 1000
	run_detached
	wait_for_status "$ID" running
	assert_eq "$(pids_max)" 1 pids.max
}

@test "pids.limit -1 and any negative value: no limit (max)" {
	set_cmd sleep 1000
	update_config '.linux.resources.pids = {limit: -1}'
	run_detached
	assert_eq "$(pids_max)" max pids.max
	rt delete -f "$ID"
	update_config '.linux.resources.pids = {limit: -7}'
	run_detached
	assert_eq "$(pids_max)" max pids.max
}

@test "update --pids-limit agrees: 0 writes 1, -1 and below max, N writes N" {
	update_config '.linux.resources.pids = {limit: 10}'
	set_cmd sleep 1000
	run_detached
	assert_eq "$(pids_max)" 10 pids.max
	rt update --pids-limit 0 "$ID"
	assert_eq "$(pids_max)" 1 "pids.max after --pids-limit 0"
	rt update --pids-limit -1 "$ID"
	assert_eq "$(pids_max)" max "pids.max after --pids-limit -1"
	rt update --pids-limit 5 "$ID"
	assert_eq "$(pids_max)" 5 "pids.max after --pids-limit 5"
	rt update --pids-limit -3 "$ID"
	assert_eq "$(pids_max)" max "pids.max after --pids-limit -3"
	# and --resources with pids.limit 0
	echo '{"pids": {"limit": 0}}' | rt update --resources - "$ID"
	assert_eq "$(pids_max)" 1 "pids.max after --resources pids.limit 0"
}

# ---------------------------------------------------------------------------
# seccomp (config-linux.md "Seccomp")

# set_seccomp JSON — set .linux.seccomp.
set_seccomp() {
	update_config '.linux.seccomp = $s' --argjson s "$1"
}

# start_listener ERRNO — the notify agent (tests/bats/seccomp/listener) on
# $LISTEN_SOCK, answering -ERRNO.
start_listener() {
	[ -x "${LISTENER:-}" ] || skip "listener not built (go needed)"
	require_seccomp_action SCMP_ACT_NOTIFY
	LISTEN_SOCK=$BATS_TEST_TMPDIR/listener.sock
	"$LISTENER" "$LISTEN_SOCK" "$BATS_TEST_TMPDIR/listener.state" "$1" 1 </dev/null 2>"$BATS_TEST_TMPDIR/listener.err" &
	LISTEN_PID=$!
	track_bg "$LISTEN_PID"
	retry_until 10 test -S "$LISTEN_SOCK"
}

# bats test_tags=rt-only
@test "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is loaded with the listener where the kernel has it (rt loads the filter itself: no libseccomp 2.6 needed)" {
	require_seccomp_flags SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	start_listener 123 # ENOMEDIUM
	set_seccomp "$(jq -nc --arg p "$LISTEN_SOCK" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}')"
	# seccomp(2) gets both flags (the kernel refuses WAIT_KILLABLE_RECV alone)
	run --separate-stderr rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$(grep '^ *[0-9]*  *seccomp ' <<<"$output")" " flags=new_listener|wait_killable_recv"
	set_sh 'mkdir /tmp/x; echo status=$?'
	run rt run --bundle "$BUNDLE" "$ID"
	cat "$BATS_TEST_TMPDIR/listener.err"
	[ "$status" -eq 0 ]
	assert_contains "$output" "No medium found" "status=1"
}

# bats test_tags=rt-only
@test "seccomp: SCMP_ACT_NOTIFY on write is refused, as runc refuses it, leaving nothing" {
	require_seccomp_action SCMP_ACT_NOTIFY
	set_seccomp "$(jq -nc --arg p "$BATS_TEST_TMPDIR/agent.sock" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}, {names: ["read", "write"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_cmd true
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/seccomp/syscalls/1/names/1" "SCMP_ACT_NOTIFY cannot be used for the write syscall"
	run rt list -q
	assert_eq "$output" ""
}

# bats test_tags=rt-only
@test "seccomp: an agent that cannot be reached: 'failed to connect with seccomp agent' with the field, in one line" {
	require_seccomp_action SCMP_ACT_NOTIFY
	set_seccomp "$(jq -nc --arg p "$BATS_TEST_TMPDIR/nobody.sock" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_cmd true
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/seccomp/listenerPath" "failed to connect with seccomp agent" nobody.sock
	run rt list -q
	assert_eq "$output" ""
}

# bats test_tags=rt-only
@test "seccomp: a startContainer hook runs under the container's profile, as runc's (noNewPrivileges: the filter is late)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	update_config '.process.noNewPrivileges = true
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "mkdir /tmp/hookdir 2>/tmp/hook.err; echo rc=$? >/tmp/hook.rc"]}]'
	set_cmd true
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$BUNDLE/rootfs/tmp/hook.rc")" rc=1 "the hook's mkdir"
	assert_contains "$(cat "$BUNDLE/rootfs/tmp/hook.err")" "Read-only file system"
	[ ! -e "$BUNDLE/rootfs/tmp/hookdir" ]
}
