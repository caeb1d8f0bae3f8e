# shellcheck shell=bash
# containerd.sh — containerd runs its containers on rt.
#
# A private containerd (own root, state, socket, config) whose runc shim
# (io.containerd.runc.v2) runs rt: `ctr run --runc-binary RT` for the ctr
# scenarios, and the CRI runtime "rt" (BinaryName = RT in config.toml) for the
# CRI scenario, driven by cri/ (a small CRI client: Debian has no crictl).
#
# Sourced by run.sh (setup_containerd, teardown_containerd, the scenario
# list) and by each scenario's shell (the t_* functions).

CD_SCENARIOS=(
	containerd/run-exit-status
	containerd/run-detached
	containerd/exec
	containerd/exec-tty
	containerd/run-tty
	containerd/kill
	containerd/pause-resume
	containerd/ps
	containerd/metrics
	containerd/delete
	containerd/logs
	containerd/runtime-error
	containerd/cri
)

# ctr's namespace for the ctr scenarios (CRI uses k8s.io).
CD_NS=rt-clients
CD_IMAGE=docker.io/library/busybox:latest

# vars_containerd — what the scenarios and the teardown need (run.sh's shell).
vars_containerd() {
	export CD_DIR=$WORK/containerd
	export CD_SOCK=$CD_DIR/containerd.sock
	export CD_RTROOT=$CD_DIR/rt-root # rt's --root: the shim adds /<namespace>
	export CD_FIFO=$CD_DIR/fifo
	export CD_LOGS=$CD_DIR/pod-logs
	export CD_CG=$CG_PARENT/containerd
	export CD_NS CD_IMAGE
}

# setup_containerd — write config.toml, start containerd, import the image
# (in a subshell under set -e).
setup_containerd() {
	mkdir -p "$CD_DIR/root" "$CD_DIR/state" "$CD_RTROOT" "$CD_FIFO" "$CD_DIR/cni-conf" "$CD_LOGS"
	cat >"$CD_DIR/config.toml" <<-EOF
	# A private containerd for tests/clients/run.sh.
	version = 2
	root = "$CD_DIR/root"
	state = "$CD_DIR/state"
	oom_score = 0

	[grpc]
	  address = "$CD_SOCK"
	[ttrpc]
	  address = "$CD_SOCK.ttrpc"
	[debug]
	  address = "$CD_DIR/debug.sock"
	  level = "info"
	[metrics]
	  address = ""

	[plugins."io.containerd.grpc.v1.cri"]
	  sandbox_image = "localhost/rt-pause:latest"
	  stream_server_address = "127.0.0.1"
	  stream_server_port = "0"
	  disable_apparmor = true
	  # No CAP_SYS_RESOURCE here: the pause container's oom_score_adj -998
	  # cannot be written; keep it at containerd's own.
	  restrict_oom_score_adj = true
	  [plugins."io.containerd.grpc.v1.cri".cni]
	    bin_dir = "/usr/lib/cni"
	    conf_dir = "$CD_DIR/cni-conf"
	  [plugins."io.containerd.grpc.v1.cri".containerd]
	    default_runtime_name = "rt"
	    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rt]
	      runtime_type = "io.containerd.runc.v2"
	      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rt.options]
	        BinaryName = "$RT"
	        Root = "$CD_RTROOT"
	EOF
	containerd --config "$CD_DIR/config.toml" >"$CD_DIR/containerd.log" 2>&1 &
	echo $! >"$CD_DIR/containerd.pid"
	if ! retry 50 0.2 ctr --address "$CD_SOCK" version >/dev/null 2>&1; then
		echo "containerd did not start; its log:" >&2
		tail -n 30 "$CD_DIR/containerd.log" >&2
		return 1
	fi
	ctr --address "$CD_SOCK" version
	ctr --address "$CD_SOCK" --namespace "$CD_NS" images import "$IMAGE_DIR/oci.tar"
	ctr --address "$CD_SOCK" --namespace k8s.io images import "$IMAGE_DIR/oci.tar"
	ctr --address "$CD_SOCK" --namespace k8s.io images import "$IMAGE_DIR/pause-oci.tar"
}

# teardown_containerd — remove every task and container, stop containerd and
# whatever shim outlived it. Never fails.
teardown_containerd() {
	[ -n "${CD_DIR:-}" ] && [ -d "$CD_DIR" ] || return 0
	local pid ns id
	if [ -f "$CD_DIR/containerd.pid" ]; then
		pid=$(cat "$CD_DIR/containerd.pid")
		if kill -0 "$pid" 2>/dev/null; then
			for ns in "$CD_NS" k8s.io; do
				for id in $(timeout 10 ctr --address "$CD_SOCK" -n "$ns" containers ls -q 2>/dev/null); do
					timeout 10 ctr --address "$CD_SOCK" -n "$ns" task kill -a -s KILL "$id" >/dev/null 2>&1
					timeout 10 ctr --address "$CD_SOCK" -n "$ns" task delete -f "$id" >/dev/null 2>&1
					timeout 10 ctr --address "$CD_SOCK" -n "$ns" containers delete "$id" >/dev/null 2>&1
				done
			done
			kill "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	# Shims of this containerd carry its socket in their command line.
	for pid in $(pgrep -f -- "-address $CD_SOCK" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	# Containers that outlived their shim: rt knows them.
	for ns in "$CD_NS" k8s.io; do
		[ -d "$CD_RTROOT/$ns" ] || continue
		for id in $("$RT" --root "$CD_RTROOT/$ns" list -q 2>/dev/null); do
			"$RT" --root "$CD_RTROOT/$ns" delete -f "$id" >/dev/null 2>&1
		done
	done
	return 0
}

# ------------------------------------------------------------ helpers

# c ARGS... — ctr on the private containerd, in the test namespace.
c() { timeout -k 5 "$CMD_TIMEOUT" ctr --address "$CD_SOCK" --namespace "$CD_NS" "$@"; }

# crun_flags ID — ctr run flags: rt as the shim's runc binary, its state
# under the private root, the fifos in the private dir, the cgroup ours.
crun_flags() {
	echo --runc-binary "$RT" --runc-root "$CD_RTROOT" --fifo-dir "$CD_FIFO" --cgroup "$CD_CG/$1"
}

# rt_cd ARGS... — rt on the state dir the shim gives it.
rt_cd() { "$RT" --root "$CD_RTROOT/$CD_NS" "$@"; }

# start_sleeper ID — a detached container that waits; SIGTERM ends it with 7.
start_sleeper() {
	# shellcheck disable=SC2046 # crun_flags is a word list
	c run -d $(crun_flags "$1") "$CD_IMAGE" "$1" \
		sh -c "trap 'exit 7' TERM; while true; do sleep 0.1; done" >/dev/null
	defer "remove_ctr $1"
}

# remove_ctr ID — kill and delete the task (delete -f kills with SIGKILL and
# waits), then the container (ignore errors).
remove_ctr() {
	c task delete -f "$1" >/dev/null 2>&1 || true
	c containers delete "$1" >/dev/null 2>&1 || true
}

# task_status ID — RUNNING, PAUSED, STOPPED... as `ctr task ls` says.
task_status() { c task ls | awk -v id="$1" '$1 == id { print $3 }'; }
task_pid() { c task ls | awk -v id="$1" '$1 == id { print $2 }'; }

# rt_status ID — the status field of `rt state`.
rt_status() { rt_cd state "$1" | jq -r .status; }

# ------------------------------------------------------------ scenarios

# ctr run in the foreground: stdout and stderr come back through the shim's
# fifos, apart, and ctr exits with the container's status.
t_containerd_run_exit_status() {
	local id=cd-run out rc
	defer "remove_ctr $id"
	rc=0
	# shellcheck disable=SC2046
	out=$(c run --rm $(crun_flags $id) "$CD_IMAGE" $id \
		sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' 2>"$SCEN_DIR/err") || rc=$?
	expect_eq "ctr run exit status" "$rc" 3
	expect_eq "stdout through the fifo" "$out" to-stdout
	expect_match "stderr through the fifo" "$(cat "$SCEN_DIR/err")" '^to-stderr$'
	# --rm: nothing left in rt's state dir.
	expect_no_match "rt list after --rm" "$(rt_cd list -q)" "^$id\$"
}

# ctr run -d: the task runs, and it is rt's container (rt state agrees on
# the pid and says running).
t_containerd_run_detached() {
	local id=cd-detached
	start_sleeper $id
	expect_eq "ctr task ls status" "$(task_status $id)" RUNNING
	expect_eq "rt state status" "$(rt_status $id)" running
	expect_eq "rt state pid = ctr task pid" "$(rt_cd state $id | jq -r .pid)" "$(task_pid $id)"
	expect_eq "rt state bundle" "$(rt_cd state $id | jq -r .bundle)" "$CD_DIR/state/io.containerd.runtime.v2.task/$CD_NS/$id"
	expect_match "cgroup of the init" "$(cat /proc/"$(task_pid $id)"/cgroup)" ":memory:$CD_CG/$id\$"
}

# ctr task exec without a tty: output apart, exit status, same namespaces.
t_containerd_exec() {
	local id=cd-exec out rc pid
	start_sleeper $id
	pid=$(task_pid $id)
	rc=0
	out=$(c task exec --exec-id e1 $id sh -c 'echo exec-out; echo exec-err >&2; exit 4' 2>"$SCEN_DIR/err") || rc=$?
	expect_eq "exec exit status" "$rc" 4
	expect_eq "exec stdout" "$out" exec-out
	expect_match "exec stderr" "$(cat "$SCEN_DIR/err")" '^exec-err$'
	out=$(c task exec --exec-id e2 $id sh -c 'for n in pid mnt net; do readlink /proc/self/ns/$n; done')
	expect_eq "exec joins the container's namespaces" "$out" \
		"$(for n in pid mnt net; do readlink /proc/"$pid"/ns/$n; done)"
	out=$(c task exec --exec-id e3 $id cat /proc/self/cgroup)
	expect_match "exec joins the container's cgroup" "$out" ":memory:$CD_CG/$id\$"
}

# ctr task exec -t: a pty from the shim (rt exec --console-socket), typed
# input is read by the shell, the exit status comes back.
t_containerd_exec_tty() {
	local id=cd-exec-tty out rc
	start_sleeper $id
	rc=0
	out=$(in_pty "ctr --address '$CD_SOCK' -n '$CD_NS' task exec -t --exec-id t1 $id sh" \
		'tty; echo typed-$((6*7))' 'exit 5') || rc=$?
	expect_eq "exec -t exit status" "$rc" 5
	expect_match "exec -t: the shell's tty" "$out" '^/dev/pts/[0-9]+'
	expect_match "exec -t: typed input evaluated" "$out" '^typed-42'
}

# ctr run -t: the shim's console socket gets the pty master of the init
# (rt create --console-socket).
t_containerd_run_tty() {
	local id=cd-run-tty out rc=0
	defer "remove_ctr $id"
	out=$(in_pty "ctr --address '$CD_SOCK' -n '$CD_NS' run -t --rm $(crun_flags $id) '$CD_IMAGE' $id sh" \
		'tty; echo typed-$((6*7))' 'exit 6') || rc=$?
	expect_eq "run -t exit status" "$rc" 6
	expect_match "run -t: the init's tty" "$out" '^/dev/pts/0'
	expect_match "run -t: typed input evaluated" "$out" '^typed-42'
}

# ctr task kill: the signal reaches the init (SIGTERM trapped: status 7),
# then SIGKILL (137), both seen by the foreground ctr run.
t_containerd_kill() {
	local id=cd-kill rc
	defer "remove_ctr $id"
	# shellcheck disable=SC2046
	c run --rm $(crun_flags $id) "$CD_IMAGE" $id \
		sh -c "trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done" >"$SCEN_DIR/out" 2>&1 &
	local runpid=$!
	retry 50 0.1 grep -qx ready "$SCEN_DIR/out" || fail "the container did not start: $(cat "$SCEN_DIR/out")"
	c task kill -s TERM $id
	rc=0
	wait $runpid || rc=$?
	expect_eq "status after SIGTERM (trapped)" "$rc" 7

	id=cd-kill9
	defer "remove_ctr $id"
	# shellcheck disable=SC2046
	c run --rm $(crun_flags $id) "$CD_IMAGE" $id sh -c "echo ready; while true; do sleep 0.1; done" >"$SCEN_DIR/out9" 2>&1 &
	runpid=$!
	retry 50 0.1 grep -qx ready "$SCEN_DIR/out9" || fail "the container did not start: $(cat "$SCEN_DIR/out9")"
	c task kill -a -s KILL $id
	rc=0
	wait $runpid || rc=$?
	expect_eq "status after SIGKILL" "$rc" 137
}

# ctr task pause / resume: the freezer, rt's status and ctr's agree.
t_containerd_pause_resume() {
	local id=cd-pause out
	start_sleeper $id
	c task pause $id
	expect_eq "ctr status after pause" "$(task_status $id)" PAUSED
	expect_eq "rt status after pause" "$(rt_status $id)" paused
	if [ -f /sys/fs/cgroup/freezer/"${CD_CG#/}"/$id/freezer.state ]; then
		expect_eq "freezer.state" "$(cat /sys/fs/cgroup/freezer/"${CD_CG#/}"/$id/freezer.state)" FROZEN
	fi
	c task resume $id
	expect_eq "ctr status after resume" "$(task_status $id)" RUNNING
	expect_eq "rt status after resume" "$(rt_status $id)" running
	out=$(c task exec --exec-id e1 $id echo alive)
	expect_eq "exec after resume" "$out" alive
}

# ctr task ps: the shim asks `rt ps --format json` for the pids.
t_containerd_ps() {
	local id=cd-ps out pid
	start_sleeper $id
	pid=$(task_pid $id)
	out=$(c task ps $id)
	expect_match "ctr task ps lists the init" "$out" "^${pid}[[:space:]]"
}

# ctr task metrics: the shim reads the container's cgroup.
t_containerd_metrics() {
	local id=cd-metrics out
	start_sleeper $id
	out=$(c task metrics --format json $id)
	echo "$out" | jq . >/dev/null || fail "metrics are not JSON: $out"
	local pids mem
	pids=$(echo "$out" | jq -r '.Data.pids.current // .Data.Pids.Current // .pids.current // empty')
	mem=$(echo "$out" | jq -r '.Data.memory.usage.usage // .Data.Memory.Usage.Usage // .memory.usage.usage // empty')
	[ -n "$pids" ] && [ "$pids" -ge 1 ] || fail "pids.current missing or 0 in: $out"
	[ -n "$mem" ] && [ "$mem" -gt 0 ] || fail "memory usage missing or 0 in: $out"
}

# ctr task delete / container delete: rt's state, the cgroup and the rootfs
# mount are gone.
t_containerd_delete() {
	local id=cd-delete cg
	start_sleeper $id
	c task kill -s KILL $id
	retry 50 0.1 sh -c "ctr --address '$CD_SOCK' -n '$CD_NS' task ls | awk '\$1 == \"$id\" {print \$3}' | grep -qx STOPPED" ||
		fail "task not STOPPED after SIGKILL: $(c task ls)"
	c task delete $id
	c containers delete $id
	local out rc=0
	out=$(rt_cd state $id 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "rt state still answers after delete: $out"
	expect_match "rt state after delete" "$out" 'does not exist'
	cg=$(cgroup_dirs "$CD_CG/$id")
	expect_eq "cgroups left after delete" "$cg" ""
	expect_no_match "mounts left after delete" "$(cat /proc/self/mountinfo)" "/$CD_NS/$id/rootfs "
}

# Container logs: the shim's binary/file logging (--log-uri file://) gets
# stdout and stderr of a detached task.
t_containerd_logs() {
	local id=cd-logs log=$SCEN_DIR/ctr.log
	defer "remove_ctr $id"
	# shellcheck disable=SC2046
	c run -d --log-uri "file://$log" $(crun_flags $id) "$CD_IMAGE" $id \
		sh -c 'echo line-on-stdout; echo line-on-stderr >&2; while true; do sleep 0.1; done'
	retry 50 0.1 grep -q line-on-stderr "$log" || fail "log file: $(cat "$log" 2>&1)"
	expect_match "log has stdout" "$(cat "$log")" '^line-on-stdout$'
	expect_match "log has stderr" "$(cat "$log")" '^line-on-stderr$'
}

# rt's error reaches the ctr user as rt wrote it.
t_containerd_runtime_error() {
	local id=cd-error out rc=0
	defer "remove_ctr $id"
	# shellcheck disable=SC2046
	out=$(c run --rm $(crun_flags $id) "$CD_IMAGE" $id /no/such/command 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "ctr run of a missing command succeeded: $out"
	expect_match "ctr's error carries rt's message" "$out" \
		'OCI runtime create failed: (rt: )?/process/args/0: exec: "/no/such/command": stat /no/such/command: no such file or directory'
	expect_no_match "rt list after the failed create" "$(rt_cd list -q)" "^$id\$"
}

# The CRI runtime configured in config.toml (runtime_type
# io.containerd.runc.v2, BinaryName = rt): a pod and a container, as the
# kubelet would drive them.
t_containerd_cri() {
	[ -x "$WORK/cri-smoke" ] || fail "the CRI client was not built: $(cat "$WORK/cri-build.log" 2>/dev/null)"
	"$WORK/cri-smoke" -address "$CD_SOCK" -rt "$RT" -rt-root "$CD_RTROOT/k8s.io" \
		-log-dir "$CD_LOGS" -cgroup-parent "$CD_CG/cri" -timeout "$((SCEN_TIMEOUT - 10))s"
}
