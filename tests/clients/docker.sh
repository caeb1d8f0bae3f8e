# shellcheck shell=bash
# docker.sh — Docker Engine (Debian's docker.io, dockerd 20.10) runs its
# containers on rt.
#
# A private dockerd: its own data-root, exec-root, pidfile, socket (-H
# unix://…), containerd namespace, cgroup parent
# (/rt-clients-PID/docker) and bridge (rt-docker0 on a private subnet, made
# here: a dockerd of the machine keeps its docker0). rt is registered in a
# daemon.json as the README shows ({"runtimes":{"rt":{"path":…}}}) and every
# container asks for it with --runtime rt. The image is the busybox rootfs
# tarball, `docker import`ed (there is no registry).
#
# dockerd changes the machine's firewall: the DOCKER, DOCKER-USER and
# DOCKER-ISOLATION-STAGE-* chains (filter and nat) with their jumps, rules
# for its bridge and subnet, and the FORWARD policy (DROP when it turns
# ip_forward on). teardown_docker removes the chains, the jumps to them and
# the rules for our bridge and subnet, and sets the FORWARD policy back.
# Where DOCKER chains exist already (a dockerd of the machine) ours runs with
# --iptables=false: on start it would flush that dockerd's DOCKER chain.
# Published ports on 127.0.0.1 work without it (docker-proxy). run.sh sets
# ip_forward back and removes /run/docker,
# /run/containerd and /etc/docker/key.json (dockerd 20.10 writes its trust
# key there whatever its flags) when they were not there.
#
# Sourced by run.sh (vars_docker, setup_docker, teardown_docker, the
# scenario list) and by each scenario's shell (the t_* functions).

DK_SCENARIOS=(
	docker/info
	docker/run-rm-exit-status
	docker/run-it
	docker/detached-exec-logs-stop
	docker/device-tun
	docker/device-subdir
	docker/privileged
	docker/read-only-tmpfs
	docker/volume
	docker/memory-oom
	docker/update-pause-unpause
	docker/publish-port
	docker/runtime-error
)

DK_IMAGE=rt-busybox:latest
DK_BRIDGE=rt-docker0
# The bridge's subnet (private: no clash with the machine's or podman's).
DK_SUBNET=10.231.78.0/24
DK_GATEWAY=10.231.78.1
DK_CHAINS_RE='^-N DOCKER(-USER|-ISOLATION-STAGE-[0-9]+)?$'

# vars_docker — what the scenarios and the teardown need, and the state of
# the firewall before dockerd (run.sh's shell, before setup_docker).
vars_docker() {
	export DK_DIR=$WORK/docker
	export DK_SOCK=$DK_DIR/docker.sock DK_EXEC=$DK_DIR/exec DK_DATA=$DK_DIR/data
	export DK_CG=$CG_PARENT/docker
	export DOCKER=/usr/bin/docker DOCKER_CONFIG=$DK_DIR/client
	export DK_IMAGE DK_BRIDGE DK_SUBNET DK_GATEWAY
	DK_FORWARD_POLICY=$(iptables -w 5 -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3 }')
	DK_IPTABLES=true
	if iptables -w 5 -t filter -S 2>/dev/null | grep -qE "$DK_CHAINS_RE" ||
		iptables -w 5 -t nat -S 2>/dev/null | grep -qE "$DK_CHAINS_RE"; then
		DK_IPTABLES=false
	fi
	export DK_IPTABLES
	DK_BRIDGE_BEFORE=$(ip link show "$DK_BRIDGE" >/dev/null 2>&1 && echo 1 || echo 0)
	DK_NF_CALL=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || true)
}

# setup_docker — the bridge, daemon.json, dockerd, the image (in a subshell
# under set -e).
setup_docker() {
	mkdir -p "$DK_DIR/client" "$DK_EXEC" "$DK_DATA"
	[ "$DK_IPTABLES" = true ] || echo "DOCKER chains exist (another dockerd): ours runs with --iptables=false"
	"$DOCKER" --version
	dockerd --version
	if [ "$DK_BRIDGE_BEFORE" = 0 ]; then
		ip link add "$DK_BRIDGE" type bridge
		ip addr add "$DK_GATEWAY/${DK_SUBNET#*/}" dev "$DK_BRIDGE"
		ip link set "$DK_BRIDGE" up
	fi
	# What the README shows, with this rt.
	jq -n --arg rt "$RT" '{runtimes: {rt: {path: $rt}}}' >"$DK_DIR/daemon.json"
	cat "$DK_DIR/daemon.json"
	dk_start overlay2 || dk_start vfs
	dk import -c 'CMD ["sh"]' "$IMAGE_DIR/rootfs.tar" "$DK_IMAGE"
	dk images
}

# dk_start DRIVER — start dockerd with that storage driver; wait for it.
dk_start() {
	local i
	rm -f "$DK_DIR/docker.pid"
	# setsid: its own session, so that no terminal signal of run.sh's
	# reaches it before the teardown stops it.
	setsid dockerd --config-file "$DK_DIR/daemon.json" \
		--data-root "$DK_DATA" --exec-root "$DK_EXEC" --pidfile "$DK_DIR/docker.pid" \
		-H "unix://$DK_SOCK" \
		--containerd-namespace rt-clients --containerd-plugins-namespace rt-clients-plugins \
		--storage-driver "$1" --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$DK_CG" \
		--bridge "$DK_BRIDGE" --iptables="$DK_IPTABLES" --ip-forward=true --userland-proxy=true \
		</dev/null >>"$DK_DIR/dockerd.log" 2>&1 &
	for i in $(seq 150); do
		if dk version >/dev/null 2>&1; then
			dk info --format 'storage driver {{.Driver}}, cgroup driver {{.CgroupDriver}}, runtimes {{range $k, $v := .Runtimes}}{{$k}} {{end}}'
			return 0
		fi
		kill -0 $! 2>/dev/null || break
		sleep 0.2
	done
	echo "dockerd ($1) did not come up:" >&2
	tail -n 20 "$DK_DIR/dockerd.log" >&2
	dk_stop
	return 1
}

# dk_stop — stop dockerd (TERM, then KILL), its containerd and shims.
dk_stop() {
	local pid i
	pid=$(cat "$DK_DIR/docker.pid" 2>/dev/null) || pid=$(pgrep -f -- "--exec-root $DK_EXEC" | head -n 1)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	# its containerd and shims carry the exec-root in their command lines
	for pid in $(pgrep -f -- "$DK_EXEC"); do kill -KILL "$pid" 2>/dev/null; done
	return 0
}

# teardown_docker — containers, dockerd, the firewall, the bridge. Never fails.
teardown_docker() {
	[ -n "${DK_DIR:-}" ] && [ -d "$DK_DIR" ] || return 0
	if [ -S "$DK_SOCK" ]; then
		# shellcheck disable=SC2046
		CMD_TIMEOUT=60 dk rm -f $(CMD_TIMEOUT=20 dk ps -a -q 2>/dev/null) >/dev/null 2>&1
	fi
	dk_stop
	dk_firewall_cleanup
	if [ "$DK_BRIDGE_BEFORE" = 0 ] && ip link show "$DK_BRIDGE" >/dev/null 2>&1; then
		ip link del "$DK_BRIDGE"
	fi
	if [ -n "$DK_NF_CALL" ] && [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != "$DK_NF_CALL" ]; then
		echo "$DK_NF_CALL" >/proc/sys/net/bridge/bridge-nf-call-iptables
	fi
	return 0
}

# dk_firewall_cleanup — with --iptables=true: dockerd's rules for our
# bridge and subnet, the DOCKER* chains and the jumps to them; the FORWARD
# policy as it was.
dk_firewall_cleanup() {
	local t rule chain mine="(-[io] $DK_BRIDGE( |$)|${DK_SUBNET//./\\.})"
	for t in filter nat; do
		[ "${DK_IPTABLES:-false}" = true ] || continue
		iptables -w 5 -t $t -S 2>/dev/null | grep -E '^-A ' | grep -E -- "$mine" |
			while read -r rule; do eval "iptables -w 5 -t $t ${rule/#-A/-D}" 2>/dev/null; done
		iptables -w 5 -t $t -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j DOCKER(-USER|-ISOLATION-STAGE-[0-9]+)?( |$)' |
			while read -r rule; do eval "iptables -w 5 -t $t ${rule/#-A/-D}" 2>/dev/null; done
		for chain in $(iptables -w 5 -t $t -S 2>/dev/null | grep -E "$DK_CHAINS_RE" | awk '{ print $2 }'); do
			iptables -w 5 -t $t -F "$chain" 2>/dev/null
		done
		for chain in $(iptables -w 5 -t $t -S 2>/dev/null | grep -E "$DK_CHAINS_RE" | awk '{ print $2 }'); do
			iptables -w 5 -t $t -X "$chain" 2>/dev/null
		done
	done
	if [ -n "${DK_FORWARD_POLICY:-}" ]; then
		iptables -w 5 -P FORWARD "$DK_FORWARD_POLICY" 2>/dev/null
	fi
	return 0
}

# ------------------------------------------------------------ helpers

# dk ARGS... — the docker client (Debian's, the daemon's version) on our daemon.
dk() { timeout -k 5 "$CMD_TIMEOUT" "$DOCKER" -H "unix://$DK_SOCK" "$@"; }

# dkrun [RUN FLAGS...] — docker run on rt.
dkrun() { dk run --runtime rt "$@"; }

# dk_sleeper NAME [RUN FLAGS...] — a detached container on rt that says
# "started" and waits; SIGTERM ends it with status 7 after saying "term".
dk_sleeper() {
	local name=$1
	shift
	defer "dk rm -f $name >/dev/null 2>&1"
	dkrun -d --name "$name" "$@" "$DK_IMAGE" sh -c "echo started; trap 'echo term; exit 7' TERM; while true; do sleep 0.1; done" >/dev/null
}

dk_status() { dk inspect -f '{{.State.Status}}' "$1"; }

# rt_dk_state ID — `rt state` on the root containerd's shim gives rt
# (<exec-root>/runtime-runc/<namespace> with dockerd 20.10, whatever the
# runtime's name: found by the container's state dir).
rt_dk_state() {
	local d
	for d in "$DK_EXEC"/runtime-*/*/"$1"; do
		[ -d "$d" ] && "$RT" --root "$(dirname "$d")" state "$1" && return 0
	done
	echo "no rt state dir for $1 under $DK_EXEC/runtime-*" >&2
	return 1
}

# free_port — a TCP port nothing listens on.
free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		[ -z "$(ss -Hltn "sport = :$p")" ] && echo "$p" && return 0
	done
	return 1
}

# ------------------------------------------------------------ scenarios

# dockerd knows rt from daemon.json, at its path.
t_docker_info() {
	local out
	out=$(dk info --format '{{range $k, $v := .Runtimes}}{{$k}}={{$v.Path}} {{end}}')
	expect_match "docker info: the runtimes" "$(echo "$out" | tr ' ' '\n')" "^rt=$RT\$"
}

t_docker_run_rm_exit_status() {
	local out rc=0
	out=$(dkrun --rm --name dk-run "$DK_IMAGE" sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' 2>"$SCEN_DIR/err") || rc=$?
	expect_eq "docker run exit status" "$rc" 3
	expect_eq "stdout" "$out" to-stdout
	expect_eq "stderr" "$(cat "$SCEN_DIR/err")" to-stderr
	expect_eq "containers left after --rm" "$(dk ps -a -q --filter name=dk-run)" ""
	expect_eq "rt state dirs left" "$(find "$DK_EXEC" -path '*/runtime-*/*/*' -name state.json)" ""
}

# docker run -it: the shim's console socket gets rt's pty master.
t_docker_run_it() {
	local out rc=0
	out=$(in_pty "'$DOCKER' -H 'unix://$DK_SOCK' run -it --rm --runtime rt '$DK_IMAGE' sh" \
		'tty; echo typed-$((6*7))' 'exit 9') || rc=$?
	expect_eq "run -it exit status" "$rc" 9
	expect_match "run -it: the shell's tty" "$out" '^/dev/pts/0'
	expect_match "run -it: typed input evaluated" "$out" '^typed-42'
}

t_docker_detached_exec_logs_stop() {
	local id pid out rc=0
	dk_sleeper dk-exec
	id=$(dk inspect -f '{{.Id}}' dk-exec)
	pid=$(dk inspect -f '{{.State.Pid}}' dk-exec)
	expect_eq "rt state status" "$(rt_dk_state "$id" | jq -r .status)" running
	expect_eq "rt state pid = docker's" "$(rt_dk_state "$id" | jq -r .pid)" "$pid"
	expect_match "the init's cgroup" "$(cat /proc/"$pid"/cgroup)" ":$DK_CG/$id\$"
	out=$(dk exec dk-exec sh -c 'echo exec-out; echo exec-err >&2; exit 4' 2>"$SCEN_DIR/err") || rc=$?
	expect_eq "exec exit status" "$rc" 4
	expect_eq "exec stdout" "$out" exec-out
	expect_eq "exec stderr" "$(cat "$SCEN_DIR/err")" exec-err
	out=$(dk exec -u 1000 -w /tmp dk-exec sh -c 'id -u; pwd')
	expect_eq "exec -u 1000 -w /tmp" "$(oneline "$out")" "1000 /tmp"
	expect_eq "logs" "$(dk logs dk-exec)" started
	dk stop -t 10 dk-exec
	expect_eq "status after stop" "$(dk_status dk-exec)" exited
	expect_eq "exit code after stop (SIGTERM trapped)" "$(dk inspect -f '{{.State.ExitCode}}' dk-exec)" 7
	expect_eq "logs after stop" "$(oneline "$(dk logs dk-exec)")" "started term"
}

# docker run --device /dev/net/tun (VPN containers): the node, and it opens
# (an open tun fd reads EBADFD until TUNSETIFF).
t_docker_device_tun() {
	local out
	[ -c /dev/net/tun ] || skip "the host has no /dev/net/tun"
	out=$(dkrun --rm --device /dev/net/tun "$DK_IMAGE" sh -c 'stat -c "%F %t:%T" /dev/net/tun; cat /dev/net/tun 2>&1 || true')
	expect_match "the node" "$out" '^character special file a:c8$'
	expect_match "it opens" "$out" 'File descriptor in bad state'
}

# --device for nodes in subdirectories (/dev/dri/*, /dev/snd/*), at the
# host's path and at another one.
t_docker_device_subdir() {
	local out
	host_dev_nodes
	out=$(dkrun --rm --device "$HOSTSUB/dri/card0" --device "$HOSTSUB/snd/controlC0:/dev/snd/controlC0" "$DK_IMAGE" \
		sh -c "stat -c '%n %F %t:%T %a' $HOSTSUB/dri/card0 /dev/snd/controlC0; stat -c '%a' /dev/snd; echo x >/dev/snd/controlC0 && echo write-ok")
	expect_eq "the nodes" "$out" "$HOSTSUB/dri/card0 character special file 1:3 666
/dev/snd/controlC0 character special file 1:3 660
755
write-ok"
}

# --privileged: every host device, those in subdirectories too, and every
# capability rt holds (the others are left out, with a warning in rt's log,
# not in the container's stderr). runc 1.1.5 and 1.5 fail here when the
# caller lacks one ("unable to apply caps").
t_docker_privileged() {
	local out
	host_dev_nodes
	out=$(dkrun --rm --privileged "$DK_IMAGE" sh -c "$(privileged_probe)" 2>"$SCEN_DIR/err")
	expect_eq "docker run --privileged: stderr (no rt warning there)" "$(cat "$SCEN_DIR/err")" ""
	check_privileged "$out"
	# exec --privileged in a container that is not: every capability rt
	# holds, no word on stderr
	dk_sleeper dk-xpriv
	out=$(dk exec --privileged dk-xpriv grep CapEff /proc/self/status 2>"$SCEN_DIR/err")
	expect_eq "docker exec --privileged: stderr" "$(cat "$SCEN_DIR/err")" ""
	expect_eq "docker exec --privileged: CAP_SYS_ADMIN" $((16#$(echo "$out" | cut -f2) >> 21 & 1)) 1
}

# --read-only with --tmpfs: / is read-only, the tmpfs writable with its size.
t_docker_read_only_tmpfs() {
	local out
	out=$(dkrun --rm --read-only --tmpfs /run:rw,size=1m "$DK_IMAGE" sh -c 'touch /x 2>&1; touch /run/y && echo run-writable; grep -E " (/|/run) " /proc/mounts')
	expect_match "write to / fails" "$out" 'Read-only file system'
	expect_match "tmpfs /run writable" "$out" '^run-writable$'
	expect_match "root mount ro" "$out" '^overlay / overlay ro[, ]|^[^ ]+ / [^ ]+ ro[, ]'
	expect_match "/run: tmpfs of 1m" "$out" '^tmpfs /run tmpfs rw,.*size=1024k'
}

# A bind volume, read-write and read-only.
t_docker_volume() {
	local out vol=$SCEN_DIR/vol
	mkdir -p "$vol"
	echo host-data >"$vol/in"
	out=$(dkrun --rm -v "$vol:/data" -v "$vol:/ro:ro" "$DK_IMAGE" sh -c 'cat /data/in; echo from-container >/data/out; touch /ro/x 2>&1 || true')
	expect_match "the host's file inside" "$out" '^host-data$'
	expect_eq "the container's file on the host" "$(cat "$vol/out")" from-container
	expect_match "a :ro volume" "$out" 'Read-only file system'
}

# --memory: the limit inside, and a process beyond it is OOM-killed: exit
# 137, State.OOMKilled.
t_docker_memory_oom() {
	local out rc
	if [ ! -d /sys/fs/cgroup/memory ] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		skip "no memory cgroup controller on this host"
	fi
	# With swap on and no swap accounting, --memory-swap is ignored and the
	# shell would swap instead of being killed.
	if [ "$(wc -l </proc/swaps)" -gt 1 ] && [ ! -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] &&
		! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		skip "swap is on and the memory cgroup has no swap accounting (boot with swapaccount=1)"
	fi
	out=$(dkrun --rm --memory 32m --memory-swap 32m "$DK_IMAGE" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')
	expect_eq "memory limit inside" "$out" 33554432
	defer "dk rm -f dk-oom >/dev/null 2>&1"
	rc=$(status dkrun --name dk-oom --memory 32m --memory-swap 32m "$DK_IMAGE" sh -c 'x=a; while true; do x=$x$x; done')
	expect_eq "exit status of the OOM-killed container" "$rc" 137
	expect_eq "State.OOMKilled" "$(dk inspect -f '{{.State.OOMKilled}}' dk-oom)" true
}

# update (through the shim's `rt update --resources -`, every field, zeroes
# for those unchanged), pause, unpause.
t_docker_update_pause_unpause() {
	local id out
	dk_sleeper dk-upd
	id=$(dk inspect -f '{{.Id}}' dk-upd)
	dk update --memory 64m --memory-swap 128m dk-upd
	out=$(dk exec dk-upd sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max')
	expect_eq "memory limit after update" "$out" 67108864
	dk pause dk-upd
	expect_eq "docker status after pause" "$(dk_status dk-upd)" paused
	expect_eq "rt status after pause" "$(rt_dk_state "$id" | jq -r .status)" paused
	dk unpause dk-upd
	expect_eq "docker status after unpause" "$(dk_status dk-upd)" running
	expect_eq "rt status after unpause" "$(rt_dk_state "$id" | jq -r .status)" running
	expect_eq "exec after unpause" "$(dk exec dk-upd echo alive)" alive
}

# The bridge network: an address on our bridge's subnet, busybox httpd
# published on 127.0.0.1:PORT, a request from the host through the port and
# straight to the container's address.
t_docker_publish_port() {
	local port ip out
	port=$(free_port) || fail "no free port"
	defer "dk rm -f dk-web >/dev/null 2>&1"
	dkrun -d --name dk-web -p "127.0.0.1:$port:80" "$DK_IMAGE" \
		sh -c 'mkdir -p /www && echo hello-from-rt >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
	ip=$(dk inspect -f '{{.NetworkSettings.IPAddress}}' dk-web)
	expect_match "the container's address" "$ip" "^${DK_SUBNET%.*/*}\."
	retry 50 0.1 http_get 127.0.0.1 "$port" "$SCEN_DIR/page" || fail "no answer on 127.0.0.1:$port"
	expect_match "the page through the published port" "$(cat "$SCEN_DIR/page")" '^hello-from-rt'
	http_get "$ip" 80 "$SCEN_DIR/page2" || fail "no answer on $ip:80"
	expect_match "the page from the container's address" "$(cat "$SCEN_DIR/page2")" '^hello-from-rt'
}

# http_get HOST PORT OUT — GET / with bash's /dev/tcp (no client to install;
# busybox-static's wget crashes here), the whole answer in OUT; fails unless
# it is "200 OK".
http_get() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && cat <&3' _ "$1" "$2" >"$3" 2>/dev/null || return 1
	head -n 1 "$3" | grep -q ' 200 OK'
}

# rt's error reaches the docker user: a missing command is exit 127 with
# rt's message (the shim reads rt's --log).
t_docker_runtime_error() {
	local out rc=0
	out=$(dkrun --rm --name dk-err "$DK_IMAGE" /no/such/command 2>&1) || rc=$?
	expect_eq "exit status of a missing command" "$rc" 127
	expect_match "docker's error carries rt's message" "$out" '/process/args/0: .*/no/such/command.*no such file or directory'
	expect_eq "containers left" "$(dk ps -a -q --filter name=dk-err)" ""
}
