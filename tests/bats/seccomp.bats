#!/usr/bin/env bats
# linux.seccomp (config-linux.md "Seccomp"): actions, errnoRet and
# defaultErrnoRet, argument filters, flags, the ENOSYS answer for syscalls
# newer than the profile (DESIGN.md "Details that bite"), SCMP_ACT_NOTIFY
# with listenerPath/listenerMetadata ("The Container Process State").
#
# busybox cannot make raw syscalls: tests/bats/seccomp/probe.c is built
# with `gcc -static` and copied into the bundle as /probe; the notify agent
# is tests/bats/seccomp/listener (go build).
#
# rt-only: rt's wording, and what Debian's runc 1.1.5 does not do (the
# ENOSYS stub, flags, the warning, notify as tested here).

load helpers

UNISTD_64=/usr/include/x86_64-linux-gnu/asm/unistd_64.h

setup_file() {
	export PROBE=$BATS_FILE_TMPDIR/probe LISTENER=$BATS_FILE_TMPDIR/listener
	if command -v gcc >/dev/null; then
		gcc -static -O2 -o "$PROBE" "$BATS_TEST_DIRNAME/seccomp/probe.c" || rm -f "$PROBE"
	fi
	if command -v go >/dev/null; then
		(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$LISTENER" ./tests/bats/seccomp/listener) ||
			rm -f "$LISTENER"
	fi
}

setup() {
	setup_bundle
	if [ -x "${PROBE:-}" ]; then
		cp "$PROBE" "$BUNDLE/rootfs/probe"
	fi
}

need_probe() {
	[ -x "$BUNDLE/rootfs/probe" ] || skip "probe not built (gcc with a static libc needed)"
}

# need_syscall_table — syscalls_below reads the x86_64 numbers.
need_syscall_table() {
	[ "$(uname -m)" = x86_64 ] && [ -r "$UNISTD_64" ] || skip "needs x86_64 and $UNISTD_64"
}

# set_seccomp JSON — set .linux.seccomp.
set_seccomp() {
	update_config '.linux.seccomp = $s' --argjson s "$1"
}

# syscalls_below N [EXCEPT...] — a JSON array of the x86_64 syscall names
# numbered below N, without the EXCEPT ones (from the kernel headers).
syscalls_below() {
	local below=$1
	shift
	awk -v below="$below" '$1 == "#define" && $2 ~ /^__NR_/ && $3 + 0 < below { sub("^__NR_", "", $2); print $2 }' \
		"$UNISTD_64" | grep -vxF -f <(printf '%s\n' "$@" "-") | jq -R . | jq -sc .
}

# start_listener ERRNO [CONNECTIONS] — the notify agent on $LISTEN_SOCK,
# answering -ERRNO; the state of connection 1 goes to $LISTEN_STATE, of
# connection N to $LISTEN_STATE.N.
start_listener() {
	[ -x "${LISTENER:-}" ] || skip "listener not built (go needed)"
	require_seccomp_action SCMP_ACT_NOTIFY
	LISTEN_SOCK=$BATS_TEST_TMPDIR/listener.sock
	LISTEN_STATE=$BATS_TEST_TMPDIR/listener.state
	"$LISTENER" "$LISTEN_SOCK" "$LISTEN_STATE" "$1" "${2:-1}" </dev/null 2>"$BATS_TEST_TMPDIR/listener.err" &
	LISTEN_PID=$!
	track_bg "$LISTEN_PID"
	retry_until 10 test -S "$LISTEN_SOCK"
}

@test "seccomp: syscalls[].action SCMP_ACT_ERRNO fails the syscall with EPERM by default (config-linux.md Seccomp: errnoRet)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_sh 'mkdir /tmp/x; echo "status=$?"; grep "^Seccomp:" /proc/self/status; ls -d /etc'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "Operation not permitted" "status=1" "/etc"
	echo "$output" | grep -q "^Seccomp:[[:space:]]*2$"
}

@test "seccomp: syscalls[].errnoRet is the errno returned (config-linux.md Seccomp)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	set_cmd mkdir /tmp/x
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "Read-only file system"
}

@test "seccomp: defaultErrnoRet is the default action's errno (config-linux.md Seccomp)" {
	need_probe
	need_syscall_table
	# everything older than clone3 is allowed but getcwd: it gets EXDEV (18)
	set_seccomp "$(jq -nc --argjson n "$(syscalls_below 435 getcwd)" \
		'{defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 18, syscalls: [{names: $n, action: "SCMP_ACT_ALLOW"}]}')"
	set_cmd /probe getcwd
	run rt run --bundle "$BUNDLE" "$ID"
	assert_eq "$output" "getcwd: errno 18 (Invalid cross-device link)"
}

# bats test_tags=rt-only
@test "seccomp: a syscall newer than the profile fails with ENOSYS, not the default errno (DESIGN.md: clone3)" {
	need_probe
	need_syscall_table
	# Docker's profiles refuse what they do not list. clone3 is not listed:
	# glibc falls back to clone only on ENOSYS. getcwd, older than what the
	# profile lists, keeps the default errno.
	set_seccomp "$(jq -nc --argjson n "$(syscalls_below 435 clone3 getcwd)" \
		'{defaultAction: "SCMP_ACT_ERRNO", syscalls: [{names: $n, action: "SCMP_ACT_ALLOW"}]}')"
	set_cmd /probe clone3
	run rt run --bundle "$BUNDLE" "$ID"
	assert_eq "$output" "clone3: errno 38 (Function not implemented)"
	set_cmd /probe getcwd
	run rt run --bundle "$BUNDLE" "$(new_id)"
	assert_eq "$output" "getcwd: errno 1 (Operation not permitted)"
}

@test "seccomp: syscalls[].args filter on an argument: socket(AF_INET) refused, AF_UNIX allowed (config-linux.md Seccomp: args)" {
	need_probe
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
		 "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
		 "args": [{"index": 0, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	set_sh '/probe socket inet; /probe socket unix; /probe socket inet6; /probe personality 0x108; /probe personality 0'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_eq "$output" "socket: errno 97 (Address family not supported by protocol)
socket: ok
socket: ok
personality: errno 1 (Operation not permitted)
personality: ok"
}

@test "seccomp: SCMP_ACT_KILL kills the process with SIGSYS (config-linux.md Seccomp: action)" {
	for action in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD; do
		set_seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
			\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"$action\"}]}"
		set_cmd mkdir /tmp/x
		run rt run --bundle "$BUNDLE" "$(new_id)"
		echo "$action: status $status"
		[ "$status" -eq 159 ] # 128 + SIGSYS
		[ ! -e "$BUNDLE/rootfs/tmp/x" ]
	done
}

@test "seccomp: without noNewPrivileges and CAP_SYS_ADMIN the filter is still loaded (seccomp(2) needs one of them)" {
	# Docker's defaults: no no_new_privs, no CAP_SYS_ADMIN, here a non-root
	# user: the filter must go in while the process can still load it.
	update_config '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	set_sh 'grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status; mkdir /tmp/x'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" "Read-only file system"
	echo "$output" | grep -q "^NoNewPrivs:[[:space:]]*0$"
	echo "$output" | grep -q "^Seccomp:[[:space:]]*2$"
	echo "$output" | grep -q "^CapEff:[[:space:]]*0000000000000000$"
}

# bats test_tags=rt-only
@test "seccomp: flags are passed to seccomp(2) (config-linux.md Seccomp: flags)" {
	require_seccomp_flags SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG SECCOMP_FILTER_FLAG_SPEC_ALLOW
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	# the plan's seccomp op carries the three flags to seccomp(2)
	run --separate-stderr rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_eq "$(grep -c '^ *[0-9]*  *seccomp ' <<<"$output")" 1 "seccomp ops in the plan"
	assert_contains "$(grep '^ *[0-9]*  *seccomp ' <<<"$output")" " flags=tsync|log|spec_allow "
	set_sh 'grep "^Seccomp" /proc/self/status; mkdir /tmp/x'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" "Operation not permitted"
	echo "$output" | grep -q "^Seccomp_filters:[[:space:]]*1$"
}

# bats test_tags=rt-only
@test "seccomp: unknown syscall names are skipped with a warning, as runc does (config-linux.md Seccomp: names)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat", "no_such_syscall_2099"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd mkdir /tmp/x
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output$stderr" "Operation not permitted"
	assert_contains "$stderr" no_such_syscall_2099
}

# bats test_tags=rt-only
@test "seccomp: an unknown action is an error naming the field (config-linux.md Seccomp: action)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["write"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["open"], "action": "SCMP_ACT_ALLOW"}, {"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/seccomp/syscalls/3/action SCMP_ACT_BOGUS
}

# bats test_tags=rt-only
@test "seccomp: errnoRet on an action without an errno is an error (config-linux.md Seccomp: MUST fail)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/seccomp/syscalls/0/errnoRet
}

@test "seccomp: rt exec gets the container's profile (as runc)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	set_cmd sleep 60
	run_detached
	run rt exec "$ID" mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output" "Read-only file system"
}

# bats test_tags=rt-only
@test "seccomp: SCMP_ACT_NOTIFY sends the notify fd and the container process state to listenerPath (config-linux.md Seccomp: listenerPath, The Container Process State)" {
	start_listener 123 # ENOMEDIUM
	set_seccomp "$(jq -nc --arg p "$LISTEN_SOCK" '{defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $p, listenerMetadata: "bats metadata",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_sh 'mkdir /tmp/x; echo "status=$?"'
	update_config '.annotations = {"org.rt.test": "seccomp"}'
	run rt run --bundle "$BUNDLE" "$ID"
	cat "$BATS_TEST_TMPDIR/listener.err"
	[ "$status" -eq 0 ]
	# the listener answered mkdir
	assert_contains "$output" "No medium found" "status=1"
	[ ! -e "$BUNDLE/rootfs/tmp/x" ]
	# one fd, named seccompFd (checked by the listener), and the state
	run jq -r '[(.ociVersion | test("^1\\.")), (.fds | join(",")), (.pid > 0), .metadata, .state.id, .state.status,
		(.state.pid == .pid), .state.bundle, .state.annotations["org.rt.test"]] | join("|")' "$LISTEN_STATE"
	assert_eq "$output" "true|seccompFd|true|bats metadata|$ID|creating|true|$BUNDLE|seccomp"
	wait_bg "$LISTEN_PID" 10
	[ "$BG_STATUS" = 0 ]
}

@test "seccomp: the notify fd does not leak into the container (config-linux.md Seccomp: listenerPath)" {
	start_listener 1
	set_seccomp "$(jq -nc --arg p "$LISTEN_SOCK" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["rmdir"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_sh 'for f in /proc/self/fd/*; do readlink "$f"; done; echo fds listed'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "fds listed"
	assert_not_contains "$output" seccomp
}

@test "seccomp: a listenerPath nobody listens on fails the create, leaving nothing (config-linux.md Seccomp: MUST generate an error)" {
	require_seccomp_action SCMP_ACT_NOTIFY
	set_seccomp "$(jq -nc --arg p "$BATS_TEST_TMPDIR/nobody.sock" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}')"
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$stderr" nobody.sock
	run rt list -q
	assert_eq "$output" ""
}

# bats test_tags=rt-only
@test "seccomp: rt exec with SCMP_ACT_NOTIFY sends the running container's state (config-linux.md The Container Process State)" {
	start_listener 123 2 # the init's filter, then the exec'd process's
	set_seccomp "$(jq -nc --arg p "$LISTEN_SOCK" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_cmd sleep 60
	run_detached
	run rt exec "$ID" mkdir /tmp/x
	cat "$BATS_TEST_TMPDIR/listener.err"
	assert_contains "$output" "No medium found"
	run jq -r '[.state.status, .state.pid, (.pid != .state.pid), .state.id] | join("|")' "$LISTEN_STATE.2"
	assert_eq "$output" "running|$(container_pid "$ID")|true|$ID"
}
