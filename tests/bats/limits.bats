#!/usr/bin/env bats
# config.md "POSIX process" rlimits: a hard limit above rt's own cannot be
# raised without CAP_SYS_RESOURCE (which these machines lack): a clear error
# that names the limit, exit 1, nothing left behind.

load helpers

@test "limits: raising a hard rlimit without the right fails naming the limit" {
	require_no_cap_sys_resource
	hard=$(ulimit -Hn)
	update_config ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: 1024, hard: $((hard + 1000))}]"
	set_cmd true
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/process/rlimits/0" "RLIMIT_NOFILE" "CAP_SYS_RESOURCE"
}

@test "limits: an rlimit within rt's own is applied" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 321, hard: 654}, {type: "RLIMIT_NPROC", soft: 111, hard: 222}]'
	set_sh 'ulimit -Sn; ulimit -Hn; ulimit -Su; ulimit -Hu'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "321 654 111 222" rlimits
}
