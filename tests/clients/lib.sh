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

# skip MESSAGE... — end the scenario (or a group's setup), skipped, saying
# why: run.sh counts it as skipped and shows the reason.
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
