# Helpers for rootless.bats: rt run by an ordinary user that the file's
# setup makes (useradd, with /etc/subuid and /etc/subgid ranges) and its
# teardown removes (userdel -r).
#
#   RL_USER RL_UID RL_GID RL_HOME   the user
#   RL_SUBUID RL_SUBGID             the start of its subordinate ranges
#   RL_RT                           a copy of $RT the user can run
#   B                               the test's bundle, owned by the user
#   RL_XDG                          its XDG_RUNTIME_DIR (state in $RL_XDG/rt)

# rl_setup_file — make the user, or record in RL_SKIP why it cannot be
# done: each test's setup then skips with that reason (bats 1.8 has no
# skip in setup_file).
rl_setup_file() {
	export RL_SKIP=
	[ "$(id -u)" -eq 0 ] || { RL_SKIP="rootless tests make a user: they need root"; return 0; }
	command -v useradd >/dev/null || { RL_SKIP="useradd is not installed (passwd package)"; return 0; }
	command -v setpriv >/dev/null || { RL_SKIP="setpriv is not installed (util-linux)"; return 0; }
	command -v newuidmap >/dev/null || { RL_SKIP="newuidmap is not installed (uidmap package)"; return 0; }
	RL_USER=rtrl$$
	export RL_USER
	useradd -m -s /bin/sh "$RL_USER" >/dev/null 2>&1 || { RL_SKIP="useradd $RL_USER failed"; return 0; }
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_HOME=$(getent passwd "$RL_USER" | cut -d: -f6)
	export RL_UID RL_GID RL_HOME
	rl_subids
	RL_SUBUID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	RL_SUBGID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
	export RL_SUBUID RL_SUBGID
	install -o "$RL_USER" -g "$RL_GID" -m 0755 -d "$RL_HOME/bin"
	install -o "$RL_USER" -g "$RL_GID" -m 0755 "$RT" "$RL_HOME/bin/rt"
	export RL_RT=$RL_HOME/bin/rt
	if ! as_user unshare -U true 2>/dev/null; then
		RL_SKIP="unprivileged user namespaces are not available (unshare -U fails for an ordinary user)"
	fi
}

# rl_subids — give the user 65536 subordinate uids and gids if useradd
# did not (a useradd without SUB_UID_* defaults), after the highest range.
rl_subids() {
	local f next
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		grep -q "^$RL_USER:" "$f" && continue
		next=$(awk -F: 'BEGIN { n = 100000 } { if ($2 + $3 > n) n = $2 + $3 } END { print n }' "$f")
		echo "$RL_USER:$next:65536" >>"$f"
	done
}

# rl_teardown_file — the user's processes, files and subordinate ids go;
# fails if the user's processes or the user could not be removed.
rl_teardown_file() {
	local rc=0
	[ -n "${RL_USER:-}" ] || return 0
	id "$RL_USER" >/dev/null 2>&1 || return 0
	rl_kill_user_procs || rc=$?
	if ! userdel -r "$RL_USER" >/dev/null 2>&1; then
		echo "userdel -r $RL_USER failed" >&2
		rc=1
	fi
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	return "$rc"
}

rl_user_pids() { pgrep -u "$RL_UID" || true; }

rl_kill_user_procs() {
	local p
	for p in $(rl_user_pids); do
		kill -KILL "$p" 2>/dev/null || true
	done
	retry_until 5 rl_no_user_procs
}

rl_no_user_procs() { [ -z "$(rl_user_pids)" ]; }

# as_user CMD... — CMD as the user, with a clean environment: HOME, PATH
# ($RL_PATH if set), and XDG_RUNTIME_DIR=$RL_XDG unless RL_NOXDG is set.
as_user() {
	local env=(HOME="$RL_HOME" USER="$RL_USER" LOGNAME="$RL_USER" PATH="${RL_PATH:-/usr/local/bin:/usr/bin:/bin}")
	[ -n "${RL_NOXDG:-}" ] || env+=(XDG_RUNTIME_DIR="$RL_XDG")
	timeout --kill-after=5 60 setpriv --reuid "$RL_UID" --regid "$RL_GID" --init-groups --inh-caps=-all \
		env -i "${env[@]}" "$@"
}

# urt ARGS... — rt as the user (state in $RL_XDG/rt).
urt() { as_user "$RL_RT" "$@"; }

# urt_noio ARGS... — urt with stdin from /dev/null and its output through
# files, for commands that leave a container holding their stdio.
urt_noio() { noio urt "$@"; }

# rl_setup — a rootless bundle B (`rt spec --rootless`, no terminal) owned
# by the user, and its runtime dir.
rl_setup() {
	[ -z "${RL_SKIP:-}" ] || skip "$RL_SKIP"
	RL_XDG=$RL_HOME/run
	as_user mkdir -p -m 0700 "$RL_XDG"
	B=$RL_HOME/b$BATS_SUITE_TEST_NUMBER
	as_user env RT_ROOTFS_CACHE="$RL_HOME/.rootfs-cache" "$REPO_ROOT/tests/mkbundle.sh" "$B"
	urt spec --rootless -b "$B"
	rl_config '.process.terminal = false'
}

# rl_config FILTER [jq args...] — edit B/config.json, which stays the user's.
rl_config() {
	local f=$B/config.json new
	new=$(jq "$1" "$f" "${@:2}")
	printf '%s\n' "$new" >"$f"
}

# rl_cmd ARGS... — the container's process.args (no newline in them).
rl_cmd() {
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	rl_config '.process.args = $a' --argjson a "$args"
}

# rl_teardown — delete the user's containers, then fail on residue: any
# process of the user, any state left.
rl_teardown() {
	local id residue=()
	[ -n "${B:-}" ] || return 0
	for id in $(urt list -q 2>/dev/null); do
		urt delete --force "$id" >/dev/null 2>&1 || true
	done
	if ! retry_until 5 rl_no_user_procs 2>/dev/null; then
		residue+=("processes of $RL_USER: $(rl_user_pids | tr '\n' ' ')")
		rl_kill_user_procs
	fi
	if [ -n "$(ls -A "$RL_XDG/rt" 2>/dev/null | grep -v '^\.')" ]; then
		residue+=("state in $RL_XDG/rt: $(ls -A "$RL_XDG/rt")")
	fi
	rm -rf "$B" "$RL_XDG" "$RL_HOME/rootowned"
	if [ ${#residue[@]} -gt 0 ]; then
		echo "RESIDUE after the test:" >&2
		printf '  %s\n' "${residue[@]}" >&2
		return 1
	fi
}

# rl_teardown_then CMD... — rl_teardown, then each CMD (no arguments): all
# run, and the first failure is kept, since bats 1.8 judges a teardown by
# its last command only and would drop the residue rl_teardown found.
rl_teardown_then() {
	local rc=0 c
	rl_teardown || rc=$?
	for c in "$@"; do
		"$c" || rc=$?
	done
	return "$rc"
}

# rl_no_state — nothing of a failed create is left: no container listed,
# no state dir.
rl_no_state() {
	local left
	left=$(ls -A "$RL_XDG/rt" 2>/dev/null | grep -v '^\.' || true)
	assert_eq "$left" "" "state dirs left in $RL_XDG/rt"
	left=$(urt list -q 2>/dev/null || true)
	assert_eq "$left" "" "containers listed"
}

# rl_unified — the cgroup v2 mountpoint, or "".
rl_unified() {
	local m
	for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ]; then
			echo "$m"
			return 0
		fi
	done
}

# rl_delegate — a cgroup v2 subtree for the user, as systemd's Delegate=yes
# makes one: RL_CG (the user's, holding no process) and RL_CG/shell, where
# rl_in_shell_cgroup runs commands. Skips if there is no cgroup v2.
rl_delegate() {
	local u2 f
	u2=$(rl_unified)
	[ -n "$u2" ] || skip "no cgroup v2 hierarchy to delegate"
	RL_CG=$u2/rtbats-$RL_USER-$BATS_SUITE_TEST_NUMBER
	mkdir -p "$RL_CG/shell"
	for f in "$RL_CG" "$RL_CG/cgroup.procs" "$RL_CG/cgroup.subtree_control" "$RL_CG/cgroup.threads" \
		"$RL_CG/shell" "$RL_CG/shell/cgroup.procs" "$RL_CG/shell/cgroup.threads"; do
		chown "$RL_UID:$RL_GID" "$f"
	done
}

# rl_undelegate — remove the delegated subtree (its cgroups must be empty).
rl_undelegate() {
	[ -n "${RL_CG:-}" ] && [ -d "$RL_CG" ] || return 0
	find "$RL_CG" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
	rmdir "$RL_CG"
}

# in_delegated CMD... — CMD run from a process in RL_CG/shell.
in_delegated() {
	(
		echo "$BASHPID" >"$RL_CG/shell/cgroup.procs"
		"$@"
	)
}

# rl_status_is ID STATUS — the user's container ID has STATUS.
rl_status_is() {
	[ "$(urt state "$1" 2>/dev/null | jq -r .status)" = "$2" ]
}
