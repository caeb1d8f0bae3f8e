#!/usr/bin/env bats
# rt exec: every flag on a running container (-p, -t, --console-socket, -d,
# --pid-file, --cwd, -e, -u, --additional-gids, -c, --no-new-privs,
# --preserve-fds, --ignore-paused, --cgroup, --apparmor, --process-label),
# exit status, signal forwarding, errors, and that the exec'd process joins
# the container's namespaces, cgroup and seccomp profile.

load helpers

setup_file() {
	if command -v go >/dev/null; then
		export RECVTTY=$BATS_FILE_TMPDIR/recvtty
		(cd "$BATS_TEST_DIRNAME/../.." && go build -buildvcs=false -o "$RECVTTY" ./tests/bats/recvtty) || true
	fi
}

# start_sleeper [ID] — run ID detached with `sleep 1000`, wait for it to be
# running; sets PID to the init's host pid.
start_sleeper() {
	local id=${1:-$ID}
	set_cmd sleep 1000
	run_detached "$id"
	wait_for_status "$id" running
	PID=$(container_pid "$id")
}

# exec_detached PIDFILE [rt exec flags...] -- exec -d with --pid-file,
# stdio to files; waits for the pid file; sets EPID.
exec_detached() {
	local pf=$1
	shift
	rt exec --detach --pid-file "$pf" "$@" </dev/null \
		>"$BATS_TEST_TMPDIR/exec.out" 2>"$BATS_TEST_TMPDIR/exec.err" || {
		echo "exec -d failed:" >&2
		cat "$BATS_TEST_TMPDIR/exec.err" >&2
		return 1
	}
	wait_for_file "$pf"
	EPID=$(cat "$pf")
}

# cap_has HEXMASK BIT — true if BIT is set in the /proc/PID/status mask.
cap_has() {
	(((0x$1 >> $2) & 1))
}

# status_field TEXT FIELD — value of "FIELD:" in a /proc/PID/status dump.
status_field() {
	echo "$1" | awk -v f="$2:" '$1 == f { print $2 }'
}

userns_config() {
	set_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# ---------------------------------------------------------------------------
# flags

@test "exec: -p/--process FILE takes args, env, cwd and user from a process.json" {
	start_sleeper
	jq -n '{args: ["sh", "-c", "echo foo=$FOO; echo marker=${RT_BATS_MARKER:-none}; pwd; id -u; id -g"],
		env: ["PATH=/usr/bin:/bin", "FOO=from-process-json"],
		cwd: "/tmp", user: {uid: 1000, gid: 1001}}' >"$BATS_TEST_TMPDIR/process.json"
	run --separate-stderr rt exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | tr '\n' ' ')" "foo=from-process-json marker=none /tmp 1000 1001 " "process.json output"
	run --separate-stderr rt exec -p "$BATS_TEST_TMPDIR/process.json" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" foo=from-process-json
}

@test "exec: containerd's shim call: exec --process FILE --detach --pid-file F ID" {
	start_sleeper
	jq -n '{args: ["sleep", "999"], env: ["PATH=/bin"], cwd: "/"}' >"$BATS_TEST_TMPDIR/process.json"
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	[ -e "/proc/$EPID" ]
	assert_eq "$(tr '\0' ' ' <"/proc/$EPID/cmdline")" "sleep 999 " "exec'd cmdline"
}

@test "exec: -t/--tty in the foreground gives the process a pty" {
	command -v script >/dev/null || skip "script(1) needed"
	start_sleeper
	local cmd
	# The answers go to a file in the rootfs, not through script(1): once in
	# a full run its output held only the first line, with status 0 (not seen
	# again in 40 runs). This test is about the pty; parity_mounts.bats and
	# parity_process.bats read output relayed from a foreground pty.
	cmd=$(printf '%q ' "$RT" --root "$ROOT" exec -t "$ID" sh -c 't=$(tty); a=; if [ -t 0 ] && [ -t 1 ] && [ -t 2 ]; then a=all-tty; fi; echo "$t $a term=$TERM" >/tty.out')
	run timeout 30 script -qec "$cmd" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	out=$(cat "$BUNDLE/rootfs/tty.out")
	echo "$out"
	assert_contains "$out" /dev/pts/ all-tty
	# without -t: no tty
	run rt exec "$ID" sh -c '[ -t 0 ] || [ -t 1 ] || echo no-tty' </dev/null
	[ "$status" -eq 0 ]
	assert_contains "$output" no-tty
}

@test "exec: -t --console-socket with -d sends the pty master to the socket" {
	[ -x "${RECVTTY:-}" ] || skip "recvtty not built"
	start_sleeper
	SOCK=$BATS_TEST_TMPDIR/console.sock
	"$RECVTTY" -ready "$BATS_TEST_TMPDIR/recv.ready" -timeout 30s "$SOCK" \
		>"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/recv.err" </dev/null &
	local recv=$!
	track_bg "$recv"
	wait_for_file "$BATS_TEST_TMPDIR/recv.ready"
	# The process stays until its last line has come through the pty:
	# output still in the pty when its last writer exits can be lost to
	# the reader (the kernel hangs the master up first), which made this
	# test fail once in CI with the last line missing.
	run --separate-stderr rt_noio exec -t -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" --console-socket "$SOCK" "$ID" \
		sh -c 'echo exec-tty; tty; [ -t 0 ] && echo stdin-tty; exec sleep 1000'
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	retry_until 10 grep -q stdin-tty "$BATS_TEST_TMPDIR/tty.out" || true
	kill -KILL "$(cat "$BATS_TEST_TMPDIR/exec.pid")"
	wait_bg "$recv" 20 || true
	cat "$BATS_TEST_TMPDIR/recv.err" >&2
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	echo "pty output: $out"
	assert_eq "$BG_STATUS" 0 "recvtty status"
	assert_contains "$out" exec-tty /dev/pts/ stdin-tty
}

_cmdline_is() { [ "$(tr '\0' ' ' <"/proc/$1/cmdline")" = "$2" ]; }

@test "exec: -d/--detach with --pid-file: a live pid inside the container's pid namespace" {
	start_sleeper
	local t0=$SECONDS
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" -d "$ID" sleep 777
	# returns without waiting for the process
	[ $((SECONDS - t0)) -lt 20 ]
	[[ $EPID =~ ^[0-9]+$ ]]
	[ -e "/proc/$EPID" ]
	run _proc_dead "$EPID"
	[ "$status" -ne 0 ] # alive, not a zombie
	[ "$EPID" != "$PID" ]
	# exec -d returns once the process is set up, as runc's: its execve
	# may come a moment later
	retry_until 10 _cmdline_is "$EPID" "sleep 777 "
	assert_eq "$(readlink "/proc/$EPID/ns/pid")" "$(readlink "/proc/$PID/ns/pid")" "pid ns"
	[ "$(readlink "/proc/$EPID/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
	# the container sees it
	run rt exec "$ID" sh -c 'ps -o pid,args 2>/dev/null || ps'
	assert_contains "$output" "sleep 777"
}

@test "exec: --cwd sets the working directory" {
	start_sleeper
	run --separate-stderr rt exec --cwd /etc "$ID" pwd
	[ "$status" -eq 0 ]
	assert_eq "$output" /etc
	# default is the config's cwd (/)
	run --separate-stderr rt exec "$ID" pwd
	assert_eq "$output" /
}

@test "exec: -e/--env adds to the container's env" {
	start_sleeper
	run --separate-stderr rt exec -e FOO=bar --env BAZ=qux "$ID" env
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx FOO=bar
	echo "$output" | grep -qx BAZ=qux
	echo "$output" | grep -qx "RT_BATS_MARKER=$MARKER"
	echo "$output" | grep -q '^PATH='
	# -e overrides a variable of the container's env
	run --separate-stderr rt exec -e TERM=dumb "$ID" env
	echo "with -e TERM=dumb: $output"
	[ "$(echo "$output" | grep -c '^TERM=')" -eq 1 ]
	echo "$output" | grep -qx TERM=dumb
}

@test "exec: -u/--user UID:GID and UID" {
	start_sleeper
	run --separate-stderr rt exec -u 1000:1002 "$ID" sh -c 'id -u; id -g'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "1000 1002"
	run --separate-stderr rt exec --user 1234 "$ID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "1234 0"
}

@test "exec: --additional-gids sets the supplementary groups" {
	start_sleeper
	run --separate-stderr rt exec -u 1000:1000 --additional-gids 10 -g 20 "$ID" grep '^Groups:' /proc/self/status
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	local groups
	groups=$(echo "$output" | cut -d: -f2 | tr -s ' \t' '\n' | grep . | sort -n | tr '\n' ' ')
	assert_contains " $groups" " 10 " " 20 "
	# without it: only the config's (none)
	run --separate-stderr rt exec -u 1000:1000 "$ID" grep '^Groups:' /proc/self/status
	assert_not_contains "$output" 20
}

@test "exec: -c/--cap adds to effective, permitted and bounding, never inheritable (CVE-2022-29162)" {
	start_sleeper
	# CAP_SYS_ADMIN (21) and CAP_NET_ADMIN (12) are not in rt spec's default set
	run --separate-stderr rt exec "$ID" cat /proc/self/status
	[ "$status" -eq 0 ]
	local eff
	eff=$(status_field "$output" CapEff)
	[ -n "$eff" ]
	run cap_has "$eff" 21
	[ "$status" -ne 0 ] # no CAP_SYS_ADMIN without --cap
	run --separate-stderr rt exec --cap CAP_SYS_ADMIN -c CAP_NET_ADMIN "$ID" cat /proc/self/status
	echo "$stderr"
	[ "$status" -eq 0 ]
	echo "$output" | grep ^Cap
	local f
	for f in CapEff CapPrm CapBnd; do
		cap_has "$(status_field "$output" $f)" 21 || { echo "$f lacks CAP_SYS_ADMIN" >&2; false; }
		cap_has "$(status_field "$output" $f)" 12 || { echo "$f lacks CAP_NET_ADMIN" >&2; false; }
		# the config's own caps are kept (CAP_KILL = 5)
		cap_has "$(status_field "$output" $f)" 5 || { echo "$f lacks CAP_KILL" >&2; false; }
	done
	assert_eq "$(status_field "$output" CapInh)" 0000000000000000 CapInh
	assert_eq "$(status_field "$output" CapAmb)" 0000000000000000 CapAmb
	# the added capability works: CAP_SYS_ADMIN allows sethostname in the uts ns
	run --separate-stderr rt exec -c CAP_SYS_ADMIN "$ID" hostname exec-cap-host
	[ "$status" -eq 0 ]
	run --separate-stderr rt exec "$ID" hostname
	assert_eq "$output" exec-cap-host
}

@test "exec: --no-new-privs sets NoNewPrivs" {
	update_config '.process.noNewPrivileges = false'
	start_sleeper
	run --separate-stderr rt exec "$ID" grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "NoNewPrivs: 0"
	run --separate-stderr rt exec --no-new-privs "$ID" grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "NoNewPrivs: 1"
}

@test "exec: --preserve-fds N passes fd 3 and no other extra fd" {
	start_sleeper
	echo "content-of-fd3" >"$BATS_TEST_TMPDIR/fd3"
	echo "content-of-fd4" >"$BATS_TEST_TMPDIR/fd4"
	# fd 4 is open too but not preserved. (The shell's fds are listed by a
	# child ls, without a pipeline: a glob or a pipe would add fds, and ls
	# as the last command would be exec'd by busybox sh and list its own.)
	run --separate-stderr rt exec --preserve-fds 1 "$ID" sh -c 'ls /proc/$$/fd; echo --; cat <&3' \
		3<"$BATS_TEST_TMPDIR/fd3" 4<"$BATS_TEST_TMPDIR/fd4" </dev/null
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | sed '/^--$/q' | grep -v -- -- | sort -n | tr '\n' ' ')" "0 1 2 3 " "the exec'd shell's fds"
	assert_contains "$output" content-of-fd3
	# without --preserve-fds fd 3 does not reach the process
	run --separate-stderr rt exec "$ID" sh -c 'ls /proc/$$/fd; echo --' \
		3<"$BATS_TEST_TMPDIR/fd3" 4<"$BATS_TEST_TMPDIR/fd4" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | grep -v -- -- | sort -n | tr '\n' ' ')" "0 1 2 " "fds without --preserve-fds"
}

@test "exec: into a paused container fails without --ignore-paused, works with it" {
	start_sleeper
	rt pause "$ID"
	wait_for_status "$ID" paused
	run --separate-stderr rt exec "$ID" echo should-not-run
	echo "status $status stdout $output stderr $stderr"
	assert_error
	assert_contains "$stderr" paused
	assert_not_contains "$output" should-not-run
	# with --ignore-paused the exec is accepted; the process (in the frozen
	# cgroup) runs once the container is resumed
	"$RT" --root "$ROOT" exec --ignore-paused "$ID" sh -c 'echo ran-after-resume' </dev/null \
		>"$BATS_TEST_TMPDIR/ip.out" 2>"$BATS_TEST_TMPDIR/ip.err" &
	local bg=$!
	track_bg "$bg"
	rt resume "$ID"
	wait_bg "$bg" 20 || true
	cat "$BATS_TEST_TMPDIR/ip.err" >&2
	assert_eq "$BG_STATUS" 0 "exec --ignore-paused status"
	assert_contains "$(cat "$BATS_TEST_TMPDIR/ip.out")" ran-after-resume
	wait_for_status "$ID" running
}

# container_cgroup_dirs ID — the container's cgroup directory in each
# hierarchy, one a line (from rt's state file).
container_cgroup_dirs() {
	jq -r '.cgroupPaths | to_entries[] | .value' "$ROOT/$1/state.json" | sort -u
}

@test "exec: --cgroup PATH runs the process in that sub-cgroup of every hierarchy" {
	start_sleeper
	local d
	for d in $(container_cgroup_dirs "$ID"); do
		mkdir "$d/leaf"
		# a new v1 cpuset has no cpus and mems, and takes no process
		if [ -f "$d/cpuset.cpus" ]; then
			cat "$d/cpuset.cpus" >"$d/leaf/cpuset.cpus"
			cat "$d/cpuset.mems" >"$d/leaf/cpuset.mems"
		fi
	done
	# the case it is for: the container's own cgroup takes no process
	d=$(cgroup_path "$PID" none)
	ctl=$(cut -d' ' -f1 "$d/cgroup.controllers")
	if [ -n "$ctl" ]; then
		echo "$PID" >"$d/leaf/cgroup.procs"
		echo "+$ctl" >"$d/cgroup.subtree_control"
	fi
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" --cgroup leaf "$ID" sleep 555
	cat "/proc/$EPID/cgroup"
	# every hierarchy's line ends in the container's cgroup/leaf
	local lines
	lines=$(grep -c . "/proc/$EPID/cgroup")
	assert_eq "$(grep -c "/$ID/leaf\$" "/proc/$EPID/cgroup")" "$lines" "lines of /proc/EPID/cgroup in /$ID/leaf"
}

@test "exec: --cgroup CONTROLLER:PATH moves only that hierarchy's part" {
	[ -d "$CGROUP_ROOT/memory" ] || skip "no cgroup v1 memory hierarchy"
	start_sleeper
	local m
	m=$(cgroup_path "$PID" memory)
	mkdir "$m/sub"
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" --cgroup memory:sub "$ID" sleep 556
	cat "/proc/$EPID/cgroup"
	grep -Eq "^[0-9]+:memory:.*/$ID/sub\$" "/proc/$EPID/cgroup"
	grep -Eq "^[0-9]+:pids:.*/$ID\$" "/proc/$EPID/cgroup"
}

@test "exec: --cgroup errors: absolute, outside, missing, unknown controller" {
	start_sleeper
	run --separate-stderr rt exec --cgroup /abs "$ID" true
	assert_error
	assert_contains "$stderr" "--cgroup" "must be relative"
	run --separate-stderr rt exec --cgroup ../up "$ID" true
	assert_error
	assert_contains "$stderr" "inside the container's cgroup"
	run --separate-stderr rt exec --cgroup missing "$ID" true
	assert_error
	assert_contains "$stderr" "missing does not exist"
	run --separate-stderr rt exec --cgroup nosuch:x "$ID" true
	assert_error
	assert_contains "$stderr" '"nosuch"'
	assert_eq "$(container_status "$ID")" running "status"
}

@test "exec: --cgroup into a v1 cpuset without cpus says so" {
	[ -f "$CGROUP_ROOT/cpuset/cpuset.cpus" ] || skip "no cgroup v1 cpuset hierarchy"
	start_sleeper
	local d
	for d in $(container_cgroup_dirs "$ID"); do mkdir "$d/bare"; done
	run --separate-stderr rt exec --cgroup bare "$ID" true
	assert_error
	assert_contains "$stderr" "no space left on device" "cpuset.cpus or cpuset.mems is empty"
}

@test "exec: --apparmor without AppArmor on this kernel fails naming AppArmor" {
	[ ! -d /sys/kernel/security/apparmor ] || skip "this kernel has AppArmor"
	start_sleeper
	run --separate-stderr rt exec --apparmor rt-test-profile "$ID" echo should-not-run
	echo "status $status stdout $output stderr $stderr"
	assert_error
	assert_contains "${stderr,,}" apparmor
	assert_not_contains "$output" should-not-run
}

@test "exec: --process-label without SELinux on this kernel fails naming SELinux" {
	[ ! -d /sys/fs/selinux ] || skip "this kernel has SELinux"
	start_sleeper
	run --separate-stderr rt exec --process-label system_u:system_r:container_t:s0 "$ID" echo should-not-run
	echo "status $status stdout $output stderr $stderr"
	assert_error
	assert_contains "${stderr,,}" selinux
	assert_not_contains "$output" should-not-run
}

# ---------------------------------------------------------------------------
# status, signals, errors

@test "exec: the exit status propagates" {
	start_sleeper
	run rt exec "$ID" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run rt exec "$ID" true
	[ "$status" -eq 0 ]
	run rt exec "$ID" false
	[ "$status" -eq 1 ]
	# the container is untouched
	wait_for_status "$ID" running
}

@test "exec: a signal sent to the foreground rt exec is forwarded to the process" {
	start_sleeper
	rm -f "$BUNDLE/rootfs/tmp/ready"
	"$RT" --root "$ROOT" exec "$ID" sh -c 'trap "echo got-term; exit 3" TERM; echo ready >/tmp/ready; while :; do sleep 0.1; done' \
		</dev/null >"$BATS_TEST_TMPDIR/sig.out" 2>"$BATS_TEST_TMPDIR/sig.err" &
	local bg=$!
	track_bg "$bg"
	wait_for_file "$BUNDLE/rootfs/tmp/ready"
	kill -TERM "$bg"
	wait_bg "$bg" 20 || true
	cat "$BATS_TEST_TMPDIR/sig.err" >&2
	assert_contains "$(cat "$BATS_TEST_TMPDIR/sig.out")" got-term
	assert_eq "$BG_STATUS" 3 "rt exec status"
	wait_for_status "$ID" running
}

@test "exec: into a stopped container is an error 'container not running'" {
	set_cmd true
	start_container
	wait_for_status "$ID" stopped
	run --separate-stderr rt exec "$ID" echo should-not-run
	echo "status $status stdout $output stderr $stderr"
	assert_error
	assert_contains "$stderr" "container not running"
	assert_not_contains "$output" should-not-run
}

@test "exec: of an unknown container is an error 'does not exist'" {
	run --separate-stderr rt exec no-such-container-$$ true
	echo "status $status stderr $stderr"
	assert_error
	assert_contains "$stderr" "does not exist"
}

# ---------------------------------------------------------------------------
# namespaces, cgroup, seccomp

@test "exec: the exec'd process joins every namespace of the container" {
	# runc's spec has a cgroup namespace only on a cgroup v2 host
	set_namespace cgroup
	start_sleeper
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 555
	local ns
	for ns in pid net ipc uts mnt cgroup user; do
		assert_eq "$(readlink "/proc/$EPID/ns/$ns")" "$(readlink "/proc/$PID/ns/$ns")" "ns/$ns"
	done
	for ns in pid net ipc uts mnt cgroup; do
		[ "$(readlink "/proc/$EPID/ns/$ns")" != "$(readlink /proc/self/ns/$ns)" ] ||
			{ echo "ns/$ns is the host's" >&2; false; }
	done
	# the container's root
	assert_eq "$(stat -L -c %d:%i "/proc/$EPID/root")" "$(stat -L -c %d:%i "/proc/$PID/root")" root
}

@test "exec: with a user namespace the exec'd process joins it too (and the others)" {
	userns_config
	start_sleeper
	[ "$(readlink "/proc/$PID/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 555
	local ns
	for ns in user pid net ipc uts mnt cgroup; do
		assert_eq "$(readlink "/proc/$EPID/ns/$ns")" "$(readlink "/proc/$PID/ns/$ns")" "ns/$ns"
	done
	run --separate-stderr rt exec "$ID" sh -c 'id -u; cat /proc/self/uid_map'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 0 100000 65536"
	# the host sees it as the mapped uid
	assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$EPID/status")" 100000 "host uid of the exec'd process"
}

@test "exec: with a time namespace the exec'd process joins it" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces"
	set_namespace time
	update_config '.linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}}'
	start_sleeper
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 555
	assert_eq "$(readlink "/proc/$EPID/ns/time")" "$(readlink "/proc/$PID/ns/time")" "ns/time"
	[ "$(readlink "/proc/$EPID/ns/time")" != "$(readlink /proc/self/ns/time)" ]
	run --separate-stderr rt exec "$ID" cat /proc/self/timens_offsets
	echo "$output $stderr"
	echo "$output" | grep -Eq '^monotonic +86400 +0$'
}

@test "exec: the exec'd process joins the container's cgroup" {
	start_sleeper
	exec_detached "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 555
	assert_eq "$(cat "/proc/$EPID/cgroup")" "$(cat "/proc/$PID/cgroup")" "/proc/PID/cgroup"
	[ "$(cat "/proc/$EPID/cgroup")" != "$(cat /proc/self/cgroup)" ]
	# and is listed in the container's cgroup
	local d
	d=$(cgroup_path "$PID" pids)
	grep -qx "$EPID" "$d/cgroup.procs"
	# rt ps lists it
	run --separate-stderr rt ps "$ID"
	echo "$output"
	assert_contains "$output" "$EPID"
}

@test "exec: into a cgroup that takes no process (v2 controllers for its children) fails at once, naming it" {
	start_sleeper
	local d ctl
	d=$(cgroup_path "$PID" none)
	ctl=$(cut -d' ' -f1 "$d/cgroup.controllers")
	[ -n "$ctl" ] || skip "no cgroup v2 controller to enable for the children of $d"
	# as systemd in a container does: the init in a leaf, controllers for it
	mkdir "$d/leaf"
	echo "$PID" >"$d/leaf/cgroup.procs"
	echo "+$ctl" >"$d/cgroup.subtree_control"
	# the stage waited forever for an answer once: rt's timeout ends that
	run --separate-stderr rt exec "$ID" true
	assert_error
	assert_contains "$stderr" "resource busy" "$ID" "only a leaf cgroup"
	# the container is untouched, and no stage process is left
	assert_eq "$(container_status "$ID")" running "status"
	assert_eq "$(cat "$d/leaf/cgroup.procs")" "$PID" "$d/leaf/cgroup.procs"
	assert_eq "$(cat "$d/cgroup.procs")" "" "$d/cgroup.procs"
}

@test "exec: the container's seccomp profile applies to the exec'd process" {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
	start_sleeper
	run --separate-stderr rt exec "$ID" sh -c 'mkdir /tmp/blocked; echo "status=$?"; grep "^Seccomp:" /proc/self/status'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	assert_contains "$output$stderr" "Operation not permitted" "status=1"
	echo "$output" | grep -q "^Seccomp:[[:space:]]*2$"
	[ ! -e "$BUNDLE/rootfs/tmp/blocked" ]
	# still the case with -p (a process without its own profile) and --cap
	run --separate-stderr rt exec -c CAP_SYS_ADMIN "$ID" mkdir /tmp/blocked2
	[ "$status" -ne 0 ]
	[ ! -e "$BUNDLE/rootfs/tmp/blocked2" ]
}
