#!/usr/bin/env bats
# spec: the generated config.json, --rootless, --bundle, no overwrite.

load helpers

# fresh_bundle DIR — a bundle directory with a rootfs and no config.json.
fresh_bundle() {
	"$REPO_ROOT/tests/mkbundle.sh" "$1"
}

@test "spec: writes a config.json in the current directory that runs" {
	b=$BATS_TEST_TMPDIR/b2
	fresh_bundle "$b"
	cd "$b"
	run rt spec
	[ "$status" -eq 0 ]
	[ -s "$b/config.json" ]
	jq -e . "$b/config.json" >/dev/null
	CONFIG=$b/config.json update_config '.process.terminal = false
		| .process.args = ["sh", "-c", "echo spec-ok $(id -u)"]
		| .process.env += ["RT_BATS_MARKER=" + $m]' --arg m "$MARKER"
	run rt run --bundle "$b" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "spec-ok 0"
}

@test "spec: the default config has the usual namespaces, mounts and root" {
	cfg=$BUNDLE/config.json
	assert_eq "$(jq -r .root.path "$cfg")" rootfs root.path
	[[ $(jq -r .ociVersion "$cfg") =~ ^1\.[0-9]+\.[0-9]+ ]]
	for ns in pid mount ipc uts network; do
		jq -e --arg t "$ns" '.linux.namespaces | map(.type) | index($t)' "$cfg" >/dev/null || {
			echo "namespace $ns missing" >&2
			false
		}
	done
	jq -e '.linux.namespaces | map(.type) | index("user") | not' "$cfg" >/dev/null
	for m in /proc /dev /dev/pts /dev/shm /sys; do
		jq -e --arg m "$m" '.mounts | map(.destination) | index($m)' "$cfg" >/dev/null || {
			echo "mount $m missing" >&2
			false
		}
	done
	jq -e '.process.args | length > 0' "$cfg" >/dev/null
	assert_eq "$(jq -r .process.cwd "$cfg")" / cwd
}

@test "spec: --rootless has a user namespace and uid/gid mappings" {
	b=$BATS_TEST_TMPDIR/b2
	fresh_bundle "$b"
	cd "$b"
	run rt spec --rootless
	[ "$status" -eq 0 ]
	cfg=$b/config.json
	jq -e '.linux.namespaces | map(.type) | index("user")' "$cfg" >/dev/null
	assert_eq "$(jq -c '.linux.uidMappings' "$cfg")" "[{\"containerID\":0,\"hostID\":$(id -u),\"size\":1}]" uidMappings
	assert_eq "$(jq -c '.linux.gidMappings' "$cfg")" "[{\"containerID\":0,\"hostID\":$(id -g),\"size\":1}]" gidMappings

	# and it runs: root inside is the caller outside
	CONFIG=$cfg update_config '.process.terminal = false
		| .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"]
		| .process.env += ["RT_BATS_MARKER=" + $m]' --arg m "$MARKER"
	run rt run --bundle "$b" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "${lines[0]}" | awk '{$1=$1; print}')" "0 $(id -u) 1" uid_map
	assert_eq "$(echo "${lines[1]}" | awk '{$1=$1; print}')" "0 $(id -g) 1" gid_map
	assert_eq "${lines[2]}" 0 "uid inside"
}

@test "spec: --bundle DIR writes DIR/config.json" {
	b=$BATS_TEST_TMPDIR/b2
	fresh_bundle "$b"
	cd "$BATS_TEST_TMPDIR"
	run rt spec --bundle "$b"
	[ "$status" -eq 0 ]
	[ -s "$b/config.json" ]
	[ ! -e "$BATS_TEST_TMPDIR/config.json" ]

	b3=$BATS_TEST_TMPDIR/b3
	mkdir "$b3"
	run rt spec -b "$b3"
	[ "$status" -eq 0 ]
	jq -e . "$b3/config.json" >/dev/null
}

@test "spec: refuses to overwrite an existing config.json" {
	b=$BATS_TEST_TMPDIR/b2
	mkdir -p "$b"
	echo '{"keep": "me"}' >"$b/config.json"
	cd "$b"
	run --separate-stderr rt spec
	assert_error
	assert_contains "$stderr" "File config.json exists. Remove it first"
	assert_eq "$(cat "$b/config.json")" '{"keep": "me"}' "config.json"

	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr rt spec --bundle "$b"
	assert_error
	assert_contains "$stderr" "config.json exists"
	assert_eq "$(cat "$b/config.json")" '{"keep": "me"}' "config.json"
}
