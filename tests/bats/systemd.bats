#!/usr/bin/env bats
# The systemd cgroup driver (issue 13, --systemd-cgroup) where systemd does
# not answer: these machines boot no systemd. The driver itself (the scope,
# its properties, update, delete) is tested in the VM that boots systemd
# (tests/systemd); here, its error paths and the features claim.

load helpers

# rt only: runc's messages differ.
# bats file_tags=rt-only

setup() {
	setup_bundle
	if [ "$("$RT" features | jq -r .linux.cgroup.systemd)" = true ]; then
		skip "systemd answers on D-Bus here: tests/systemd covers the driver"
	fi
}

# no_state ID — the container left no state directory.
no_state() { [ ! -e "$ROOT/$1" ]; }

@test "systemd: run --systemd-cgroup without systemd is one line naming D-Bus, exit 1, nothing left" {
	run --separate-stderr rt_noio --systemd-cgroup run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "--systemd-cgroup: cannot reach systemd over D-Bus: "
	no_state "$ID"
	run rt list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "systemd: create --systemd-cgroup with the slice:prefix:name form, no systemd: the same error, nothing left" {
	update_config '.linux.cgroupsPath = $p' --arg p "system.slice:rtbats:$ID"
	run --separate-stderr rt_noio --systemd-cgroup create --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "cannot reach systemd over D-Bus"
	no_state "$ID"
}

@test "systemd: a cgroupsPath not of the form slice:prefix:name is refused naming /linux/cgroupsPath" {
	local p
	for p in "/rt/$ID" "a:$ID" "system.slice:rt:$ID:x" "a--b.slice:rt:$ID" "system.scope:rt:$ID" "system.slice:rt:"; do
		update_config '.linux.cgroupsPath = $p' --arg p "$p"
		run --separate-stderr rt_noio --systemd-cgroup create --bundle "$BUNDLE" "$ID"
		assert_error
		assert_contains "$stderr" "/linux/cgroupsPath" "$p"
		no_state "$ID"
	done
}

@test "systemd: features says systemd false where systemd does not answer" {
	run --separate-stderr rt features
	[ "$status" -eq 0 ]
	[ "$(jq -r .linux.cgroup.systemd <<<"$output")" = false ]
	[ "$(jq -r .linux.cgroup.systemdUser <<<"$output")" = false ]
}

@test "systemd: a container made without the flag is killed and deleted with it; its state names no unit" {
	set_cmd sleep 1000
	run_detached "$ID"
	[ "$(jq -r '.systemdUnit // "none"' "$ROOT/$ID/state.json")" = none ]
	rt --systemd-cgroup kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt --systemd-cgroup delete "$ID"
	no_state "$ID"
}
