# Helpers for the black-box tests of the rt binary.
#
# Every test gets:
#   BUNDLE  a fresh bundle (busybox rootfs + config.json from `$RT spec`,
#           with terminal false, root.readonly false and an env marker added)
#   ROOT    its own state directory, passed as --root by the `rt` wrapper
#   ID      a unique container id (more from `new_id`)
# and a teardown that deletes every container, runs the deferred cleanups and
# then fails the test if anything was left behind (state, cgroups, mounts,
# processes, network namespaces).
#
# RT selects the runtime under test: default the repo's ./rt; for example
#   RT=/usr/bin/runc bats --filter-tags '!rt-only' tests/bats

bats_require_minimum_version 1.5.0

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RT=${RT:-$REPO_ROOT/rt}
case $RT in
/*) ;;
*/*) RT=$PWD/$RT ;;
*) RT=$(command -v "$RT" || echo "$RT") ;;
esac
export RT

# No test may hang the suite.
: "${BATS_TEST_TIMEOUT:=120}"
# Each runtime invocation through `rt` is bounded too.
: "${RT_CMD_TIMEOUT:=60}"

CGROUP_ROOT=/sys/fs/cgroup

# ---------------------------------------------------------------------------
# Running the runtime

# rt ARGS... — the runtime under test with the test's private --root.
rt() {
	timeout --kill-after=5 "$RT_CMD_TIMEOUT" "$RT" --root "$ROOT" "$@"
}

# rt_noio ARGS... — like rt, but with stdin from /dev/null and stdout/stderr
# sent to files that are printed afterwards (stdout then stderr). Use it for
# commands that leave a container process holding their stdio (create,
# run -d): `run rt create ...` would otherwise wait for the container to exit.
# Works with `run --separate-stderr`.
rt_noio() { noio rt "$@"; }

# noio CMD ARGS... — CMD as rt_noio runs rt.
noio() {
	local f rc=0
	f=$(mktemp -p "$BATS_TEST_TMPDIR" rtio.XXXXXX)
	"$@" </dev/null >"$f.out" 2>"$f.err" || rc=$?
	cat "$f.out"
	cat "$f.err" >&2
	return "$rc"
}

# create_container [ID [rt create flags...]] — create ID (default $ID) from
# $BUNDLE; the container's stdout/stderr go to $BATS_TEST_TMPDIR/ID.out/.err.
# Fails (printing the runtime's stderr) if create fails.
create_container() {
	local id=${1:-$ID}
	[ $# -gt 0 ] && shift
	if ! rt create --bundle "$BUNDLE" "$@" "$id" </dev/null \
		>"$BATS_TEST_TMPDIR/$id.out" 2>"$BATS_TEST_TMPDIR/$id.err"; then
		echo "create $id failed:" >&2
		cat "$BATS_TEST_TMPDIR/$id.err" >&2
		return 1
	fi
}

# run_detached [ID [rt run flags...]] — `rt run --detach`, stdio to files as above.
run_detached() {
	local id=${1:-$ID}
	[ $# -gt 0 ] && shift
	if ! rt run --detach --bundle "$BUNDLE" "$@" "$id" </dev/null \
		>"$BATS_TEST_TMPDIR/$id.out" 2>"$BATS_TEST_TMPDIR/$id.err"; then
		echo "run -d $id failed:" >&2
		cat "$BATS_TEST_TMPDIR/$id.err" >&2
		return 1
	fi
}

# start_container [ID] — create and start (does not wait for "running").
start_container() {
	local id=${1:-$ID}
	create_container "$id" || return 1
	rt start "$id" || return 1
}

# container_status ID — prints the status from `rt state`.
container_status() {
	rt state "$1" 2>/dev/null | jq -r .status
}

# container_pid ID — prints the init's host pid from `rt state`.
container_pid() {
	rt state "$1" | jq -r .pid
}

# ---------------------------------------------------------------------------
# Waiting (never sleep to synchronise: poll with a deadline)

_now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

# retry_until SECONDS CMD... — run CMD until it succeeds; fail after SECONDS.
retry_until() {
	local timeout=$1 deadline
	shift
	deadline=$(($(_now_us) + timeout * 1000000))
	while :; do
		"$@" && return 0
		if (($(_now_us) >= deadline)); then
			echo "timed out after ${timeout}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

_status_is() { [ "$(container_status "$1")" = "$2" ]; }

# wait_for_status ID STATUS [SECONDS]
wait_for_status() {
	if ! retry_until "${3:-10}" _status_is "$1" "$2"; then
		echo "container $1: status is '$(container_status "$1")', want '$2'" >&2
		return 1
	fi
}

# wait_for_file PATH [SECONDS] — until PATH exists and is not empty.
wait_for_file() {
	retry_until "${2:-10}" test -s "$1"
}

# wait_for_exit PID [SECONDS] — until the process PID is gone (or a zombie is
# reaped by `wait`). For children of the test shell, use `wait PID` after it
# for the exit status.
wait_for_exit() {
	retry_until "${2:-10}" _proc_dead "$1"
}
_proc_dead() {
	[ ! -e "/proc/$1" ] && return 0
	# a zombie counts as dead
	[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# wait_bg PID [SECONDS] — wait for a background child of the test shell with
# a deadline; sets BG_STATUS to its exit status. Kills it on timeout.
wait_bg() {
	local pid=$1
	if ! retry_until "${2:-20}" _proc_dead "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		BG_STATUS=timeout
		return 1
	fi
	BG_STATUS=0
	wait "$pid" || BG_STATUS=$?
}

# track_bg PID — kill this background process in teardown if still alive.
track_bg() {
	echo "$1" >>"$BATS_TEST_TMPDIR/.bg_pids"
}

# ---------------------------------------------------------------------------
# Config editing

# update_config FILTER [jq args...] — edit $BUNDLE/config.json (or the file
# in CONFIG if set) with a jq filter, e.g.
#   update_config '.process.args = ["/bin/true"]'
#   update_config '.hostname = $h' --arg h myhost
update_config() {
	local filter=$1 cfg=${CONFIG:-$BUNDLE/config.json}
	shift
	jq "$filter" "$@" <"$cfg" >"$cfg.tmp" && mv "$cfg.tmp" "$cfg"
}

# json_array WORDS... — prints the words as a JSON array of strings.
json_array() {
	local a=() i=0 w
	for w in "$@"; do
		a+=(--arg "a$i" "$w")
		i=$((i + 1))
	done
	jq -nc "${a[@]}" "[range(0; $i) as \$i | \$ARGS.named[\"a\(\$i)\"]]"
}

# set_cmd ARGS... — set .process.args to exactly these words.
set_cmd() {
	update_config '.process.args = $a' --argjson a "$(json_array "$@")"
}

# set_sh SCRIPT — run SCRIPT with /bin/sh -c.
set_sh() {
	set_cmd sh -c "$1"
}

# add_mount DEST TYPE SOURCE [OPTION...] — append a mount to .mounts.
add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	update_config '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
		--arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")"
}

# remove_namespace TYPE
remove_namespace() {
	update_config '.linux.namespaces |= map(select(.type != $t))' --arg t "$1"
}

# set_namespace TYPE [PATH] — make sure a namespace of TYPE is in the config,
# joining PATH if given.
set_namespace() {
	if [ -n "${2:-}" ]; then
		update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{type: $t, path: $p}])' \
			--arg t "$1" --arg p "$2"
	else
		update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{type: $t}])' \
			--arg t "$1"
	fi
}

# ---------------------------------------------------------------------------
# Ids, netns, deferred cleanup

# new_id — prints a new unique container id and records it for teardown.
new_id() {
	local id
	id=rtb${BATS_SUITE_TEST_NUMBER}-$(printf '%04x%04x' $RANDOM $RANDOM)-$$
	echo "$id" >>"$BATS_TEST_TMPDIR/.ids"
	echo "$id"
}

# defer CMD... — run CMD in teardown (last deferred runs first), after the
# containers are deleted and before the residue checks.
defer() {
	printf '%q ' "$@" >>"$BATS_TEST_TMPDIR/.defer"
	echo >>"$BATS_TEST_TMPDIR/.defer"
}

# make_netns — creates a named network namespace (ip netns add), prints its
# name; it is deleted in teardown.
make_netns() {
	local name
	name=$(new_id)-ns
	ip netns add "$name" || return 1
	echo "$name" >>"$BATS_TEST_TMPDIR/.netns"
	echo "$name"
}

# ---------------------------------------------------------------------------
# cgroups (v1, hybrid or v2)

# cgroup_path PID CONTROLLER — prints the host directory of PID's cgroup for
# CONTROLLER (v1 hierarchy if mounted, else the unified one).
cgroup_path() {
	local pid=$1 ctrl=$2 line rel
	line=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $3; exit } }' "/proc/$pid/cgroup")
	if [ -n "$line" ] && [ -d "$CGROUP_ROOT/$ctrl" ]; then
		echo "$CGROUP_ROOT/$ctrl$line"
		return
	fi
	rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
	if [ -d "$CGROUP_ROOT/unified" ]; then
		echo "$CGROUP_ROOT/unified$rel"
	else
		echo "$CGROUP_ROOT$rel"
	fi
}

# ---------------------------------------------------------------------------
# Guards: a test that needs a kernel feature, a capability or a library
# version checks for it first and skips, saying what is missing. (Machines
# of one kind differ: one had no BFQ I/O scheduler, so no blkio weight.)

# _unified_root — the cgroup2 mount: /sys/fs/cgroup/unified on a hybrid
# host, /sys/fs/cgroup on a pure v2 one.
_unified_root() {
	if [ -d "$CGROUP_ROOT/unified" ]; then
		echo "$CGROUP_ROOT/unified"
	else
		echo "$CGROUP_ROOT"
	fi
}

# _v2_cgroups_have FILE — true if a cgroup below the cgroup2 root shows FILE
# (many interface files are not in the root cgroup, and a controller's are
# only where it is enabled).
_v2_cgroups_have() {
	[ -n "$(find "$(_unified_root)" -mindepth 2 -maxdepth 4 -name "$1" -print -quit 2>/dev/null)" ]
}

# has_cap BIT — true if capability BIT (linux/capability.h) is in this
# shell's bounding set: a root process the test starts (rt) gets what is
# in it.
has_cap() {
	local bnd
	bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	(((16#$bnd >> $1) & 1))
}

# require_cap_sys_resource / require_no_cap_sys_resource — skip unless rt
# will have (will lack) CAP_SYS_RESOURCE (bit 24), e.g. to raise a hard
# rlimit above the caller's.
require_cap_sys_resource() {
	if ! has_cap 24; then
		skip "needs CAP_SYS_RESOURCE (bit 24 of CapBnd), which this machine does not give"
	fi
}
require_no_cap_sys_resource() {
	if has_cap 24; then
		skip "needs a caller without CAP_SYS_RESOURCE (bit 24 of CapBnd), and this one has it"
	fi
}

# blkio_weight_file — the weight file the kernel shows in a cgroup rt
# makes, the one rt writes: blkio.weight (CFQ), else blkio.bfq.weight
# (BFQ) on cgroup v1; io.bfq.weight, else io.weight (iocost) on cgroup v2.
# Prints nothing when there is none. The files are not in a root cgroup, and
# tests touch no cgroup rt did not make: on v1 a probe container is created
# from $BUNDLE and its cgroup looked at, then it is deleted.
blkio_weight_file() {
	local probe pid dir f
	if [ -d "$CGROUP_ROOT/blkio" ]; then
		probe=$(new_id)
		create_container "$probe" || return 1
		pid=$(container_pid "$probe")
		dir=$(cgroup_path "$pid" blkio)
		for f in blkio.weight blkio.bfq.weight; do
			if [ -e "$dir/$f" ]; then
				echo "$f"
				break
			fi
		done
		rt delete --force "$probe" >/dev/null
		return 0
	fi
	for f in io.bfq.weight io.weight; do
		if _v2_cgroups_have "$f"; then
			echo "$f"
			return 0
		fi
	done
}

# require_blkio_weight — skip unless the kernel has a blkio weight file;
# sets BLKIO_WEIGHT_FILE to it. require_no_blkio_weight — the opposite (for
# the error a weight gets there).
require_blkio_weight() {
	BLKIO_WEIGHT_FILE=$(blkio_weight_file)
	if [ -z "$BLKIO_WEIGHT_FILE" ]; then
		skip "no blkio weight file (blkio.weight, blkio.bfq.weight; io.weight, io.bfq.weight on cgroup v2): this kernel has neither the BFQ nor the CFQ I/O scheduler"
	fi
}
require_no_blkio_weight() {
	local f
	f=$(blkio_weight_file)
	if [ -n "$f" ]; then
		skip "this kernel has $f: the error for a missing weight file needs a kernel without one"
	fi
}

# require_rt_group_sched — skip unless the v1 cpu hierarchy has the
# realtime files (cpu.rt_period_us, cpu.rt_runtime_us: the kernel is built
# with CONFIG_RT_GROUP_SCHED). cgroup v2 has none.
require_rt_group_sched() {
	if [ ! -e "$CGROUP_ROOT/cpu/cpu.rt_period_us" ]; then
		skip "no $CGROUP_ROOT/cpu/cpu.rt_period_us: no cgroup v1 cpu hierarchy, or a kernel without CONFIG_RT_GROUP_SCHED"
	fi
}

# require_swap_accounting — skip unless the memory controller accounts
# swap: memory.memsw.* on cgroup v1, memory.swap.max on v2 (off with
# swapaccount=0 or without CONFIG_MEMCG_SWAP).
require_swap_accounting() {
	if [ -d "$CGROUP_ROOT/memory" ]; then
		if [ ! -e "$CGROUP_ROOT/memory/memory.memsw.limit_in_bytes" ]; then
			skip "no memory.memsw.limit_in_bytes: this kernel does not account swap (swapaccount=0 or no CONFIG_MEMCG_SWAP)"
		fi
	elif ! _v2_cgroups_have memory.swap.max; then
		skip "no cgroup shows memory.swap.max: this kernel does not account swap (or no cgroup here enables memory)"
	fi
}

# require_hugetlb SIZE — skip unless the kernel has huge pages of SIZE
# (as /sys/kernel/mm/hugepages names them, e.g. 2048kB) and a hugetlb
# cgroup controller (v1 or cgroup2).
require_hugetlb() {
	if [ ! -d "/sys/kernel/mm/hugepages/hugepages-$1" ]; then
		skip "no $1 huge pages (/sys/kernel/mm/hugepages/hugepages-$1)"
	fi
	if [ ! -d "$CGROUP_ROOT/hugetlb" ] && ! grep -qw hugetlb "$(_unified_root)/cgroup.controllers" 2>/dev/null; then
		skip "no hugetlb cgroup controller"
	fi
}

# require_seccomp_action ACTION — skip unless the runtime's libseccomp
# compiles ACTION (SCMP_ACT_NOTIFY needs libseccomp 2.5.0), as its
# `features` lists them.
require_seccomp_action() {
	local v
	if ! "$RT" features | jq -e --arg a "$1" '.linux.seccomp.actions // [] | index($a)' >/dev/null; then
		v=$("$RT" features | jq -r '.annotations["io.github.seccomp.libseccomp.version"] // "unknown"')
		skip "the runtime's libseccomp ($v) does not compile $1"
	fi
}

# require_seccomp_flags FLAG... — skip unless the runtime and this kernel
# support every SECCOMP_FILTER_FLAG_* given (features' supportedFlags).
require_seccomp_flags() {
	local f
	for f in "$@"; do
		if ! "$RT" features | jq -e --arg f "$f" '.linux.seccomp.supportedFlags // [] | index($f)' >/dev/null; then
			skip "$f is not supported here (the runtime's features: supportedFlags)"
		fi
	done
}

# ---------------------------------------------------------------------------
# setup / teardown

setup_bundle() {
	# Test dirs must be traversable by the container's root when that is an
	# unprivileged host uid (user namespaces).
	chmod 0711 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR" 2>/dev/null || true
	export RT_ROOTFS_CACHE=$BATS_RUN_TMPDIR/rootfs-cache
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	ROOT=$BATS_TEST_TMPDIR/state
	# It exists, as runc's tests have it: `list --root` of a missing
	# directory is an error (runc), and the `rt` wrapper always passes --root.
	mkdir -m 0700 "$ROOT"
	MARKER=rtbats-$BATS_SUITE_TEST_NUMBER-$$-$RANDOM
	: >"$BATS_TEST_TMPDIR/.ids"
	ID=$(new_id)
	"$REPO_ROOT/tests/mkbundle.sh" "$BUNDLE"
	(cd "$BUNDLE" && "$RT" spec) || {
		echo "'$RT spec' failed" >&2
		return 1
	}
	update_config '.process.terminal = false
		| .root.readonly = false
		| .process.env += ["RT_BATS_MARKER=" + $m]' --arg m "$MARKER"
}

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# _residue_procs — pids of processes that belong to this test's containers:
# their environment has the marker, their root is the test's rootfs, or their
# command line names a container id or the bundle.
_residue_procs() {
	local pats=$BATS_TEST_TMPDIR/.procpats rootid roots=() r
	{
		cat "$BATS_TEST_TMPDIR/.ids"
		echo "$BUNDLE"
	} >"$pats"
	{
		grep -lsaF "RT_BATS_MARKER=$MARKER" /proc/[0-9]*/environ
		grep -lsaFf "$pats" /proc/[0-9]*/cmdline
	} 2>/dev/null | cut -d/ -f3
	roots+=("$BUNDLE/rootfs")
	r=$(jq -r '.root.path // empty' "$BUNDLE/config.json" 2>/dev/null)
	case $r in
	"") ;;
	/*) roots+=("$r") ;;
	*) roots+=("$BUNDLE/$r") ;;
	esac
	for r in "${roots[@]}"; do
		rootid=$(stat -c '%d:%i' "$r" 2>/dev/null) || continue
		stat -L -c '%n %d:%i' /proc/[0-9]*/root 2>/dev/null |
			awk -v id="$rootid" '$2 == id { split($1, a, "/"); print a[3] }'
	done
}

_live_residue_procs() {
	local p self_pids=" $$ $BASHPID $PPID "
	for p in $(_residue_procs | sort -u); do
		[[ $self_pids == *" $p "* ]] && continue
		_proc_dead "$p" && continue
		echo "$p"
	done
}

_no_residue_procs() { [ -z "$(_live_residue_procs)" ]; }

_residue_cgroups() {
	local args=() id
	while read -r id; do
		[ -n "$id" ] && args+=(-o -name "*$id*")
	done <"$BATS_TEST_TMPDIR/.ids"
	[ ${#args[@]} -gt 0 ] || return 0
	find "$CGROUP_ROOT" -mindepth 1 -maxdepth 6 -type d \( -false "${args[@]}" \) 2>/dev/null
}

_no_residue_cgroups() { [ -z "$(_residue_cgroups)" ]; }

_residue_mounts() {
	grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo
}

# _names_an_id NAME — true if NAME contains one of the test's container ids.
_names_an_id() {
	local id
	while read -r id; do
		[ -n "$id" ] && [[ $1 == *"$id"* ]] && return 0
	done <"$BATS_TEST_TMPDIR/.ids"
	return 1
}

teardown_bundle() {
	local residue=() id ids=() line p d
	[ -n "${BUNDLE:-}" ] || return 0

	# 1. Delete every container the test made.
	if [ -d "$ROOT" ]; then
		mapfile -t ids < <(rt list -q 2>/dev/null)
	fi
	mapfile -t -O "${#ids[@]}" ids <"$BATS_TEST_TMPDIR/.ids"
	for id in $(printf '%s\n' "${ids[@]}" | sort -u); do
		[ -n "$id" ] || continue
		rt delete --force "$id" >/dev/null 2>&1 || true
	done

	# 2. Background processes the test started.
	if [ -f "$BATS_TEST_TMPDIR/.bg_pids" ]; then
		while read -r p; do
			kill -KILL "$p" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/.bg_pids"
	fi

	# 3. Deferred cleanups, last first.
	if [ -f "$BATS_TEST_TMPDIR/.defer" ]; then
		tac "$BATS_TEST_TMPDIR/.defer" >"$BATS_TEST_TMPDIR/.defer.rev"
		while read -r line; do
			[ -n "$line" ] && { eval "$line" >/dev/null 2>&1 || true; }
		done <"$BATS_TEST_TMPDIR/.defer.rev"
	fi
	if [ -f "$BATS_TEST_TMPDIR/.netns" ]; then
		while read -r d; do
			ip netns del "$d" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/.netns"
	fi

	# 4. Residue checks. Killing and reaping are asynchronous: allow a moment.
	if ! retry_until 5 _no_residue_procs 2>/dev/null; then
		for p in $(_live_residue_procs); do
			residue+=("process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)")
			kill -KILL "$p" 2>/dev/null || true
		done
	fi
	if ! retry_until 3 _no_residue_cgroups 2>/dev/null; then
		while read -r d; do
			residue+=("cgroup $d")
		done < <(_residue_cgroups)
		# deepest first
		_residue_cgroups | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- |
			while read -r d; do rmdir "$d" 2>/dev/null || true; done
	fi
	if [ -n "$(_residue_mounts)" ]; then
		while read -r line; do
			residue+=("mount $(echo "$line" | cut -d' ' -f5)")
		done < <(_residue_mounts)
		_residue_mounts | cut -d' ' -f5 | sort -r | while read -r d; do
			umount -l "$d" 2>/dev/null || true
		done
	fi
	# Per-container state left in ROOT. Hidden entries are the runtime's own
	# (rt keeps an empty directory .empty there for its sealed binary) unless
	# they name one of the test's containers.
	if [ -d "$ROOT" ]; then
		for d in "$ROOT"/* "$ROOT"/.[!.]*; do
			[ -e "$d" ] || continue
			if [[ ${d##*/} != .* ]] || _names_an_id "${d##*/}"; then
				residue+=("state $d")
			fi
		done
	fi
	while read -r id; do
		[ -n "$id" ] || continue
		for d in /var/run/netns/*"$id"*; do
			[ -e "$d" ] || continue
			residue+=("netns $d")
			ip netns del "${d##*/}" 2>/dev/null || true
		done
	done <"$BATS_TEST_TMPDIR/.ids"

	if [ ${#residue[@]} -gt 0 ]; then
		echo "RESIDUE after the test:" >&2
		printf '  %s\n' "${residue[@]}" >&2
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Assertions

# one_line STRING — true if STRING is exactly one non-empty line.
one_line() {
	[ -n "$1" ] && [ "$(printf '%s\n' "$1" | grep -c .)" -eq 1 ]
}

# assert_error — after `run --separate-stderr`: status 1 and a one-line
# message on stderr. Prints what it saw on failure.
assert_error() {
	if [ "$status" -ne 1 ]; then
		echo "exit status $status, want 1; stdout: $output; stderr: $stderr" >&2
		return 1
	fi
	if ! one_line "$stderr"; then
		echo "stderr is not one line: <<$stderr>>" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE...
assert_contains() {
	local h=$1 n
	shift
	for n in "$@"; do
		if [[ $h != *"$n"* ]]; then
			echo "expected <<$h>> to contain <<$n>>" >&2
			return 1
		fi
	done
}

# assert_not_contains HAYSTACK NEEDLE
assert_not_contains() {
	if [[ $1 == *"$2"* ]]; then
		echo "expected <<$1>> not to contain <<$2>>" >&2
		return 1
	fi
}

# assert_eq GOT WANT [what]
assert_eq() {
	if [ "$1" != "$2" ]; then
		echo "${3:-value}: got <<$1>>, want <<$2>>" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------
# Mount options

# has_option OPTIONS NAME — OPTIONS (comma-separated) holds NAME.
has_option() {
	[[ ,$1, == *",$2,"* ]]
}

# assert_option OPTIONS NAME / refute_option OPTIONS NAME — fail, saying
# so, unless OPTIONS holds (does not hold) NAME.
assert_option() {
	if ! has_option "$1" "$2"; then
		echo "no $2 in <<$1>>" >&2
		return 1
	fi
}
refute_option() {
	if has_option "$1" "$2"; then
		echo "$2 in <<$1>>" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------
# LSMs

# with_lsms LSMS CMD... — run CMD in a private mount namespace whose
# /sys/kernel/security/lsm lists LSMS (comma-separated): rt then plans as on
# a kernel that runs them. Nothing outside that namespace changes.
with_lsms() {
	local lsms=$1
	shift
	timeout --kill-after=5 "$RT_CMD_TIMEOUT" unshare -m --propagation private -- sh -c \
		'mount -t tmpfs -o size=64k rt-test-lsm /sys/kernel/security && printf "%s\n" "$0" >/sys/kernel/security/lsm && exec "$@"' \
		"$lsms" "$@"
}
