#!/usr/bin/env bats
# A hostile rootfs (DESIGN.md principle 5, issue 3): the image is written by
# whoever built it, so every path in it may be a symlink to "/", a chain of
# "..", an absolute host path or a /proc magic link. Each test builds such a
# rootfs and names the advisory class it reproduces (runc, crun and youki
# advisories are nearly all of two kinds: a path of the rootfs resolved as
# a string and then used by a privileged syscall, or an fd leaked across
# exec). Each test says which naive runtime it catches: one that resolves
# rootfs paths as strings on the host, uses a node or a filesystem without
# checking what it is, leaks an fd, or runs the container from a writable
# host copy of its own binary. Tests where rt is vulnerable are tagged
# known-bug.
#
# Where the attack needs a race (a second container with a shared mount
# swapping a path while the runtime works), the test sets the swapped state
# up beforehand: in the image, or as a mount of the config that stands for
# what the racing container would have mounted.
#
# The "host" the image aims at is a directory the test owns ($HOST, outside
# the rootfs), never the machine's real /etc: a test checks that it is
# exactly as it was (names, types, modes, sizes, mtimes, contents).
#
# The tests that attack the runtime binary run a copy of it ($RT copied to
# the test's directory), so that a successful attack cannot break the
# repository's binary, and compare its sha256 before and after.

load helpers

setup_file() {
	if command -v go >/dev/null; then
		export RECVTTY=$BATS_FILE_TMPDIR/recvtty
		(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$RECVTTY" ./tests/bats/recvtty) || unset RECVTTY
	fi
}

setup() {
	setup_bundle
	ROOTFS=$BUNDLE/rootfs
	HOST=$BATS_TEST_TMPDIR/host
	mkdir -p "$HOST/etc" "$HOST/fakesys/net/ipv4"
	echo host-secret >"$HOST/HOSTMARK"
	echo host-passwd >"$HOST/etc/passwd"
	echo decoy >"$HOST/ptmx"
	echo 0 >"$HOST/fakesys/net/ipv4/ip_forward"
	HOST_BEFORE=$(host_snapshot)
	# A symlink in rootfs/mnt to "$UP$HOST" is $HOST when followed on the
	# host (the ".." reach the host's /), and $ROOTFS$HOST when followed
	# inside the root (".." stops at the root). So is one to "$HOST".
	UP=$(printf '../%.0s' $(seq 1 40))
	UP=${UP%/}
}

teardown() {
	teardown_bundle
}

# host_snapshot — everything about $HOST that an attack could change.
host_snapshot() {
	(
		cd "$HOST" || exit 1
		find . -printf '%p %y %m %s %T@ %l\n' | sort
		find . -type f -exec sha256sum {} + | sort
	)
}

# assert_host_untouched — $HOST is as setup left it.
assert_host_untouched() {
	local now
	now=$(host_snapshot)
	if [ "$now" != "$HOST_BEFORE" ]; then
		echo "the host directory $HOST was changed by the runtime:" >&2
		diff <(echo "$HOST_BEFORE") <(echo "$now") >&2
		return 1
	fi
}

# run_ctr [ID] — `run` the bundle in the foreground; status, output
# (the container's stdout) and stderr as `run --separate-stderr` sets them.
run_ctr() {
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "${1:-$ID}"
	echo "exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
}

# dev_from_image DIR — the config binds DIR of the image (a directory of
# $ROOTFS) on /dev, so the runtime does not make /dev itself: the image's
# nodes and symlinks are what the runtime finds there.
dev_from_image() {
	mkdir -p "$ROOTFS/$1"
	update_config '.mounts |= map(if .destination == "/dev"
		then {destination: "/dev", type: "bind", source: $s, options: ["rbind"]} else . end)' \
		--arg s "$ROOTFS/$1"
}

# cwd_probe — a shell snippet printing CWD-INSIDE when the working directory
# is a directory of the container's root, else CWD-OUTSIDE and what getcwd
# said (the kernel prefixes "(unreachable)" to a directory outside the root).
# It also cats HOSTMARK, which only the host directory holds.
cwd_probe='p=$(pwd -P 2>&1); case $p in /*) if [ "$(stat -c %d:%i "$p")" = "$(stat -c %d:%i .)" ]; then echo CWD-INSIDE "$p"; else echo CWD-OUTSIDE "$p"; fi ;; *) echo CWD-OUTSIDE "$p" ;; esac; cat HOSTMARK 2>/dev/null; ls -a'

# use_rt_copy — run a copy of the runtime binary from a directory of the
# test's own; RT_SHA is its sha256.
use_rt_copy() {
	local dir=$BATS_TEST_TMPDIR/rtbin
	mkdir -p "$dir"
	cp "$RT" "$dir/"
	RT=$dir/${RT##*/}
	RT_SHA=$(sha256sum <"$RT")
}

# add_runtime_libs — copy the runtime binary's ELF interpreter and shared
# libraries into the rootfs (any distribution image has them), so that the
# runtime's own binary can run inside the container.
add_runtime_libs() {
	local lib
	for lib in $(ldd "$RT" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$ROOTFS$(dirname "$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done
}

assert_rt_unchanged() {
	assert_eq "$(sha256sum <"$RT")" "$RT_SHA" "sha256 of the runtime binary $RT"
}

# try_write PATH — append to PATH; prints OK or the shell's error.
try_write() {
	if (echo rewritten-by-the-container >>"$1") 2>"$BATS_TEST_TMPDIR/werr"; then
		echo OK
	else
		cat "$BATS_TEST_TMPDIR/werr"
	fi
}

# ---------------------------------------------------------------------------
# Mount destinations (runc CVE-2021-30465, crun and youki equivalents: a
# mount target in the rootfs that is or passes through a symlink)

@test "security: a mount destination through a symlink to an absolute host path lands in the rootfs (CVE-2021-30465, CVE-2024-45310 class)" {
	# rootfs/mnt/evil -> $HOST: a runtime joining strings would mkdir
	# $HOST/x and $HOST/file on the host and mount there. The image has its
	# own directory at that path, so the symlink resolves inside the root.
	ln -s "$HOST" "$ROOTFS/mnt/evil"
	mkdir -p "$ROOTFS$HOST"
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo volume-content >"$BATS_TEST_TMPDIR/vol/volmark"
	echo file-content >"$BATS_TEST_TMPDIR/volfile"
	add_mount /mnt/evil/x bind "$BATS_TEST_TMPDIR/vol" rbind
	add_mount /mnt/evil/file bind "$BATS_TEST_TMPDIR/volfile" bind
	add_mount /mnt/evil/t tmpfs tmpfs
	set_sh 'cat /mnt/evil/x/volmark /mnt/evil/file; stat -f -c %T /mnt/evil/t; ls /mnt/evil/'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" volume-content file-content tmpfs
	assert_not_contains "$output" HOSTMARK
	# the mount points were made under the rootfs's own copy of the path
	[ -d "$ROOTFS$HOST/x" ]
	[ -f "$ROOTFS$HOST/file" ]
	assert_host_untouched
}

@test "security: a mount destination through a ../ chain lands in the rootfs (CVE-2021-30465, CVE-2024-45310 class)" {
	ln -s "$UP$HOST" "$ROOTFS/mnt/up"
	mkdir -p "$ROOTFS$HOST"
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo volume-content >"$BATS_TEST_TMPDIR/vol/volmark"
	add_mount /mnt/up/x bind "$BATS_TEST_TMPDIR/vol" rbind
	add_mount /mnt/up/etc tmpfs tmpfs
	set_sh 'cat /mnt/up/x/volmark; stat -f -c %T /mnt/up/etc; cat /mnt/up/etc/passwd 2>&1; echo end'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" volume-content tmpfs
	assert_not_contains "$output" host-passwd
	[ -d "$ROOTFS$HOST/x" ]
	assert_host_untouched
}

@test "security: a mount destination through a symlink dangling in the root never reaches its host target (CVE-2024-45310 class)" {
	# The same symlinks, but the image has nothing at $HOST: the mount
	# point is made inside the root (as runc's MkdirAll does), or create
	# fails; either way nothing is made in $HOST.
	ln -s "$HOST" "$ROOTFS/mnt/evil"
	ln -s "$UP$HOST" "$ROOTFS/mnt/up"
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo volume-content >"$BATS_TEST_TMPDIR/vol/volmark"
	add_mount /mnt/evil/x bind "$BATS_TEST_TMPDIR/vol" rbind
	add_mount /mnt/up/y tmpfs tmpfs
	set_sh 'cat /mnt/evil/x/volmark; stat -f -c %T /mnt/up/y'
	run_ctr
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" volume-content tmpfs
		[ -d "$ROOTFS$HOST/x" ]
	fi
	assert_host_untouched
}

@test "security: a mount destination through a symlink to / lands in the rootfs (CVE-2021-30465, CVE-2024-45310 class)" {
	# /mnt/root/<host path>/x: through "/" on the host this is $HOST/x.
	ln -s / "$ROOTFS/mnt/root"
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo volume-content >"$BATS_TEST_TMPDIR/vol/volmark"
	add_mount "/mnt/root$HOST/x" bind "$BATS_TEST_TMPDIR/vol" rbind
	set_sh "cat /mnt/root$HOST/x/volmark $HOST/x/volmark"
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" volume-content
	[ -d "$ROOTFS$HOST/x" ]
	assert_host_untouched
}

@test "security: a mount destination that is itself a symlink to a host path or to / is mounted inside the root (CVE-2021-30465 class)" {
	# rootfs/mnt/evil -> $HOST/etc, rootfs/mnt/up -> ../../..$HOST/fakesys:
	# a runtime mounting on the host path puts the mounts over $HOST's
	# directories (in the container's mount namespace), where the
	# container never sees them.
	ln -s "$HOST/etc" "$ROOTFS/mnt/evil"
	ln -s "$UP$HOST/fakesys" "$ROOTFS/mnt/up"
	mkdir -p "$ROOTFS$HOST/etc" "$ROOTFS$HOST/fakesys"
	echo image-dir >"$ROOTFS$HOST/etc/imagemark"
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo volume-content >"$BATS_TEST_TMPDIR/vol/volmark"
	add_mount /mnt/evil tmpfs tmpfs
	add_mount /mnt/up bind "$BATS_TEST_TMPDIR/vol" rbind
	set_sh 'stat -f -c %T /mnt/evil/; cat /mnt/up/volmark; ls -a /mnt/evil/'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" tmpfs volume-content
	assert_not_contains "$output" imagemark
	assert_not_contains "$output" passwd
	assert_host_untouched

	# rootfs/mnt/root -> /: the tmpfs can only go over the container's own
	# root (which then has no /bin/sh: create fails) or be refused
	rm "$ROOTFS/mnt/evil" "$ROOTFS/mnt/up"
	ln -s / "$ROOTFS/mnt/root"
	update_config '.mounts |= map(select(.destination | startswith("/mnt/") | not))'
	add_mount /mnt/root tmpfs tmpfs
	set_sh 'echo ran; ls /'
	run_ctr "$(new_id)"
	[ -x "$ROOTFS/bin/busybox" ]
	assert_host_untouched
}

# ---------------------------------------------------------------------------
# maskedPaths and readonlyPaths through symlinks

@test "security: maskedPaths and readonlyPaths through symlinks out of the root are applied inside it" {
	# A runtime that resolves these on the host (before the switch of
	# root) masks $HOST's files, in its own mount namespace, and leaves the
	# container's unmasked. (One that resolves them as strings after
	# pivot_root gets them right: absolute symlinks then stop at the root.)
	ln -s "$HOST" "$ROOTFS/mnt/evil"
	ln -s "$UP$HOST" "$ROOTFS/mnt/up"
	ln -s "$HOST/HOSTMARK" "$ROOTFS/etc/leak"
	mkdir -p "$ROOTFS$HOST/secretdir" "$ROOTFS$HOST/rodir"
	echo inside-secret >"$ROOTFS$HOST/secret"
	echo inside-secret2 >"$ROOTFS$HOST/secret2"
	echo inside-dir-secret >"$ROOTFS$HOST/secretdir/f"
	echo inside-hostmark >"$ROOTFS$HOST/HOSTMARK"
	update_config '.linux.maskedPaths += ["/mnt/evil/secret", "/mnt/evil/secretdir", "/mnt/up/secret2", "/etc/leak"]
		| .linux.readonlyPaths += ["/mnt/evil/rodir"]'
	set_sh 'echo "secret:[$(cat /mnt/evil/secret)]"; echo "secret2:[$(cat /mnt/up/secret2)]"
		echo "dir:[$(ls /mnt/evil/secretdir)]"; echo "leak:[$(cat /etc/leak)]"
		touch /mnt/evil/rodir/new 2>/dev/null && echo RODIR-WRITABLE; echo done'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "secret:[]" "secret2:[]" "dir:[]" "leak:[]" "done"
	assert_not_contains "$output" RODIR-WRITABLE
	assert_not_contains "$output" host-secret
	[ ! -e "$ROOTFS$HOST/rodir/new" ]
	assert_host_untouched
}

# ---------------------------------------------------------------------------
# linux.devices through a symlinked directory

@test "security: a linux.devices path through a symlinked directory is created in the rootfs" {
	# A string-joining runtime would mknod in $HOST on the host.
	ln -s "$HOST" "$ROOTFS/mnt/evil"
	ln -s "$UP$HOST" "$ROOTFS/mnt/up"
	mkdir -p "$ROOTFS$HOST"
	update_config '.linux.devices += [
		{path: "/mnt/evil/rtnull", type: "c", major: 1, minor: 3, fileMode: 438},
		{path: "/mnt/up/rtzero", type: "c", major: 1, minor: 5, fileMode: 438}]'
	set_sh 'ls -l /mnt/evil/rtnull /mnt/up/rtzero'
	run_ctr
	if [ "$status" -eq 0 ]; then
		[ -c "$ROOTFS$HOST/rtnull" ]
		[ -c "$ROOTFS$HOST/rtzero" ]
	fi
	[ ! -e "$HOST/rtnull" ]
	[ ! -e "$HOST/rtzero" ]
	assert_host_untouched
}

# ---------------------------------------------------------------------------
# process.cwd through symlinks (runc CVE-2024-21626's second half: the cwd
# must be inside the root)

@test "security: process.cwd through a symlink out of the root stays in the rootfs (CVE-2024-21626 class)" {
	# A runtime that makes the cwd with mkdir -p on the host path makes
	# $HOST/work; one that chdirs before the switch of root runs the
	# process in $HOST (it then sees HOSTMARK).
	ln -s "$HOST" "$ROOTFS/mnt/evil"
	ln -s "$UP$HOST" "$ROOTFS/mnt/up"
	local cwd
	for cwd in /mnt/evil /mnt/evil/work /mnt/up/work2 "/mnt/up/../evil/etc"; do
		update_config '.process.cwd = $c' --arg c "$cwd"
		set_sh "$cwd_probe"
		run_ctr
		if [ "$status" -eq 0 ]; then
			assert_contains "$output" CWD-INSIDE
			assert_not_contains "$output" host-secret
		fi
	done
	[ ! -e "$HOST/work" ]
	[ ! -e "$HOST/work2" ]
	[ ! -e "$BATS_TEST_TMPDIR/evil" ]
	assert_host_untouched
}

# ---------------------------------------------------------------------------
# Leaky Vessels (runc CVE-2024-21626): a host fd open in the container and
# process.cwd = /proc/self/fd/N

@test "security: process.cwd /proc/self/fd/N never gives a host directory (CVE-2024-21626)" {
	# runc 1.1.11 left a host cgroup directory open as fd 7 and chdir'ed to
	# process.cwd without checking where it landed. The runtime's own fds
	# (sync socket, exec FIFO, the root it holds) are what N can reach.
	local n
	for n in 3 4 5 6 7 8 9 10; do
		update_config '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		set_sh "$cwd_probe"
		run_ctr "$(new_id)"
		if [ "$status" -eq 0 ]; then
			assert_contains "$output" CWD-INSIDE
			assert_not_contains "$output" CWD-OUTSIDE
		fi
	done
	# the same through a symlink in the image
	ln -s /proc/self/fd/5 "$ROOTFS/mnt/leak"
	update_config '.process.cwd = "/mnt/leak"'
	run_ctr "$(new_id)"
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" CWD-INSIDE
	fi
}

@test "security: process.cwd /proc/self/fd/3 with a host directory as --preserve-fds 3 is refused or inside the root (CVE-2024-21626)" {
	# A host directory the caller passes on must not become the cwd: the
	# check that the cwd is inside the root is what stops every leak.
	update_config '.process.cwd = "/proc/self/fd/3"'
	set_sh "$cwd_probe"
	run --separate-stderr rt_noio run --preserve-fds 1 --bundle "$BUNDLE" "$ID" 3<"$HOST"
	echo "exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" CWD-INSIDE
		assert_not_contains "$output" host-secret
	fi
}

@test "security: exec --cwd /proc/self/fd/N never gives a host directory (CVE-2024-21626)" {
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	local n
	for n in 3 4 5 6 7 8; do
		run --separate-stderr rt_noio exec --cwd "/proc/self/fd/$n" "$ID" sh -c "$cwd_probe"
		echo "fd $n: exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
		if [ "$status" -eq 0 ]; then
			assert_contains "$output" CWD-INSIDE
		fi
	done
}

# bats test_tags=known-bug
@test "security: exec --cwd /proc/self/fd/3 with a host directory as --preserve-fds 3 is refused (CVE-2024-21626)" {
	# The same for exec, which joins the container instead of building it.
	# runc: "current working directory is outside of container mount
	# namespace root -- possible container breakout detected".
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	run --separate-stderr rt_noio exec --preserve-fds 1 --cwd /proc/self/fd/3 "$ID" sh -c "$cwd_probe" 3<"$HOST"
	echo "exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
	if [ "$status" -eq 0 ]; then
		assert_not_contains "$output" host-secret
		assert_contains "$output" CWD-INSIDE
	fi
}

# fd_list PID — the fd numbers PID has open, as seen from the host.
fd_list() {
	ls "/proc/$1/fd" | sort -n | tr '\n' ' '
}

@test "security: the container's process has only stdio and --preserve-fds open (CVE-2024-21626)" {
	# Listed from the host, so nothing of the listing itself is counted. A
	# runtime leaking any fd (runc's cgroup directory) fails here.
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	assert_eq "$(fd_list "$(container_pid "$ID")")" "0 1 2 " "fds of the container's process"

	# with --preserve-fds 2: 3 and 4 as well, nothing more
	local id2
	id2=$(new_id)
	if ! rt create --bundle "$BUNDLE" --preserve-fds 2 "$id2" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/c2.err" \
		3<"$HOST/HOSTMARK" 4<"$HOST"; then
		cat "$BATS_TEST_TMPDIR/c2.err" >&2
		return 1
	fi
	rt start "$id2"
	wait_for_status "$id2" running
	assert_eq "$(fd_list "$(container_pid "$id2")")" "0 1 2 3 4 " "fds with --preserve-fds 2"

	# and from inside: ls itself opens one more (the directory it lists)
	run --separate-stderr rt_noio exec "$ID" ls /proc/self/fd
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 1 2 3" "fds inside, as ls sees them"
}

@test "security: an exec'd process has only stdio and --preserve-fds open (CVE-2024-21626)" {
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	rt exec --detach --pid-file "$BATS_TEST_TMPDIR/e1.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>&1
	assert_eq "$(fd_list "$(cat "$BATS_TEST_TMPDIR/e1.pid")")" "0 1 2 " "fds of an exec'd process"
	rt exec --detach --preserve-fds 1 --pid-file "$BATS_TEST_TMPDIR/e2.pid" "$ID" sleep 1000 \
		</dev/null >/dev/null 2>&1 3<"$HOST"
	assert_eq "$(fd_list "$(cat "$BATS_TEST_TMPDIR/e2.pid")")" "0 1 2 3 " "fds of an exec'd process with --preserve-fds 1"
}

# ---------------------------------------------------------------------------
# /proc that is not the kernel's (runc CVE-2019-16884, CVE-2019-19921,
# CVE-2023-27561: /proc a symlink or a fake directory, so that LSM labels
# and sysctls are written into the image; runc CVE-2025-52881: writes
# redirected to another procfs file)

@test "security: rootfs /proc a symlink into the image: sysctls and masks reach the real procfs (CVE-2019-19921)" {
	# rootfs/proc -> <host path>/fakeproc, where the image holds fake
	# sysctl and timer_list files. A runtime that mounts procfs on the host
	# path and later writes /proc/sys/... (and masks /proc/...) inside the
	# root writes into, and masks, the image's fake files; the real
	# settings are never made. (Targets are under $HOST so that a
	# vulnerable runtime only ever writes there.)
	local fake=$ROOTFS$HOST/fakeproc
	rmdir "$ROOTFS/proc"
	ln -s "$HOST/fakeproc" "$ROOTFS/proc"
	mkdir -p "$fake/sys/net/ipv4"
	echo fake >"$fake/sys/net/ipv4/ip_forward"
	echo fake-timer-list >"$fake/timer_list"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo "fs:$(stat -f -c %T /proc/)"; echo "fwd:$(cat /proc/sys/net/ipv4/ip_forward)"; echo "timer:[$(cat /proc/timer_list)]"'
	run_ctr
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" "fs:proc" "fwd:1" "timer:[]"
	fi
	# nothing was written into the image's fake files
	assert_eq "$(cat "$fake/sys/net/ipv4/ip_forward")" fake "the image's fake ip_forward"
	assert_eq "$(cat "$fake/timer_list")" fake-timer-list "the image's fake timer_list"
	assert_host_untouched
}

@test "security: rootfs /proc a symlink to a host path or to /: procfs is mounted inside the root or create fails (CVE-2019-16884 class)" {
	# The image has its own directory at the host path: a runtime that
	# mounts procfs on the host path leaves the container's /proc (through
	# the symlink) an ordinary directory of the image.
	mkdir -p "$ROOTFS$HOST"
	echo fake-proc >"$ROOTFS$HOST/timer_list"
	local target
	for target in "$HOST" "$UP$HOST" /; do
		rm -rf "${ROOTFS:?}/proc"
		ln -s "$target" "$ROOTFS/proc"
		set_sh 'echo "fs:$(stat -f -c %T /proc/)"; echo "timer:[$(cat /proc/timer_list | head -c 64)]"; ls /bin/busybox'
		run_ctr "$(new_id)"
		if [ "$status" -eq 0 ]; then
			assert_contains "$output" "fs:proc" "timer:[]" /bin/busybox
		fi
		assert_host_untouched
	done
	[ -x "$ROOTFS/bin/busybox" ]
	assert_eq "$(cat "$ROOTFS$HOST/timer_list")" fake-proc
}

@test "security: a sysctl is not written into a non-procfs mounted over /proc/sys (CVE-2019-19921 class)" {
	# The bind stands for what a racing container with a shared mount
	# (CVE-2025-52881) or a fake /proc can put there. A runtime that writes
	# without checking the filesystem writes the host file.
	add_mount /proc/sys bind "$HOST/fakesys" rbind
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'cat /proc/sys/net/ipv4/ip_forward'
	run_ctr
	assert_eq "$(cat "$HOST/fakesys/net/ipv4/ip_forward")" 0 "the fake ip_forward on the host"
	assert_host_untouched
}

@test "security: a tmpfs mounted over /proc before the sysctls does not take their writes" {
	add_mount /proc tmpfs tmpfs
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo "fs:$(stat -f -c %T /proc/)"; cat /proc/sys/net/ipv4/ip_forward'
	run_ctr
	# A runtime that writes sysctls with O_CREAT (as a plain WriteFile
	# does) creates them in the tmpfs and starts the container with a
	# tmpfs /proc; the settings never reach the kernel.
	if [ "$status" -eq 0 ]; then
		assert_not_contains "$output" "fs:tmpfs"
	fi
}

# bats test_tags=known-bug
@test "security: a sysctl is not redirected to another procfs file mounted over it (CVE-2025-52881)" {
	# /proc/sys/net/ipv4/ip_forward covered by a procfs file of a host
	# process of this test (its oom_score_adj, harmless to write): a
	# runtime that writes through the container's /proc writes there (a
	# check of the filesystem type passes: it is procfs). The advisory's
	# payload is the host's /proc/sys/kernel/core_pattern. Fixed by writing
	# through a procfs instance of the runtime's own (fsopen) or by
	# refusing mounts inside /proc as runc does ("cannot be mounted because
	# it is inside /proc").
	sleep 1000 3>&- &
	local victim=$!
	track_bg "$victim"
	local before
	before=$(cat "/proc/$victim/oom_score_adj")
	add_mount /proc/sys/net/ipv4/ip_forward bind "/proc/$victim/oom_score_adj" bind
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'cat /proc/sys/net/ipv4/ip_forward'
	run_ctr
	assert_eq "$(cat "/proc/$victim/oom_score_adj")" "$before" "oom_score_adj of host process $victim"
}

# ---------------------------------------------------------------------------
# The runtime binary (runc CVE-2019-5736; crun's and youki's equivalents):
# /proc/<pid>/exe of a process running the runtime must not reach a
# writable host file, now or after the process exits.

@test "security: /proc/<init>/exe of a created container cannot be written, then or after start (CVE-2019-5736)" {
	# While the runtime runs, writing its binary fails with ETXTBSY even on
	# a naive runtime; the exploit keeps an fd and writes once the binary
	# is no longer running. A runtime whose init runs the host binary loses.
	use_rt_copy
	set_cmd true
	create_container
	local pid fd
	pid=$(container_pid "$ID")
	# the init still runs the runtime: hold its exe, as the exploit does
	exec {fd}<"/proc/$pid/exe"
	run try_write "/proc/$pid/exe"
	echo "write while created: $output"
	[ "$output" != OK ]
	rt start "$ID"
	wait_for_status "$ID" stopped
	# nothing runs the binary any more: a writable host file would now
	# take the write
	run try_write "/proc/self/fd/$fd"
	echo "write through the held fd after the init exec'd: $output"
	exec {fd}<&-
	[ "$output" != OK ]
	assert_rt_unchanged
}

@test "security: a container process running /proc/self/exe runs the runtime but cannot rewrite it (CVE-2019-5736)" {
	use_rt_copy
	add_runtime_libs
	# --version: the runtime's code runs as the container's process
	set_cmd /proc/self/exe --version
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" version
	assert_rt_unchanged

	# Now one that blocks (opening its --log, a FIFO nobody reads): hold
	# /proc/<pid>/exe while it runs, try to write it, release it, and
	# write through the held fd once it has exited.
	mkfifo "$ROOTFS/tmp/gate"
	set_cmd /proc/self/exe --log /tmp/gate state nothing
	local id2 pid fd
	id2=$(new_id)
	create_container "$id2"
	pid=$(container_pid "$id2")
	rt start "$id2"
	retry_until 10 grep -qa -- --log "/proc/$pid/cmdline"
	exec {fd}<"/proc/$pid/exe"
	run try_write "/proc/$pid/exe"
	echo "write while it runs: $output"
	[ "$output" != OK ]
	cat "$ROOTFS/tmp/gate" >/dev/null # opens the FIFO: the runtime goes on and exits
	wait_for_status "$id2" stopped
	run try_write "/proc/self/fd/$fd"
	echo "write through the held fd after exit: $output"
	exec {fd}<&-
	[ "$output" != OK ]
	assert_rt_unchanged
}

# bats test_tags=rt-only
@test "security: a #!/proc/self/exe entrypoint cannot rewrite the runtime from inside the container (CVE-2019-5736)" {
	# The advisory's exploit, inside the container: the attacker (the
	# container's init) waits for a process started by `exec` whose binary
	# is a #!/proc/self/exe script, so that the runtime's own binary runs
	# as that process; it opens /proc/<victim>/exe, lets the victim exit,
	# and writes through its fd. The victim is made to block (its --log is
	# a FIFO) so that the attacker cannot miss it: the script is named
	# "state" and found through an empty PATH element in /bin, so that the
	# runtime sees `--log=/tmp/gate state nothing` (rt-only: runc's exec
	# does not run a program found through an empty PATH element).
	# A runtime whose process runs the host binary loses: the attacker's
	# write lands in it once the victim has exited.
	use_rt_copy
	add_runtime_libs
	mkfifo "$ROOTFS/tmp/gate"
	printf '#!/proc/self/exe --log=/tmp/gate\n' >"$ROOTFS/bin/state"
	chmod 755 "$ROOTFS/bin/state"
	cat >"$ROOTFS/attack.sh" <<-'EOF'
	#!/bin/sh
	r=/tmp/result
	i=0
	while :; do
		for p in /proc/[0-9]*; do
			case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in
			*--log=/tmp/gate*) victim=${p#/proc/}; break 2 ;;
			esac
		done
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo no-victim >$r.tmp; mv $r.tmp $r; exit 1; }
		usleep 10000
	done
	echo "victim $victim: $(readlink /proc/$victim/exe)" >/tmp/victim
	if ! exec 3<"/proc/$victim/exe"; then
		echo open-refused >$r.tmp; mv $r.tmp $r; cat /tmp/gate >/dev/null; exit 0
	fi
	( echo pwned >>"/proc/$victim/exe" ) 2>/tmp/err-running && echo WROTE-WHILE-RUNNING >/tmp/running
	cat /tmp/gate >/dev/null
	i=0
	while readlink "/proc/$victim/exe" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 3000 ] || break; usleep 10000
	done
	if ( echo pwned >>/proc/self/fd/3 ) 2>/tmp/err-after; then
		echo WROTE >$r.tmp
	else
		echo "refused: $(cat /tmp/err-after)" >$r.tmp
	fi
	mv $r.tmp $r
	exec sleep 1000
	EOF
	chmod 755 "$ROOTFS/attack.sh"
	set_cmd /attack.sh
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	jq -n --argjson p "$(jq .process "$BUNDLE/config.json")" \
		'$p | .args = ["state", "nothing"] | .cwd = "/bin" | .env = (.env | map(select(startswith("PATH=") | not)) + ["PATH="])' \
		>"$BATS_TEST_TMPDIR/victim.json"
	rt exec --detach --process "$BATS_TEST_TMPDIR/victim.json" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/victim.err" || {
		cat "$BATS_TEST_TMPDIR/victim.err"
		return 1
	}
	wait_for_file "$ROOTFS/tmp/result" 60
	cat "$ROOTFS/tmp/victim" || true
	cat "$ROOTFS/tmp/err-running" 2>/dev/null || true
	local result
	result=$(cat "$ROOTFS/tmp/result")
	echo "attacker: $result"
	[ ! -e "$ROOTFS/tmp/running" ]
	assert_not_contains "$result" WROTE
	assert_not_contains "$result" no-victim
	assert_rt_unchanged
}

# second_bundle DIR — another busybox bundle (config from the runtime's
# spec, with the marker the residue checks look for) in DIR.
second_bundle() {
	"$REPO_ROOT/tests/mkbundle.sh" "$1"
	(cd "$1" && "$RT" spec)
	CONFIG=$1/config.json update_config '.process.terminal = false | .root.readonly = false
		| .process.env += ["RT_BATS_MARKER=" + $m]' --arg m "$MARKER"
}

@test "security: the init of a created container cannot be opened from its PID namespace, and with CAP_SYS_PTRACE its exe is read-only (CVE-2016-9962, CVE-2019-5736)" {
	# Container A is created, not started: its init (pid 1 of A's PID
	# namespace) still runs the runtime. Container B joins that PID
	# namespace. Without CAP_SYS_PTRACE, B must not reach the init's exe,
	# fds, environment or memory (the init is not dumpable); with it
	# (a shared PID namespace and CAP_SYS_PTRACE, as a debugging sidecar
	# has), B reaches them, but the exe cannot be written and no fd of the
	# init is a directory outside A's root.
	use_rt_copy
	set_cmd true
	create_container
	local pid b=$BATS_TEST_TMPDIR/b id2 id3
	pid=$(container_pid "$ID")
	second_bundle "$b"
	CONFIG=$b/config.json update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != "pid")] + [{type: "pid", path: $p}])
		| .process.args = ["sh", "-c", $s]' --arg p "/proc/$pid/ns/pid" --arg s '
		for f in exe fd/0 environ mem cwd root; do
			if cat /proc/1/$f >/dev/null 2>&1 || ls /proc/1/$f/ >/dev/null 2>&1; then echo "open:$f"; else echo "denied:$f"; fi
		done
		( echo pwned >>/proc/1/exe ) 2>/dev/null && echo EXE-WRITTEN
		r=$(stat -L -c %d:%i /proc/1/root 2>/dev/null)
		for f in /proc/1/fd/* /proc/1/cwd; do
			[ -d "$f" ] || continue
			[ "$(stat -L -c %d:%i "$f")" = "$r" ] || echo "HOST-DIR-FD:$f -> $(readlink "$f")"
		done
		echo done'
	id2=$(new_id)
	run --separate-stderr rt_noio run --bundle "$b" "$id2"
	echo "without CAP_SYS_PTRACE: exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
	[ "$status" -eq 0 ]
	assert_contains "$output" denied:exe denied:fd/0 denied:environ denied:mem denied:cwd denied:root "done"
	assert_not_contains "$output" EXE-WRITTEN

	CONFIG=$b/config.json update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
	id3=$(new_id)
	run --separate-stderr rt_noio run --bundle "$b" "$id3"
	echo "with CAP_SYS_PTRACE: exit status $status; stdout: <<$output>>; stderr: <<$stderr>>"
	[ "$status" -eq 0 ]
	assert_contains "$output" "done"
	assert_not_contains "$output" EXE-WRITTEN
	assert_not_contains "$output" HOST-DIR-FD
	assert_rt_unchanged
}

# ---------------------------------------------------------------------------
# /dev from the image (runc CVE-2025-31133: /dev/null of the image used to
# mask paths; CVE-2025-52565: /dev/console and /dev/pts/$n; runc's /dev
# symlink advisory (CVE-2026-41579): ptmx and the /dev/fd links made on the
# host)

@test "security: maskedPaths never bind an image /dev/null that is a symlink to a procfs file (CVE-2025-31133)" {
	# /dev is the image's; its null -> /proc/sys/kernel/core_pattern. A
	# runtime that binds "/dev/null" over the masked files without checking
	# the node gives the container a writable core_pattern at
	# /proc/timer_list (runc before 1.2.8 did; the test writes nothing).
	dev_from_image imgdev
	ln -s /proc/sys/kernel/core_pattern "$ROOTFS/imgdev/null"
	local pattern
	pattern=$(cat /proc/sys/kernel/core_pattern)
	set_sh 'echo "timer:[$(cat /proc/timer_list | head -c 64)]"; echo "keys:[$(cat /proc/keys | head -c 64)]"'
	run_ctr
	if [ "$status" -eq 0 ]; then
		# masked with the real null device, not the core_pattern file
		assert_contains "$output" "timer:[]" "keys:[]"
	fi
	assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$pattern" "the host's core_pattern"
}

@test "security: maskedPaths never bind an image /dev/null that is a symlink to a host file or a fake device" {
	# A runtime that does not check for the 1:3 character device masks
	# with whatever the image put at /dev/null.
	dev_from_image imgdev
	ln -s "$HOST/HOSTMARK" "$ROOTFS/imgdev/null"
	mkdir -p "$ROOTFS$HOST"
	echo image-file >"$ROOTFS$HOST/HOSTMARK"
	set_sh 'echo "timer:[$(cat /proc/timer_list | head -c 64)]"'
	run_ctr
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" "timer:[]"
		assert_not_contains "$output" host-secret
		assert_not_contains "$output" image-file
	fi
	# a char device that is not 1:3 (here /dev/zero's numbers)
	rm "$ROOTFS/imgdev/null"
	mknod "$ROOTFS/imgdev/null" c 1 5
	run_ctr "$(new_id)"
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" "timer:[]"
	fi
	assert_host_untouched
}

# bats test_tags=known-bug
@test "security: maskedPaths are not skipped when the image's /dev/null is missing or dangling (CVE-2025-31133)" {
	# The advisory's other half: with no /dev/null to bind, masking must
	# fail (or use a null device of the runtime's own), not be skipped as
	# if the masked file were missing.
	dev_from_image imgdev
	set_sh 'echo "timer:[$(cat /proc/timer_list | head -c 64)]"; echo "keys:[$(cat /proc/keys | head -c 64)]"'
	# no /dev/null at all
	run_ctr
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" "timer:[]" "keys:[]"
	fi
	# a dangling symlink
	ln -s /nonexistent "$ROOTFS/imgdev/null"
	run_ctr "$(new_id)"
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" "timer:[]" "keys:[]"
	fi
}

@test "security: an image /dev/null symlink to a host file is hidden when the config has no /dev mount" {
	# The runtime makes /dev itself (a tmpfs, as runc's default config
	# asks): the image's /dev is never used. A runtime that works in the
	# image's /dev keeps its symlinks (runc 1.1 did).
	update_config '.mounts |= map(select(.destination | startswith("/dev") | not))'
	ln -s "$HOST/HOSTMARK" "$ROOTFS/dev/null"
	ln -s /proc/sys/kernel/core_pattern "$ROOTFS/dev/zero"
	set_sh 'ls -l /dev/null /dev/zero; echo "timer:[$(cat /proc/timer_list | head -c 64)]"; echo x >/dev/null && echo null-ok'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "timer:[]" null-ok
	assert_not_contains "$output" host-secret
	[ "$(echo "$output" | grep -c '^crw')" -eq 2 ]
	[ -L "$ROOTFS/dev/null" ] # the image is untouched too
	assert_host_untouched
}

@test "security: rootfs /dev a symlink to a host path: nothing is made on the host (CVE-2026-41579 class)" {
	# runc made ptmx (deleting the file there) and the fd, stdin, stdout,
	# stderr links in $HOST.
	local target
	for target in "$HOST" "$UP$HOST"; do
		rm -rf "${ROOTFS:?}/dev"
		ln -s "$target" "$ROOTFS/dev"
		set_sh 'ls -l /dev/null'
		run_ctr "$(new_id)"
		if [ "$status" -eq 0 ]; then
			assert_contains "$output" "1,   3"
		fi
		assert_host_untouched
	done
	# The same host path, now a directory of the image too: /dev is made
	# there, inside the rootfs. (No sub-case aims at the real / or /tmp:
	# a vulnerable runtime would make its nodes and links there.)
	mkdir -p "$ROOTFS$HOST"
	rm "$ROOTFS/dev"
	ln -s "$HOST" "$ROOTFS/dev"
	set_sh 'ls -l /dev/null; readlink /dev/stdout'
	run_ctr "$(new_id)"
	[ "$status" -eq 0 ]
	assert_contains "$output" "1,   3" /proc/self/fd/1
	assert_host_untouched
}

# start_recvtty — listen on $SOCK for the console; output to tty.out.
start_recvtty() {
	[ -x "${RECVTTY:-}" ] || skip "recvtty not built (needs go)"
	SOCK=$BATS_TEST_TMPDIR/console.sock
	rm -f "$BATS_TEST_TMPDIR/recv.ready"
	"$RECVTTY" -ready "$BATS_TEST_TMPDIR/recv.ready" -timeout 30s "$SOCK" \
		>"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/recv.err" </dev/null 3>&- &
	RECV_PID=$!
	track_bg "$RECV_PID"
	wait_for_file "$BATS_TEST_TMPDIR/recv.ready"
}

# tty_run — create and start with the console socket; sets status (of
# create/start) and out (the pty output).
tty_run() {
	status=0
	rt create --bundle "$BUNDLE" --console-socket "$SOCK" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/create.err" &&
		rt start "$ID" 2>>"$BATS_TEST_TMPDIR/create.err" || status=$?
	cat "$BATS_TEST_TMPDIR/create.err"
	if [ "$status" -ne 0 ]; then
		kill "$RECV_PID" 2>/dev/null || true
	fi
	wait_bg "$RECV_PID" 20 || true
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	echo "status $status; pty output: <<$out>>"
}

# bats test_tags=known-bug
@test "security: the console pty is mounted on /dev/console only, never through an image symlink (CVE-2025-52565)" {
	# The image's /dev/console -> /proc/sys/kernel/core_pattern: the
	# runtime must not follow it and mount the pty over that file. (The
	# pty is the source either way, so this covers a file inside the
	# container; runc 1.2.8 stopped following the symlink.)
	dev_from_image imgdev
	ln -s pts/ptmx "$ROOTFS/imgdev/ptmx"
	mknod "$ROOTFS/imgdev/null" c 1 3
	ln -s /proc/sys/kernel/core_pattern "$ROOTFS/imgdev/console"
	update_config '.process.terminal = true'
	set_sh 'echo "console:$(stat -c %F /dev/console)"; grep devpts /proc/self/mountinfo | cut -d" " -f5'
	start_recvtty
	tty_run
	if [ "$status" -eq 0 ]; then
		assert_eq "$(echo "$out" | grep '^/' | sort | tr '\n' ' ')" "/dev/console /dev/pts " "devpts mount points"
		assert_contains "$out" "console:character special file"
	fi
}

@test "security: the console is a real pty even when the image's ptmx is a symlink (CVE-2025-52565)" {
	# No devpts from the config: the image's /dev/pts/ptmx is a symlink to
	# a procfs file, its /dev/ptmx a symlink to that. The runtime must
	# check that what it opened is a pty master (a naive one fails its
	# ioctls on the file; what matters is that nothing is written there).
	dev_from_image imgdev
	update_config '.mounts |= map(select(.destination != "/dev/pts")) | .process.terminal = true'
	mkdir -p "$ROOTFS/imgdev/pts"
	mknod "$ROOTFS/imgdev/null" c 1 3
	ln -s /proc/sys/kernel/core_pattern "$ROOTFS/imgdev/pts/ptmx"
	ln -s pts/ptmx "$ROOTFS/imgdev/ptmx"
	: >"$ROOTFS/imgdev/console"
	local pattern
	pattern=$(cat /proc/sys/kernel/core_pattern)
	set_sh 'tty; echo "console:$(stat -c %F /dev/console)"'
	start_recvtty
	tty_run
	if [ "$status" -eq 0 ]; then
		assert_contains "$out" /dev/pts/ "console:character special file"
	fi
	assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$pattern" "the host's core_pattern"

	# the image's ptmx a char device 5:2 with no devpts next to it
	rm "$ROOTFS/imgdev/ptmx" "$ROOTFS/imgdev/pts/ptmx"
	mknod "$ROOTFS/imgdev/ptmx" c 5 2
	ID=$(new_id)
	start_recvtty
	tty_run
	if [ "$status" -eq 0 ]; then
		assert_contains "$out" "console:character special file"
	fi
}

@test "security: the console is the pty itself, never the image's /dev/pts/N (CVE-2025-52565)" {
	# The config's devpts is at /dev/realpts and the image's /dev/ptmx
	# points there; the image's /dev/pts is an ordinary directory whose
	# "0" is a symlink to a file of the image. A runtime that opens the
	# peer by its name (/dev/pts/<TIOCGPTN>) gives the container that file
	# as its console and stdio.
	dev_from_image imgdev
	update_config '.mounts |= map(if .destination == "/dev/pts" then .destination = "/dev/realpts" else . end)
		| .process.terminal = true'
	mkdir -p "$ROOTFS/imgdev/pts"
	mknod "$ROOTFS/imgdev/null" c 1 3
	ln -s realpts/ptmx "$ROOTFS/imgdev/ptmx"
	: >"$ROOTFS/imgdev/console"
	: >"$ROOTFS/captured"
	for n in 0 1 2 3; do ln -s /captured "$ROOTFS/imgdev/pts/$n"; done
	set_sh 'echo "tty:$(tty)"; echo "console:$(stat -c %F /dev/console)"; echo to-the-console'
	start_recvtty
	tty_run
	if [ "$status" -eq 0 ]; then
		assert_contains "$out" tty:/dev/ to-the-console "console:character special file"
	fi
	assert_eq "$(cat "$ROOTFS/captured")" "" "the image file behind /dev/pts/N"
}

@test "security: /dev/console a symlink to a host path stays in the rootfs (CVE-2025-52565)" {
	# Catches a runtime that binds the console on a host path before the
	# switch of root.
	dev_from_image imgdev
	ln -s pts/ptmx "$ROOTFS/imgdev/ptmx"
	mknod "$ROOTFS/imgdev/null" c 1 3
	ln -s "$HOST/HOSTMARK" "$ROOTFS/imgdev/console"
	update_config '.process.terminal = true'
	set_sh 'echo "console:$(stat -L -c %F /dev/console)"'
	start_recvtty
	tty_run
	assert_host_untouched
	assert_eq "$(cat "$HOST/HOSTMARK")" host-secret
}
