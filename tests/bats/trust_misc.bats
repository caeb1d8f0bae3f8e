#!/usr/bin/env bats
# Issue 10, section 2: linux.mountLabel applied (item 8) and the binary seal
# on kernels without overlayfs' lowerdir+ (item 12). cpu.shares -> cpu.weight
# (item 9) is tested in cgroups.bats and tests/vm (cpu is a v1 controller on
# the hybrid hosts bats runs on) and in cgroupsfs' Go tests.

load helpers

# bats file_tags=rt-only

setup_file() {
	if command -v go >/dev/null; then
		export NOLDP=$BATS_FILE_TMPDIR/nolowerdirplus
		(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$NOLDP" ./tests/bats/nolowerdirplus) || true
	fi
}

LABEL=system_u:object_r:container_file_t:s0:c1,c2

# selinux_on — true if this kernel runs SELinux.
selinux_on() {
	grep -qsw selinux /sys/kernel/security/lsm || [ -e /sys/fs/selinux/enforce ]
}

# plan_line DEST — the plan's line that mounts a filesystem on DEST.
plan_line() {
	grep -F " on $1 type " <<<"$output" | grep -v 'type ""'
}

# config-linux.md "Mount Label", as runc applies it (label.FormatMountLabel):
# context="LABEL" joins the data of the container's new filesystems; proc,
# sysfs, mqueue and binds get none.
@test "mountLabel: with SELinux, the plan mounts tmpfs and devpts with context=LABEL" {
	update_config '.linux.mountLabel = $l' --arg l "$LABEL"
	add_mount /mnt/bound bind "$BUNDLE" rbind
	run with_lsms capability,selinux "$RT" --root "$ROOT" plan --bundle "$BUNDLE"
	[ "$status" -eq 0 ]
	ctx="context=\\\"$LABEL\\\""
	assert_contains "$(plan_line /dev)" "data=\"mode=755,size=65536k,$ctx\""
	assert_contains "$(plan_line /dev/pts)" ",$ctx\""
	assert_contains "$(plan_line /dev/shm)" ",$ctx\""
	for d in /proc /sys /dev/mqueue; do
		line=$(plan_line "$d")
		[ -n "$line" ]
		assert_not_contains "$line" context=
	done
	assert_not_contains "$(grep -F ' on /mnt/bound ' <<<"$output")" context=
}

# The label reaches mount(2): on this kernel, which knows no context
# option unless SELinux runs, the /dev tmpfs is refused by the kernel
# itself ("tmpfs: Unknown parameter 'context'"), as runc's is.
@test "mountLabel: the label is given to the kernel, not dropped" {
	selinux_on && skip "SELinux runs here: a real label would be needed"
	update_config '.linux.mountLabel = $l' --arg l "$LABEL"
	set_cmd true
	run --separate-stderr with_lsms capability,selinux "$RT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" '/mounts/1: mount "tmpfs" on /dev' "invalid argument"
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

# Without SELinux the kernel cannot apply a label: refused up front, by
# field, and nothing is left (teardown checks).
@test "mountLabel: without SELinux, an error naming /linux/mountLabel" {
	selinux_on && skip "SELinux runs here"
	update_config '.linux.mountLabel = $l' --arg l "$LABEL"
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/mountLabel" "SELinux is not enabled"
	run --separate-stderr rt plan --bundle "$BUNDLE"
	assert_error
	assert_contains "$stderr" "/linux/mountLabel"
}

# overlay_available — overlayfs is registered, or its module can be loaded.
overlay_available() {
	grep -qw overlay /proc/filesystems || modinfo overlay >/dev/null 2>&1
}

# check_overlay_seal KERNEL — create the container under nolowerdirplus
# acting as KERNEL, then check that its init (still the C stage, waiting
# for start) runs from the rt binary on a sealed overlayfs, not from a
# memfd copy.
check_overlay_seal() {
	local kernel=$1 report=$BATS_TEST_TMPDIR/noldp.report rc=0 pid exe
	[ -x "${NOLDP:-}" ] || skip "tests/bats/nolowerdirplus not built (needs go)"
	overlay_available || skip "no overlayfs in this kernel (/proc/filesystems, modinfo overlay)"
	set_cmd sleep 1000
	timeout --kill-after=5 "$RT_CMD_TIMEOUT" "$NOLDP" -kernel "$kernel" -report "$report" -- \
		"$RT" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
		>"$BATS_TEST_TMPDIR/create.out" 2>"$BATS_TEST_TMPDIR/create.err" || rc=$?
	if [ "$rc" -eq 125 ]; then
		skip "no seccomp user notification here: $(cat "$BATS_TEST_TMPDIR/create.err")"
	fi
	cat "$BATS_TEST_TMPDIR/create.err" >&2
	assert_eq "$rc" 0 "rt create under nolowerdirplus -kernel $kernel"
	# the emulation was in force: rt's fsconfig calls went through it
	grep -E '^fsconfig [1-9]' "$report"
	pid=$(container_pid "$ID")
	exe=$(readlink "/proc/$pid/exe")
	assert_not_contains "$exe" memfd
	assert_eq "$(stat -L -f -c %T "/proc/$pid/exe")" overlayfs "filesystem of the init's exe ($exe)"
	assert_eq "$(grep -c '/memfd:rt (deleted)' "/proc/$pid/maps")" 0 "memfd copies of rt mapped by the init"
}

# Linux 6.5 to 6.7: overlayfs on the new mount API, without lowerdir+.
@test "exeseal: without overlayfs' lowerdir+ (Linux 6.5-6.7), the stage runs from the overlay, no memfd copy" {
	check_overlay_seal 6.5
}

# Linux 5.2 to 6.4: fsopen exists, overlayfs parses a legacy option string
# and fails lowerdir+ when the filesystem is created.
@test "exeseal: on a legacy overlayfs (Linux 5.x), the stage runs from the overlay, no memfd copy" {
	check_overlay_seal 5.x
}
