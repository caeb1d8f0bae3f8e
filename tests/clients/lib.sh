# shellcheck shell=bash
# lib.sh — helpers for the scenarios of tests/clients (sourced by run.sh and,
# in each scenario's own shell, together with the group's file).
#
# A scenario is a shell function run under `set -euo pipefail` and `set -x`
# in a shell of its own, bounded by `timeout`; its output goes to a log that
# run.sh prints when it fails. It fails by exiting non-zero (`fail` says why)
# and undoes what it made with `defer` (run at exit, last first, even when
# it fails or is killed by its timeout).

# fail MESSAGE... — end the scenario, failed, saying why.
fail() {
	{ set +x; } 2>/dev/null
	echo "FAIL: $*" >&2
	exit 1
}

# skip REASON... — end the scenario (or a group's setup), skipped: this
# machine cannot run it (a missing kernel feature or device). run.sh counts
# it as skipped and prints the reason.
skip() {
	{ set +x; } 2>/dev/null
	echo "SKIP: $*" >&2
	exit 77
}

# note MESSAGE... — a line in the scenario's log, outside the xtrace noise.
note() {
	{ set +x; } 2>/dev/null
	echo "--- $*" >&2
	set -x
}

# retried WHAT — a first try failed and the scenario tries again: said in
# the log and, through $SCEN_DIR/retried, in run.sh's summary, so that a
# scenario that passes only on its second try is never silent.
retried() {
	{ set +x; } 2>/dev/null
	echo "--- retried: $*" >&2
	echo "$*" >>"$SCEN_DIR/retried"
	set -x
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_match WHAT TEXT REGEX — TEXT has a line matching the extended REGEX.
expect_match() {
	printf '%s\n' "$2" | grep -Eq -- "$3" || fail "$1: no line matches /$3/ in: $2"
}

# expect_no_match WHAT TEXT REGEX
expect_no_match() {
	! printf '%s\n' "$2" | grep -Eq -- "$3" || fail "$1: a line matches /$3/ in: $2"
}

# oneline TEXT — the words of TEXT on one line, one space apart.
oneline() {
	local -a w
	read -r -d '' -a w <<<"$1" || true
	echo "${w[*]}"
}

# status CMD... — run CMD, print its exit status (never fails).
status() {
	local rc=0
	"$@" || rc=$?
	echo "$rc"
}

# retry TRIES DELAY CMD... — run CMD until it succeeds, at most TRIES times.
retry() {
	local n=$1 delay=$2 i
	shift 2
	for ((i = 1; i <= n; i++)); do
		if "$@"; then return 0; fi
		[ "$i" -lt "$n" ] && sleep "$delay"
	done
	return 1
}

# defer SHELL-TEXT — run SHELL-TEXT when the scenario ends (LIFO).
_DEFERRED=()
defer() { _DEFERRED+=("$1"); }
_run_deferred() {
	local rc=$? i
	{ set +x; } 2>/dev/null
	trap - EXIT
	for ((i = ${#_DEFERRED[@]} - 1; i >= 0; i--)); do
		echo "--- cleanup: ${_DEFERRED[i]}" >&2
		(eval "${_DEFERRED[i]}") >&2 || true
	done
	exit "$rc"
}

# scenario_shell — what each scenario's shell runs first.
scenario_shell() {
	set -euo pipefail
	trap _run_deferred EXIT
	# timeout sends TERM: exit through the EXIT trap so the cleanups run.
	trap 'exit 143' TERM INT HUP
	# The trace goes to the log on a descriptor of its own, never into the
	# output a scenario captures with 2>&1.
	exec 19>&2
	BASH_XTRACEFD=19
	export PS4='+ ${EPOCHREALTIME#*??????.} ${FUNCNAME[0]:-main}:${LINENO}: '
}

# in_pty COMMAND-STRING [LINE...] — run COMMAND-STRING (sh syntax) on a
# fresh pseudo-terminal with script(1), typing the LINEs; prints what the
# terminal showed and returns COMMAND's exit status.
in_pty() {
	local cmd=$1
	shift
	printf '%s\n' "$@" | timeout -k 5 "$CMD_TIMEOUT" script -qec "$cmd" /dev/null
}

# ------------------------------------------------------------------ devices

# host_dev_nodes — device nodes in subdirectories of the host's /dev, as
# /dev/dri/* and /dev/snd/* are, made here (c 1:3, a null device) and
# removed when the scenario ends: $HOSTSUB/dri/card0 (0666) and
# $HOSTSUB/snd/controlC0 (0660).
host_dev_nodes() {
	HOSTSUB=/dev/rt-clients-$$
	defer "rm -rf $HOSTSUB"
	mkdir -p "$HOSTSUB/dri" "$HOSTSUB/snd"
	mknod -m 0666 "$HOSTSUB/dri/card0" c 1 3
	mknod -m 0660 "$HOSTSUB/snd/controlC0" c 1 3
}

# host_subdir_nodes — the host's device nodes in subdirectories of /dev
# that --privileged passes (not /dev/pts, /dev/shm, /dev/mqueue), on one line.
host_subdir_nodes() {
	find /dev -mindepth 2 \( -type c -o -type b \) ! -path '/dev/pts/*' ! -path '/dev/shm/*' ! -path '/dev/mqueue/*' |
		sort | tr '\n' ' '
}

# check_privileged OUT — what a --privileged container printed for
# privileged_probe: every node of host_subdir_nodes there, mknod works,
# no capability the caller lacks, and CAP_NET_ADMIN, CAP_SYS_MODULE,
# CAP_SYS_ADMIN, CAP_MKNOD and CAP_SYS_RESOURCE wherever the caller holds
# them.
check_privileged() {
	local out=$1 eff bnd bit
	expect_no_match "host nodes missing in the container" "$out" '^missing'
	expect_match "mknod inside" "$out" '^mknod-ok$'
	eff=$((16#$(echo "$out" | grep -E '^[0-9a-f]{16}$')))
	bnd=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
	expect_eq "capabilities the caller lacks" "$(printf '%x' $((eff & ~bnd)))" 0
	for bit in 12 16 21 24 27; do
		[ $((bnd >> bit & 1)) = 0 ] && continue
		expect_eq "capability $bit" $((eff >> bit & 1)) 1
	done
}

# privileged_probe — the script (sh) whose output check_privileged reads.
privileged_probe() {
	echo "for p in $(host_subdir_nodes); do [ -c \$p ] || [ -b \$p ] || echo missing \$p; done
		grep CapEff /proc/self/status | cut -f2; mknod /tmp/n c 1 3 2>/dev/null && echo mknod-ok || echo mknod-failed"
}

# ------------------------------------------------------------------ cgroups

# cgroup_dirs REL — every existing cgroup directory for the path REL (as in
# config.json's cgroupsPath) in the v1 hierarchies and the unified one.
cgroup_dirs() {
	local d
	for d in /sys/fs/cgroup/*/"${1#/}" /sys/fs/cgroup/"${1#/}"; do
		[ -d "$d" ] && [ -e "$d/cgroup.procs" ] && echo "$d"
	done
	return 0
}
