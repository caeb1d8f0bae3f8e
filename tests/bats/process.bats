#!/usr/bin/env bats
# process: args, env, cwd, user, additionalGids, umask, rlimits, capabilities.

load helpers

@test "process: args are passed exactly (spaces, quotes, empty words)" {
	set_cmd sh -c 'printf "[%s]" "$0" "$@"; echo' zero "a b" '"q"' "" '$HOME' "-n"
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" '[zero][a b]["q"][][$HOME][-n]' args
}

@test "process: args[0] is looked up in the PATH of the config env" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho from-opt-tools\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod 755 "$BUNDLE/rootfs/opt/tools/mytool"
	update_config '.process.env = [.process.env[] | select(startswith("PATH=") | not)] + ["PATH=/opt/tools:/bin"]'
	set_cmd mytool
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" from-opt-tools
}

@test "process: env is exactly the config's" {
	export RT_HOST_ONLY_VAR=leak
	update_config '.process.env += ["FOO=bar baz", "EMPTY=", "WITH_EQ=a=b"]'
	set_cmd env
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "FOO=bar baz" "WITH_EQ=a=b" "RT_BATS_MARKER=$MARKER"
	echo "$output" | grep -qx "EMPTY="
	assert_not_contains "$output" RT_HOST_ONLY_VAR
	# every config entry is there
	while read -r e; do
		echo "$output" | grep -qxF -- "$e" || {
			echo "missing env $e" >&2
			false
		}
	done < <(jq -r '.process.env[]' "$BUNDLE/config.json")
}

@test "process: cwd" {
	update_config '.process.cwd = "/etc"'
	set_cmd pwd
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" /etc
}

@test "process: a cwd missing in the rootfs is created" {
	update_config '.process.cwd = "/var/new/work"'
	set_cmd pwd
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" /var/new/work
	[ -d "$BUNDLE/rootfs/var/new/work" ]
}

@test "process: user uid and gid" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_sh 'id; id -u; id -g'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "uid=1000(tester)" "gid=1000(tester)"
	assert_eq "${lines[1]}" 1000 uid
	assert_eq "${lines[2]}" 1000 gid
}

@test "process: a uid without a passwd entry" {
	update_config '.process.user = {uid: 4242, gid: 4343}'
	set_sh 'id -u; id -g; id -G'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 4242 uid
	assert_eq "${lines[1]}" 4343 gid
	assert_eq "${lines[2]}" 4343 groups
}

@test "process: additionalGids are the supplementary groups" {
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 65534, 777]}'
	set_sh 'id -G; grep ^Groups: /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "${lines[0]}" | tr ' ' '\n' | sort -n | xargs)" "10 777 1000 65534" "id -G"
	assert_eq "$(echo "${lines[1]}" | cut -d: -f2 | tr ' \t' '\n\n' | grep . | sort -n | xargs)" "10 777 65534" "Groups:"
}

@test "process: root keeps no supplementary groups by default" {
	set_sh 'grep ^Groups: /proc/self/status | cut -d: -f2 | xargs'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "" groups
}

@test "process: umask" {
	update_config '.process.user.umask = 23' # 0027
	set_sh 'umask; touch /tmp/f; stat -c %a /tmp/f'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0027 umask
	assert_eq "${lines[1]}" 640 "mode of a new file"
}

@test "process: rlimits" {
	# a hard limit above the caller's needs CAP_SYS_RESOURCE
	if [ "$(ulimit -Hn)" -lt 2345 ]; then
		require_cap_sys_resource
	fi
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1234, hard: 2345},
		{type: "RLIMIT_NPROC", soft: 500, hard: 600}]'
	set_sh 'ulimit -n; ulimit -Hn; ulimit -u'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 1234 "soft nofile"
	assert_eq "${lines[1]}" 2345 "hard nofile"
	assert_eq "${lines[2]}" 500 "soft nproc"
}

@test "process: capabilities (bounding, permitted) of a root process" {
	update_config '.process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"],
		permitted: ["CAP_CHOWN", "CAP_KILL"], inheritable: [], ambient: []}'
	set_sh 'grep -E "^Cap(Prm|Bnd):" /proc/self/status | cut -f2'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	# CAP_CHOWN = bit 0, CAP_KILL = bit 5
	assert_eq "$output" "$(printf '0000000000000021\n0000000000000021')" "CapPrm, CapBnd"
}

@test "process: ambient capabilities of a non-root process" {
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"],
		permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
	set_sh 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | cut -f2'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' 0000000000000020 0000000000000020 0000000000000020 0000000000000021 0000000000000020)" \
		"CapInh, CapPrm, CapEff, CapBnd, CapAmb"
}

@test "process: noNewPrivileges" {
	update_config '.process.noNewPrivileges = true'
	set_sh 'grep ^NoNewPrivs: /proc/self/status | cut -f2'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 1 NoNewPrivs
	update_config '.process.noNewPrivileges = false'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 0 NoNewPrivs
}

@test "process: stdin is not a terminal with terminal false" {
	set_sh '[ -t 0 ] && echo tty || echo notty; [ -t 1 ] && echo tty || echo notty'
	run rt run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'notty\nnotty')"
}
