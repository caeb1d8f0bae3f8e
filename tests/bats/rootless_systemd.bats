#!/usr/bin/env bats
# Rootless --systemd-cgroup (issue 14, item 3): an ordinary user's rt, and
# root in a user namespace that is that user outside (as rootless podman
# runs its runtime), talk to the user's systemd on the session bus, as
# runc does: $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus. These
# machines boot no systemd: here, a private session bus (dbus-daemon
# --session, the user's) with no systemd on it shows that rt finds the bus,
# authenticates as the right uid, and says in one line that the user's
# systemd does not answer. The scope itself, under user@UID.service, is
# tested in the systemd VM (tests/systemd: t_rootless_sd_scope).

load helpers

# rt only: runc's messages differ.
# bats file_tags=rt-only

# setup_file makes the user; what prevents it is said by each test's skip
# (a skip in setup_file fails the file in bats 1.8).
setup_file() {
	local c
	export RLSD_SKIP=""
	for c in useradd userdel runuser unshare dbus-daemon; do
		command -v "$c" >/dev/null || RLSD_SKIP="$c not found"
	done
	[ "$(id -u)" = 0 ] || RLSD_SKIP="needs root to make a user"
	[ -z "$RLSD_SKIP" ] || return 0
	export RLSD_USER=rtsd$$
	useradd -m -s /bin/sh "$RLSD_USER" || RLSD_SKIP="useradd $RLSD_USER failed"
}

teardown_file() {
	[ -n "${RLSD_USER:-}" ] || return 0
	id -u "$RLSD_USER" >/dev/null 2>&1 || return 0
	pkill -KILL -u "$RLSD_USER" 2>/dev/null || true
	# a user left behind fails the file
	userdel -r "$RLSD_USER" >/dev/null
}

setup() {
	[ -z "${RLSD_SKIP:-}" ] || skip "$RLSD_SKIP"
	ID=$(new_id)
	# The user's runtime dir and bundle live in a directory it can reach.
	RLSD_DIR=$(mktemp -d /tmp/rt-rlsd.XXXXXX)
	chmod 0755 "$RLSD_DIR"
	mkdir -m 0700 "$RLSD_DIR/run"
	BUNDLE=$RLSD_DIR/bundle
	mkdir -p "$BUNDLE/rootfs"
	cp "$RT" "$RLSD_DIR/rt"
	chmod 0755 "$RLSD_DIR/rt"
	chown -R "$RLSD_USER:" "$RLSD_DIR/run" "$BUNDLE"
	as_user sh -c "cd '$BUNDLE' && '$RLSD_DIR/rt' spec --rootless" || skip "rt spec --rootless as $RLSD_USER failed"
	BUS_PID=
}

teardown() {
	local left=""
	[ -z "${BUS_PID:-}" ] || kill "$BUS_PID" 2>/dev/null || true
	if [ -n "${RLSD_DIR:-}" ]; then
		# a refused create leaves nothing in the user's state root
		if [ -e "$RLSD_DIR/run/rt/$ID" ]; then left="$RLSD_DIR/run/rt/$ID"; fi
		rm -rf "$RLSD_DIR"
	fi
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# as_user CMD... — CMD as the user, its XDG_RUNTIME_DIR set, no
# DBUS_SESSION_BUS_ADDRESS (unless given as VAR=value before CMD).
as_user() {
	timeout -k 5 60 runuser -u "$RLSD_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$(getent passwd "$RLSD_USER" | cut -d: -f6)" XDG_RUNTIME_DIR="$RLSD_DIR/run" "$@"
}

# start_bus — the user's session bus at $XDG_RUNTIME_DIR/bus, nothing on it.
start_bus() {
	BUS_PID=$(as_user dbus-daemon --session --address="unix:path=$RLSD_DIR/run/bus" --fork --print-pid </dev/null)
	[ -n "$BUS_PID" ] || return 1
	retry_until 5 test -S "$RLSD_DIR/run/bus"
}

# no_user_state — the user's state dir holds no container.
no_user_state() {
	[ -z "$(find "$RLSD_DIR/run/rt" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null)" ]
}

@test "rootless systemd: no session bus: one line naming the user's systemd and dbus-user-session, exit 1, nothing left" {
	run --separate-stderr as_user sh -c "cd '$BUNDLE' && exec '$RLSD_DIR/rt' --systemd-cgroup run $ID </dev/null"
	assert_error
	assert_contains "$stderr" "--systemd-cgroup: cannot reach the user's systemd (rootless) over its session bus: no session bus" \
		"dbus-user-session" "enable-linger"
	no_user_state
}

@test "rootless systemd: \$XDG_RUNTIME_DIR/bus is dialled and authenticated; no systemd on it is one line, exit 1, nothing left" {
	start_bus
	run --separate-stderr as_user sh -c "cd '$BUNDLE' && exec '$RLSD_DIR/rt' --systemd-cgroup run $ID </dev/null"
	assert_error
	assert_contains "$stderr" "cannot reach the user's systemd (rootless) over its session bus: " "org.freedesktop.systemd1"
	no_user_state
}

@test "rootless systemd: root in a user namespace that is the user outside uses the user's bus, authenticated as the user" {
	start_bus
	run --separate-stderr as_user unshare --user --map-root-user sh -c "cd '$BUNDLE' && exec '$RLSD_DIR/rt' --systemd-cgroup run $ID </dev/null"
	assert_error
	assert_contains "$stderr" "cannot reach the user's systemd (rootless) over its session bus: " "org.freedesktop.systemd1"
	no_user_state
}

@test "rootless systemd: DBUS_SESSION_BUS_ADDRESS wins over \$XDG_RUNTIME_DIR/bus" {
	start_bus
	run --separate-stderr as_user DBUS_SESSION_BUS_ADDRESS="unix:path=$RLSD_DIR/run/nobus" \
		sh -c "cd '$BUNDLE' && exec '$RLSD_DIR/rt' --systemd-cgroup run $ID </dev/null"
	assert_error
	assert_contains "$stderr" "cannot reach the user's systemd (rootless) over its session bus: " "$RLSD_DIR/run/nobus"
	no_user_state
}
