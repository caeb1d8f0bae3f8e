#!/usr/bin/env bats
# The cache of compiled seccomp programs (ROOT/.seccomp, libct/seccompcache.go):
# libseccomp takes ~20 ms to compile a default profile such as podman's, for
# every create and every exec. Whatever the cache holds, the filter the
# process gets must be the profile's.

# bats file_tags=rt-only

load helpers

DENY_MKDIR='{"defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
DENY_RMDIR='{"defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'

set_seccomp() {
	update_config '.linux.seccomp = $s' --argjson s "$1"
}

cache_entries() {
	find "$ROOT/.seccomp" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | sort
}

@test "seccomp cache: create keeps the compiled program; exec takes it from there and the filter holds" {
	set_seccomp "$DENY_MKDIR"
	set_cmd sleep 1000
	run_detached
	run cache_entries
	assert_eq "$(echo "$output" | grep -c .)" 1 "cache entries after create"
	run --separate-stderr rt --debug exec "$ID" mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output$stderr" "Operation not permitted"
	assert_contains "$stderr" "from the cache"
	run rt exec "$ID" mkdir -p /
	assert_eq "$status" 0 "exec of an allowed syscall ($output)"
}

@test "seccomp cache: a second container with the profile gets the program and the compile's warnings again" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat", "no_such_syscall_2099"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd mkdir /tmp/x
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$stderr" no_such_syscall_2099
	id2=$(new_id)
	run --separate-stderr rt --debug run --bundle "$BUNDLE" "$id2"
	[ "$status" -ne 0 ]
	assert_contains "$output$stderr" "Operation not permitted"
	assert_contains "$stderr" no_such_syscall_2099
	assert_contains "$stderr" "from the cache"
}

@test "seccomp cache: a corrupt entry is compiled again and replaced" {
	set_seccomp "$DENY_MKDIR"
	set_cmd sleep 1000
	run_detached
	entry=$(cache_entries)
	[ -f "$entry" ]
	# a program that would allow everything must never be loaded: garbage
	printf 'not a cache entry' >"$entry"
	run --separate-stderr rt --debug exec "$ID" mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output$stderr" "Operation not permitted"
	[[ "$stderr" != *"from the cache"* ]]
	jq -e '.program | length > 0' "$entry"
}

@test "seccomp cache: an entry others may write is not trusted" {
	set_seccomp "$DENY_MKDIR"
	set_cmd sleep 1000
	run_detached
	entry=$(cache_entries)
	chmod 0666 "$entry"
	run --separate-stderr rt --debug exec "$ID" mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output$stderr" "Operation not permitted"
	[[ "$stderr" != *"from the cache"* ]]
	run stat -c %a "$entry"
	assert_eq "$output" 600 "the entry, written again"
}

@test "seccomp cache: another profile gets its own program" {
	set_seccomp "$DENY_MKDIR"
	set_sh 'mkdir /tmp/x; echo "mkdir=$?"; mkdir /tmp/y; rmdir /tmp/y; echo "rmdir=$?"'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" "mkdir=1"
	set_seccomp "$DENY_RMDIR"
	run rt run --bundle "$BUNDLE" "$(new_id)"
	assert_contains "$output" "mkdir=0" "rmdir=1"
	run cache_entries
	assert_eq "$(echo "$output" | grep -c .)" 2 "cache entries"
}
