#!/usr/bin/env bats
# Issue 10, items 10, 11 and 14: configs that used to run without a word
# are errors naming the field (exit 1, one line, nothing left behind), and
# warnings are logger lines in runc's format that a client can filter.
# The full table of cases, with their JSON pointers, is
# specconv/validate_test.go; these go through the binary.

load helpers

# expect_field_error POINTER [TEXT...] — `rt run` of $BUNDLE fails with a
# one-line error naming POINTER (and TEXT), and leaves no container.
expect_field_error() {
	local pointer=$1
	shift
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "stderr: $stderr"
	assert_error
	assert_contains "$stderr" "$pointer: " "$@"
	run rt list -q
	assert_eq "$output" "" "containers left"
}

# with_config FILTER [jq args...] — a fresh copy of the test's config, edited.
with_config() {
	cp "$BUNDLE/config.json.orig" "$BUNDLE/config.json"
	update_config "$@"
}

setup() {
	setup_bundle
	set_cmd true
	cp "$BUNDLE/config.json" "$BUNDLE/config.json.orig"
}

# bats test_tags=rt-only
@test "trust_validate: ociVersion must be a 1.x semantic version (config.md ociVersion)" {
	for v in "" 2.0.0 0.1.0 abc 1.0; do
		with_config '.ociVersion = $v' --arg v "$v"
		expect_field_error /ociVersion
	done
	with_config 'del(.ociVersion)'
	expect_field_error /ociVersion missing
	for v in 1.0.0 1.2.0 1.0.2-dev 1.1.0-rc.1; do
		with_config '.ociVersion = $v' --arg v "$v"
		run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
		echo "ociVersion $v: $stderr"
		[ "$status" -eq 0 ]
	done
}

# bats test_tags=rt-only
@test "trust_validate: linux.intelRdt and netDevices are refused, not ignored" {
	with_config '.linux.intelRdt = {closID: "rt"}'
	expect_field_error /linux/intelRdt "not supported"
	with_config '.linux.netDevices = {eth1: {name: "eth9"}}'
	expect_field_error /linux/netDevices "not supported"
}

# bats test_tags=rt-only
@test "trust_validate: hook timeout 0 or negative, and a relative hook path (config.md hooks)" {
	with_config '.hooks.prestart = [{path: "/bin/true", timeout: 0}]'
	expect_field_error /hooks/prestart/0/timeout "greater than zero"
	with_config '.hooks.poststop = [{path: "/bin/true", timeout: 5}, {path: "/bin/true", timeout: -1}]'
	expect_field_error /hooks/poststop/1/timeout "greater than zero"
	with_config '.hooks.createRuntime = [{path: "true"}]'
	expect_field_error /hooks/createRuntime/0/path "not absolute"
}

# bats test_tags=rt-only
@test "trust_validate: env entries without = or with an empty name" {
	with_config '.process.env += ["NOEQUALS"]'
	n=$(($(jq '.process.env | length' "$BUNDLE/config.json") - 1))
	expect_field_error "/process/env/$n" "NOEQUALS"
	with_config '.process.env = ["=value"]'
	expect_field_error /process/env/0 "empty variable name"
}

# bats test_tags=rt-only
@test "trust_validate: devices: mode beyond 07777, a path with .., a fifo's numbers ignored with a warning" {
	with_config '.linux.devices = [{path: "/dev/rtx", type: "c", major: 1, minor: 3, fileMode: 33206}]' # 0100666
	expect_field_error /linux/devices/0/fileMode 07777
	with_config '.linux.devices = [{path: "/dev/../rtx", type: "c", major: 1, minor: 3}]'
	expect_field_error /linux/devices/0/path '".."'
	with_config '.linux.devices = [{path: "/dev/rtx", type: "c", major: 4096, minor: 3}]'
	expect_field_error /linux/devices/0/major 0..4095
	# config-linux.md: the numbers are optional for a fifo; the runtime-tools
	# suite gives some (linux_devices), and runc takes them
	with_config '.linux.devices = [{path: "/dev/rtfifo", type: "p", major: 8, minor: 666}]'
	set_sh 'test -p /dev/rtfifo && echo fifo'
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" fifo
	one_line "$stderr"
	assert_contains "$stderr" level=warning /linux/devices/0 ignored
	# podman's fileMode carries the type bits of the device itself: fine
	with_config '.linux.devices = [{path: "/dev/rtnull", type: "c", major: 1, minor: 3, fileMode: 8630}]
		| .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]' # 020666
	set_sh 'stat -c %a /dev/rtnull'
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 666 "mode of /dev/rtnull"
}

# bats test_tags=rt-only
@test "trust_validate: more additionalGids than NGROUPS_MAX (65536)" {
	with_config '.process.user.additionalGids = [range(0; 65537)]'
	expect_field_error /process/user/additionalGids 65536
}

# bats test_tags=rt-only
@test "trust_validate: rlimits: a type twice, soft above hard (config.md rlimits)" {
	with_config '.process.rlimits = [{type: "RLIMIT_CORE", soft: 0, hard: 0}, {type: "RLIMIT_CORE", soft: 0, hard: 0}]'
	expect_field_error /process/rlimits/1/type RLIMIT_CORE
	with_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 200, hard: 100}]'
	expect_field_error /process/rlimits/0/soft "above the hard limit"
}

# bats test_tags=rt-only
@test "trust_validate: resources: unified cgroup.procs, reservation above the limit, cpu period 0" {
	# "0" would move rt itself into the container's cgroup
	with_config '.linux.resources.unified = {"cgroup.procs": "0"}'
	expect_field_error /linux/resources/unified/cgroup.procs "not a resource"
	with_config '.linux.resources.memory = {limit: 67108864, reservation: 134217728}'
	expect_field_error /linux/resources/memory/reservation "above the memory limit"
	with_config '.linux.resources.cpu = {quota: 50000, period: 0}'
	expect_field_error /linux/resources/cpu/period "greater than zero"
}

# bats test_tags=rt-only
@test "trust_validate: maskedPaths and readonlyPaths: relative, or without a mount namespace (config-linux.md)" {
	with_config '.linux.maskedPaths = ["proc/kcore"]'
	expect_field_error /linux/maskedPaths/0 "not absolute"
	with_config '.linux.readonlyPaths = ["/proc/sys", "proc/bus"]'
	expect_field_error /linux/readonlyPaths/1 "not absolute"
	# runc refuses it too: they could only be applied to the host's mounts
	with_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")] | .linux.readonlyPaths = []'
	expect_field_error /linux/maskedPaths "mount namespace"
}

# bats test_tags=rt-only
@test "trust_validate: exec checks its process too; update checks its resources" {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	jq '.process | .args = ["true"] | .env += ["NOEQUALS"]' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/process.json"
	n=$(($(jq '.env | length' "$BATS_TEST_TMPDIR/process.json") - 1))
	run --separate-stderr rt exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	assert_error
	assert_contains "$stderr" "/process/env/$n: "
	run --separate-stderr rt update --memory 64m --memory-reservation 128m "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/memory/reservation
	# (a cpu period of 0 is "unchanged" in update, as runc's: Docker's update
	# sends one through containerd's shim; devices_subdir.bats)
	echo '{"unified": {"cgroup.procs": "0"}}' >"$BATS_TEST_TMPDIR/res.json"
	run --separate-stderr rt update -r "$BATS_TEST_TMPDIR/res.json" "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/unified/cgroup.procs
	assert_eq "$(container_status "$ID")" running
}

# runc_spec_bundle — $BUNDLE's config becomes the one Debian's `runc spec`
# writes (ambient capabilities that are not inheritable), running `true`.
runc_spec_bundle() {
	command -v runc >/dev/null || skip "no runc: the test takes runc spec's config"
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && runc spec)
	update_config '.process.terminal = false | .process.args = ["true"]'
	jq -e '.process.capabilities.ambient | length > 0' "$BUNDLE/config.json" >/dev/null ||
		skip "this runc spec has no ambient capabilities"
	CAPS=$(jq -r '.process.capabilities.ambient - (.process.capabilities.inheritable // []) | .[]' "$BUNDLE/config.json")
}

# bats test_tags=rt-only
@test "trust_validate: runc spec's config: one level=warning line names every ambient capability" {
	runc_spec_bundle
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	one_line "$stderr"
	[[ $stderr =~ ^time=\"[0-9T:.Z+-]+\"\ level=warning\ msg=\" ]]
	for c in $CAPS; do
		assert_contains "$stderr" "$c"
	done
	assert_contains "$stderr" /process/capabilities/ambient
	# runc's words, which tools match (issue 11 item 21)
	assert_contains "$stderr" "can't raise ambient capability"
}

# bats test_tags=rt-only
@test "trust_validate: --log-format json: the warning is a JSON line in --log (not on stderr, as runc)" {
	runc_spec_bundle
	log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr "$RT" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "" "stderr"
	one_line "$(cat "$log")"
	assert_eq "$(jq -r .level "$log")" warning level
	msg=$(jq -r .msg "$log")
	for c in $CAPS; do
		assert_contains "$msg" "$c"
	done
	jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' "$log" >/dev/null
	# --log naming stderr itself: the line is written once
	run --separate-stderr "$RT" --root "$ROOT" --log /dev/stderr --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	one_line "$stderr"
	assert_eq "$(jq -r .level <<<"$stderr")" warning level
}

# bats test_tags=rt-only
@test "trust_validate: a namespace path naming a fifo is an error, not a create that waits forever" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{type: "network", path: $p}]' \
		--arg p "$BATS_TEST_TMPDIR/fifo"
	n=$(($(jq '.linux.namespaces | length' "$BUNDLE/config.json") - 1))
	RT_CMD_TIMEOUT=10
	expect_field_error "/linux/namespaces/$n/path" "not a namespace file"
}
