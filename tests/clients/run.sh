#!/usr/bin/env bash
# tests/clients/run.sh — real clients run their containers on a runtime:
# containerd (ctr and CRI), podman (through conmon), CNI plugins called by
# hand and Docker (dockerd). See README.md beside this file.
#
# usage: tests/clients/run.sh RUNTIME_BINARY [SCENARIO-GLOB...]
#   e.g. tests/clients/run.sh ./rt 'podman/*' cni/bridge 'docker/*'
#
# Environment (all optional):
#   CLIENTS_TIMEOUT   seconds one scenario may take (default 90; one
#                     client command inside it: 30)
#   CLIENTS_BUDGET    seconds (from the first scenario, after the package
#                     installs) after which the remaining scenarios are not
#                     started and count as failed (default 420)
#   CLIENTS_EXPECTED_FAIL  the expected-fail list (default: expected-fail
#                     beside this file); CLIENTS_STRICT=1 ignores it
#   CLIENTS_KEEP=1    keep the work directory (logs) under /tmp
#
# Exit status: 0 when every scenario passed or failed as expected-fail says;
# 1 otherwise; 2 on a usage or setup error. The last line is
# "clients: N passed, N failed, N skipped" (skipped: failed as expected, or
# not possible on this machine, with the reason).
#
# It starts a private containerd, a private podman store and network config,
# CNI network namespaces and bridges, a private dockerd and its bridge, all under names and directories of its
# own, and tears every one of them down when it ends, even on failure or
# interruption. The cgroups it makes live under /rt-clients-PID in each
# hierarchy and are removed at the end.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export HERE REPO

die() {
	echo "run.sh: $*" >&2
	exit 2
}

[ $# -ge 1 ] || die "usage: $0 RUNTIME_BINARY [SCENARIO-GLOB...]"
[ "$(id -u)" = 0 ] || die "must run as root"
RT=$(command -v "$1" 2>/dev/null) || die "runtime not found: $1"
RT=$(readlink -f "$RT")
[ -x "$RT" ] || die "runtime not executable: $RT"
export RT
shift
FILTERS=("$@")

export SCEN_TIMEOUT=${CLIENTS_TIMEOUT:-90}
export CMD_TIMEOUT=30
BUDGET=${CLIENTS_BUDGET:-420}
EXPECTED_FAIL=${CLIENTS_EXPECTED_FAIL:-$HERE/expected-fail}
export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin

# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=containerd.sh
. "$HERE/containerd.sh"
# shellcheck source=podman.sh
. "$HERE/podman.sh"
# shellcheck source=cni.sh
. "$HERE/cni.sh"
# shellcheck source=docker.sh
. "$HERE/docker.sh"
# shellcheck source=podman-rootless.sh
. "$HERE/podman-rootless.sh"

GROUPS_ALL=(containerd podman cni docker podman-rootless)
declare -A GROUP_FILE=([containerd]=containerd.sh [podman]=podman.sh [cni]=cni.sh [docker]=docker.sh
	[podman-rootless]=podman-rootless.sh)
declare -A GROUP_LIST=([containerd]="${CD_SCENARIOS[*]}" [podman]="${PM_SCENARIOS[*]}" [cni]="${CNI_SCENARIOS[*]}" [docker]="${DK_SCENARIOS[*]}"
	[podman-rootless]="${PR_SCENARIOS[*]}")

selected() { # selected NAME — NAME matches a filter (or there are none)
	local f
	[ ${#FILTERS[@]} -eq 0 ] && return 0
	for f in "${FILTERS[@]}"; do
		# shellcheck disable=SC2053 # glob match intended
		[[ $1 == $f ]] && return 0
	done
	return 1
}

# expected-fail: "NAME  reason..." lines; '#' starts a comment.
declare -A XFAIL=()
if [ -z "${CLIENTS_STRICT:-}" ] && [ -f "$EXPECTED_FAIL" ]; then
	while read -r name reason; do
		[ -n "$name" ] && [ "${name#\#}" = "$name" ] || continue
		XFAIL[$name]=$reason
	done <"$EXPECTED_FAIL"
fi

# ---------------------------------------------------------------- one at a time
# Two runs would share /run/containerd/s, netavark's ipam db and the subnets.
exec 9<"$HERE/run.sh"
if ! flock -n 9; then
	echo "run.sh: another run is in progress; waiting for it"
	flock -w 600 9 || die "another run.sh held the lock for 10 minutes"
fi

T0=$(date +%s)

# ---------------------------------------------------------------- the machine before
WORK=$(mktemp -d /tmp/rt-clients.XXXXXX) || die "mktemp failed"
chmod 0755 "$WORK"
export WORK
export CG_PARENT=/rt-clients-$$
export IMAGE_DIR=$WORK/image
export RT_ROOTFS_CACHE=$WORK/rootfs-cache
mkdir -p "$WORK/logs"

# Files the clients write outside our directories, whatever their flags:
# remove them at the end when they were not there before.
#   /run/containerd       containerd 1.6's shim sockets (/run/containerd/s)
#   /run/containers/networks   netavark's ipam db for root (hard-coded)
#   /var/lib/containers/cache  containers/image's blob info cache for root
#   /run/docker/plugins   dockerd's plugin sockets, whatever its exec-root
#   /etc/docker/key.json  dockerd 20.10's trust key (no flag moves it)
OUTSIDE=(/run/containerd /run/containers/networks /run/containers /var/lib/containers/cache /var/lib/containers
	/run/docker/plugins /run/docker /etc/docker/key.json /etc/docker)
declare -A OUTSIDE_EXISTED=()
for f in "${OUTSIDE[@]}"; do [ -e "$f" ] && OUTSIDE_EXISTED[$f]=1; done
IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
NETAVARK_CHAINS_BEFORE=$(iptables -w 5 -t nat -S 2>/dev/null | grep -c '^-N NETAVARK' || true)
PODMAN0_BEFORE=$(ip link show podman0 >/dev/null 2>&1 && echo 1 || echo 0)

TORN_DOWN=0
teardown() {
	[ "$TORN_DOWN" = 1 ] && return 0
	TORN_DOWN=1
	echo "--- teardown"
	local d pid t
	# A scenario still running (run.sh was interrupted): TERM makes it run
	# its cleanups; timeout's -k ends it for sure.
	if [ -n "${SCEN_PID:-}" ] && kill -0 "$SCEN_PID" 2>/dev/null; then
		kill -TERM "$SCEN_PID" 2>/dev/null
		wait "$SCEN_PID" 2>/dev/null
	fi
	teardown_containerd
	teardown_podman
	teardown_podman_rootless
	teardown_cni
	teardown_docker
	[ -f "$WORK/cri-build.pid" ] && kill "$(cat "$WORK/cri-build.pid")" 2>/dev/null
	# Every process still in one of our cgroups (a container whose client
	# died) is killed; then the cgroups go, deepest first.
	# (Our cgroup paths have no blanks: word splitting of find's output is safe.)
	# shellcheck disable=SC2044,SC2013
	for d in $(find /sys/fs/cgroup/*/"${CG_PARENT#/}" -depth -type d 2>/dev/null); do
		for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	for t in $(seq 20); do
		# shellcheck disable=SC2044
		for d in $(find /sys/fs/cgroup/*/"${CG_PARENT#/}" -depth -type d 2>/dev/null); do
			rmdir "$d" 2>/dev/null
		done
		compgen -G "/sys/fs/cgroup/*/${CG_PARENT#/}" >/dev/null || break
		sleep 0.1
	done
	compgen -G "/sys/fs/cgroup/*/${CG_PARENT#/}" >/dev/null &&
		echo "WARNING: cgroups left: $(echo /sys/fs/cgroup/*/"${CG_PARENT#/}")"
	# netavark's firewall chains and the bridge, when they were not there.
	if [ "$NETAVARK_CHAINS_BEFORE" = 0 ]; then
		remove_netavark_chains
	fi
	if [ "$PODMAN0_BEFORE" = 0 ] && ip link show podman0 >/dev/null 2>&1; then
		ip link del podman0
	fi
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$IP_FORWARD" ] || echo "$IP_FORWARD" >/proc/sys/net/ipv4/ip_forward
	# Mounts under WORK (rootfs overlays, CRI's shm), deepest first.
	for _ in 1 2 3 4 5; do
		mapfile -t mnts < <(awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
		[ ${#mnts[@]} -eq 0 ] && break
		for d in "${mnts[@]}"; do umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null; done
	done
	for f in "${OUTSIDE[@]}"; do
		[ -n "${OUTSIDE_EXISTED[$f]:-}" ] && continue
		if [ -d "$f" ]; then
			case $f in
			/run/containerd | /run/containers/networks | /var/lib/containers/cache | /run/docker/plugins) rm -rf "$f" ;;
			*) rmdir "$f" 2>/dev/null ;;
			esac
		elif [ "$f" = /etc/docker/key.json ]; then
			rm -f "$f"
		fi
	done
	if [ -n "${CLIENTS_KEEP:-}" ]; then
		echo "kept $WORK"
	else
		rm -rf "$WORK" 2>/dev/null || { sleep 1; rm -rf "$WORK"; } || echo "WARNING: could not remove $WORK"
	fi
}

remove_netavark_chains() {
	local tbl rule chain
	for tbl in filter nat; do
		# Jumps from the built-in chains first, then the chains themselves.
		iptables -w 5 -t $tbl -S 2>/dev/null | grep -E '^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*-j NETAVARK' |
			while read -r rule; do
				eval "iptables -w 5 -t $tbl ${rule/#-A/-D}" 2>/dev/null
			done
		for chain in $(iptables -w 5 -t $tbl -S 2>/dev/null | awk '/^-N NETAVARK/ { print $2 }'); do
			iptables -w 5 -t $tbl -F "$chain" 2>/dev/null
		done
		for chain in $(iptables -w 5 -t $tbl -S 2>/dev/null | awk '/^-N NETAVARK/ { print $2 }'); do
			iptables -w 5 -t $tbl -X "$chain" 2>/dev/null
		done
	done
}

SCEN_PID=
trap teardown EXIT
trap 'echo "run.sh: interrupted"; exit 130' INT TERM HUP

echo "runtime: $RT ($("$RT" --version 2>/dev/null | head -1))"
echo "work:    $WORK"

# ---------------------------------------------------------------- the CRI client
# Built in the background while the packages install and the image builds
# (go build needs neither; with the module cache a build takes a second).
if selected containerd/cri; then
	if command -v go >/dev/null; then
		(cd "$HERE/cri" && exec go build -trimpath -o "$WORK/cri-smoke" .) >"$WORK/cri-build.log" 2>&1 &
		echo $! >"$WORK/cri-build.pid"
	else
		echo "go not found: cannot build the CRI client" >"$WORK/cri-build.log"
	fi
fi

# ---------------------------------------------------------------- packages
need_pkgs=()
need() { # need PACKAGE TEST-PATH
	[ -e "$2" ] || need_pkgs+=("$1")
}
need containerd /usr/bin/containerd
need containerd /usr/bin/ctr
need podman /usr/bin/podman
need conmon /usr/bin/conmon
need netavark /usr/lib/podman/netavark
need iptables /usr/sbin/iptables
need containernetworking-plugins /usr/lib/cni/bridge
need containernetworking-plugins /usr/lib/cni/host-local
need busybox-static /bin/busybox
need iproute2 /usr/bin/ip
need jq /usr/bin/jq
need bsdutils /usr/bin/script
need util-linux /usr/bin/nsenter
need uidmap /usr/bin/newuidmap
need slirp4netns /usr/bin/slirp4netns
# Debian's Docker, unless a dockerd is there already (docker-ce's would
# conflict with the package).
if ! command -v dockerd >/dev/null; then
	need docker.io /usr/sbin/dockerd
	need docker.io /usr/bin/docker
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
	mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | sort -u)
	echo "installing: ${need_pkgs[*]}"
	# Another apt-get may hold the lock for a while: wait for it.
	{ apt-get -o DPkg::Lock::Timeout=300 update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need_pkgs[@]}"; } >"$WORK/logs/apt.log" 2>&1 ||
		{ tail -n 20 "$WORK/logs/apt.log" >&2; die "apt-get install failed"; }
fi
file -L /bin/busybox 2>/dev/null | grep -q 'dynamically linked' && die "/bin/busybox is dynamically linked (install busybox-static)"

# ---------------------------------------------------------------- the image
mkdir -p "$WORK/img"
"$REPO/tests/mkbundle.sh" "$WORK/img" || die "building the busybox rootfs failed"
"$HERE/mkimage.sh" "$WORK/img/rootfs" "$IMAGE_DIR" || die "building the image failed"

# ---------------------------------------------------------------- scenarios
# The budget counts from here: installing packages on a new machine may
# take minutes of its own.
TS=$(date +%s)
declare -A RESULT=()
ORDER=()
npass=0 nfail=0 nxfail=0 nskip=0
declare -A SKIPPED=()
FAILED_NAMES=()
RETRIED=()
declare -A FAILED_BRIEF

record() { # record NAME pass|fail|skip LOG [WHY] [MS]
	local name=$1 res=$2 log=$3 why=${4:-} ms=${5:-}
	ORDER+=("$name")
	if [ "$res" = skip ]; then
		SKIPPED[$name]=$why
		RESULT[$name]="skipped ($why)"
		nskip=$((nskip + 1))
	elif [ "$res" = pass ]; then
		if [ -n "${XFAIL[$name]+x}" ]; then
			RESULT[$name]="pass (listed in expected-fail: remove it there)"
		elif [ -s "${SCEN_DIR:-/nonexistent}/retried" ]; then
			RESULT[$name]="pass (on a second try)"
			RETRIED+=("$name: $(head -n 1 "$SCEN_DIR/retried" | cut -c1-400)")
		else
			RESULT[$name]=pass
		fi
		npass=$((npass + 1))
	elif [ -n "${XFAIL[$name]+x}" ]; then
		RESULT[$name]="expected fail (see expected-fail)"
		nxfail=$((nxfail + 1))
	else
		RESULT[$name]="FAIL${why:+ ($why)}"
		nfail=$((nfail + 1))
		FAILED_NAMES+=("$name")
		# Kept now: the logs go with the work directory at teardown.
		FAILED_BRIEF[$name]=$(grep -E -e '^--- ' -e 'failed|[Ee]rror|FAIL' "$log" 2>/dev/null |
			grep -v '^+' | tail -n 6 | cut -c1-300 | sed 's/^/    | /')
	fi
	local dur=""
	[ -n "$ms" ] && dur=$(printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)))
	printf '%-34s %6s  %s\n' "$name" "$dur" "${RESULT[$name]}"
	if [ "$res" = fail ] && [ -z "${XFAIL[$name]+x}" ]; then
		sed 's/^/    | /' "$log" | tail -n 60
	fi
}

run_scenario() { # run_scenario GROUP NAME
	local group=$1 name=$2 fn log rc t1 now
	fn=t_${name//[\/-]/_}
	log=$WORK/logs/${name//\//_}.log
	now=$(date +%s)
	if [ $((now - TS)) -ge "$BUDGET" ]; then
		echo "not started: the run's budget of ${BUDGET}s is used up" >"$log"
		record "$name" fail "$log" "not run: budget used up"
		return
	fi
	# The CRI client builds in the background since the start: wait for it.
	# (at most until the run's budget is used up).
	if [ "$name" = containerd/cri ] && [ -f "$WORK/cri-build.pid" ]; then
		local bpid
		bpid=$(cat "$WORK/cri-build.pid")
		while kill -0 "$bpid" 2>/dev/null && [ $(($(date +%s) - TS)) -lt "$BUDGET" ]; do sleep 0.5; done
		if kill -0 "$bpid" 2>/dev/null; then
			kill "$bpid" 2>/dev/null
			echo "the CRI client's build did not finish within the budget" >>"$WORK/cri-build.log"
		fi
		wait "$bpid" 2>/dev/null
		rm -f "$WORK/cri-build.pid"
	fi
	export SCEN_DIR=$WORK/s/${name//\//_}
	mkdir -p "$SCEN_DIR"
	t1=$(date +%s%N)
	# In the background, so that a signal to run.sh interrupts the wait.
	timeout -k 10 "$SCEN_TIMEOUT" bash -c '
		. "$HERE/lib.sh"; . "$HERE/$1"; scenario_shell; set -x; "$2"
	' _ "${GROUP_FILE[$group]}" "$fn" </dev/null >"$log" 2>&1 &
	SCEN_PID=$!
	wait "$SCEN_PID"
	rc=$?
	SCEN_PID=
	t1=$((($(date +%s%N) - t1) / 1000000))
	echo "--- exit status $rc, ${t1} ms" >>"$log"
	case $rc in
	0) record "$name" pass "$log" "" "$t1" ;;
	77) record "$name" skip "$log" "$(sed -n 's/^SKIP: //p' "$log" | head -n 1)" "$t1" ;;
	124 | 137) record "$name" fail "$log" "timed out after ${SCEN_TIMEOUT}s" "$t1" ;;
	*) record "$name" fail "$log" "" "$t1" ;;
	esac
}

for group in "${GROUPS_ALL[@]}"; do
	wanted=()
	for name in ${GROUP_LIST[$group]}; do selected "$name" && wanted+=("$name"); done
	[ ${#wanted[@]} -gt 0 ] || continue
	echo "=== $group"
	"vars_${group//-/_}"
	ts=$(date +%s%N)
	(
		set -ex
		"setup_${group//-/_}"
	) >"$WORK/logs/setup-$group.log" 2>&1
	rc=$?
	ts=$((($(date +%s%N) - ts) / 1000000))
	case $rc in 0) res=ok ;; 77) res=skipped ;; *) res=FAILED ;; esac
	printf '%-34s %6s  %s\n' "(setup $group)" "$(printf '%d.%ds' $((ts / 1000)) $((ts % 1000 / 100)))" "$res"
	# A setup that calls skip (lib.sh): this machine cannot run the group.
	if [ $rc -eq 77 ]; then
		for name in "${wanted[@]}"; do
			record "$name" skip "$WORK/logs/setup-$group.log" "$(sed -n 's/^SKIP: //p' "$WORK/logs/setup-$group.log" | head -n 1)"
		done
		continue
	fi
	if [ $rc -ne 0 ]; then
		for name in "${wanted[@]}"; do
			record "$name" fail "$WORK/logs/setup-$group.log" "setup of $group failed"
		done
		continue
	fi
	for name in "${wanted[@]}"; do run_scenario "$group" "$name"; done
done

teardown
trap - EXIT

elapsed=$(($(date +%s) - T0))
echo
echo "ran in ${elapsed}s against $RT"
if [ "$nxfail" -gt 0 ]; then
	echo "$nxfail scenario(s) failed as listed in $(basename "$EXPECTED_FAIL") (counted as skipped):"
	for name in "${ORDER[@]}"; do
		case ${RESULT[$name]} in "expected fail"*) echo "  $name: ${XFAIL[$name]}" ;; esac
	done
fi
if [ "$nskip" -gt 0 ]; then
	echo "$nskip scenario(s) not possible on this machine (counted as skipped):"
	for name in "${ORDER[@]}"; do
		[ -n "${SKIPPED[$name]+x}" ] && echo "  $name: ${SKIPPED[$name]}"
	done
fi
for line in "${RETRIED[@]}"; do echo "retried: $line"; done
# Each failure again, in short, last: a CI log is often read from its tail.
for name in "${FAILED_NAMES[@]}"; do
	echo "failed: $name: ${RESULT[$name]}"
	[ -n "${FAILED_BRIEF[$name]}" ] && printf '%s\n' "${FAILED_BRIEF[$name]}"
done
echo "clients: $npass passed, $nfail failed, $((nxfail + nskip)) skipped"
[ "$nfail" -eq 0 ]
