#!/bin/sh
# rt's cgroup tests on pure cgroup v2, run inside the VM (busybox ash) by
# busybox init from /etc/inittab; see tests/vm/README.md.
#
# Prints TAP-like lines on the console (ttyS0), which tests/vm/run.sh parses:
#   ok N - name                      passed
#   ok N - name # SKIP reason        skipped (a command rt does not have yet)
#   not ok N - name                  failed, followed by "# " lines: the reason
# then "1..N" and a last line "RT-VM-DONE passed failed skipped"; then it
# powers the VM off.
#
# Each test is a shell function run in a subshell from its own bundle
# directory (config.json from `rt spec`, terminal off, root.path the shared
# read-only /bundle/rootfs). It fails with `fail MSG`, skips with `skip MSG`.
# Afterwards every container it made is deleted, and a cgroup left behind
# fails the test.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RT_BIN=/usr/local/bin/rt
CG=/sys/fs/cgroup
T=/tmp/rt-vm # per-test scratch: bundles, container stdio

finish() {
	echo "1..$n"
	echo "RT-VM-DONE $pass $failed $skipped"
	sync
	poweroff -f
}

# ---------------------------------------------------------------------------
# Machine setup

setup() {
	dmesg -n 1 # no kernel messages in the middle of result lines
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mkdir -p /dev/pts /dev/shm /dev/mqueue
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=0755 tmpfs /run
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t cgroup2 -o nsdelegate cgroup2 $CG
	hostname rt-vm
	ip link set lo up 2>/dev/null
	echo "# kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
	echo "# cgroup2 controllers: $(cat $CG/cgroup.controllers)"
	# The root cgroup may hold processes and enable controllers ("no
	# internal processes" applies to non-root cgroups only).
	for c in cpu memory pids io cpuset hugetlb rdma misc; do
		grep -qw "$c" $CG/cgroup.controllers || continue
		echo "+$c" >$CG/cgroup.subtree_control || echo "# cannot enable $c at the root"
	done
	echo "# enabled at the root: $(cat $CG/cgroup.subtree_control)"
	echo "# $($RT_BIN --version 2>&1 | tr '\n' ' ')"
	mkdir -p $T
	# The base config.json of every test.
	(cd $T && $RT_BIN spec && jq '.process.terminal = false |
		.root.path = "/bundle/rootfs" | .root.readonly = true' config.json >c.tmp &&
		mv c.tmp config.json) || echo "# rt spec failed"
}

# ---------------------------------------------------------------------------
# Helpers for the tests (they run in the test's subshell)

rt() { timeout -s KILL 60 $RT_BIN "$@"; }

fail() {
	echo "$*"
	exit 1
}
skip() {
	echo "$*"
	exit 77
}

# eq ACTUAL EXPECTED WHAT
eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

# cfg FILTER [jq args...] — edit ./config.json.
cfg() {
	local f=$1
	shift
	jq "$f" "$@" config.json >config.json.tmp || fail "jq $f failed"
	mv config.json.tmp config.json
}

# args WORD... — set process.args. (jq 1.6 would take a "-c" after --args
# as its own option, so each word goes in with --arg.)
args() {
	local i=0 w cmd=jq
	for w; do
		i=$((i + 1))
		cmd="$cmd --arg a$i \"\${$i}\""
	done
	eval "$cmd"' "[range(1; $i + 1) as \$k | \$ARGS.named[\"a\(\$k)\"]] as \$a | .process.args = \$a" config.json' \
		>config.json.tmp || fail "jq (args $*) failed"
	mv config.json.tmp config.json
}

# has_cmd CMD — rt has the subcommand CMD.
has_cmd() { $RT_BIN "$1" --help >/dev/null 2>&1; }

# has_update_flag FLAG — `rt update` exists and takes --FLAG.
has_update_flag() { $RT_BIN update --help 2>&1 | grep -q -- "--$1"; }

# ids — record a container id for the cleanup.
track() { echo "$1" >>"$T/$TEST.ids"; }

# run_fg [ID] — `rt run` in the foreground; prints the container's output,
# returns its exit status.
run_fg() {
	local id=${1:-$ID}
	track "$id"
	rt run --bundle . "$id" </dev/null 2>&1
}

# start [ID] — create and start; the container's stdio go to $T/ID.out.
start() {
	local id=${1:-$ID}
	track "$id"
	rt create --bundle . "$id" </dev/null >"$T/$id.out" 2>&1 ||
		fail "rt create $id failed: $(cat "$T/$id.out")"
	rt start "$id" >>"$T/$id.out" 2>&1 ||
		fail "rt start $id failed: $(cat "$T/$id.out")"
	wait_status "$id" running
}

# state_field ID FIELD — a string or number field of `rt state ID`. (sed,
# not jq: jq takes half a second to start in the VM.)
state_field() {
	rt state "$1" 2>/dev/null | tr ',{}' '\n\n\n' |
		sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p"
}
status() { state_field "$1" status; }
pid_of() { state_field "$1" pid; }

# retry SECONDS CMD... — until CMD succeeds; false after SECONDS.
retry() {
	local i=0 n=$(($1 * 10))
	shift
	while [ $i -lt $n ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

status_is() { [ "$(status "$1")" = "$2" ]; }

# wait_status ID STATUS [SECONDS]
wait_status() {
	retry "${3:-10}" status_is "$1" "$2" ||
		fail "container $1: status '$(status "$1")', want '$2'"
}

# proc_state PID — the state letter from /proc/PID/stat (R, S, D, Z, ...).
proc_state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

usage_usec() { awk '$1 == "usage_usec" {print $2}' "$1/cpu.stat"; }

# kill_and_delete ID — SIGKILL, wait for stopped, rt delete.
kill_and_delete() {
	rt kill "$1" KILL >/dev/null 2>&1
	wait_status "$1" stopped
	out=$(rt delete "$1" 2>&1) || fail "rt delete $1 failed: $out"
}

# ---------------------------------------------------------------------------
# The tests

t_v2_only() {
	eq "$(awk '$2 == "/sys/fs/cgroup" {print $3}' /proc/mounts)" cgroup2 "filesystem type of $CG"
	# With cgroup_no_v1=all every v1 controller is unbound (hierarchy 0).
	v1=$(awk 'NR > 1 && $2 != 0 {print $1}' /proc/cgroups | tr '\n' ' ')
	[ -z "$v1" ] || fail "v1 hierarchies present: $v1"
	for c in cpu memory pids io cpuset; do
		grep -qw $c $CG/cgroup.subtree_control || fail "$c not enabled at the root"
	done
}

t_run_true() {
	args /bin/true
	out=$(run_fg) || fail "rt run /bin/true exited $?: $out"
}

t_run_status() {
	args sh -c 'echo hello; exit 3'
	out=$(run_fg)
	rc=$?
	eq "$rc" 3 "exit status"
	eq "$out" hello "output"
}

t_cgroup_lifecycle() {
	args sleep 1000
	start
	dir=$CG/rt/$ID
	[ -d "$dir" ] || fail "$dir does not exist while the container runs"
	pid=$(pid_of $ID)
	grep -qx "$pid" "$dir/cgroup.procs" || fail "init $pid not in $dir/cgroup.procs: $(cat "$dir/cgroup.procs")"
	eq "$(cat /proc/$pid/cgroup)" "0::/rt/$ID" "/proc/$pid/cgroup"
	for c in cpu memory pids; do
		grep -qw $c "$dir/cgroup.controllers" || fail "controller $c missing in $dir/cgroup.controllers: $(cat "$dir/cgroup.controllers")"
	done
	kill_and_delete $ID
	[ ! -e "$dir" ] || fail "$dir still exists after rt delete"
}

t_memory_max() {
	cfg '.linux.resources.memory = {limit: 67108864}'
	args sleep 1000
	start
	eq "$(cat $CG/rt/$ID/memory.max)" 67108864 memory.max
}

t_memory_enforced() {
	cfg '.linux.resources.memory = {limit: 33554432}'
	# dd allocates and fills a 96 MiB buffer: more than the limit (no swap here)
	args sh -c 'dd if=/dev/zero of=/dev/null bs=96M count=1 2>/dev/null; echo dd-exited-$?'
	start
	dir=$CG/rt/$ID
	wait_status $ID stopped 30
	ooms=$(awk '$1 == "oom_kill" {print $2}' "$dir/memory.events")
	[ "${ooms:-0}" -ge 1 ] || fail "memory.events: $(tr '\n' ' ' <"$dir/memory.events"), output: $(cat "$T/$ID.out")"
}

t_pids_max() {
	cfg '.linux.resources.pids = {limit: 42}'
	args sleep 1000
	start
	eq "$(cat $CG/rt/$ID/pids.max)" 42 pids.max
}

t_pids_enforced() {
	cfg '.linux.resources.pids = {limit: 5}'
	args sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 100 & done; echo all-forked'
	out=$(run_fg)
	case $out in *all-forked*) fail "8 processes forked under pids.max 5: $out" ;; esac
	case $out in *"can't fork"*) ;; *) fail "no fork failure reported: $out" ;; esac
}

t_cpu_weight() {
	args sleep 1000
	# runc's (1.4) and crun's (1.23) map: ceil(10^((l^2 + 125 l)/612 - 7/34)),
	# l = log2(shares): 2 -> 1, 1024 -> 100, 262144 -> 10000
	for sw in 2:1 3:2 512:59 1024:100 2048:174 262144:10000; do
		shares=${sw%:*} want=${sw#*:}
		cfg '.linux.resources.cpu = {shares: $s}' --argjson s $shares
		start $ID-$shares
		eq "$(cat $CG/rt/$ID-$shares/cpu.weight)" $want "cpu.weight for shares $shares"
	done
}

t_cpu_max() {
	cfg '.linux.resources.cpu = {quota: 50000, period: 100000}'
	args sleep 1000
	start
	eq "$(cat $CG/rt/$ID/cpu.max)" "50000 100000" cpu.max
	cfg '.linux.resources.cpu = {period: 250000}'
	start $ID-p
	eq "$(cat $CG/rt/$ID-p/cpu.max)" "max 250000" "cpu.max (period only)"
}

t_cpuset() {
	has_update_flag cpuset-cpus || skip "rt update has no --cpuset-cpus: cpuset support not landed yet"
	cfg '.linux.resources.cpu = {cpus: "1", mems: "0"}'
	args sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 1000'
	start
	eq "$(cat $CG/rt/$ID/cpuset.cpus)" 1 cpuset.cpus
	eq "$(cat $CG/rt/$ID/cpuset.mems)" 0 cpuset.mems
	eq "$(cat $CG/rt/$ID/cpuset.cpus.effective)" 1 cpuset.cpus.effective
	retry 5 grep -q . "$T/$ID.out"
	eq "$(cat "$T/$ID.out" | tr -d '\t')" "Cpus_allowed_list:1" "affinity inside the container"
}

t_memory_low() {
	has_update_flag memory-reservation || skip "rt update has no --memory-reservation: not landed yet"
	cfg '.linux.resources.memory = {limit: 67108864, reservation: 33554432}'
	args sleep 1000
	start
	eq "$(cat $CG/rt/$ID/memory.low)" 33554432 "memory.low (from reservation)"
}

t_memory_swap() {
	has_update_flag memory-swap || skip "rt update has no --memory-swap: not landed yet"
	# memory.swap is memory+swap; v2's memory.swap.max is swap alone: swap - limit
	cfg '.linux.resources.memory = {limit: 67108864, swap: 100663296}'
	args sleep 1000
	start
	eq "$(cat $CG/rt/$ID/memory.swap.max)" 33554432 "memory.swap.max (swap - limit)"
}

t_io_weight() {
	has_update_flag blkio-weight || skip "rt update has no --blkio-weight: not landed yet"
	cfg '.linux.resources.blockIO = {weight: 500}'
	args sleep 1000
	start
	dir=$CG/rt/$ID
	if [ -e "$dir/io.bfq.weight" ]; then
		eq "$(head -n1 "$dir/io.bfq.weight")" "default 500" io.bfq.weight
	else
		# no BFQ: io.weight = 1 + (weight - 10) * 9999 / 990
		eq "$(head -n1 "$dir/io.weight")" "default $((1 + (500 - 10) * 9999 / 990))" io.weight
	fi
}

t_unified() {
	has_cmd update || skip "rt has no update command: the cgroup resources work has not landed yet"
	cfg '.linux.resources.unified = {"pids.max": "33", "memory.high": "50331648"}'
	args sleep 1000
	start
	eq "$(cat $CG/rt/$ID/pids.max)" 33 "pids.max (from unified)"
	eq "$(cat $CG/rt/$ID/memory.high)" 50331648 "memory.high (from unified)"
}

t_devices_deny() {
	# /dev/kmsg (c 1:11) bind-mounted from the VM's devtmpfs: not in the
	# default allow list, so the v2 device program must refuse to open it.
	cfg '.mounts += [{destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]}]'
	args sh -c 'echo rt-vm-device-test >/dev/kmsg && echo opened'
	out=$(run_fg)
	case $out in
	*opened*) fail "writing /dev/kmsg worked; the default deny-all device rule is not enforced: $out" ;;
	*"not permitted"*) ;;
	*) fail "unexpected output: $out" ;;
	esac
	args sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c'
	out=$(run_fg) || fail "default devices (/dev/null, zero, urandom) refused: $out"
}

t_devices_allow() {
	cfg '.mounts += [{destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]}]'
	cfg '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "rw"}]'
	args sh -c 'echo rt-vm-device-test >/dev/kmsg && echo opened'
	out=$(run_fg)
	case $out in *opened*) ;; *) fail "an allow rule for c 1:11 rw did not allow /dev/kmsg: $out" ;; esac
}

# start_busy_paused — a container whose init spins ($pid), in cgroup $dir,
# paused.
start_busy_paused() {
	args sh -c 'while :; do :; done'
	start
	dir=$CG/rt/$ID
	pid=$(pid_of $ID)
	out=$(rt pause $ID 2>&1) || fail "rt pause failed: $out"
}

t_pause() {
	start_busy_paused
	eq "$(status $ID)" paused "status after pause"
	eq "$(cat "$dir/cgroup.freeze")" 1 cgroup.freeze
	grep -qx 'frozen 1' "$dir/cgroup.events" || fail "cgroup.events: $(tr '\n' ' ' <"$dir/cgroup.events")"
	# A busy loop is R when it runs; frozen, it sleeps in the freezer trap.
	st=$(proc_state $pid)
	[ "$st" != R ] || fail "the init (pid $pid) is running (state R) while paused"
	u1=$(usage_usec "$dir")
	sleep 1
	u2=$(usage_usec "$dir")
	eq "$u2" "$u1" "cpu.stat usage_usec while paused"
	st=$(proc_state $pid)
	[ "$st" != R ] || fail "the init (pid $pid) is running (state R) while paused"
	echo "# paused init state: $st"
}

t_resume() {
	start_busy_paused
	out=$(rt resume $ID 2>&1) || fail "rt resume failed: $out"
	eq "$(status $ID)" running "status after resume"
	eq "$(cat "$dir/cgroup.freeze")" 0 cgroup.freeze
	grep -qx 'frozen 0' "$dir/cgroup.events" || fail "cgroup.events: $(tr '\n' ' ' <"$dir/cgroup.events")"
	u1=$(usage_usec "$dir")
	sleep 1
	u2=$(usage_usec "$dir")
	[ "$u2" -gt "$u1" ] || fail "cpu.stat usage_usec did not grow after resume ($u1 -> $u2)"
	rt resume $ID >/dev/null 2>&1 && fail "rt resume of a running container succeeded"
	return 0
}

t_kill_all() {
	# Without a PID namespace, killing the init would leave its children
	# running: only --all reaches them.
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args sh -c 'sleep 1001 & sleep 1002 & wait'
	start
	dir=$CG/rt/$ID
	retry 10 sh -c "[ \$(wc -l <$dir/cgroup.procs) -ge 3 ]" ||
		fail "expected 3 processes in $dir/cgroup.procs: $(cat $dir/cgroup.procs)"
	pids=$(cat $dir/cgroup.procs)
	out=$(rt kill --all $ID KILL 2>&1) || fail "rt kill --all failed: $out"
	retry 10 sh -c "[ ! -s $dir/cgroup.procs ]" || fail "still in the cgroup: $(cat $dir/cgroup.procs)"
	for p in $pids; do
		st=$(proc_state $p)
		[ -z "$st" ] || [ "$st" = Z ] || fail "process $p survived (state $st)"
	done
	wait_status $ID stopped
}

t_delete_nested() {
	args sleep 1000
	start
	dir=$CG/rt/$ID
	mkdir -p "$dir/sub1/sub2" "$dir/sub3" || fail "mkdir nested cgroups failed"
	kill_and_delete $ID
	[ ! -e "$dir" ] || fail "$dir still exists after rt delete: $(find "$dir" -type d | tr '\n' ' ')"
}

t_delete_force() {
	args sleep 1000
	start
	dir=$CG/rt/$ID
	out=$(rt delete --force $ID 2>&1) || fail "rt delete --force failed: $out"
	[ ! -e "$dir" ] || fail "$dir still exists after rt delete --force"
}

t_cgroups_path() {
	cfg '.linux.cgroupsPath = $p' --arg p "/rt-vm-abs/$ID"
	args sleep 1000
	start
	dir=$CG/rt-vm-abs/$ID
	grep -qx "$(pid_of $ID)" "$dir/cgroup.procs" 2>/dev/null || fail "init not in $dir (absolute cgroupsPath)"
	kill_and_delete $ID
	[ ! -e "$dir" ] || fail "$dir still exists after rt delete"
	rmdir $CG/rt-vm-abs 2>/dev/null

	cfg '.linux.cgroupsPath = $p' --arg p "rel/$ID"
	start $ID-rel
	dir=$CG/rt/rel/$ID
	grep -qx "$(pid_of $ID-rel)" "$dir/cgroup.procs" 2>/dev/null || fail "init not in $dir (relative cgroupsPath)"
	kill_and_delete $ID-rel
	[ ! -e "$dir" ] || fail "$dir still exists after rt delete"
}

t_cgroupns() {
	# rt spec's config has a cgroup namespace and a cgroup mount at /sys/fs/cgroup.
	jq -e '.linux.namespaces | map(.type) | index("cgroup")' config.json >/dev/null ||
		cfg '.linux.namespaces += [{type: "cgroup"}]'
	cfg '.linux.resources.pids = {limit: 77}'
	args sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/pids.max; grep " /sys/fs/cgroup " /proc/self/mounts | cut -d" " -f3; ls /sys/fs/cgroup/ | grep -c "^rt$"; true'
	out=$(run_fg) || fail "rt run failed: $out"
	set -- $out
	eq "$1" "0::/" "/proc/self/cgroup inside"
	eq "$2" 77 "/sys/fs/cgroup/pids.max inside (the container's own cgroup)"
	eq "$3" cgroup2 "type of the /sys/fs/cgroup mount"
	eq "$4" 0 "the host's rt/ cgroup visible inside"
}

t_no_cgroupns() {
	cfg '.linux.namespaces |= map(select(.type != "cgroup")) | .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
	args cat /proc/self/cgroup
	out=$(run_fg) || fail "rt run failed: $out"
	eq "$out" "0::/rt/$ID" "/proc/self/cgroup inside"
}

t_exec_cgroup() {
	args sleep 1000
	start
	out=$(rt exec $ID cat /proc/self/cgroup 2>&1) || fail "rt exec failed: $out"
	eq "$out" "0::/" "/proc/self/cgroup of an exec'd process (cgroup namespace root)"
	rt exec $ID sleep 1001 </dev/null >/dev/null 2>&1 &
	retry 10 sh -c "[ \$(wc -l <$CG/rt/$ID/cgroup.procs) -ge 2 ]" ||
		fail "the exec'd process is not in $CG/rt/$ID: $(cat $CG/rt/$ID/cgroup.procs)"
}

# start_init_in_leaf — a running container whose init moved to the leaf
# cgroup $dir/leaf and enabled pids for it, as systemd in a container does:
# its own cgroup $dir then takes no process.
start_init_in_leaf() {
	args sleep 1000
	start
	dir=$CG/rt/$ID
	mkdir "$dir/leaf" || fail "mkdir $dir/leaf failed"
	echo "$(pid_of $ID)" >"$dir/leaf/cgroup.procs" || fail "moving the init to leaf failed"
	echo +pids >"$dir/cgroup.subtree_control" || fail "enabling pids for the children failed"
}

# A cgroup with controllers for its children takes no process (v2's no
# internal process rule): exec is refused with the kernel's word, and
# leaves no process behind (rt first tries to start it in the cgroup, then
# moves it, as on a v1 host, and reports that move's error).
t_exec_cgroup_busy() {
	start_init_in_leaf
	out=$(rt exec $ID true 2>&1) && fail "rt exec succeeded in a cgroup with controllers for its children"
	case $out in *"resource busy"*"only a leaf cgroup"*) ;; *) fail "rt exec: expected the kernel's EBUSY and a hint, got: $out" ;; esac
	case $out in *"$ID"*) ;; *) fail "rt exec: the error does not name the cgroup: $out" ;; esac
	retry 10 no_stages || fail "a stage process (rt init) is left after the failed exec"
	eq "$(cat $dir/cgroup.procs)" "" "processes in $dir after the failed exec"
}

# exec --cgroup: the way into such a cgroup (the process is started in the
# sub-cgroup, CLONE_INTO_CGROUP).
t_exec_cgroup_sub() {
	start_init_in_leaf
	rt exec --cgroup leaf $ID sleep 1002 </dev/null >/dev/null 2>&1 &
	retry 10 sh -c "[ \$(wc -l <$dir/leaf/cgroup.procs) -ge 2 ]" ||
		fail "the exec'd process is not in $dir/leaf: $(cat $dir/leaf/cgroup.procs)"
	out=$(rt exec --cgroup memory:leaf $ID true 2>&1) && fail "a controller name was taken on cgroup v2"
	case $out in *"without controller names"*) ;; *) fail "rt exec --cgroup memory:leaf: $out" ;; esac
}

# stages_alive — is any C stage ("rt init") process running?
stages_alive() {
	for f in /proc/[0-9]*/cmdline; do
		[ "$(tr '\0' ' ' <"$f" 2>/dev/null)" = "rt init " ] && return 0
	done
	return 1
}
no_stages() { ! stages_alive; }

t_update() {
	has_cmd update || skip "rt has no update command yet"
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 42}'
	args sleep 1000
	start
	dir=$CG/rt/$ID
	out=$(rt update --memory 134217728 --pids-limit 99 --cpu-shares 2048 --cpu-quota 20000 --cpu-period 100000 $ID 2>&1) ||
		fail "rt update (flags) failed: $out"
	eq "$(cat $dir/memory.max)" 134217728 "memory.max after update"
	eq "$(cat $dir/pids.max)" 99 "pids.max after update"
	eq "$(cat $dir/cpu.weight)" 174 "cpu.weight after update (shares 2048; 1024 would be the default 100)"
	eq "$(cat $dir/cpu.max)" "20000 100000" "cpu.max after update"
	out=$(echo '{"memory": {"limit": 100663296}, "pids": {"limit": 55}}' | rt update --resources - $ID 2>&1) ||
		fail "rt update --resources - failed: $out"
	eq "$(cat $dir/memory.max)" 100663296 "memory.max after update --resources"
	eq "$(cat $dir/pids.max)" 55 "pids.max after update --resources"
}

t_events_stats() {
	has_cmd events || skip "rt has no events command yet"
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 42}'
	args sleep 1000
	start
	out=$(rt events --stats $ID 2>&1) || fail "rt events --stats failed: $out"
	echo "$out" | jq -e --arg id $ID '
		.type == "stats" and .id == $id
		and (.data.cpu.usage.total | type) == "number"
		and (.data.memory.usage.usage | type) == "number"
		and .data.memory.usage.limit == 67108864
		and .data.pids.current >= 1 and .data.pids.limit == 42
	' >/dev/null || fail "unexpected stats JSON: $out"
}

t_events_oom() {
	has_cmd events || skip "rt has no events command yet"
	cfg '.linux.resources.memory = {limit: 33554432}'
	args sleep 1000
	start
	rt events $ID >"$T/$ID.events" 2>&1 &
	epid=$!
	sleep 1
	rt exec $ID dd if=/dev/zero of=/dev/null bs=96M count=1 >/dev/null 2>&1
	retry 10 grep -q '"type":"oom"' "$T/$ID.events"
	r=$?
	kill $epid 2>/dev/null
	[ $r = 0 ] || fail "no oom event from rt events: $(head -c 500 "$T/$ID.events")"
}

t_ps() {
	has_cmd ps || skip "rt has no ps command yet"
	args sleep 1000
	start
	pid=$(pid_of $ID)
	out=$(rt ps --format json $ID 2>&1) || fail "rt ps failed: $out"
	echo "$out" | jq -e --argjson p $pid 'index($p) != null' >/dev/null || fail "pid $pid not in: $out"
}

# Timing of the basic operations (only when asked for: rtvm_tests=t_timing).
t_timing() {
	tm() {
		local a b
		a=$(cut -d' ' -f1 /proc/uptime)
		"$@" >/dev/null 2>&1
		b=$(cut -d' ' -f1 /proc/uptime)
		echo "# $(awk -v a=$a -v b=$b 'BEGIN {printf "%.2f", b - a}')s: $*"
	}
	tm /bin/true
	tm busybox true
	tm jq -n 1
	tm $RT_BIN --version
	tm $RT_BIN spec --bundle /tmp
	args /bin/true
	tm $RT_BIN run --bundle . $ID
	args sleep 1000
	tm $RT_BIN create --bundle . $ID-2
	track $ID-2
	tm $RT_BIN start $ID-2
	tm $RT_BIN state $ID-2
	tm $RT_BIN kill $ID-2 KILL
	tm $RT_BIN delete --force $ID-2
}

# ---------------------------------------------------------------------------
# Runner

# tests.sh --one FUNCTION DIR ID TEST — run one test (in its own process,
# so that a hung test can be killed).
if [ "${1:-}" = --one ]; then
	cd "$3" || exit 1
	ID=$4
	TEST=$5
	case " $(cat /proc/cmdline) " in *" rtvm_debug=1 "*) set -x ;; esac
	$2
	exit $?
fi

# Kernel command line: rtvm_tests=t_a,t_b runs only those tests;
# rtvm_test_timeout=SECONDS bounds each test (default 150).
cmdline() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }

n=0
pass=0
failed=0
skipped=0

# t NAME FUNCTION
t() {
	if [ -n "$only" ]; then
		case " $only " in *" $2 "*) ;; *) return 0 ;; esac
	fi
	n=$((n + 1))
	TEST=t$n
	local dir=$T/$TEST out=$T/$TEST.log rc left="" id t0 t1
	t0=$(cut -d' ' -f1 /proc/uptime)
	mkdir -p "$dir"
	cp $T/config.json "$dir/config.json"
	timeout -s KILL "$test_timeout" sh /tests/vm-tests.sh --one "$2" "$dir" "vm$n" "$TEST" >>"$out" 2>&1 </dev/null
	rc=$?
	[ $rc != 137 ] || echo "timed out after ${test_timeout}s" >>"$out"
	# Cleanup: delete what the test made; a cgroup left behind is a failure.
	if [ -f "$T/$TEST.ids" ]; then
		for id in $(sort -u "$T/$TEST.ids"); do
			timeout -s KILL 30 $RT_BIN delete --force "$id" >/dev/null 2>&1
			[ ! -e "$CG/rt/$id" ] || left="$left $CG/rt/$id"
		done
	fi
	if [ $rc = 0 ] && [ -n "$left" ]; then
		rc=1
		echo "cgroups left after rt delete --force:$left" >>"$out"
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "# took $(awk -v a=$t0 -v b=$t1 'BEGIN {printf "%.1f", b - a}')s" >>"$out"
	case $rc in
	0)
		pass=$((pass + 1))
		echo "ok $n - $1"
		grep '^# ' "$out"
		;;
	77)
		skipped=$((skipped + 1))
		echo "ok $n - $1 # SKIP $(grep -v '^# ' "$out" | tail -n 1)"
		;;
	*)
		failed=$((failed + 1))
		echo "not ok $n - $1"
		sed 's/^/# /' "$out" | head -n 40
		;;
	esac
}

setup
only=$(cmdline rtvm_tests | tr ',' ' ')
test_timeout=$(cmdline rtvm_test_timeout)
test_timeout=${test_timeout:-150}
t "pure cgroup v2: no v1 hierarchy, controllers enabled at the root" t_v2_only
t "rt run /bin/true" t_run_true
t "rt run: exit status and output" t_run_status
t "cgroup /sys/fs/cgroup/rt/<id> exists while running, gone after delete" t_cgroup_lifecycle
t "memory limit -> memory.max" t_memory_max
t "memory limit enforced (oom_kill in memory.events)" t_memory_enforced
t "pids limit -> pids.max" t_pids_max
t "pids limit enforced" t_pids_enforced
t "cpu shares -> cpu.weight (runc's and crun's map: 1024 -> 100)" t_cpu_weight
t "cpu quota/period -> cpu.max" t_cpu_max
t "cpuset cpus/mems -> cpuset.cpus/cpuset.mems" t_cpuset
t "memory reservation -> memory.low" t_memory_low
t "memory swap -> memory.swap.max" t_memory_swap
t "blockIO weight -> io.weight" t_io_weight
t "unified -> files as given" t_unified
t "devices: default deny enforced by the v2 device program" t_devices_deny
t "devices: an allow rule opens the device" t_devices_allow
t "rt pause: cgroup.freeze 1, init frozen, status paused" t_pause
t "rt resume: cgroup.freeze 0, init runs, status running" t_resume
t "rt kill --all: every process of the cgroup (no pid namespace)" t_kill_all
t "rt delete removes nested cgroups" t_delete_nested
t "rt delete --force of a running container removes its cgroup" t_delete_force
t "linux.cgroupsPath absolute and relative" t_cgroups_path
t "cgroup namespace: the container sees its own cgroup at /sys/fs/cgroup" t_cgroupns
t "no cgroup namespace: /proc/self/cgroup shows the host path" t_no_cgroupns
t "rt exec joins the container's cgroup (and cgroup namespace)" t_exec_cgroup
t "rt exec into a cgroup with controllers for its children: EBUSY, nothing left" t_exec_cgroup_busy
t "rt exec --cgroup leaf: the process starts in the sub-cgroup" t_exec_cgroup_sub
t "rt update changes the files" t_update
t "rt events --stats: runc's JSON shape" t_events_stats
t "rt events: an OOM kill produces an oom event" t_events_oom
t "rt ps --format json lists the init" t_ps
case " $only " in *" t_timing "*) t "timing of basic operations" t_timing ;; esac
finish
