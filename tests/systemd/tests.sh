#!/bin/bash
# rt's tests on a systemd host with pure cgroup v2, run inside the VM by
# rt-tests.service (tests/systemd/mkimage.sh) from the data disk mounted at
# /mnt/rt; see tests/systemd/README.md.
#
# Prints TAP-like lines on the console (ttyS0), which tests/systemd/run.sh
# parses:
#   ok N - name                      passed
#   ok N - name # SKIP reason        skipped
#   not ok N - name                  failed, followed by "# " lines
# then "1..N" and a last line "RT-SD-DONE passed failed skipped".
#
# Each test is a function run in its own process from its own bundle
# directory (config.json from `rt spec`: terminal off, root.path the shared
# read-only busybox rootfs, cgroupsPath in the delegated cgroup $DELEG).
# It fails with `fail MSG`, skips with `skip MSG`. Afterwards every
# container it made is deleted, and a cgroup left behind fails the test.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DATA=/mnt/rt
RT_BIN=/usr/local/bin/rt
CG=/sys/fs/cgroup
T=/tmp/rt-sd # per-test scratch
ROOTFS=/var/lib/rt-sd/rootfs
# A cgroup systemd delegates to us (Delegate=yes): rt's cgroupfs driver
# makes the containers' cgroups under it, as a container manager in a
# delegated unit does. Its own process lives in the leaf "sup".
DELEG_UNIT=rt-deleg.service
DELEG=/system.slice/$DELEG_UNIT
SLICE_PREFIX=rt-sd

# ---------------------------------------------------------------------------
# Helpers (they run in the test's process)

rt() { timeout -s KILL 90 $RT_BIN "$@"; }
fail() {
	echo "$*"
	exit 1
}
skip() {
	echo "$*"
	exit 77
}
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
cfg() {
	jq "$@" config.json >config.json.tmp || fail "jq $* failed"
	mv config.json.tmp config.json
}
args() { # WORD... — process.args (one word a line: jq 1.6 would take a
	# "-c" after --args as its own option)
	local a
	a=$(printf '%s\n' "$@" | jq -R . | jq -s -c .) || fail "jq (args $*) failed"
	cfg --argjson a "$a" '.process.args = $a'
}
# track ID — record a container for the cleanup; with the cgroupfs driver,
# its cgroupsPath is $DELEG/ID.
track() {
	echo "$1" >>"$T/$TEST.ids"
	[ ${#RTFLAGS[@]} -gt 0 ] || [ "$(jq -r .linux.cgroupsPath config.json)" = "$DELEG/$1" ] ||
		cfg --arg p "$DELEG/$1" '.linux.cgroupsPath = $p'
}
run_fg() {
	local id=${1:-$ID}
	track "$id"
	rt "${RTFLAGS[@]}" run --bundle . "$id" </dev/null 2>&1
}
RTFLAGS=()
# start [ID] — create and start; stdio to $T/ID.out.
start() {
	local id=${1:-$ID}
	track "$id"
	rt "${RTFLAGS[@]}" create --bundle . "$id" </dev/null >"$T/$id.out" 2>&1 ||
		fail "rt create $id failed: $(cat "$T/$id.out")"
	rt "${RTFLAGS[@]}" start "$id" >>"$T/$id.out" 2>&1 || fail "rt start $id failed: $(cat "$T/$id.out")"
	wait_status "$id" running
}
state_field() { rt state "$1" 2>/dev/null | jq -r ".$2 // empty"; }
status() { state_field "$1" status; }
pid_of() { state_field "$1" pid; }
retry() { # SECONDS CMD...
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
wait_status() { retry "${3:-20}" status_is "$1" "$2" || fail "container $1: status '$(status "$1")', want '$2'"; }
proc_state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }
# cgpath ID — the container's cgroup (cgroupfs driver, under $DELEG).
cgdir() { echo "$CG$DELEG/${1:-$ID}"; }

# sd_driver — rt has its systemd cgroup driver and systemd answers it.
sd_driver() { [ "$($RT_BIN features 2>/dev/null | jq -r '.linux.cgroup.systemd')" = true ]; }
need_sd_driver() { sd_driver || skip "needs rt's systemd driver (issue 13): rt features says cgroup.systemd is not true"; }
unit_prop() { systemctl show -P "$2" "$1"; } # UNIT PROPERTY

# ---------------------------------------------------------------------------
# Sanity

t_systemd_v2() {
	eq "$(cat /proc/1/comm)" systemd "PID 1"
	eq "$(stat -f -c %T $CG)" cgroup2fs "filesystem type of $CG"
	v1=$(awk '$3 == "cgroup" {print $2}' /proc/mounts | tr '\n' ' ')
	[ -z "$v1" ] || fail "cgroup v1 hierarchies mounted: $v1"
	v1=$(awk 'NR > 1 && $2 != 0 {print $1}' /proc/cgroups | tr '\n' ' ')
	[ -z "$v1" ] || fail "v1 controllers bound: $v1"
	busctl --system list --no-pager | grep -q '^org.freedesktop.systemd1 ' || fail "systemd is not on the system bus"
	state=$(systemctl is-system-running)
	echo "# systemctl is-system-running: $state; $(systemctl --version | head -n 1)"
	[ "$(stat -f -c %T "$CG$DELEG")" = cgroup2fs ] || fail "no delegated cgroup $CG$DELEG"
	for c in cpu memory pids io; do
		grep -qw $c "$CG$DELEG/cgroup.subtree_control" || fail "$c not enabled in $DELEG: $(cat "$CG$DELEG/cgroup.subtree_control")"
	done
}

# ---------------------------------------------------------------------------
# rt's cgroupfs driver in a delegated cgroup

t_run_delegated() {
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
	args sh -c 'cat /proc/self/cgroup; echo hello'
	out=$(run_fg) || fail "rt run exited $?: $out"
	# rt spec gives a cgroup namespace on pure v2 (as runc's): its root is
	# the container's cgroup.
	eq "$out" "0::/
hello" "output"
	[ ! -e "$(cgdir)" ] || fail "$(cgdir) left after rt run"
	args sleep 1000
	start
	dir=$(cgdir)
	pid=$(pid_of $ID)
	grep -qx "$pid" "$dir/cgroup.procs" || fail "init $pid not in $dir/cgroup.procs: $(cat "$dir/cgroup.procs")"
	eq "$(cat "$dir/memory.max")" 67108864 "memory.max"
	eq "$(cat "$dir/pids.max")" 50 "pids.max"
	out=$(rt delete --force $ID 2>&1) || fail "rt delete --force: $out"
	[ ! -e "$dir" ] || fail "$dir left after rt delete"
}

t_clone_into_cgroup() {
	args sleep 1000
	track $ID
	# -b execve: not the stage and the container (they outlive rt create).
	strace -f -b execve -qq -e trace=clone3,openat -e signal=none -o "$T/$ID.strace" \
		$RT_BIN create --bundle . $ID </dev/null >"$T/$ID.out" 2>&1 || fail "rt create failed: $(cat "$T/$ID.out")"
	dir=$(cgdir)
	grep -E 'clone3\(.*CLONE_INTO_CGROUP' "$T/$ID.strace" >/dev/null ||
		fail "no clone3 with CLONE_INTO_CGROUP: $(grep clone3 "$T/$ID.strace" | head -n 5)"
	moved=$(grep -E "openat\(.*$ID/cgroup.procs\".*O_WRONLY" "$T/$ID.strace" | head -n 3)
	[ -z "$moved" ] || fail "a process was moved into the cgroup after all: $moved"
	grep -qx "$(pid_of $ID)" "$dir/cgroup.procs" || fail "init not in $dir"
}

t_devices_deny() {
	# /dev/kmsg (c 1:11) bound in: not in the default allow list, so the
	# eBPF device program refuses to open it; the default devices work.
	cfg '.mounts += [{destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]}]'
	args sh -c 'echo rt-sd-device-test >/dev/kmsg && echo opened'
	out=$(run_fg)
	case $out in
	*opened*) fail "writing /dev/kmsg worked: the default deny rule is not enforced: $out" ;;
	*"not permitted"*) ;;
	*) fail "unexpected output: $out" ;;
	esac
	cfg '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "rw"}]'
	args sh -c 'echo rt-sd-device-test >/dev/kmsg && echo opened && echo x >/dev/null && head -c 4 /dev/zero | wc -c'
	out=$(run_fg 2>&1) || fail "with an allow rule for c 1:11: $out"
	eq "$out" "opened
4" "output with an allow rule"
}

t_kill_all() {
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args sh -c 'sleep 1001 & sleep 1002 & wait'
	start
	dir=$(cgdir)
	retry 20 eval "[ \$(wc -l <$dir/cgroup.procs) -ge 3 ]" || fail "expected 3 processes in $dir: $(cat "$dir/cgroup.procs")"
	pids=$(cat "$dir/cgroup.procs")
	strace -f -qq -e trace=openat -e signal=none -o "$T/$ID.strace" $RT_BIN kill --all $ID KILL >"$T/kill.out" 2>&1 ||
		fail "rt kill --all failed: $(cat "$T/kill.out")"
	grep -q "$ID/cgroup.kill\"" "$T/$ID.strace" || fail "rt kill --all did not open $dir/cgroup.kill"
	retry 20 eval "[ ! -s $dir/cgroup.procs ]" || fail "still in the cgroup: $(cat "$dir/cgroup.procs")"
	for p in $pids; do
		st=$(proc_state "$p")
		[ -z "$st" ] || [ "$st" = Z ] || fail "process $p survived (state $st)"
	done
	wait_status $ID stopped
}

t_cpu_weight() {
	args sleep 1000
	for pair in 1024:100 2048:174; do
		cfg --argjson s "${pair%:*}" '.linux.resources.cpu = {shares: $s}'
		start $ID-${pair%:*}
		eq "$(cat "$(cgdir $ID-${pair%:*})/cpu.weight")" "${pair#*:}" "cpu.weight for shares ${pair%:*}"
		rt delete --force $ID-${pair%:*} >/dev/null 2>&1 || fail "rt delete failed"
	done
}

# ---------------------------------------------------------------------------
# podman and containerd with rt

podman_rt() { timeout -s KILL 120 podman --runtime $RT_BIN "$@"; }

podman_checks() { # podman's checks: run, --memory, exec, stop, stats; $1: podman flags
	local flags=$1 name=rt-sd-$ID out
	out=$(podman_rt $flags run --rm --network none localhost/busybox echo hello 2>&1) || fail "podman run: $out"
	eq "$out" hello "podman run output"
	out=$(podman_rt $flags run --rm --network none --memory 64m localhost/busybox cat /sys/fs/cgroup/memory.max 2>&1) ||
		fail "podman run --memory 64m: $out"
	eq "$out" 67108864 "memory.max seen in the container"
	out=$(podman_rt $flags run -d --name $name --network none localhost/busybox sleep 1000 2>&1) || fail "podman run -d: $out"
	out=$(podman_rt $flags exec $name echo from-exec 2>&1) || fail "podman exec: $out"
	eq "$out" from-exec "podman exec output"
	if [ -n "${2:-}" ]; then
		out=$(podman_rt $flags stats --no-stream --format '{{.Name}} {{.MemUsage}}' $name 2>&1) || fail "podman stats: $out"
		case $out in "$name "*) ;; *) fail "podman stats: $out" ;; esac
	fi
	out=$(podman_rt $flags stop -t 2 $name 2>&1) || fail "podman stop: $out"
	out=$(podman_rt $flags rm $name 2>&1) || fail "podman rm: $out"
}

t_podman_cgroupfs() { podman_checks "--cgroup-manager cgroupfs"; }

t_podman_systemd() {
	eq "$(podman info --format '{{.Host.CgroupManager}}')" systemd "podman's default cgroup manager"
	need_sd_driver
	podman_checks "" stats
}

ctr_checks() { # $1: extra ctr run flags; $2: cgroupsPath
	out=$(timeout -s KILL 120 ctr run --rm --rootfs --runc-binary $RT_BIN $1 --cgroup "$2" \
		$ROOTFS rt-sd-$ID sh -c 'cat /proc/self/cgroup; echo hello' 2>&1) || fail "ctr run: $out"
	case $out in *hello) ;; *) fail "ctr run output: $out" ;; esac
	echo "# $out" | head -n 1
}

t_ctr_cgroupfs() {
	systemctl is-active -q containerd || fail "containerd is not running: $(systemctl status containerd 2>&1 | tail -n 5)"
	ctr_checks "" "$DELEG/ctr-$ID"
	[ ! -e "$CG$DELEG/ctr-$ID" ] || fail "$CG$DELEG/ctr-$ID left"
}

t_ctr_systemd() {
	need_sd_driver
	ctr_checks --runc-systemd-cgroup "system.slice:$SLICE_PREFIX:ctr-$ID"
	eq "$(unit_prop $SLICE_PREFIX-ctr-$ID.scope LoadState)" not-found "scope after ctr run --rm"
}

# ---------------------------------------------------------------------------
# rt's systemd driver (skipped until it exists)

sd_start() { # ID cgroupsPath
	cfg --arg p "$2" '.linux.cgroupsPath = $p'
	RTFLAGS=(--systemd-cgroup)
	start "$1"
}

t_sd_scope() {
	need_sd_driver
	args sleep 1000
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50} | .linux.resources.cpu = {shares: 2048}'
	sd_start $ID "system.slice:$SLICE_PREFIX:$ID"
	unit=$SLICE_PREFIX-$ID.scope
	eq "$(unit_prop $unit ActiveState)" active "$unit ActiveState"
	eq "$(unit_prop $unit Delegate)" yes "$unit Delegate"
	eq "$(unit_prop $unit MemoryMax)" 67108864 "$unit MemoryMax"
	eq "$(unit_prop $unit TasksMax)" 50 "$unit TasksMax"
	eq "$(unit_prop $unit CPUWeight)" 174 "$unit CPUWeight"
	dir=$CG/system.slice/$unit
	eq "$(unit_prop $unit ControlGroup)" /system.slice/$unit "$unit ControlGroup"
	grep -qx "$(pid_of $ID)" "$dir/cgroup.procs" || fail "init not in $dir"
	eq "$(cat $dir/memory.max)" 67108864 "memory.max"
	eq "$(cat $dir/pids.max)" 50 "pids.max"
	eq "$(cat $dir/cpu.weight)" 174 "cpu.weight"
}

t_sd_update() {
	need_sd_driver
	args sleep 1000
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
	sd_start $ID "system.slice:$SLICE_PREFIX:$ID"
	unit=$SLICE_PREFIX-$ID.scope
	out=$(rt --systemd-cgroup update --memory 134217728 --pids-limit 60 $ID 2>&1) || fail "rt update: $out"
	eq "$(unit_prop $unit MemoryMax)" 134217728 "$unit MemoryMax after update"
	eq "$(unit_prop $unit TasksMax)" 60 "$unit TasksMax after update"
	eq "$(cat $CG/system.slice/$unit/memory.max)" 134217728 "memory.max after update"
	eq "$(cat $CG/system.slice/$unit/pids.max)" 60 "pids.max after update"
}

t_sd_delete() {
	need_sd_driver
	args sleep 1000
	sd_start $ID "system.slice:$SLICE_PREFIX:$ID"
	unit=$SLICE_PREFIX-$ID.scope
	kill -9 "$(pid_of $ID)"
	wait_status $ID stopped
	out=$(rt --systemd-cgroup delete $ID 2>&1) || fail "rt delete: $out"
	retry 20 eval "[ \"\$(systemctl show -P LoadState $unit)\" = not-found ]" ||
		fail "$unit still loaded after delete: $(systemctl show -P ActiveState $unit)"
	[ ! -e $CG/system.slice/$unit ] || fail "$CG/system.slice/$unit left after delete"
}

t_sd_custom_slice() {
	need_sd_driver
	args sleep 1000
	sd_start $ID "rtsd-custom.slice:$SLICE_PREFIX:$ID"
	unit=$SLICE_PREFIX-$ID.scope
	eq "$(unit_prop $unit Slice)" rtsd-custom.slice "$unit Slice"
	dir=$CG/rtsd.slice/rtsd-custom.slice/$unit
	grep -qx "$(pid_of $ID)" "$dir/cgroup.procs" || fail "init not in $dir"
	out=$(rt --systemd-cgroup delete --force $ID 2>&1) || fail "rt delete: $out"
	[ ! -e "$dir" ] || fail "$dir left after delete"
	systemctl stop rtsd-custom.slice rtsd.slice >/dev/null 2>&1
}

t_sd_ops() {
	need_sd_driver
	cfg '.process.args = ["sleep", "1000"] | .linux.resources.cpu = {quota: 12345, period: 100000, cpus: "0"} | .linux.resources.memory = {limit: 67108864, reservation: 33554432}'
	sd_start $ID "system.slice:$SLICE_PREFIX:$ID"
	unit=$SLICE_PREFIX-$ID.scope
	dir=$CG/system.slice/$unit
	eq "$(unit_prop $unit CPUQuotaPerSecUSec)" 130ms "CPUQuotaPerSecUSec"
	eq "$(cat $dir/cpu.max)" "13000 100000" "cpu.max (rounded as systemd rounds)"
	eq "$(unit_prop $unit AllowedCPUs)" 0 "AllowedCPUs"
	eq "$(unit_prop $unit MemoryLow)" 33554432 "MemoryLow"
	eq "$(unit_prop $unit DevicePolicy)" strict "DevicePolicy"
	echo "# DeviceAllow: $(systemctl show -p DeviceAllow $unit | tr "\n" ";")"
	eq "$(jq -r .systemdUnit /run/rt/$ID/state.json)" "$unit" "state's unit"
	out=$(rt pause $ID 2>&1) || fail "pause: $out"
	eq "$(status $ID)" paused "status after pause"
	out=$(rt resume $ID 2>&1) || fail "resume: $out"
	eq "$(status $ID)" running "status after resume"
	out=$(rt ps $ID 2>&1) || fail "ps: $out"
	echo "# ps: $(echo $out | head -c 200)"
	out=$(rt events --stats $ID 2>&1) || fail "events: $out"
	echo "# events: $(echo $out | head -c 120)"
	out=$(rt exec $ID cat /proc/self/cgroup 2>&1) || fail "exec: $out"
	echo "# exec's cgroup: $out"
	out=$(rt kill --all $ID KILL 2>&1) || fail "kill --all: $out"
	wait_status $ID stopped
	out=$(rt delete $ID 2>&1) || fail "delete: $out"
	retry 20 eval "[ \"\$(systemctl show -P LoadState $unit)\" = not-found ]" || fail "$unit still loaded"
	[ ! -e $dir ] || fail "$dir left"
}

# ---------------------------------------------------------------------------
# Rootless: an ordinary user with linger (loginctl enable-linger), so that
# user@UID.service runs its systemd with a delegated cgroup (Debian's
# user@.service: Delegate=pids memory cpu) and a session bus at
# /run/user/UID/bus (dbus-user-session). rt and podman run as that user in
# transient services of its systemd (systemd-run --user): inside
# user@UID.service, where that systemd may move them into scopes.

RL_USER=rtuser
rl_uid() { id -u $RL_USER 2>/dev/null; }
rl_cg() { echo "$CG/user.slice/user-$(rl_uid).slice/user@$(rl_uid).service"; }

# as_user CMD... — CMD as $RL_USER, in a transient service of the user's
# systemd, stdio passed through; its exit status. KillMode=process: what CMD
# leaves running (podman's pause process, conmon where podman could not
# move it to a scope of its own) outlives the service, as it outlives a
# login shell, instead of being stopped with it.
as_user() {
	local uid
	uid=$(rl_uid)
	timeout -s KILL 100 runuser -u $RL_USER -- env XDG_RUNTIME_DIR=/run/user/$uid \
		systemd-run --user --quiet --pipe --wait --collect -p KillMode=process \
		-E XDG_RUNTIME_DIR=/run/user/$uid -E DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus \
		-E HOME=/home/$RL_USER -E USER=$RL_USER -E PATH=$PATH -- "$@" </dev/null
}

# need_user — the user's systemd answers on its bus (setup made it).
need_user() {
	[ -f $T/rl-ready ] || fail "the user $RL_USER was not set up: $(cat $T/rl-setup.err 2>/dev/null)"
}

# rl_setup — the user, linger, the user's bus; its podman storage (vfs) with
# the busybox image, and a rootfs of its own for rt's bundles.
rl_setup() {
	local uid
	useradd -m -s /bin/bash $RL_USER || { echo "useradd failed" >$T/rl-setup.err; return; }
	uid=$(rl_uid)
	grep -q "^$RL_USER:" /etc/subuid || usermod --add-subuids 100000-165535 $RL_USER
	grep -q "^$RL_USER:" /etc/subgid || usermod --add-subgids 100000-165535 $RL_USER
	loginctl enable-linger $RL_USER
	retry 60 test -S /run/user/$uid/bus || {
		echo "no /run/user/$uid/bus after enable-linger: $(systemctl is-active user@$uid.service)" >$T/rl-setup.err
		return
	}
	mkdir -p /home/$RL_USER/.config/containers /home/$RL_USER/rootfs
	printf '[storage]\ndriver = "vfs"\n' >/home/$RL_USER/.config/containers/storage.conf
	cp $T/rootfs.tar /home/$RL_USER/rootfs.tar
	chown -R $RL_USER: /home/$RL_USER
	as_user tar -C /home/$RL_USER/rootfs -xf /home/$RL_USER/rootfs.tar >$T/rl-setup.err 2>&1 || return
	as_user podman import -q /home/$RL_USER/rootfs.tar localhost/busybox >/dev/null 2>$T/rl-setup.err || return
	touch $T/rl-ready
}

# rt --systemd-cgroup as the user: its systemd makes the scope under
# user@UID.service/user.slice, with MemoryMax; memory.max holds the limit.
t_rootless_sd_scope() {
	need_user
	local id=rl$ID unit=rt-rl$ID.scope out dir pid rc
	out=$(as_user $RT_BIN features 2>&1 | jq -r .linux.cgroup.systemdUser)
	eq "$out" true "rt features as the user: systemdUser"
	trap 'as_user $RT_BIN --systemd-cgroup delete --force $id >/dev/null 2>&1' EXIT
	out=$(as_user sh -c "mkdir -p ~/b-$id && cd ~/b-$id && $RT_BIN spec --rootless &&
		jq '.process.terminal = false | .process.args = [\"sleep\", \"1000\"] | .root.path = \"/home/$RL_USER/rootfs\" |
			.linux.resources.memory.limit = 67108864' config.json >c.tmp && mv c.tmp config.json" 2>&1) ||
		fail "rt spec --rootless as $RL_USER: $out"
	# stderr to a file: the container inherits rt's stdio (terminal false).
	as_user sh -c "cd ~/b-$id && exec $RT_BIN --debug --systemd-cgroup run -d $id </dev/null >/dev/null 2>~/rt-$id.err"
	rc=$?
	if [ $rc != 0 ]; then
		echo "# the user's processes:"
		ps -o pid=,cgroup=,args= -u $RL_USER | cut -c1-200 | sed 's/^/# /'
		fail "rt --debug --systemd-cgroup run -d as $RL_USER: exit $rc: $(tail -n 20 /home/$RL_USER/rt-$id.err)"
	fi
	dir=$(rl_cg)/user.slice/$unit
	[ -d "$dir" ] || fail "no $dir: $(find "$(rl_cg)" -name 'rt-*' | head -n 5)"
	pid=$(as_user $RT_BIN state $id | jq -r .pid)
	grep -qx "$pid" "$dir/cgroup.procs" || fail "init $pid not in $dir: $(cat "$dir/cgroup.procs")"
	eq "$(cat "$dir/memory.max")" 67108864 "memory.max"
	eq "$(as_user systemctl --user show -P MemoryMax $unit)" 67108864 "$unit MemoryMax"
	eq "$(as_user systemctl --user show -P Delegate $unit)" yes "$unit Delegate"
	echo "# $(stat -c %U /proc/$pid) in ${dir#$CG}"
	out=$(as_user $RT_BIN --systemd-cgroup delete --force $id 2>&1) || fail "rt delete --force: $out"
	eq "$(as_user systemctl --user show -P LoadState $unit)" not-found "$unit after delete"
	[ ! -e "$dir" ] || fail "$dir left after delete"
}

# Rootless podman, its default cgroup manager (systemd: the user's), with
# --runtime rt and --memory 64m: the limit inside and in the scope's cgroup.
t_rootless_podman() {
	need_user
	local name=rl-$ID out id dir
	pu() { as_user podman --runtime $RT_BIN "$@"; }
	eq "$(pu info --format '{{.Host.Security.Rootless}} {{.Host.CgroupManager}}' 2>&1)" "true systemd" "podman info"
	out=$(pu run --rm --network none --memory 64m localhost/busybox cat /sys/fs/cgroup/memory.max 2>&1) ||
		fail "podman run --memory 64m: $out"
	eq "$out" 67108864 "memory.max seen in the container"
	trap 'as_user podman --runtime $RT_BIN rm -f -t 0 '$name' >/dev/null 2>&1' EXIT
	# To a file: what podman leaves running (conmon, its pause process)
	# would hold a pipe open.
	pu run -d --name $name --network none --memory 64m localhost/busybox sleep 1000 >$T/$name.out 2>&1 || {
		echo "# podman run -d: exit $?; the user's processes:"
		ps -o pid=,cgroup=,args= -u $RL_USER | cut -c1-200 | sed 's/^/# /'
		fail "podman run -d: $(cat $T/$name.out)"
	}
	id=$(pu inspect -f '{{.Id}}' $name)
	dir=$(find "$(rl_cg)" -type d -name "libpod-$id.scope" | head -n 1)
	[ -n "$dir" ] || fail "no libpod-$id.scope under $(rl_cg)"
	echo "# ${dir#$CG}"
	eq "$(cat "$dir/memory.max")" 67108864 "memory.max in $dir"
	out=$(pu exec $name echo from-exec 2>&1) || fail "podman exec: $out"
	eq "$out" from-exec "podman exec output"
	out=$(pu stop -t 2 $name 2>&1) || fail "podman stop: $out"
	out=$(pu rm $name 2>&1) || fail "podman rm: $out"
	[ ! -e "$dir" ] || fail "$dir left after podman rm"
}


# ---------------------------------------------------------------------------
# Checkpoint and restore (CRIU, issue 16 item 4)

need_criu() {
	command -v criu >/dev/null || skip "criu is not installed"
	out=$(criu check 2>&1) || skip "criu check fails on this kernel: $(echo "$out" | grep -m1 Error)"
}
lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; } # FILE N
# ckpt_run ID OUT — rt run -d with stdio on pipes (CRIU dumps pipes; a
# file of the host's mount namespace it could not), stdout to OUT.
ckpt_run() {
	track "$1"
	rt run -d --bundle . "$1" < <(:) > >(cat >"$2") 2>&1 || fail "rt run -d $1 failed"
	wait_status "$1" running
}

# A busybox counter appends to a file in a bind mount: checkpointed (the
# container goes away), restored (state, cgroup, mounts back), it counts on
# from where it was.
t_checkpoint_counter() {
	need_criu
	echo "# $(criu --version | head -n 1)"
	eq "$(rt features | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" true "rt features' checkpoint annotation"
	mkdir -p "$T/data"
	cfg --arg s "$T/data" '.mounts += [{destination: "/data", type: "bind", source: $s, options: ["rbind", "rw"]}]'
	cfg '.linux.resources.pids = {limit: 20}'
	args sh -c 'i=0; while true; do echo $i >>/data/count; i=$((i + 1)); sleep 0.2; done'
	ckpt_run $ID "$T/out1"
	retry 20 lines "$T/data/count" 3 || fail "the counter did not count"
	out=$(rt checkpoint --image-path "$T/img" --work-path "$T/work" $ID 2>&1) || fail "checkpoint: $out; $(grep -m3 Error "$T/work/dump.log")"
	rt state $ID >/dev/null 2>&1 && fail "the container is still there after checkpoint"
	[ ! -e "$(cgdir)" ] || fail "$(cgdir) left after checkpoint"
	n1=$(tail -n 1 "$T/data/count")
	echo "# checkpointed at $n1 ($(ls "$T/img" | wc -l) image files)"
	rt restore -d --bundle . --image-path "$T/img" --work-path "$T/work" --pid-file "$T/pid" $ID < <(:) > >(cat >"$T/out2") 2>"$T/restore.err" ||
		fail "restore: $(cat "$T/restore.err"); $(grep -m3 Error "$T/work/restore.log")"
	eq "$(status $ID)" running "status after restore"
	pid=$(pid_of $ID)
	eq "$(cat "$T/pid")" "$pid" "pid file"
	grep -qx "$pid" "$(cgdir)/cgroup.procs" || fail "restored init $pid not in $(cgdir): $(cat /proc/$pid/cgroup)"
	eq "$(cat "$(cgdir)/pids.max")" 20 "pids.max after restore"
	retry 20 lines "$T/data/count" $((n1 + 4)) || fail "the restored counter does not count on: $(tail -n 3 "$T/data/count")"
	next=$(sed -n "$((n1 + 2))p" "$T/data/count")
	eq "$next" $((n1 + 1)) "the count after the restore"
	out=$(rt exec $ID cat /data/count 2>&1) || fail "exec: $out"
	echo "# restored at pid $pid; counted on to $(tail -n 1 "$T/data/count")"
	# --leave-running: the container keeps running and counting.
	out=$(rt checkpoint --leave-running --image-path "$T/img2" $ID 2>&1) || fail "checkpoint --leave-running: $out"
	eq "$(status $ID)" running "status after checkpoint --leave-running"
	n2=$(wc -l <"$T/data/count")
	retry 20 lines "$T/data/count" $((n2 + 2)) || fail "the counter stopped after --leave-running"
	out=$(rt delete --force $ID 2>&1) || fail "delete: $out"
	# restore in the foreground: rt waits for the init and exits with its
	# status (137 after SIGKILL), the container deleted.
	rt restore --bundle . --image-path "$T/img2" $ID < <(:) > >(cat >"$T/out3") 2>"$T/restore2.err" &
	bg=$!
	retry 30 status_is $ID running || fail "foreground restore: $(cat "$T/restore2.err")"
	out=$(rt kill $ID KILL 2>&1) || fail "kill: $out"
	wait $bg
	eq "$?" 137 "foreground restore's exit status"
	rt state $ID >/dev/null 2>&1 && fail "the container is still there after the foreground restore"
	[ ! -e "$(cgdir)" ] || fail "$(cgdir) left after the foreground restore"
}


# podman container checkpoint and restore with --runtime rt: the counter
# in the container's rootfs counts on after the restore.
podman_count() { podman exec "$1" cat /tmp/count 2>/dev/null; }
count_above() { local n; n=$(podman_count "$1") && [ "${n:-0}" -gt "$2" ]; } # NAME N
t_podman_checkpoint() {
	need_criu
	local name=rt-sd-ck-$ID out n0 n1 pm="--cgroup-manager cgroupfs"
	out=$(podman_rt $pm run -d --name $name --network none localhost/busybox \
		sh -c 'i=0; while true; do echo $i >/tmp/count; i=$((i + 1)); sleep 0.2; done' 2>&1) || fail "podman run -d: $out"
	retry 30 count_above $name 10 || fail "the counter did not count"
	n0=$(podman_count $name)
	out=$(podman_rt $pm container checkpoint $name 2>&1) || fail "podman container checkpoint: $out"
	eq "$(podman inspect -f '{{.State.Status}}' $name)" exited "podman's status after checkpoint"
	out=$(podman_rt $pm container restore $name 2>&1) || fail "podman container restore: $out"
	eq "$(podman inspect -f '{{.State.Status}}' $name)" running "podman's status after restore"
	n1=$(podman_count $name) || fail "podman exec after restore failed"
	[ "$n1" -ge "$n0" ] || fail "the count went back from $n0 to $n1: the container started afresh"
	retry 30 count_above $name $((n1 + 2)) || fail "the restored counter does not count on from $n1"
	echo "# restored at $n1, then $(podman_count $name)"
	out=$(podman_rt $pm rm -f $name 2>&1) || fail "podman rm -f: $out"
}

# ctr tasks checkpoint through containerd's runc shim with BinaryName rt:
# the images are written, the task runs on (the shim asks for
# --leave-running unless --exit).
t_ctr_checkpoint() {
	need_criu
	systemctl is-active -q containerd || fail "containerd is not running"
	local id=rt-sd-ck-$ID out
	out=$(timeout -s KILL 120 ctr run -d --rootfs --runc-binary $RT_BIN --cgroup "$DELEG/ctr-$ID" $ROOTFS $id \
		sh -c 'i=0; while true; do i=$((i + 1)); sleep 0.2; done' 2>&1) || fail "ctr run -d: $out"
	out=$(timeout -s KILL 120 ctr tasks checkpoint --image-path "$T/ctr-img" $id 2>&1)
	rc=$?
	ls "$T/ctr-img" | grep -q '^core-.*\.img$' || rc=1
	state=$(ctr tasks ls | awk -v id=$id '$1 == id {print $3}')
	timeout -s KILL 60 ctr tasks kill -s KILL $id >/dev/null 2>&1
	retry 20 eval "! ctr tasks ls | grep -q \"^$id .*RUNNING\""
	timeout -s KILL 60 ctr tasks rm $id >/dev/null 2>&1
	timeout -s KILL 60 ctr containers rm $id >/dev/null 2>&1
	[ $rc = 0 ] || fail "ctr tasks checkpoint: $out; images: $(ls "$T/ctr-img" 2>&1 | head -n 5 | tr '\n' ' ')"
	eq "$state" RUNNING "the task's status after the checkpoint"
	echo "# $(ls "$T/ctr-img" | wc -l) image files"
}

# ---------------------------------------------------------------------------
# Runner

if [ "${1:-}" = --one ]; then
	cd "$3" || exit 1
	ID=$4
	TEST=$5
	[ "${RT_SD_DEBUG:-}" != 1 ] || set -x
	$2
	exit $?
fi

setup() {
	. $DATA/env
	dmesg -n 1
	install -m 0755 $DATA/rt $RT_BIN
	mkdir -p $ROOTFS $T
	tar -C $ROOTFS -xf $DATA/rootfs.tar
	echo "# kernel $(uname -r), $(nproc) cpus; $($RT_BIN --version 2>&1 | head -n 1)"
	timeout 120 systemctl is-system-running --wait >/dev/null
	echo "# boot: $(systemd-analyze 2>/dev/null | head -n 1)"
	systemd-run --quiet --unit=$DELEG_UNIT -p Delegate=yes sleep infinity ||
		echo "# systemd-run $DELEG_UNIT failed"
	pid=$(systemctl show -P MainPID $DELEG_UNIT)
	mkdir -p $CG$DELEG/sup
	echo "$pid" >$CG$DELEG/sup/cgroup.procs
	echo "+cpu +memory +pids +io" >$CG$DELEG/cgroup.subtree_control || echo "# cannot enable controllers in $DELEG"
	(cd $T && $RT_BIN spec && jq --arg r $ROOTFS '.process.terminal = false | .root.path = $r | .root.readonly = true' \
		config.json >c.tmp && mv c.tmp config.json) || echo "# rt spec failed"
	tar -C $ROOTFS -cf $T/rootfs.tar . &&
		timeout 300 podman import -q $T/rootfs.tar localhost/busybox >/dev/null 2>$T/import.err ||
		echo "# podman import failed: $(cat $T/import.err)"
	rl_setup
}

n=0 pass=0 failed=0 skipped=0
test_timeout=240

t() { # NAME FUNCTION
	if [ -n "$only" ]; then
		case " $only " in *" $2 "*) ;; *) return 0 ;; esac
	fi
	n=$((n + 1))
	TEST=t$n
	local dir=$T/$TEST out=$T/$TEST.log rc left="" id t0 t1
	t0=$(cut -d' ' -f1 /proc/uptime)
	mkdir -p "$dir"
	cp $T/config.json "$dir/config.json"
	timeout -s KILL "$test_timeout" bash $DATA/tests.sh --one "$2" "$dir" "sd$n" "$TEST" >>"$out" 2>&1 </dev/null
	rc=$?
	[ $rc != 137 ] || echo "timed out after ${test_timeout}s" >>"$out"
	if [ -f "$T/$TEST.ids" ]; then
		for id in $(sort -u "$T/$TEST.ids"); do
			timeout -s KILL 60 $RT_BIN delete --force "$id" >/dev/null 2>&1
			[ ! -e "$CG$DELEG/$id" ] || left="$left $CG$DELEG/$id"
		done
	fi
	if [ $rc = 0 ] && [ -n "$left" ]; then
		rc=1
		echo "cgroups left after rt delete --force:$left" >>"$out"
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "# took $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')s" >>"$out"
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
only=$(echo "${RT_SD_TESTS:-}" | tr ',' ' ')
t "systemd is PID 1, pure cgroup v2, D-Bus, a delegated cgroup" t_systemd_v2
t "rt run in a delegated cgroup (cgroupfs driver): cgroup, limits, cleanup" t_run_delegated
t "CLONE_INTO_CGROUP: the init is born in its cgroup, never moved" t_clone_into_cgroup
t "eBPF device filter: a denied device can't be opened, an allowed one can" t_devices_deny
t "rt kill --all: cgroup.kill empties the cgroup" t_kill_all
t "cpu.weight from shares: 1024 -> 100, 2048 -> 174" t_cpu_weight
t "podman --runtime rt, cgroup_manager=cgroupfs: run, --memory, exec, stop" t_podman_cgroupfs
t "podman --runtime rt, default cgroup_manager=systemd: run, --memory, exec, stats, stop" t_podman_systemd
t "containerd (ctr, runc shim, BinaryName=rt), SystemdCgroup=false" t_ctr_cgroupfs
t "containerd (ctr, runc shim, BinaryName=rt), SystemdCgroup=true" t_ctr_systemd
t "systemd driver: the scope unit exists with the limits, the files hold them" t_sd_scope
t "systemd driver: rt update changes the unit and the files" t_sd_update
t "systemd driver: delete after kill -9 leaves no unit and no cgroup" t_sd_delete
t "systemd driver: slice:prefix:name in a custom nested slice" t_sd_custom_slice
t "systemd driver: props, pause, resume, ps, events, exec, kill --all, delete" t_sd_ops
t "rootless: rt --systemd-cgroup as a user with linger: scope under user@UID.service, memory.max" t_rootless_sd_scope
t "rootless podman --runtime rt (cgroup manager systemd) with --memory 64m" t_rootless_podman
t "checkpoint: a counter checkpointed, restored, counts on" t_checkpoint_counter
t "podman container checkpoint/restore --runtime rt: the counter counts on" t_podman_checkpoint
t "ctr tasks checkpoint (runc shim, BinaryName=rt): images written, the task runs on" t_ctr_checkpoint
echo "1..$n"
echo "RT-SD-DONE $pass $failed $skipped"
sync
