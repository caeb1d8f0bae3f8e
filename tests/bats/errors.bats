#!/usr/bin/env bats
# Bad input: each error exits 1 with a one-line message on stderr naming the
# problem, and leaves nothing behind (the teardown checks state, cgroups,
# mounts and processes).
#
# rt-only tests assert rt's exact wording: config errors name the field as a
# JSON pointer (e.g. /linux/namespaces/0/path).

load helpers

# put_namespace_first TYPE [PATH] — the namespace entry of TYPE becomes
# .linux.namespaces[0] (so errors name /linux/namespaces/0/...).
put_namespace_first() {
	if [ -n "${2:-}" ]; then
		update_config '.linux.namespaces = [{type: $t, path: $p}] + [.linux.namespaces[] | select(.type != $t)]' \
			--arg t "$1" --arg p "$2"
	else
		update_config '.linux.namespaces = [{type: $t}] + [.linux.namespaces[] | select(.type != $t)]' --arg t "$1"
	fi
}

@test "errors: duplicate container id" {
	set_cmd sleep 1000
	create_container
	pid=$(container_pid "$ID")
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "exists"
	# the first one is untouched
	assert_eq "$(container_status "$ID")" created
	assert_eq "$(container_pid "$ID")" "$pid" pid
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "exists"
}

@test "errors: bad container ids (a/b, .., ., empty)" {
	set_cmd true
	for bad in a/b .. . "" ../escape "/abs"; do
		run --separate-stderr rt_noio create --bundle "$BUNDLE" "$bad"
		echo "id '$bad': $stderr"
		assert_error
		echo "$stderr" | grep -qiE 'id'
	done
	run rt list -q
	assert_eq "$output" ""
	# nothing was created next to or above the state dir
	assert_eq "$(ls -A "$BATS_TEST_TMPDIR" | grep -cE '^(a|escape)$')" 0 "stray dirs"
}

@test "errors: missing config.json" {
	rm "$BUNDLE/config.json"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" config.json
}

@test "errors: malformed config.json" {
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	run rt list -q
	assert_eq "$output" ""
}

# runc's message does not name the file.
# bats test_tags=rt-only
@test "errors: malformed config.json names the file" {
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" config.json
}

@test "errors: a config.json of the wrong JSON type" {
	echo '[1, 2, 3]' >"$BUNDLE/config.json"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
}

@test "errors: missing rootfs directory" {
	rm -rf "$BUNDLE/rootfs"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "$BUNDLE/rootfs" "no such file or directory"
}

# bats test_tags=rt-only
@test "errors: missing rootfs names /root/path" {
	rm -rf "$BUNDLE/rootfs"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/root/path" "$BUNDLE/rootfs" "no such file or directory"
}

@test "errors: empty process.args" {
	update_config '.process.args = []'
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" args
}

@test "errors: an executable that does not exist in the rootfs" {
	set_cmd /no/such/binary
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /no/such/binary "no such file or directory"
	run rt list -q
	assert_eq "$output" ""
}

@test "errors: unknown namespace type" {
	put_namespace_first nosuchns
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" nosuchns
}

# bats test_tags=rt-only
@test "errors: unknown namespace type names /linux/namespaces/0/type" {
	put_namespace_first nosuchns
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/namespaces/0/type nosuchns
}

@test "errors: a namespace path of the wrong type (a net ns given as ipc)" {
	ns=$(make_netns)
	put_namespace_first ipc "/var/run/netns/$ns"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	# rt: "... is not a ipc namespace"; runc: "failed to setns into ipc namespace"
	assert_contains "$stderr" "ipc namespace"
	run rt list -q
	assert_eq "$output" ""
}

# runc prints three lines from its C stage, naming neither the path nor the field.
# bats test_tags=rt-only
@test "errors: a namespace path of the wrong type names /linux/namespaces/0/path" {
	ns=$(make_netns)
	put_namespace_first ipc "/var/run/netns/$ns"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/namespaces/0/path "/var/run/netns/$ns" "not a" "ipc namespace"
}

@test "errors: a namespace path that does not exist" {
	put_namespace_first network /var/run/netns/rt-no-such-ns
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /var/run/netns/rt-no-such-ns "no such file or directory"
}

# bats test_tags=rt-only
@test "errors: a namespace path that does not exist names /linux/namespaces/0/path" {
	put_namespace_first network /var/run/netns/rt-no-such-ns
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/namespaces/0/path /var/run/netns/rt-no-such-ns "no such file or directory"
}

@test "errors: a bind mount source that does not exist" {
	add_mount /mnt/x bind "$BATS_TEST_TMPDIR/no-such-src" rbind
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "$BATS_TEST_TMPDIR/no-such-src" "no such file or directory"
}

# bats test_tags=rt-only
@test "errors: a bind mount source that does not exist names /mounts/N/source" {
	add_mount /mnt/x bind "$BATS_TEST_TMPDIR/no-such-src" rbind
	n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/mounts/$n/source" "$BATS_TEST_TMPDIR/no-such-src" "no such file or directory"
}

@test "errors: a failed create leaves the id free for the next create" {
	put_namespace_first network /var/run/netns/rt-no-such-ns
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	remove_namespace network
	set_namespace network
	set_cmd sleep 1000
	create_container
	assert_eq "$(container_status "$ID")" created
}

# bats test_tags=rt-only
@test "errors: a user namespace without mappings names /linux/uidMappings" {
	set_namespace user
	update_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/uidMappings
}

@test "errors: a mount of an unknown filesystem type" {
	add_mount /mnt/bad nosuchfstype none
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /mnt/bad
}
