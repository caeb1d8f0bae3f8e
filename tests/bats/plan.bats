#!/usr/bin/env bats
# plan (rt only): print the operations the C stage would execute for a bundle.

load helpers

# bats file_tags=rt-only

# ns_word TYPE — an extended regex matching how a plan may name a namespace.
ns_word() {
	case $1 in
	pid) echo 'pid|newpid' ;;
	network) echo 'net|network|newnet' ;;
	ipc) echo 'ipc|newipc' ;;
	uts) echo 'uts|newuts' ;;
	mount) echo 'mnt|mount|newns' ;;
	user) echo 'user|newuser' ;;
	cgroup) echo 'cgroup|newcgroup' ;;
	esac
}

@test "plan: -b BUNDLE prints the operations: namespaces, mounts, pivot_root" {
	run --separate-stderr rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 3 ]
	assert_contains "$output" pivot_root /proc /dev /dev/pts /dev/shm
	for ns in $(jq -r '.linux.namespaces[].type' "$BUNDLE/config.json"); do
		echo "$output" | grep -qiE "$(ns_word "$ns")" || {
			echo "namespace $ns not in the plan" >&2
			false
		}
	done
	# it created nothing
	run rt list -q
	assert_eq "$output" "" "list -q"
}

@test "plan: --bundle and the bundle as an argument" {
	run rt plan --bundle "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$output" pivot_root
	long=$output
	run rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$long" "plan BUNDLE vs plan --bundle BUNDLE"
	cd "$BUNDLE"
	run rt plan
	[ "$status" -eq 0 ]
	assert_eq "$output" "$long" "plan in the bundle directory"
}

# new_lines OLD NEW — lines of NEW that are not in OLD.
new_lines() {
	diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed -n 's/^> //p'
}

@test "plan: follows the config (hostname, extra mounts)" {
	host=plan-host-$RANDOM
	dest=/rt-plan-mnt-$RANDOM
	mkdir -p "$BATS_TEST_TMPDIR/src"
	run rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_not_contains "$output" "$host"
	update_config '.hostname = $h' --arg h "$host"
	add_mount "$dest" bind "$BATS_TEST_TMPDIR/src" bind ro
	run rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$output" "$host" "$dest"
}

@test "plan: a user namespace shows up in the plan" {
	run rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	before=$output
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	added=$(new_lines "$before" "$output")
	echo "$added" | grep -qiE "$(ns_word user)"
}

@test "plan: a readonly root adds a read-only remount" {
	update_config '.root.readonly = false'
	run rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	before=$output
	update_config '.root.readonly = true'
	run rt plan -b "$BUNDLE"
	[ "$status" -eq 0 ]
	added=$(new_lines "$before" "$output")
	echo "$added" | grep -qiE 'rdonly|readonly|read-only|\<ro\>'
}

@test "plan: a bad config fails like create does" {
	update_config '.linux.namespaces += [{type: "nosuchns"}]'
	run --separate-stderr rt plan -b "$BUNDLE"
	assert_error
	plan_err=$stderr
	assert_contains "$plan_err" nosuchns "/linux/namespaces/"
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" nosuchns "/linux/namespaces/"
	# the same problem is reported the same way
	n=$(jq '.linux.namespaces | length - 1' "$BUNDLE/config.json")
	assert_contains "$plan_err" "/linux/namespaces/$n"
	assert_contains "$stderr" "/linux/namespaces/$n"
}

@test "plan: malformed config.json and a missing rootfs fail" {
	mv "$BUNDLE/rootfs" "$BUNDLE/rootfs.away"
	run --separate-stderr rt plan -b "$BUNDLE"
	assert_error
	assert_contains "$stderr" "/root/path"
	mv "$BUNDLE/rootfs.away" "$BUNDLE/rootfs"

	echo '{"ociVersion": ' >"$BUNDLE/config.json"
	run --separate-stderr rt plan -b "$BUNDLE"
	assert_error
	assert_contains "$stderr" config.json
}
