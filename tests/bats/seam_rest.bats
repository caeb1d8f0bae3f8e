#!/usr/bin/env bats
# Issue 12, the rest of point 3: Go decides what the C stage does. The
# paths tried for the executable, and whether the fds rt's caller leaked
# are closed before the plan runs, are in the plan; `rt plan` shows them.

load helpers

@test "seam: rt plan lists the paths find-exec tries, in \$PATH's order; one denied is passed over, denied everywhere is EACCES" {
	mkdir -p "$BUNDLE/rootfs/denied"
	printf '#!/bin/sh\necho denied-ran\n' >"$BUNDLE/rootfs/denied/rt-seam"
	chmod 0644 "$BUNDLE/rootfs/denied/rt-seam"
	printf '#!/bin/sh\necho found-ran\n' >"$BUNDLE/rootfs/bin/rt-seam"
	chmod 0755 "$BUNDLE/rootfs/bin/rt-seam"
	update_config '.process.env = ["PATH=/denied:/bin"]'
	set_cmd rt-seam
	run rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "$output" 'find-exec in $PATH "/denied/rt-seam" "/bin/rt-seam"'
	run rt run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "found-ran"
	rm "$BUNDLE/rootfs/bin/rt-seam"
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID-denied"
	assert_error
	assert_contains "$stderr" '/process/args/0: exec: "rt-seam": permission denied'
	[ ! -e "$ROOT/$ID-denied" ]
}

@test "seam: without close_range the plan leaves leaked fds to close-from, and says so; with or without, the init does not pass them on" {
	run env RT_TEST_ONLY_KERNEL_WITHOUT=close_range "$RT" --root "$ROOT" plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "fds above the plan's left to close-from (fallback: no close_range)"
	run rt plan "$BUNDLE"
	[ "$status" -eq 0 ]
	assert_not_contains "$output" "close_range"
	set_sh 'ls /proc/self/fd'
	exec 9>"$BATS_TEST_TMPDIR/leaked"
	create_container
	local pid
	pid=$(container_pid "$ID")
	run test -e "/proc/$pid/fd/9"
	[ "$status" -ne 0 ]
	RT_TEST_ONLY_KERNEL_WITHOUT=close_range create_container "$ID-old"
	exec 9>&-
	run rt start "$ID-old"
	[ "$status" -eq 0 ]
	wait_for_status "$ID-old" stopped
	# stdio, and the fd ls reads the directory with: not the leaked one
	assert_eq "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/$ID-old.out")" "0 1 2 3 "
}
