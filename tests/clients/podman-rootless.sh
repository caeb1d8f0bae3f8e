# shellcheck shell=bash
# podman-rootless.sh — rootless podman runs its containers on rt: an
# ordinary user, made for the run (useradd -m, with /etc/subuid and
# /etc/subgid ranges), runs `podman --runtime RT` through conmon, in the
# user namespace podman makes with newuidmap/newgidmap.
#
# The user's podman has a private containers.conf (cgroup_manager cgroupfs:
# no systemd here; events_logger file; default_ulimits = [] as for root) and
# storage.conf (vfs: no overlay or fuse needed; graphroot in the user's home,
# runroot in its XDG_RUNTIME_DIR, a directory under the work dir). The image
# comes from `podman import` of mkimage.sh's rootfs tarball. Containers use
# --network none: the default network (slirp4netns) has a scenario of its own
# that skips where the user cannot open /dev/net/tun.
#
# The setup skips every scenario, with the reason, when an ordinary user
# cannot have a user namespace here (no useradd, newuidmap or newgidmap, or
# unprivileged user namespaces disabled). The teardown removes the
# containers, ends the user's processes (podman's pause process, conmon) by
# their pids, and removes the user and its home.
#
# Sourced by run.sh (setup, teardown, the scenario list) and by each
# scenario's shell (the t_* functions).

PR_SCENARIOS=(
	podman-rootless/info
	podman-rootless/run-rm-exit-status
	podman-rootless/detached-exec-stop-rm
	podman-rootless/runtime-error
	podman-rootless/default-network
	podman-rootless/nothing-left
)

PR_IMAGE=localhost/busybox:latest

# vars_podman_rootless — what the scenarios and the teardown need.
vars_podman_rootless() {
	export PR_DIR=$WORK/podman-rootless
	export PR_USER=rtpm$$
	export PR_RUN=$PR_DIR/run   # the user's XDG_RUNTIME_DIR
	export PR_RT=$PR_DIR/bin/$(basename "$RT") # rt, where the user can run it
	# rt's state dir for the user: $XDG_RUNTIME_DIR/rt (runc's: .../runc)
	export PR_STATE=$PR_RUN/$(basename "$RT")
	export PR_IMAGE
}

# setup_podman_rootless — the user, its runtime dir, podman's configuration,
# the image (in a subshell under set -e; exit 77 skips the group).
setup_podman_rootless() {
	local c
	for c in useradd userdel newuidmap newgidmap runuser; do
		command -v "$c" >/dev/null || skip "$c not found"
	done
	mkdir -p "$PR_DIR/bin"
	install -m 0755 "$RT" "$PR_RT"
	useradd -m -s /bin/sh -c "tests/clients podman-rootless" "$PR_USER"
	echo "$PR_USER" >"$PR_DIR/user" # for the teardown, even of a half-made setup
	pr_subids
	mkdir -m 0700 "$PR_RUN"
	chown "$PR_USER:" "$PR_RUN"
	local err
	err=$(as_user unshare --user --map-root-user true 2>&1) ||
		skip "an ordinary user cannot make a user namespace here: $(oneline "$err")"
	cat >"$PR_DIR/containers.conf" <<-EOF
	# A private containers.conf for rootless podman in tests/clients.
	[containers]
	# podman's default RLIMIT_NOFILE is above this machine's hard limit.
	default_ulimits = []
	log_driver = "k8s-file"

	[engine]
	# No systemd here (cgroup v1, no user instance): cgroupfs.
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$PR_RUN/events.log"
	runtime_supports_json = ["rt", "crun", "runc", "kata", "runsc", "krun", "youki"]
	EOF
	cat >"$PR_DIR/storage.conf" <<-EOF
	[storage]
	driver = "vfs"
	graphroot = "$(pr_home)/.local/share/containers/storage"
	runroot = "$PR_RUN/containers"
	EOF
	chmod 0644 "$PR_DIR/containers.conf" "$PR_DIR/storage.conf"
	pu version
	pu import "$IMAGE_DIR/rootfs.tar" "$PR_IMAGE"
	pu images
}

# pr_subids — the user's /etc/subuid and /etc/subgid ranges: useradd gives
# them (SUB_UID_COUNT in login.defs); where it did not, a free range above
# every other one.
pr_subids() {
	local f opt start
	for f in subuid subgid; do
		grep -q "^$PR_USER:" /etc/$f 2>/dev/null && continue
		start=$(awk -F: 'BEGIN { m = 100000 } $2 + $3 > m { m = $2 + $3 } END { print m }' /etc/$f 2>/dev/null)
		opt=--add-subuids
		[ $f = subgid ] && opt=--add-subgids
		usermod "$opt" "$start-$((start + 65535))" "$PR_USER"
	done
}

teardown_podman_rootless() {
	[ -n "${PR_DIR:-}" ] && [ -f "$PR_DIR/user" ] || return 0
	local user pid
	user=$(cat "$PR_DIR/user")
	id -u "$user" >/dev/null 2>&1 || return 0
	CMD_TIMEOUT=60 pu rm -a -f -t 0 >/dev/null 2>&1
	# podman's pause process holds the user namespace; conmon may linger.
	# They are the made user's: end them by pid, then the user can go.
	for pid in $(ps -o pid= -u "$user" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	for _ in $(seq 50); do
		[ -z "$(ps -o pid= -u "$user" 2>/dev/null)" ] && break
		sleep 0.1
	done
	userdel -r "$user" >/dev/null 2>&1 || echo "WARNING: userdel -r $user failed"
	rm -rf "$PR_DIR"
	return 0
}

# ------------------------------------------------------------ helpers

pr_home() { getent passwd "$PR_USER" | cut -d: -f6; }

# as_user CMD... — CMD as the user, with a login-like environment and
# XDG_RUNTIME_DIR (no logind here to make /run/user/UID).
as_user() {
	timeout -k 5 "$CMD_TIMEOUT" runuser -u "$PR_USER" -- env -i \
		HOME="$(pr_home)" USER="$PR_USER" LOGNAME="$PR_USER" SHELL=/bin/sh \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin XDG_RUNTIME_DIR="$PR_RUN" \
		CONTAINERS_CONF="$PR_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PR_DIR/storage.conf" \
		"$@"
}

# pu ARGS... — the user's podman on rt (cd /: the user cannot reach run.sh's
# working directory in every setup).
pu() { (cd / && as_user podman --runtime "$PR_RT" "$@"); }

# purun [RUN FLAGS...] — run, never pulling, no network.
purun() { pu run --pull never --network none "$@"; }

# pr_sleeper NAME — a detached container that waits; SIGTERM ends it with 7.
pr_sleeper() {
	defer "pu rm -f -t 0 $1 >/dev/null 2>&1"
	purun -d --name "$1" "$PR_IMAGE" sh -c "trap 'exit 7' TERM; while true; do sleep 0.1; done" >/dev/null
}

# rt_user ARGS... — rt as the user, on the state dir podman gives it (rt's
# rootless default, $XDG_RUNTIME_DIR/rt), inside podman's user namespace.
rt_user() { (cd / && as_user podman unshare "$PR_RT" "$@"); }

# pr_no_conmon — no live conmon of the user.
pr_no_conmon() {
	[ -z "$(ps -o pid=,stat=,comm= -u "$PR_USER" 2>/dev/null | awk '$3 == "conmon" && $2 !~ /^Z/')" ]
}

# pr_state_ids — the container directories in the user's rt state dir.
pr_state_ids() { find "$PR_STATE" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' 2>/dev/null; }

# ------------------------------------------------------------ scenarios

t_podman_rootless_info() {
	local out
	# --runtime PATH: podman names the runtime by its path.
	out=$(pu info --format '{{.Host.Security.Rootless}}|{{.Host.OCIRuntime.Name}}|{{.Host.CgroupManager}}')
	expect_eq "podman info: rootless, rt, cgroupfs" "$out" "true|$PR_RT|cgroupfs"
	out=$(pu info --format '{{.Host.OCIRuntime.Version}}')
	expect_match "podman info: rt's version" "$out" '^rt version [0-9]'
}

t_podman_rootless_run_rm_exit_status() {
	local out rc=0
	out=$(purun --rm --name pr-run "$PR_IMAGE" sh -c 'echo to-stdout; echo to-stderr >&2; id -u; cat /proc/self/uid_map; exit 3' 2>"$SCEN_DIR/err") || rc=$?
	cat "$SCEN_DIR/err" >&2
	expect_eq "podman run exit status" "$rc" 3
	expect_match "stdout" "$out" '^to-stdout$'
	expect_match "stderr" "$(cat "$SCEN_DIR/err")" '^to-stderr$'
	expect_match "root inside" "$out" '^0$'
	expect_match "root inside is the user outside" "$out" "^ +0 +$(id -u "$PR_USER") +1\$"
	expect_eq "containers left after --rm" "$(pu ps -a -q --filter name=pr-run)" ""
}

t_podman_rootless_detached_exec_stop_rm() {
	local out rc=0 id pid
	pr_sleeper pr-exec
	id=$(pu inspect -f '{{.Id}}' pr-exec)
	pid=$(pu inspect -f '{{.State.Pid}}' pr-exec)
	expect_eq "the init runs as the user outside" "$(stat -c %U /proc/"$pid")" "$PR_USER"
	expect_eq "rt state status" "$(rt_user state "$id" | jq -r .status)" running
	[ -d "$PR_STATE/$id" ] || fail "no $PR_STATE/$id: rt's state is not in \$XDG_RUNTIME_DIR/rt ($(ls "$PR_RUN" | tr '\n' ' '))"
	out=$(pu exec pr-exec sh -c 'echo exec-out; echo exec-err >&2; exit 4' 2>"$SCEN_DIR/err") || rc=$?
	cat "$SCEN_DIR/err" >&2
	expect_eq "exec exit status" "$rc" 4
	expect_eq "exec stdout" "$out" exec-out
	expect_match "exec stderr" "$(cat "$SCEN_DIR/err")" '^exec-err$'
	out=$(pu exec pr-exec sh -c 'for n in pid mnt user; do readlink /proc/self/ns/$n; done')
	expect_eq "exec joins the namespaces" "$out" "$(for n in pid mnt user; do readlink /proc/"$pid"/ns/$n; done)"
	pu stop -t 10 pr-exec
	expect_eq "status after stop" "$(pu inspect -f '{{.State.Status}}' pr-exec)" exited
	expect_eq "exit code after stop (SIGTERM trapped)" "$(pu inspect -f '{{.State.ExitCode}}' pr-exec)" 7
	pu rm pr-exec
	expect_eq "podman ps after rm" "$(pu ps -a -q --filter name=pr-exec)" ""
	[ ! -e "$PR_STATE/$id" ] || fail "$PR_STATE/$id left after podman rm"
}

# rt's error reaches the user as rt wrote it (podman names the runtime by
# the path --runtime gave), and nothing is left.
t_podman_rootless_runtime_error() {
	local out rc=0
	out=$(purun --rm --name pr-err "$PR_IMAGE" /no/such/command 2>&1) || rc=$?
	expect_eq "exit status of a missing command" "$rc" 127
	expect_match "podman's error carries rt's message" "$out" \
		"^Error: ($PR_RT|rt): /process/args/0: .*/no/such/command.*no such file or directory"
	expect_eq "containers left" "$(pu ps -a -q --filter name=pr-err)" ""
}

# podman's default rootless network: slirp4netns makes a tap device in the
# container's network namespace, which needs /dev/net/tun.
t_podman_rootless_default_network() {
	local out
	command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
	as_user sh -c 'exec 3<>/dev/net/tun' 2>/dev/null ||
		skip "the user cannot open /dev/net/tun ($(stat -c '%A %U' /dev/net/tun 2>&1)): slirp4netns cannot work here"
	out=$(pu run --rm --pull never "$PR_IMAGE" ip -o link show tap0)
	expect_match "slirp4netns' tap0 in the container" "$out" 'tap0'
}

# After all the above (each removes its containers): no container in
# podman, no container directory in the user's rt state dir, no process of
# the user in a container.
t_podman_rootless_nothing_left() {
	expect_eq "podman ps -a" "$(pu ps -a -q)" ""
	expect_eq "container dirs in $PR_STATE" "$(pr_state_ids)" ""
	# conmon ends a moment after the container (zombies are left out: this
	# machine's PID 1 reaps them a second or two later).
	retry 50 0.2 pr_no_conmon ||
		fail "conmon processes of the user left: $(ps -o pid=,stat=,args= -u "$PR_USER" | awk '$3 ~ /conmon/' | cut -c1-200)"
}
